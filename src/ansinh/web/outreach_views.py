"""Outreach pages: build a target list, see it and split it, the walk list on a phone (and as a PDF), record at
each door, and the reminders outbox. Thin doors onto services and selectors (house rule 1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ansinh.areas import selectors as area_selectors
from ansinh.core.access import has_capability, not_found, require
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError
from ansinh.core.text import fold
from ansinh.outreach import selectors, services
from ansinh.outreach.models import Criterion, DoorStatus, MessageStatus, TargetHousehold, TargetList, Team
from ansinh.reports.outreach_figures import door_figures

from .pickers import area_picker, compare_rows, period_picker
from .views import page

DOOR_LABELS = {
    "knocked": gettext_lazy("Doors knocked"),
    "at_home": gettext_lazy("Someone at home"),
    "consulted": gettext_lazy("Consulted"),
    "enrolled": gettext_lazy("Enrolled"),
    "follow_up": gettext_lazy("Follow-up promised"),
    "refused": gettext_lazy("Refused"),
}


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _build_form_context(request, data=None):
    from ansinh.campaigns.selectors import activities_for_user

    communes = list(area_selectors.communes_for_user(user=request.user)[:200])
    former = area_selectors.former_names(areas=communes)
    for commune in communes:
        commune.village_list = list(  # type: ignore[attr-defined]  # the template's list of villages
            area_selectors.villages_of(commune=commune, user=request.user)
        )
        commune.former_names = former.get(commune.pk, [])  # type: ignore[attr-defined]  # found by the filter
        commune.folded = fold(" ".join([commune.name, commune.code, *commune.former_names]))  # type: ignore[attr-defined]
        for village in commune.village_list:  # type: ignore[attr-defined]
            village.folded = fold(f"{village.name} {village.code}")
    activities = (
        activities_for_user(user=request.user).filter(ends_on__gte=today()).order_by("starts_on")[:100]
    )
    return {
        "communes": communes,
        "activities": activities,
        "criteria": Criterion.choices,
        "data": data
        or {
            "criteria": ["uninsured", "lapsed"],
            "lapsed_days": 30,
            "expiring_days": 30,
            "teams": 1,
            "on": today().isoformat(),
        },
    }


def _doors_context(request) -> dict[str, Any]:
    """The doors of an area (the user's first by default) in a period (this month by default), beside the period
    before."""
    mine = area_selectors.first_area(user=request.user)
    code = request.GET.get("area") or (mine.code if mine is not None else None)
    period, period_context = period_picker(request, default="month")
    context: dict[str, Any] = {**period_context, **area_picker(request, code)}
    if code and not context["area_error"]:
        doors = door_figures(user=request.user, area_code=code, period=period)
        context["doors"] = doors
        context["door_rows"] = compare_rows(doors, DOOR_LABELS)
    return context


@page
def home(request):
    context = {
        "lists": selectors.target_lists_counted(user=request.user)[:100],
        "can_manage": has_capability(request.user, services.MANAGE),
        **_doors_context(request),
    }
    if context["can_manage"]:
        context.update(_build_form_context(request))
    if request.method == "POST":
        require(request.user, services.MANAGE)
        data = {
            "name": request.POST.get("name", ""),
            "area_codes": request.POST.getlist("area_codes"),
            "criteria": request.POST.getlist("criteria"),
            "on": request.POST.get("on", ""),
            "lapsed_days": request.POST.get("lapsed_days", ""),
            "expiring_days": request.POST.get("expiring_days", ""),
            "teams": request.POST.get("teams", ""),
            "activity_id": request.POST.get("activity_id", ""),
        }
        try:
            target_list = services.target_list_create(
                actor=request.user,
                name=data["name"],
                area_codes=data["area_codes"],
                criteria=data["criteria"],
                on=_date(data["on"]),
                lapsed_days=_int(data["lapsed_days"], -1),
                expiring_days=_int(data["expiring_days"], -1),
                teams=_int(data["teams"], 0),
                activity_id=_int(data["activity_id"]),
            )
        except ApplicationError as e:
            context.update(_build_form_context(request, data))
            context["error"] = e
        else:
            messages.success(
                request, _("The list is ready: %(n)s households.") % {"n": target_list.households.count()}
            )
            return redirect("outreach:list_detail", list_id=target_list.pk)
    return render(request, "outreach/home.html", context)


@page
def list_detail(request, list_id: int):
    target_list = selectors.target_list_get(user=request.user, list_id=list_id)
    if request.method == "POST":
        try:
            services.target_list_split(
                actor=request.user, target_list=target_list, teams=_int(request.POST.get("teams"), 0)
            )
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("The households are shared among the teams again."))
        return redirect("outreach:list_detail", list_id=target_list.pk)
    rows = list(selectors.target_households(target_list=target_list))
    teams = selectors.team_progress(target_list=target_list, rows=rows)
    return render(
        request,
        "outreach/list_detail.html",
        {
            "target_list": target_list,
            "rows": rows,
            "teams": teams,
            "criteria_labels": [str(dict(Criterion.choices).get(c, c)) for c in target_list.criteria],
            "can_manage": has_capability(request.user, services.MANAGE),
        },
    )


def _walk_list(request, list_id: int, number: int) -> tuple[TargetList, Team | None, list[TargetHousehold]]:
    """The list, the team (None for number 0: all teams) and its households in walking order."""
    target_list = selectors.target_list_get(user=request.user, list_id=list_id)
    team = None
    if number != 0:
        team = target_list.teams.filter(number=number).first()
        if team is None:
            raise not_found()
    rows = selectors.walk_order(
        selectors.target_households(target_list=target_list, team_number=number if team is not None else None)
    )
    return target_list, team, rows


@page
def walk(request, list_id: int, number: int):
    target_list, team, rows = _walk_list(request, list_id, number)
    for row in rows:
        names = {m.person_id: m.person.full_name for m in row.members.all()}
        row.offer_lines = [  # type: ignore[attr-defined]  # for the template only, not a model field
            (o, ", ".join(names.get(p, "") for p in o.get("person_ids", []))) for o in row.offers
        ]
    return render(
        request,
        "outreach/walk.html",
        {
            "target_list": target_list,
            "team": team,
            "number": number,
            "rows": rows,
            "statuses": [(v, label) for v, label in DoorStatus.choices if v != DoorStatus.PENDING],
            "today": today(),
        },
    )


@page
def walk_pdf(request, list_id: int, number: int):
    from ansinh.outreach.pdf import walk_list_pdf

    target_list, team, rows = _walk_list(request, list_id, number)
    response = HttpResponse(walk_list_pdf(target_list, team, rows), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="walk-list-{target_list.pk}-{number}.pdf"'
    return response


@page
@require_POST
def door(request, list_id: int, row_id: int):
    row = selectors.target_household_get(user=request.user, list_id=list_id, row_id=row_id)
    number = _int(request.POST.get("team"), 0)
    try:
        services.door_outcome_record(
            actor=request.user,
            row=row,
            status=request.POST.get("status", ""),
            person_id=_int(request.POST.get("person_id")),
            reason=request.POST.get("reason", ""),
            follow_up_on=_date(request.POST.get("follow_up_on")),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as e:
        messages.error(request, f"{row.label}: {e.message}")
    else:
        messages.success(request, _("%(label)s: recorded.") % {"label": row.label})
    return redirect(reverse("outreach:walk", args=[list_id, number]) + f"#row-{row.pk}")


@page
def export_csv(request, list_id: int):
    target_list = selectors.target_list_get(user=request.user, list_id=list_id)
    response = HttpResponse(
        "\ufeff" + selectors.export_csv(target_list), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="target-list-{target_list.pk}.csv"'
    return response


@page
def outbox(request):
    status = request.GET.get("status", "")
    found = selectors.outbox_for_user(user=request.user)
    if status:
        found = found.filter(status=status)
    return render(
        request,
        "outreach/outbox.html",
        {
            "messages_list": found[:200],
            "status": status,
            "statuses": MessageStatus.choices,
        },
    )


@page
@require_POST
def outbox_retry(request, message_id: int):
    message = selectors.outbox_get(user=request.user, message_id=message_id)
    try:
        services.outbox_retry(actor=request.user, message=message)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("The message is queued again."))
    return redirect("outreach:outbox")
