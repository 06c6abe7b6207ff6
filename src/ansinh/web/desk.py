"""The enrollment desk: find → choose → quote → pay → receipt and card, one screen per step.

Built for a crowded table: the search box has the focus, Enter moves on, the amounts are large, and every
payment carries an idempotency key rendered into the form, so a double click or a resubmitted page cannot take
the money twice (house rule 6)."""

from __future__ import annotations

import uuid

import segno
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ansinh.areas.selectors import facilities_near
from ansinh.core.access import require
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.numbers import parse_id, parse_whole
from ansinh.core.rule_errors import eligibility_message
from ansinh.enrollment import selectors as enrollment_selectors
from ansinh.enrollment import services as enrollment_services
from ansinh.enrollment.models import Scheme, Status
from ansinh.payments import selectors as payment_selectors
from ansinh.payments import services as payment_services
from ansinh.registry import selectors as registry_selectors
from ansinh.rules import hi

from .forms import read_day
from .views import page

SESSION_POINT = "desk_point_id"
SESSION_ACTIVITY = "desk_activity_id"


def _current_point(request):
    points = list(payment_selectors.my_points(user=request.user))
    if "point" in request.GET:  # "change" links with an empty point: back to the choice
        request.session[SESSION_POINT] = request.GET.get("point") or None
    chosen = request.session.get(SESSION_POINT)
    point = next((p for p in points if str(p.pk) == str(chosen)), None)
    if point is None and len(points) == 1:
        point = points[0]
    if point is not None:
        request.session[SESSION_POINT] = point.pk
    return point, points


def _current_activity(request):
    """The campaign activity the agent is working at today (everything recorded is attributed to it)."""
    from ansinh.campaigns.selectors import current_activities

    activities = list(current_activities(user=request.user, on=today()))
    if "activity" in request.GET:
        request.session[SESSION_ACTIVITY] = request.GET.get("activity") or None
    chosen = request.session.get(SESSION_ACTIVITY)
    activity = next((a for a in activities if str(a.pk) == str(chosen)), None)
    return activity, activities


@page
def desk_home(request):
    require(request.user, "enrollment.create")
    point, points = _current_point(request)
    activity, activities = _current_activity(request)
    q = request.GET.get("q", "").strip()
    people = registry_selectors.person_search(user=request.user, text=q, limit=12) if q else []
    if request.htmx:
        return render(request, "web/desk_home.html#results", {"q": q, "people": people})
    receipts, total = [], 0
    if point is not None:
        summary = payment_selectors.day_summary(point=point, agent=request.user, day=today())
        receipts = summary["receipts"][::-1]  # the latest first
        total = summary["cash"] + summary["transfers"]
    return render(
        request,
        "web/desk_home.html",
        {
            "point": point,
            "points": points,
            "q": q,
            "people": people,
            "receipts": receipts,
            "total": total,
            "activity": activity,
            "activities": activities,
        },
    )


@page
def desk_person(request, person_id: int):
    require(request.user, "enrollment.create")
    point, _points = _current_point(request)
    activity, _activities = _current_activity(request)
    person = registry_selectors.person_get(user=request.user, person_id=person_id)
    day = today()
    rows = enrollment_selectors.renewal_status(
        persons=registry_selectors.household_served(user=request.user, person=person), on=day
    )
    mine = None
    for row in rows:  # what the law lets each one buy (the one rule), and why not in words
        cover = row["cover"]
        decided = enrollment_selectors.eligibility(
            person=row["person"], on=day, coverage_end=cover.valid_to if cover else None
        )
        household = decided.hi_household
        row["household_ok"] = household.allowed
        row["note"] = (
            ""
            if household.allowed or household.reason == "already_covered"
            else eligibility_message(
                row["person"].full_name, "hi_household", household.reason, household.covered_by
            )
        )
        if row["person"].pk == person.pk:
            mine = decided
    # the registered primary-care facility: the person's last card's, else their commune's station
    facilities = facilities_near(commune=person.commune)
    mine_row = next((r for r in rows if r["person"].pk == person.pk), None)
    last_cover = mine_row["cover"] if mine_row else None
    proposed = last_cover.facility if last_cover is not None and last_cover.facility_id else None
    if proposed is None:
        proposed = next((f for f in facilities if f.area_id == person.commune_id), None)
    if proposed is not None and proposed not in facilities:
        facilities.insert(0, proposed)
    groups = hi.subsidised_groups(on=day)
    default_group = ""
    if mine is not None and not mine.hi_household.allowed and mine.hi_group.allowed and mine.hi_groups:
        default_group, groups = mine.hi_groups[0], list(mine.hi_groups)
    return render(
        request,
        "web/desk_person.html",
        {
            "point": point,
            "activity": activity,
            "person": person,
            "rows": rows,
            "groups": groups,
            "default_group": default_group,
            "vsi_ok": mine is not None and mine.vsi.allowed,
            "facilities": facilities,
            "facility_proposed": proposed,
            "months": enrollment_selectors.payment_months(on=today()),
            "income_floor": enrollment_selectors.vsi_income_floor(on=today()),
        },
    )


def _person_ids(request) -> list[int]:
    return [i for i in map(parse_id, request.POST.getlist("person_ids")) if i is not None]


def _quote_request(request):
    scheme = request.POST.get("scheme", Scheme.HI_HOUSEHOLD)
    ids = _person_ids(request)
    months_text = (request.POST.get("months") or "").strip()
    months = parse_whole(months_text, digits=3) if months_text else (1 if scheme == Scheme.VSI else 12)
    if months is None:
        raise ApplicationError(ErrorCode.INVALID, _("Choose the number of months."), field="months")
    income = parse_whole(request.POST.get("income"))
    group = request.POST.get("group") or None
    if scheme in (Scheme.HI_HOUSEHOLD, Scheme.VSI):
        # the group list on the page is health insurance's; voluntary SI's groups come from the registry
        group = None
    return {
        "scheme": scheme,
        "person_ids": ids,
        "months": months,
        "group": group,
        "income": income if scheme == Scheme.VSI else None,
    }


@page
@require_POST
def desk_outcome(request, person_id: int):
    """An outcome without a payment, at the activity the agent is working at: consulted, helped to install
    VssID, pension switched to an account, follow-up promised."""
    from ansinh.campaigns.services import outcome_record

    activity, _activities = _current_activity(request)
    person = registry_selectors.person_get(user=request.user, person_id=person_id)
    if activity is None:
        messages.error(request, _("Choose the activity you are working at first."))
        return redirect("web:desk_person", person_id=person.pk)
    follow = request.POST.get("follow_up_on") or None
    follow_up_on = None
    if follow:
        follow_up_on, message = read_day(follow)  # a full day (dd/mm/yyyy), not a month or a year
        if message:
            messages.error(request, message)
            return redirect("web:desk_person", person_id=person.pk)
    try:
        _outcome, created = outcome_record(
            actor=request.user,
            activity=activity,
            person=person,
            kind=request.POST.get("kind", ""),
            on=today(),
            follow_up_on=follow_up_on,
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Recorded.") if created else _("Already recorded."))
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("web:desk_person", person_id=person.pk)


@page
@require_POST
def desk_quote(request, person_id: int):
    require(request.user, "enrollment.create")
    point, _points = _current_point(request)
    person = registry_selectors.person_get(user=request.user, person_id=person_id)
    context: dict = {"point": point, "person": person, "request_data": {}}
    try:
        data = context["request_data"] = _quote_request(request)
        quote = enrollment_services.quote_create(actor=request.user, **data)
    except ApplicationError as e:
        context["error"] = e
        return render(request, "web/desk_quote.html", context, status=422 if not request.htmx else 200)
    context.update(
        quote=quote,
        result=quote.result,
        key=uuid.uuid4().hex,
        facility_code=(request.POST.get("facility_code") or "").strip()[:10],
    )
    return render(request, "web/desk_quote.html", context)


@page
@require_POST
def desk_pay(request):
    require(request.user, "enrollment.create")
    point, _points = _current_point(request)
    activity, _activities = _current_activity(request)
    ids = _person_ids(request)
    try:
        data = _quote_request(request)
        enrollment, _created = enrollment_services.enrollment_create(
            activity_id=activity.pk if activity else None,
            actor=request.user,
            idempotency_key=request.POST.get("idempotency_key", ""),
            point=point,
            quote_id=request.POST.get("quote_id") or None,
            method=request.POST.get("method", "cash"),
            vssid_install_assisted=bool(request.POST.get("vssid")),
            cashless_switched=bool(request.POST.get("cashless")),
            tendered=_tendered(request),
            facility_code=(request.POST.get("facility_code") or "").strip()[:10] or None
            if data["scheme"] != Scheme.VSI
            else None,
            **data,
        )
    except ApplicationError as e:
        messages.error(request, e.message)
        person_id = ids[0] if ids else None
        return redirect("web:desk_person", person_id=person_id) if person_id else redirect("web:desk")
    return redirect("web:desk_enrollment", enrollment_id=enrollment.pk)


def _tendered(request) -> int | None:
    """The cash given, as typed (dots and spaces allowed); empty when the agent did not type it."""
    text = (request.POST.get("tendered") or "").strip()
    if not text or request.POST.get("method", "cash") != "cash":
        return None
    value = parse_whole(text)
    if value is None:
        raise ApplicationError(
            ErrorCode.INVALID, _("Enter the cash given as a whole number of đồng."), field="payment.tendered"
        )
    return value


@page
def desk_enrollment(request, enrollment_id: int):
    enrollment = enrollment_selectors.enrollment_get(user=request.user, enrollment_id=enrollment_id)
    data = enrollment_selectors.enrollment_json(enrollment)
    qr_svg = None
    if data["payment"] and data["payment"]["vietqr"] and enrollment.status == Status.PENDING_PAYMENT:
        qr_svg = segno.make(data["payment"]["vietqr"], error="m").svg_inline(scale=5, border=2)
    return render(
        request,
        "web/desk_enrollment.html",
        {
            "enrollment": enrollment,
            "data": data,
            "qr_svg": qr_svg,
            "point": enrollment.point,
        },
    )


@page
@require_POST
def desk_confirm(request, enrollment_id: int):
    enrollment = enrollment_selectors.enrollment_get(user=request.user, enrollment_id=enrollment_id)
    try:
        enrollment_services.enrollment_confirm_payment(
            actor=request.user, enrollment=enrollment, bank_reference=request.POST.get("bank_reference", "")
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("web:desk_enrollment", enrollment_id=enrollment.pk)


@page
@require_POST
def desk_outcomes(request, enrollment_id: int):
    enrollment = enrollment_selectors.enrollment_get(user=request.user, enrollment_id=enrollment_id)
    enrollment_services.outcome_flags_set(
        actor=request.user,
        enrollment=enrollment,
        vssid_install_assisted=bool(request.POST.get("vssid")),
        cashless_switched=bool(request.POST.get("cashless")),
    )
    messages.success(request, _("Saved."))
    return redirect("web:desk_enrollment", enrollment_id=enrollment.pk)


@page
@require_POST
def desk_void(request, receipt_id: int):
    receipt = payment_selectors.receipt_get(user=request.user, receipt_id=receipt_id)
    try:
        enrollment_services.receipt_void(
            actor=request.user, receipt=receipt, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Receipt %(n)s is void.") % {"n": receipt.display_number})
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, e.message)
    return redirect("web:desk_enrollment", enrollment_id=receipt.enrollment_id)


@page
def desk_receipt_pdf(request, receipt_id: int):
    from ansinh.documents.pdf import pdf_response
    from ansinh.payments.pdf import PAPERS, receipt_pdf

    receipt = payment_selectors.receipt_get(user=request.user, receipt_id=receipt_id)
    paper = request.GET.get("paper", "a5")
    if paper not in PAPERS:
        paper = "a5"
    return pdf_response(receipt_pdf(receipt, paper=paper), f"bien-lai-{receipt.display_number}.pdf")


@page
def desk_cards_pdf(request, enrollment_id: int):
    from ansinh.cards import services as card_services
    from ansinh.cards.pdf import card_pdf
    from ansinh.cards.selectors import cards_for_batch
    from ansinh.documents.pdf import pdf_response

    enrollment = enrollment_selectors.enrollment_get(user=request.user, enrollment_id=enrollment_id)
    cards = list(cards_for_batch(user=request.user, enrollment_id=enrollment.pk))
    if not cards:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No cards to print."))
    content = card_pdf(cards)
    if request.method == "POST":  # the "print the cards" button; a GET of the PDF is only looking at it
        card_services.card_mark_printed(actor=request.user, cards=cards)
    return pdf_response(content, f"the-bhyt-{enrollment.pk}.pdf")


@page
def desk_close(request):
    require(request.user, "dayclose.create")
    point, _points = _current_point(request)
    if point is None:
        return redirect("web:desk")
    error = None
    if request.method == "POST":
        counted = parse_whole(request.POST.get("cash_counted"))
        try:
            close = payment_services.day_close_create(
                actor=request.user,
                point=point,
                cash_counted=-1 if counted is None else counted,
                received_by=request.POST.get("received_by", ""),
                note=request.POST.get("note", ""),
            )
            return redirect("web:desk_close_pdf", close_id=close.pk)
        except ApplicationError as e:
            error = e
    summary = payment_selectors.day_summary(point=point, agent=request.user, day=today())
    return render(
        request,
        "web/desk_close.html",
        {
            "point": point,
            "receipts": summary["receipts"],
            "error": error,
            "cash": summary["cash"],
            "transfers": summary["transfers"],
        },
    )


@page
def desk_close_pdf(request, close_id: int):
    from ansinh.documents.pdf import pdf_response
    from ansinh.payments.pdf import handover_pdf

    close = payment_selectors.day_close_get(user=request.user, close_id=close_id)
    return pdf_response(handover_pdf(close), f"ban-giao-{close.day.isoformat()}.pdf")
