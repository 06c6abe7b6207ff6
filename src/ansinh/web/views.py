"""Page views: thin doors onto services and selectors (house rule 1)."""

from __future__ import annotations

import logging
import sys
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ansinh.areas import selectors as area_selectors
from ansinh.areas import services as area_services
from ansinh.areas.models import Level
from ansinh.core.access import has_capability, scope_for
from ansinh.core.errors import ApplicationError, ErrorCode, ValidationFailed
from ansinh.core.numbers import parse_id
from ansinh.core.selectors import MANAGE as MANAGE_USERS
from ansinh.core.selectors import user_get, users_for_user
from ansinh.core.services import user_create, user_update
from ansinh.records import history
from ansinh.registry import selectors, services
from ansinh.registry.models import Relation

from .forms import HouseholdMemberForm, PersonForm, UserForm, VillageForm
from .labels import history_in_words, status_changes_in_words


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        from ansinh.core.services import second_factor_devices

        from .security import SECOND_FACTOR_CHOSEN

        # someone who added an authenticator by choice is asked its code too (ADR 0021)
        self.request.session[SECOND_FACTOR_CHOSEN] = bool(second_factor_devices(form.get_user()))
        return response


class LogoutView(auth_views.LogoutView):
    pass


RESTORE_FORM = "ansinh_restore_form"


def signed_out(request) -> HttpResponse:
    """A page asked without a session. A first visit goes to the sign-in page and back. A session that ended while
    the agent worked — a form sent, or a search typed (htmx) — says so in words, and after the sign-in brings the
    agent back to the page they were on (not to the address the form was sent to, which a browser cannot open:
    the "HTTP ERROR 405"), where the form is filled in again as it was (static/ansinh/keep-form.js)."""
    login = resolve_url(settings.LOGIN_URL)
    working = request.method == "POST" or getattr(request, "htmx", False)
    if not working:
        return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
    back = request.headers.get("HX-Current-URL") or request.META.get("HTTP_REFERER") or ""
    parts = urlsplit(back)
    safe = back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    target = (parts.path + (f"?{parts.query}" if parts.query else "")) if safe and parts.path else "/"
    request.session[RESTORE_FORM] = parts.path if safe else ""
    messages.warning(
        request,
        _(
            "Your session has ended. Sign in again: you will come back to the same page, with the form as you left it."
        ),
    )
    url = f"{login}?{urlencode({'next': target})}"
    if getattr(request, "htmx", False):  # the search box must not show the sign-in page inside it
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def signed_in(view):
    """The view for signed-in users; anyone else is told by ``signed_out``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return signed_out(request)
        return view(request, *args, **kwargs)

    return wrapper


def page(view):
    """Login required; 'not found' becomes the 404 page and 'not permitted' the 403 page. Any other refusal a view
    did not show on its own form (a double click on a button, a changed page) is told as a message on the page
    the user came from, after a POST (nothing was written: the service refused in its transaction), or on an
    error page with status 400."""

    @signed_in
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as e:
            if e.code == ErrorCode.NOT_FOUND:
                raise Http404(e.message) from None
            if e.code == ErrorCode.PERMISSION_DENIED:
                return HttpResponseForbidden(
                    render(request, "web/forbidden.html", {"message": e.message}).content
                )
            if request.method == "POST":
                messages.error(request, e.message)
                back = request.META.get("HTTP_REFERER", "")
                safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
                return redirect(back if back and safe else "web:home")
            return render(request, "web/refused.html", {"message": e.message}, status=400)

    return wrapper


@page
def home(request):
    user = request.user
    my_areas = list(user.areas.all().order_by("path"))
    counts = dict(
        selectors.persons_for_user(user=user).values_list("province_code").annotate(n=Count("id")).order_by()
    )
    return render(request, "web/home.html", {"my_areas": my_areas, "people_count": sum(counts.values())})


@page
def person_search(request):
    q = request.GET.get("q", "").strip()
    people = selectors.person_search(user=request.user, text=q) if q else []
    template = "web/person_search.html#results" if request.htmx else "web/person_search.html"
    can_see_id = has_capability(request.user, "personal_id.view")
    return render(request, template, {"q": q, "people": people, "can_see_id": can_see_id})


def _person_form(request, *, data=None, initial=None, commune_code=None):
    communes = list(area_selectors.communes_for_user(user=request.user))
    code = (data or {}).get("area_code") or commune_code or (communes[0].code if communes else None)
    commune = next((c for c in communes if c.code == code), None)
    villages = list(area_selectors.villages_of(commune=commune, user=request.user)) if commune else []
    return PersonForm(data, initial=initial, communes=communes, villages=villages)


def _apply_errors(form, error: ApplicationError) -> None:
    errors = (
        error.errors if isinstance(error, ValidationFailed) else {error.field or "__all__": error.message}
    )
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)


@page
def person_create(request):
    if not has_capability(request.user, "registry.edit"):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."))
    household_id = parse_id(request.GET.get("household"))
    household = (
        selectors.household_get(user=request.user, household_id=household_id) if household_id else None
    )
    commune_code = request.GET.get("area") or (household.commune.code if household else None)
    form = _person_form(request, data=request.POST or None, commune_code=commune_code)
    relation = request.POST.get("relation", Relation.CHILD)
    if request.method == "POST" and form.is_valid():
        try:
            if household is not None:  # registered from the household's page: into that household
                person = services.household_register_member(
                    actor=request.user, household=household, data=form.service_data(), relation=relation
                )
            else:
                person = services.person_create(actor=request.user, data=form.service_data())
        except ApplicationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.full_name})
            if request.GET.get("desk"):
                return redirect("web:desk_person", person_id=person.pk)
            if household is not None:
                return redirect("web:household_detail", household_id=household.pk)
            return redirect("web:person_detail", person_id=person.pk)
    context = {
        "form": form,
        "creating": True,
        "household": household,
        "relations": [(v, label) for v, label in Relation.choices if v != Relation.HEAD],
        "relation": relation,
    }
    return render(request, "web/person_form.html", context)


@page
def person_edit(request, person_id: int):
    person = selectors.person_get(user=request.user, person_id=person_id)
    if not has_capability(request.user, "registry.edit"):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."))
    initial = {f: getattr(person, f) for f in PersonForm.base_fields if hasattr(person, f)}
    initial.update(
        birth_date=person.birth_date_display,
        area_code=person.commune.code,
        village_id=str(person.village_id or ""),
    )
    form = _person_form(request, data=request.POST or None, initial=initial, commune_code=person.commune.code)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, data=form.service_data())
        except ApplicationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, _("The record is corrected."))
            return redirect("web:person_detail", person_id=person.pk)
    return render(request, "web/person_form.html", {"form": form, "person": person, "creating": False})


@page
def person_villages(request):
    """The village choices of a commune (htmx, when the commune changes in the person form)."""
    form = _person_form(request, data=None, commune_code=request.GET.get("area_code"))
    return render(request, "web/person_form.html#village", {"form": form})


def _history(user, obj) -> list[dict]:
    """A record's history, for those who may read the audit trail (it holds every value the record ever had,
    the full personal ID among them)."""
    return history_in_words(obj) if has_capability(user, "audit.view") else []


@page
def person_detail(request, person_id: int):
    person = selectors.person_get(user=request.user, person_id=person_id)
    household_id = getattr(person, "household_id", None)  # annotated by the selector
    # a household in another commune than the person's may lie outside the user's areas: shown as such
    household = (
        selectors.households_for_user(user=request.user).filter(pk=household_id).first()
        if household_id
        else None
    )
    return render(
        request,
        "web/person_detail.html",
        {
            "person": person,
            "household": household,
            "members": selectors.household_members(household=household) if household else [],
            "memberships": selectors.person_memberships(person=person),
            "history": _history(request.user, person),
            "status_changes": status_changes_in_words(person),
            "household_elsewhere": bool(household_id) and household is None,
            # the person's cards, payments, receipts, VSI months and outcomes (ADR 0025), for those who may read them
            "record": (
                history.person_history(user=request.user, person_id=person.pk)
                if has_capability(request.user, history.CAPABILITY)
                else None
            ),
            "can_see_history": has_capability(request.user, "audit.view"),
            "can_edit": has_capability(request.user, "registry.edit"),
            "can_see_id": has_capability(request.user, "personal_id.view"),
        },
    )


@page
def person_history_pdf(request, person_id: int):
    """The participation history printed for the person to take home (Vietnamese, A4)."""
    from ansinh.core.dates import today
    from ansinh.documents.pdf import pdf_response
    from ansinh.records.pdf import history_pdf

    record = history.person_history(user=request.user, person_id=person_id)
    content = history_pdf(record, user=request.user, printed_on=today())
    return pdf_response(content, f"qua-trinh-tham-gia-{person_id}.pdf")


@page
@require_POST
def household_create(request, person_id: int):
    person = selectors.person_get(user=request.user, person_id=person_id)
    household = services.household_create(
        actor=request.user, head=person, address=request.POST.get("address", "")
    )
    messages.success(request, _("Household %(code)s is created.") % {"code": household.code})
    return redirect("web:household_detail", household_id=household.pk)


@page
def household_detail(request, household_id: int):
    household = selectors.household_get(user=request.user, household_id=household_id)
    q = request.GET.get("q", "").strip()
    candidates = [p for p in selectors.person_search(user=request.user, text=q, limit=10)] if q else []
    members = list(selectors.household_members(household=household, include_past=True))
    # each current member's card and its state today (empty for those who may not read participation records)
    cards = history.household_cards(user=request.user, persons=[m.person for m in members if not m.ended_on])
    for m in members:  # read by the template as m.card and m.card_visible
        setattr(m, "card", cards.get(m.person_id))  # noqa: B010
        setattr(m, "card_visible", m.person_id in cards)  # noqa: B010
    return render(
        request,
        "web/household_detail.html",
        {
            "household": household,
            "members": members,
            "can_see_cards": has_capability(request.user, history.CAPABILITY),
            "history": _history(request.user, household),
            "can_see_history": has_capability(request.user, "audit.view"),
            "q": q,
            "candidates": candidates,
            "relations": Relation.choices,
            "can_edit": has_capability(request.user, "registry.edit"),
        },
    )


@page
@require_POST
def household_add_member(request, household_id: int):
    household = selectors.household_get(user=request.user, household_id=household_id)
    form = HouseholdMemberForm(request.POST)
    if form.is_valid():
        person = selectors.person_get(user=request.user, person_id=form.cleaned_data["person_id"])
        try:
            if request.POST.get("move") == "1":
                services.household_move_member(
                    actor=request.user, person=person, to=household, relation=form.cleaned_data["relation"]
                )
            else:
                services.household_add_member(
                    actor=request.user,
                    household=household,
                    person=person,
                    relation=form.cleaned_data["relation"],
                )
            messages.success(request, _("%(name)s is added to the household.") % {"name": person.full_name})
        except ApplicationError as e:
            if e.code == ErrorCode.NOT_FOUND:
                raise
            messages.error(request, e.message)
    return redirect("web:household_detail", household_id=household.pk)


@page
def area_detail(request, code: str | None = None):
    user = request.user
    if code is None:
        return redirect("web:home")
    area = area_selectors.area_get_for_user(user=user, code=code)
    form = VillageForm(request.POST or None)
    can_edit = has_capability(user, "areas.edit") and scope_for(user).covers_area(area)
    if request.method == "POST" and can_edit and area.level == Level.COMMUNE and form.is_valid():
        try:
            village = area_services.village_create(actor=user, commune=area, **form.cleaned_data)
            messages.success(request, _("Village %(name)s is created.") % {"name": village.name})
            return redirect("web:area_detail", code=area.code)
        except ApplicationError as e:
            form.add_error("name", e.message)
    children = area_selectors.area_children(user=user, area=area)
    return render(
        request,
        "web/area_detail.html",
        {
            "area": area,
            "children": children,
            "form": form,
            "can_edit": can_edit,
            "successors": area.successors.select_related("current"),
            "predecessors": area.predecessors.select_related("legacy").order_by("legacy__code"),
        },
    )


@page
def user_list(request):
    users = users_for_user(user=request.user)
    return render(request, "web/user_list.html", {"users": users})


@page
def user_edit(request, user_id: int | None = None):
    if not has_capability(request.user, MANAGE_USERS):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."))
    target = user_get(user=request.user, user_id=user_id) if user_id else None
    initial = {}
    if target:
        initial = {
            "username": target.username,
            "role": target.role,
            "is_active": target.is_active,
            "area_codes": " ".join(target.areas.values_list("code", flat=True)),
        }
    form = UserForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        codes = d["area_codes"].replace(",", " ").split()
        try:
            if target:
                user_update(
                    actor=request.user,
                    user=target,
                    role=d["role"],
                    area_codes=codes,
                    is_active=d["is_active"],
                    password=d["password"] or None,
                )
            else:
                target = user_create(
                    actor=request.user,
                    username=d["username"],
                    role=d["role"],
                    area_codes=codes,
                    password=d["password"] or None,
                )
            messages.success(request, _("User %(name)s is saved.") % {"name": target.username})
            return redirect("web:user_list")
        except ApplicationError as e:
            form.add_error(
                e.field if e.field in form.fields else ("area_codes" if e.field == "areas" else None),
                e.message,
            )
    return render(request, "web/user_form.html", {"form": form, "target": target})


def server_error(request) -> HttpResponse:
    """The 500 page (config/urls.py ``handler500``): drawn without the request's context — the failure may have come
    from the database — with the error id that the log's lines carry (the traceback and the request's JSON line)."""
    from django.template import loader

    from ansinh.core.input_guard import error_id_for

    error_id = error_id_for(request)
    logging.getLogger("ansinh.errors").error(
        "error %s on %s %s", error_id, request.method, request.path, exc_info=sys.exc_info()[0] is not None
    )
    return HttpResponse(loader.get_template("500.html").render({"error_id": error_id}), status=500)
