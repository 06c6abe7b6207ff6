"""A person's whole participation record, read once for the person page, the household page, the API
(``GET /api/v1/persons/{id}/history``) and the printed "quá trình tham gia" (ADR 0025).

It reads the lower apps (registry, enrollment, payments, cards, campaigns, outreach) and none of them reads it:
reports is above them all. Each list is one query, whatever the number of cards, payments or outcomes a person
has (tests/reports/test_history.py counts them). Everything is scoped like the registry: a person outside the
user's areas is the same "not found" as a missing one; reading the record needs ``participation.view``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from ansinh.core.access import require, scope_for
from ansinh.core.dates import today
from ansinh.rules import cards as card_rules

CAPABILITY = "participation.view"

# The state of a card on a day, in words (rules.cards.coverage_state gives the code).
STATE_LABELS = {
    card_rules.IN_FORCE: pgettext_lazy("card state", "in force"),
    card_rules.NOT_YET: pgettext_lazy("card state", "not yet in force"),
    card_rules.EXPIRED: pgettext_lazy("card state", "expired"),
    card_rules.VOID: pgettext_lazy("card state", "void"),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def _hi_group_label(code: str) -> str:
    # The rules' group names live below the apps (core/group_names.py): the API and the printed history say the
    # same words as the pages.
    from ansinh.core.group_names import hi_group_label

    return hi_group_label(code)


def _facility(span) -> dict | None:
    """The span's registered primary-care facility as {"code", "name"} (read with select_related in spans_of)."""
    facility = span.facility
    return None if facility is None else {"code": facility.code, "name": facility.name}


def _span_json(span, on: dt.date) -> dict[str, Any]:
    card = getattr(span, "card", None)
    state = card_rules.coverage_state(span.valid_from, span.valid_to, on, void=span.is_void)
    enrollment = span.enrollment
    return {
        "id": span.pk,
        "group": span.group,
        "group_name": _hi_group_label(span.group),
        "group_code": span.group_code,
        "benefit_level": span.benefit_level,
        "valid_from": span.valid_from,
        "valid_to": span.valid_to,
        "card_code": span.card_code,
        "card_number": card.number if card is not None else None,
        "card_id": card.pk if card is not None else None,
        "state": state,
        "state_name": state_label(state),
        "void": span.is_void,
        "enrollment_id": span.enrollment_id,
        "paid_on": enrollment.paid_on if enrollment is not None else None,
        "facility": _facility(span),
    }


def spans_of(*, person_ids: Iterable[int]):
    """Every health-insurance coverage span of these persons, with its card and enrollment: one query."""
    from ansinh.enrollment.models import HICoverage

    spans = HICoverage.objects.filter(person_id__in=list(person_ids)).select_related(
        "card", "enrollment", "facility"
    )
    return spans.order_by("-valid_from", "-pk")


def current_span(spans: Sequence, on: dt.date):
    """The card that speaks for a person on a day: the one in force (the latest ending, if two), else the next
    one to start, else the last one that ended, else the last void one; None without any card."""
    by_state: dict[str, list] = {}
    for span in spans:
        state = card_rules.coverage_state(span.valid_from, span.valid_to, on, void=span.is_void)
        by_state.setdefault(state, []).append(span)
    if by_state.get(card_rules.IN_FORCE):
        return max(by_state[card_rules.IN_FORCE], key=lambda s: (s.valid_to, s.pk))
    if by_state.get(card_rules.NOT_YET):
        return min(by_state[card_rules.NOT_YET], key=lambda s: (s.valid_from, s.pk))
    if by_state.get(card_rules.EXPIRED):
        return max(by_state[card_rules.EXPIRED], key=lambda s: (s.valid_to, s.pk))
    if by_state.get(card_rules.VOID):
        return max(by_state[card_rules.VOID], key=lambda s: (s.valid_to, s.pk))
    return None


def _payments(person, user) -> tuple[list[dict], list[dict], list]:
    """(payments, receipts, the person's member rows): one payment per enrollment that paid for the person, with
    its receipt where one was issued. A receipt's PDF is offered where the user may open it (receipts are read
    by the collection point's area: payments.selectors.receipts_for_user)."""
    from ansinh.enrollment.models import EnrollmentMember, Scheme
    from ansinh.enrollment.models import Status as EnrollmentStatus
    from ansinh.payments.models import Method, PaymentStatus

    scope = scope_for(user)
    rows = list(
        EnrollmentMember.objects.filter(person=person)
        .select_related(
            "enrollment",
            "enrollment__point",
            "enrollment__point__area",
            "enrollment__payment",
            "enrollment__receipt",
        )
        .order_by("-paid_on", "-enrollment_id")
    )
    payments, receipts = [], []
    for member in rows:
        enrollment = member.enrollment
        payment = getattr(enrollment, "payment", None)
        receipt = getattr(enrollment, "receipt", None)
        method = payment.method if payment is not None else (receipt.method if receipt is not None else "")
        payments.append(
            {
                "enrollment_id": enrollment.pk,
                "scheme": enrollment.scheme,
                "scheme_name": str(Scheme(enrollment.scheme).label),
                "paid_on": enrollment.paid_on,
                "months": enrollment.months,
                "status": enrollment.status,
                "status_name": str(EnrollmentStatus(enrollment.status).label),
                "method": method,
                "method_name": str(Method(method).label) if method else "",
                "payment_status": payment.status if payment is not None else None,
                "payment_status_name": str(PaymentStatus(payment.status).label)
                if payment is not None
                else "",
                "amount": payment.amount if payment is not None else enrollment.total_payable,
                "share": member.payable,
                "reference": payment.reference if payment is not None else None,
                "point": enrollment.point.name,
                "receipt_id": receipt.pk if receipt is not None else None,
                "receipt_number": receipt.display_number if receipt is not None else None,
                "void": enrollment.status == EnrollmentStatus.VOID,
            }
        )
        if receipt is not None:
            receipts.append(
                {
                    "id": receipt.pk,
                    "number": receipt.display_number,
                    "paid_on": receipt.paid_on,
                    "amount": receipt.amount,
                    "method": receipt.method,
                    "method_name": str(Method(receipt.method).label),
                    "payer_name": receipt.payer_name,
                    "scheme": enrollment.scheme,
                    "scheme_name": str(Scheme(enrollment.scheme).label),
                    "enrollment_id": enrollment.pk,
                    "void": receipt.is_void,
                    "void_reason": receipt.void_reason or None,
                    "voided_on": timezone.localdate(receipt.voided_at) if receipt.voided_at else None,
                    "pdf_allowed": scope.covers_area(enrollment.point.area),
                    "card_id": None,  # set below from the spans this enrollment created
                }
            )
    return payments, receipts, rows


def _vsi(person) -> list[dict]:
    from ansinh.enrollment.models import VSIContribution

    return [
        {
            "id": v.pk,
            "first_month": v.first_month,
            "last_month": v.last_month,
            "months": v.months,
            "monthly_income": v.monthly_income,
            "monthly_contribution": v.monthly_contribution,
            "monthly_support": v.monthly_support,
            "supported_months": v.supported_months,
            "total_payable": v.total_payable,
            "void": v.is_void,
            "enrollment_id": v.enrollment_id,
            "paid_on": v.enrollment.paid_on if v.enrollment is not None else v.paid_on,
            "source": v.source,
        }
        for v in VSIContribution.objects.filter(person=person)
        .select_related("enrollment")
        .order_by("-first_month", "-pk")
    ]


def _support_limit(on: dt.date) -> int | None:
    """The most months of state support to voluntary SI one person may receive (a dated parameter)."""
    from ansinh.rules import vsi
    from ansinh.rules.errors import RuleError

    try:
        return vsi.support_max_months(on)
    except (RuleError, KeyError, LookupError):
        return None


def _outcomes(person, member_rows: list) -> list[dict]:
    """What the campaigns recorded with the person: outcomes at activities, the desk's ticks (helped install VssID,
    pension switched to an account) and what happened at the door on a walk list, newest first. A door outcome
    that became campaign outcomes is listed once, as the door outcome."""
    from ansinh.campaigns.models import Outcome, OutcomeKind
    from ansinh.outreach.models import DoorOutcome, DoorStatus

    doors = list(
        DoorOutcome.objects.filter(
            Q(person=person) | Q(person__isnull=True, target_household__members__person=person)
        )
        .select_related(
            "target_household__target_list",
            "target_household__target_list__activity",
            "target_household__target_list__activity__campaign",
        )
        .distinct()
    )
    from_doors = {pk for d in doors for pk in (d.campaign_outcomes or [])}
    rows: list[dict] = []
    campaign_rows = (
        Outcome.objects.filter(person=person)
        .select_related("activity", "activity__campaign")
        .order_by("-on", "-pk")
    )
    recorded = set()
    for o in campaign_rows:
        recorded.add((o.activity_id, o.kind))
        if o.pk in from_doors:
            continue
        rows.append(
            {
                "source": "campaign",
                "kind": o.kind,
                "kind_name": str(OutcomeKind(o.kind).label),
                "on": o.on,
                "campaign": o.activity.campaign.name,
                "activity": o.activity.title,
                "follow_up_on": o.follow_up_on,
                "note": o.note or "",
            }
        )
    for d in doors:
        target_list = d.target_household.target_list
        activity = target_list.activity
        rows.append(
            {
                "source": "door",
                "kind": d.status,
                "kind_name": str(DoorStatus(d.status).label),
                "on": d.on,
                "campaign": activity.campaign.name if activity is not None else "",
                "activity": activity.title if activity is not None else target_list.name,
                "follow_up_on": d.follow_up_on,
                "note": d.reason or d.note or "",
            }
        )
    # The desk's ticks belong to the enrollment's first member (enrollment.services.outcome_flags_set); with an
    # activity they are campaign outcomes already, listed above.
    for member in member_rows:
        enrollment = member.enrollment
        if member.position != 0:
            continue
        for flag, kind in (
            (enrollment.vssid_install_assisted, OutcomeKind.VSSID_INSTALL_ASSISTED),
            (enrollment.cashless_switched, OutcomeKind.CASHLESS_SWITCHED),
        ):
            if flag and (enrollment.activity_id, kind.value) not in recorded:
                rows.append(
                    {
                        "source": "desk",
                        "kind": kind.value,
                        "kind_name": str(kind.label),
                        "on": enrollment.paid_on,
                        "campaign": "",
                        "activity": "",
                        "follow_up_on": None,
                        "note": "",
                    }
                )
    rows.sort(key=lambda r: r["on"], reverse=True)
    return rows


def person_history(*, user, person_id: int, on: dt.date | None = None) -> dict[str, Any]:
    """The person's whole record as of ``on`` (today by default): every health-insurance span with its card and
    its state on the day, every payment and receipt, the voluntary-SI months paid and the months of state
    support used, and the campaign outcomes. Not found (404) outside the user's areas; 403 without
    ``participation.view``."""
    from ansinh.registry.selectors import person_get

    person = person_get(user=user, person_id=person_id)
    require(user, CAPABILITY)
    on = on or today()
    spans = list(spans_of(person_ids=[person.pk]))
    span_rows = [_span_json(s, on) for s in spans]
    payments, receipts, members = _payments(person, user)
    cards_by_enrollment = {s["enrollment_id"]: s["card_id"] for s in span_rows if s["card_id"] is not None}
    for receipt in receipts:
        receipt["card_id"] = cards_by_enrollment.get(receipt["enrollment_id"])
    vsi = _vsi(person)
    current = current_span(spans, on)
    return {
        "on": on,
        "person": person,
        "spans": span_rows,
        "current": None if current is None else next(s for s in span_rows if s["id"] == current.pk),
        "payments": payments,
        "receipts": receipts,
        "vsi_months": vsi,
        "vsi_months_paid": sum(v["months"] for v in vsi if not v["void"]),
        "vsi_support_months_used": sum(v["supported_months"] for v in vsi if not v["void"]),
        "vsi_support_months_limit": _support_limit(on),
        "outcomes": _outcomes(person, members),
    }


def household_cards(*, user, persons: Sequence, on: dt.date | None = None) -> dict[int, dict | None]:
    """Each person's current card and its state on the day (``current_span``), by person id, in one query: the
    household page. Persons living outside the user's areas, and every person for a user without
    ``participation.view``, are left out (their record is not the user's to read)."""
    from ansinh.core.access import has_capability

    if not has_capability(user, CAPABILITY):
        return {}
    scope = scope_for(user)
    visible = [p for p in persons if scope.covers_resident(p)]
    on = on or today()
    by_person: dict[int, list] = {p.pk: [] for p in visible}
    for span in spans_of(person_ids=by_person):
        by_person[span.person_id].append(span)
    result: dict[int, dict | None] = {}
    for pk, spans in by_person.items():
        current = current_span(spans, on)
        result[pk] = None if current is None else _span_json(current, on)
    return result
