"""The field kit's pages (issue 14, ADR 0027). At the office, /field/ lists the kits of a manager's areas, issues
one (its check-out code is shown once) and revokes one; /field/conflicts/ is the conflict queue. On a kit, /field/
is the kit's status with its sync button. Thin: the field app decides."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ansinh.areas.selectors import area_choices
from ansinh.core.access import require
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.numbers import parse_id, parse_whole
from ansinh.field import selectors, services
from ansinh.field.models import ConflictStatus
from ansinh.payments.selectors import points_for_user

from .views import page


def _on_kit() -> bool:
    return bool(getattr(settings, "ANSINH_FIELD_KIT", False))


@page
def field_home(request):
    if _on_kit():
        return _kit_status(request)
    issued = None  # who may issue and list kits: the field services and selectors decide (payments.manage)
    form: dict[str, str] = {"receipts": "200", "valid_days": "14"}
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "") for k in ("name", "area_codes", "point_id", "receipts", "valid_days")
        }
        try:
            kit, code = services.kit_create(
                actor=request.user,
                name=form["name"],
                area_codes=[c for c in form["area_codes"].replace(";", ",").split(",") if c.strip()],
                point_id=parse_id(form["point_id"]) or 0,
                receipts=parse_whole(form["receipts"], digits=6) or 0,
                valid_days=parse_whole(form["valid_days"], digits=3) or 0,
            )
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            issued = {"kit": kit, "code": code, "server": request.build_absolute_uri("/").rstrip("/")}
    return render(
        request,
        "web/field_office.html",
        {
            "kits": selectors.kits_for_user(user=request.user).select_related("point", "book")[:100],
            "open_conflicts": selectors.conflicts_for_user(user=request.user).count(),
            "points": points_for_user(user=request.user).filter(is_active=True).order_by("name"),
            "area_choices": area_choices(user=request.user),
            "form": form,
            "issued": issued,
        },
    )


@require_POST
@page
def field_revoke(request, kit_id: int):
    kit = services.kit_revoke(actor=request.user, kit=selectors.kit_get(user=request.user, kit_id=kit_id))
    messages.success(request, _("Kit %(name)s is revoked.") % {"name": kit.name})
    return redirect("web:field")


def _kit_status(request):
    from ansinh.field import client

    state = client.kit_state()
    return render(
        request,
        "web/field_kit.html",
        {
            "state": state,
            "status": client.status(),
            "recent": client.journal_recent(),
            "last": client.last_result(),
        },
    )


@require_POST
@page
def field_sync(request):
    if not _on_kit():
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."))
    require(request.user, "enrollment.create")
    from ansinh.field import client

    try:
        counts = client.sync()
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _(
                "Synced: %(pushed)s sent (%(conflicts)s for the office to decide), %(pulled)s records received."
            )
            % counts,
        )
    return redirect("web:field")


@page
def field_conflicts(request):
    status = request.GET.get("status", ConflictStatus.OPEN)
    if request.method == "POST":
        conflict = selectors.conflict_get(
            user=request.user, conflict_id=parse_id(request.POST.get("conflict")) or 0
        )
        try:
            services.conflict_resolve(
                actor=request.user,
                conflict=conflict,
                action=request.POST.get("action", ""),
                note=request.POST.get("note", ""),
            )
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("Decided."))
        return redirect(f"{request.path}?status={status}")
    return render(
        request,
        "web/field_conflicts.html",
        {
            "conflicts": selectors.conflicts_for_user(user=request.user, status=status).select_related(
                "kit__book"
            )[:200],
            "status": status,
        },
    )
