"""The enrollment desk's payment flow: take the money, then coverage or contribution months, cards and the
receipt — exactly once. Quoting is quotes.py, new-or-renewal flags participation.py, voids voids.py; their
services are named here too, so that every door finds the app's writes in one place.

House rule 6: every create carries an idempotency key; a repeat (double click, retry after a timeout, the field
app syncing twice) returns the first result. Persons are locked in id order before their coverage is checked,
so two agents paying for the same person at once cannot create two coverages for the same period.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.areas.models import HealthFacility
from ansinh.core.access import has_capability, require, scope_for
from ansinh.core.audit import audit_batch, audit_record, snapshot
from ansinh.core.dates import format_date
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.journal import journal, quiet
from ansinh.core.money import MAX_VND, format_vnd
from ansinh.core.rule_errors import application_error
from ansinh.payments.models import CollectionPoint, Method, Payment, PaymentStatus
from ansinh.payments.services import receipt_issue
from ansinh.payments.vietqr import VietQR, VietQRError
from ansinh.payments.vietqr import parse as parse_vietqr
from ansinh.registry.models import Payout, PeriodScheme, Person
from ansinh.rules import cards as card_rules
from ansinh.rules._util import add_months
from ansinh.rules.errors import RuleError

from . import selectors
from .external import ExternalSpan, coverage_record_external, coverages_record_external
from .models import (
    Audit,
    Enrollment,
    EnrollmentMember,
    Error,
    HICoverage,
    Quote,
    Scheme,
    Status,
    VSIContribution,
)
from .participation import (
    lookback_window,
    participation_flags_refresh,
    participation_flags_refresh_all,
    participation_is_new,
)
from .periods import coverage_periods_refresh
from .policy import RENEWAL_WINDOW_DAYS, TRANSFER_VALIDITY
from .quotes import (
    HOUSEHOLD,
    Quotable,
    _paid_on,
    _persons,
    check_eligible,
    compute_quote,
    household_rank_offsets,
    quote_create,
    supported_months_so_far,
    vsi_groups_of,
)
from .selectors import remember_written
from .voids import enrollment_void, receipt_void

# The app's writes, wherever they are written (the doors and the other apps import them from here).
__all__ = [
    "HOUSEHOLD",
    "ExternalSpan",
    "Quotable",
    "check_eligible",
    "compute_quote",
    "coverage_record_external",
    "coverages_record_external",
    "enrollment_confirm_payment",
    "enrollment_create",
    "enrollment_void",
    "household_rank_offsets",
    "lookback_window",
    "outcome_flags_set",
    "participation_flags_refresh",
    "participation_flags_refresh_all",
    "participation_is_new",
    "quote_create",
    "receipt_void",
    "supported_months_so_far",
    "vsi_groups_of",
]


def _point_for(actor, point: CollectionPoint | None) -> CollectionPoint:
    points = CollectionPoint.objects.filter(is_active=True)
    if point is not None:
        ok = point.is_active and (
            point.agents.filter(pk=actor.pk).exists()
            or (has_capability(actor, "payments.manage") and scope_for(actor).covers_area(point.area))
        )
        if not ok:
            raise ApplicationError(
                ErrorCode.NOT_FOUND, _("You do not work at this collection point."), field="point_id"
            )
        return point
    mine = list(points.filter(agents=actor)[:2]) if getattr(actor, "pk", None) else []
    if len(mine) != 1:
        raise ApplicationError(
            ErrorCode.INVALID, _("Choose the collection point you are working at."), field="point_id"
        )
    return mine[0]


def _fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _coverage_before(
    persons: list[Person], on: dt.date, *, household: bool
) -> tuple[dict[int, dt.date], int, dict[int, HealthFacility | None]]:
    """Read once the people are locked: each person's latest coverage end (the renewal window and the new card's
    validity) and that card's facility, and for the household scheme the rank offset (_household_rank_offset: the
    other members of the first person's household holding a household-scheme card paid in ``on``'s year)."""
    ends: dict[int, dt.date] = {}
    holders = set()
    facilities: dict[int, HealthFacility | None] = {}
    for person_id, valid_to, group, paid_on, f_id, f_code, f_name in selectors.coverage_facts(
        person_ids=[p.pk for p in persons], household_year=on.year if household else None
    ):
        if any(p.pk == person_id for p in persons):
            if person_id not in ends or valid_to >= ends[person_id]:  # the latest card's facility
                facilities[person_id] = HealthFacility(pk=f_id, code=f_code, name=f_name) if f_id else None
            ends[person_id] = max(ends.get(person_id, valid_to), valid_to)
        elif group == HOUSEHOLD and paid_on is not None and paid_on.year == on.year:
            holders.add(person_id)
    return ends, len(holders), facilities


def _facilities_for(
    persons: list[Person],
    facility_code: str | None,
    paid_on: dt.date,
    previous: dict[int, HealthFacility | None] | None = None,
) -> list[HealthFacility | None]:
    """Each member's registered primary-care facility: the one chosen at the desk, else the previous card's
    (a renewal keeps it), else the commune's health station (a first card). Moving to another facility than the
    previous card's is allowed only at the start of a quarter (Law on HI Art. 26(1))."""
    from ansinh.areas.models import FacilityLevel
    from ansinh.areas.selectors import facility_get

    if previous is None:  # not read with the coverage (a transfer confirmed later): read it now
        _ends, _offset, previous = _coverage_before(persons, paid_on, household=False)
    chosen = None
    if facility_code:
        chosen = facility_get(code=facility_code)
        if chosen is None or chosen.province_code != persons[0].province_code:
            raise ApplicationError(
                Error.FACILITY_UNKNOWN,
                _("There is no health facility %(code)s taking registrations in this province.")
                % {"code": facility_code},
                field="facility_code",
            )
        allowed, _months = card_rules.facility_change_allowed(paid_on)
        for person in persons:
            before = previous.get(person.pk)
            if before is not None and before.pk != chosen.pk and not allowed:
                raise ApplicationError(
                    Error.FACILITY_CHANGE_NOT_ALLOWED,
                    _(
                        "%(name)s is registered at %(facility)s; a change of facility is made at the start of a "
                        "quarter (January, April, July, October). Keep the facility, or come back then."
                    )
                    % {"name": person.full_name, "facility": before.name},
                    field="facility_code",
                )
        return [chosen for _p in persons]
    stations: dict[int, HealthFacility | None] = {}
    out: list[HealthFacility | None] = []
    for person in persons:
        before = previous.get(person.pk)
        if before is not None:
            out.append(before)
            continue
        if person.commune_id not in stations:
            stations[person.commune_id] = (
                HealthFacility.objects.filter(
                    area_id=person.commune_id, level=FacilityLevel.COMMUNE, is_active=True
                )
                .order_by("code")
                .first()
            )
        out.append(stations[person.commune_id])
    return out


def _latest_coverage_end(person: Person) -> dt.date | None:
    last = HICoverage.objects.filter(person=person, is_void=False).order_by("-valid_to").first()
    return last.valid_to if last else None


def _hi_plan(
    persons: list[Person], months: int, paid_on: dt.date, ends: dict[int, dt.date] | None = None
) -> list[card_rules.CardValidity]:
    """The card validity of each person; ``ends`` (from _coverage_before) saves reading each one's coverage."""
    plan = []
    for person in persons:
        previous = _latest_coverage_end(person) if ends is None else ends.get(person.pk)
        if previous is not None and (previous - paid_on).days > RENEWAL_WINDOW_DAYS:
            raise ApplicationError(
                ErrorCode.CONFLICT,
                _("%(name)s is already covered until %(date)s; renewal opens %(days)s days before that.")
                % {"name": person.full_name, "date": format_date(previous), "days": RENEWAL_WINDOW_DAYS},
                field="person_ids",
            )
        born = person.birth_date if person.birth_date_precision == "d" else None
        try:
            plan.append(card_rules.card_validity(paid_on, months, previous_valid_to=previous, born=born))
        except RuleError as e:
            raise application_error(e) from None
    return plan


def _vsi_months(person: Person, months: int, paid_on: dt.date) -> tuple[dt.date, dt.date]:
    first = paid_on.replace(day=1)
    last = add_months(first, months - 1)
    clash = (
        VSIContribution.objects.filter(
            person=person, is_void=False, first_month__lte=last, last_month__gte=first
        )
        .order_by("first_month")
        .first()
    )
    if clash is not None:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("%(name)s has already paid voluntary SI for %(month)s.")
            % {"name": person.full_name, "month": max(clash.first_month, first).strftime("%m/%Y")},
            field="person_ids",
        )
    return first, last


def enrollment_create(
    *,
    actor,
    idempotency_key: str,
    scheme: str,
    person_ids: list[int],
    months: int = 12,
    group: str | None = None,
    income: int | None = None,
    paid_on: dt.date | None = None,
    point: CollectionPoint | None = None,
    activity_id: int | None = None,
    method: str = Method.CASH,
    amount: int | None = None,
    quote_id: uuid.UUID | str | None = None,
    vssid_install_assisted: bool = False,
    cashless_switched: bool = False,
    tendered: int | None = None,
    facility_code: str | None = None,
    receipt_numbered: tuple[Any, int] | None = None,
) -> tuple[Enrollment, bool]:
    """Enrolls people and takes the payment; returns (enrollment, created). A repeated key returns the first
    enrollment unchanged; the same key with different content is refused. ``receipt_numbered``: (book, number)
    of a receipt a field kit wrote offline (ADR 0027), kept with its number."""
    require(actor, "enrollment.create")
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 100:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("Each request needs an idempotency key of 8 to 100 characters."),
            field="idempotency_key",
        )
    request = {
        "scheme": scheme,
        "person_ids": list(person_ids),
        "months": months,
        "group": group,
        "income": income,
        "paid_on": paid_on,
        "point": getattr(point, "pk", None),
        "activity_id": activity_id,
        "method": method,
        "amount": amount,
    }
    # kept out when absent, so that requests made before these existed keep their fingerprint
    if tendered is not None:
        request["tendered"] = tendered
    if facility_code:
        request["facility_code"] = facility_code
    if receipt_numbered is not None:
        request["receipt"] = [receipt_numbered[0].pk, receipt_numbered[1]]
    fingerprint = _fingerprint(request)
    for attempt in range(3):
        # Most keys are new: the first turn goes straight to the writes, and a key already used shows as the
        # unique key refusing the enrollment row (or as what the first request changed, e.g. "already
        # covered"); only then is the first enrollment read and returned (ADR 0009).
        existing = Enrollment.objects.filter(idempotency_key=key).first() if attempt else None
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise ApplicationError(
                    ErrorCode.CONFLICT,
                    _("This idempotency key was already used for a different request."),
                    field="idempotency_key",
                )
            if existing.created_by_id != getattr(actor, "pk", None) and not scope_for(actor).covers_area(
                existing.point.area
            ):
                raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."))
            return existing, False
        try:
            with transaction.atomic(), audit_batch():
                with quiet():  # its outcomes are part of it
                    enrollment = _enrollment_create(
                        actor=actor,
                        key=key,
                        fingerprint=fingerprint,
                        scheme=scheme,
                        person_ids=list(person_ids),
                        months=months,
                        group=group,
                        income=income,
                        paid_on=paid_on,
                        point=point,
                        activity_id=activity_id,
                        method=method,
                        amount=amount,
                        quote_id=quote_id,
                        vssid=vssid_install_assisted,
                        cashless=cashless_switched,
                        tendered=tendered,
                        facility_code=facility_code,
                        numbered=receipt_numbered,
                    )
                journal("enrollment.create", enrollment, actor=actor)  # a field kit's record of it (ADR 0027)
            return enrollment, True
        except IntegrityError:
            # The key is taken: a repeat, or the same key committed by a concurrent request (a double click
            # that reached two workers). Read that one on the next turn of the loop.
            continue
        except ApplicationError:
            # The key's first request may have committed before this one (a repeat), or while we waited for
            # the people's row locks; then what we ran into ("already covered") is its own work: return it.
            if Enrollment.objects.filter(idempotency_key=key).exists():
                continue
            raise
    raise ApplicationError(ErrorCode.CONFLICT, _("The request could not be completed; try again."))


def _enrollment_create(
    *,
    actor,
    key,
    fingerprint,
    scheme,
    person_ids,
    months,
    group,
    income,
    paid_on,
    point,
    activity_id,
    method,
    amount,
    quote_id,
    vssid,
    cashless,
    tendered=None,
    facility_code=None,
    numbered=None,
) -> Enrollment:
    paid_on, backdated = _paid_on(actor, paid_on)
    # People before the point: an outsider learns nothing more than "not found". They are locked as they are
    # read, in id order: a concurrent enrollment of any of them waits here, then sees our coverage.
    persons = _persons(actor, person_ids, lock=True)
    point = _point_for(actor, point)
    activity = _activity_for(actor, activity_id, paid_on)
    if cashless and not persons[0].pension_recipient:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("%(name)s does not receive a pension or benefit.") % {"name": persons[0].full_name},
            field="cashless_switched",
        )
    if cashless and persons[0].payout_method == Payout.ACCOUNT:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("%(name)s is already paid to an account.") % {"name": persons[0].full_name},
            field="cashless_switched",
        )
    if method not in Method.values:
        raise ApplicationError(
            ErrorCode.INVALID, _("Payment is by cash or bank transfer."), field="payment.method"
        )
    # Read after the lock (a statement of its own, so that it sees what a concurrent enrollment committed).
    ends, offset, previous_facilities = (
        _coverage_before(persons, paid_on, household=scheme == Scheme.HI_HOUSEHOLD)
        if scheme != Scheme.VSI
        else ({}, 0, {})
    )
    check_eligible(persons, scheme, group, paid_on, ends if scheme != Scheme.VSI else None)
    quote = compute_quote(
        scheme=scheme,
        persons=persons,
        months=months,
        on=paid_on,
        group=group,
        income=income,
        rank_offset=offset if scheme == Scheme.HI_HOUSEHOLD else None,
    )
    if quote_id:
        _check_quote(quote_id, scheme, person_ids, months, group, income, paid_on, quote)
    total = quote["total_payable"]
    if amount is not None and amount != total:
        difference = amount - total
        message = (
            _("The payment is %(diff)s short: the amount due is %(total)s.")
            if difference < 0
            else _("The payment is %(diff)s too much: the amount due is %(total)s.")
        )
        raise ApplicationError(
            ErrorCode.INVALID,
            message % {"diff": format_vnd(abs(difference)), "total": format_vnd(total)},
            field="payment.amount",
        )
    if method == Method.CASH and tendered is not None and total > 0:
        _check_tendered(tendered, total)
    plan: Any = (
        _vsi_months(persons[0], months, paid_on)
        if scheme == Scheme.VSI
        else _hi_plan(persons, months, paid_on, ends)
    )
    facilities = (
        _facilities_for(persons, facility_code, paid_on, previous_facilities) if scheme != Scheme.VSI else []
    )
    if facility_code:  # a transfer's cards are made when it is confirmed: keep the facility chosen now
        quote["facility_code"] = facility_code
    # Cash (or nothing to pay) completes in this transaction: the row is written completed at once.
    transfer = method == Method.BANK_TRANSFER and total > 0
    now = timezone.now()
    enrollment = Enrollment.objects.create(
        idempotency_key=key,
        fingerprint=fingerprint,
        scheme=scheme,
        status=Status.PENDING_PAYMENT if transfer else Status.COMPLETED,
        completed_at=None if transfer else now,
        point=point,
        activity_id=activity_id,
        paid_on=paid_on,
        backdated=backdated,
        months=months,
        group=group or "",
        income=income,
        quote=quote,
        total_payable=total,
        vssid_install_assisted=bool(vssid),
        cashless_switched=bool(cashless),
        province_code=persons[0].province_code,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    lookback = lookback_window(paid_on)
    members = EnrollmentMember.objects.bulk_create(
        [
            EnrollmentMember(
                enrollment=enrollment,
                person=p,
                position=i,
                rank=m.get("rank"),
                group=m.get("group") or "",
                premium=m["premium"],
                support=m["support"],
                payable=m["payable"],
                province_code=p.province_code,
                paid_on=paid_on,
                **lookback,
            )
            for i, (p, m) in enumerate(zip(persons, quote["members"], strict=True))
        ]
    )
    audit_record(
        actor=actor,
        action=Audit.ENROLLMENT_CREATE,
        obj=enrollment,
        after={
            "scheme": scheme,
            "persons": person_ids,
            "total_payable": total,
            "paid_on": paid_on.isoformat(),
            "backdated": backdated,
            "method": method,
        },
    )
    if activity is not None:
        _record_outcomes(actor, activity, persons[0], paid_on, vssid=vssid, cashless=cashless)
    if transfer:
        _payment_pending(enrollment, point)
        remember_written(enrollment, receipt=None, hi_coverage=[], vsi_contributions=[])
    else:
        Payment.objects.create(
            enrollment=enrollment,
            method=Method.CASH,
            amount=total,
            status=PaymentStatus.CONFIRMED,
            reference=_reference(enrollment),
            province_code=enrollment.province_code,
            confirmed_at=now,
            confirmed_by=actor if getattr(actor, "pk", None) else None,
        )
        _complete(
            actor,
            enrollment,
            persons,
            plan,
            Method.CASH,
            members,
            tendered=tendered,
            facilities=facilities,
            numbered=numbered,
        )
    return enrollment


def _check_tendered(tendered: int, total: int) -> None:
    """The cash handed over is part of the payment: less than the amount due is refused with the shortfall, before
    anything is written; more is recorded on the receipt with the change."""
    if isinstance(tendered, bool) or not isinstance(tendered, int) or not 0 <= tendered <= MAX_VND:
        raise ApplicationError(
            ErrorCode.INVALID, _("Enter the cash given as a whole number of đồng."), field="payment.tendered"
        )
    if tendered < total:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The cash given is %(short)s short: the amount due is %(total)s.")
            % {"short": format_vnd(total - tendered), "total": format_vnd(total)},
            field="payment.tendered",
        )


def _activity_for(actor, activity_id: int | None, paid_on: dt.date):
    """The campaign activity the desk is working at: visible to the agent and running on the payment date."""
    if activity_id is None:
        return None
    from ansinh.campaigns.selectors import activities_for_user

    activity = activities_for_user(user=actor).filter(pk=activity_id).select_related("campaign").first()
    if activity is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("The activity is not found."), field="activity_id")
    if not (activity.campaign.starts_on <= paid_on <= activity.campaign.ends_on):
        raise ApplicationError(
            ErrorCode.INVALID, _("The payment date is outside the activity's campaign."), field="activity_id"
        )
    return activity


def _record_outcomes(actor, activity, person: Person, on: dt.date, *, vssid: bool, cashless: bool) -> None:
    """'Helped install VssID' and 'switched pension to an account', ticked at the desk, are campaign outcomes."""
    from ansinh.campaigns.models import OutcomeKind
    from ansinh.campaigns.services import outcome_record

    if vssid:
        outcome_record(
            actor=actor, activity=activity, person=person, kind=OutcomeKind.VSSID_INSTALL_ASSISTED, on=on
        )
    if cashless:
        outcome_record(
            actor=actor, activity=activity, person=person, kind=OutcomeKind.CASHLESS_SWITCHED, on=on
        )


def _check_quote(quote_id, scheme, person_ids, months, group, income, paid_on, fresh) -> None:
    try:
        quote_id = uuid.UUID(str(quote_id))
    except ValueError:
        quote_id = None
    quote = Quote.objects.filter(pk=quote_id).first() if quote_id else None
    if quote is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("The quote is not found."), field="quote_id")
    if quote.expires_at < timezone.now():
        raise ApplicationError(
            ErrorCode.CONFLICT, _("The quote has expired; make a new quote."), field="quote_id"
        )
    asked = {
        "scheme": scheme,
        "person_ids": person_ids,
        "months": months,
        "group": group,
        "income": income,
        "on": paid_on.isoformat(),
    }
    if quote.request != asked:
        raise ApplicationError(
            ErrorCode.INVALID, _("The quote was made for something else."), field="quote_id"
        )
    if quote.total_payable != fresh["total_payable"]:
        raise ApplicationError(
            ErrorCode.CONFLICT, _("The quote is no longer valid; make a new quote."), field="quote_id"
        )


def _reference(enrollment: Enrollment) -> str:
    return f"BHXH {enrollment.province_code[-2:]}{enrollment.pk:09d}"


def _payment_pending(enrollment: Enrollment, point: CollectionPoint) -> Payment:
    if not (point.bank_bin and point.bank_account):
        raise ApplicationError(
            ErrorCode.INVALID,
            _("This collection point has no bank account for transfers; take cash."),
            field="payment.method",
        )
    reference = _reference(enrollment)
    try:
        payload = VietQR(point.bank_bin, point.bank_account, enrollment.total_payable, reference).payload()
    except VietQRError:  # the point's bank details as entered cannot make a VietQR code
        raise ApplicationError(
            ErrorCode.INVALID,
            _(
                "This collection point's bank account cannot make a VietQR code; take cash and tell the office."
            ),
            field="payment.method",
        ) from None
    return Payment.objects.create(
        enrollment=enrollment,
        method=Method.BANK_TRANSFER,
        amount=enrollment.total_payable,
        status=PaymentStatus.PENDING,
        reference=reference,
        qr_payload=payload,
        province_code=enrollment.province_code,
    )


def _complete(
    actor,
    enrollment: Enrollment,
    persons: list[Person],
    plan,
    method: str,
    members: list[EnrollmentMember] | None = None,
    *,
    tendered: int | None = None,
    facilities: list[HealthFacility | None] | None = None,
    numbered=None,
) -> Enrollment:
    """The money is in: coverage or contribution months, cards, then the receipt. ``persons`` are locked by the
    caller and read since the lock (their SI numbers are current); ``members`` are the enrollment's member rows
    when the caller has them in hand. The rows written are kept on the enrollment for the answer
    (selectors.enrollment_json), which then reads nothing back."""
    from ansinh.cards.services import cards_issue_new
    from ansinh.registry.services import si_number_assign_locked

    if members is None:
        members = list(enrollment.members.order_by("position"))
    coverages: list[HICoverage] = []
    contributions: list[VSIContribution] = []
    if enrollment.scheme == Scheme.VSI:
        first, last = plan
        rules = enrollment.quote["rules"]
        contribution = VSIContribution.objects.create(
            person=persons[0],
            enrollment=enrollment,
            first_month=first,
            months=enrollment.months,
            last_month=last,
            monthly_income=enrollment.income or 0,
            monthly_contribution=rules["monthly_contribution"],
            monthly_support=rules["monthly_support"],
            supported_months=rules.get("supported_months", 0),
            total_payable=enrollment.total_payable,
            province_code=enrollment.province_code,
        )
        contributions.append(contribution)
    else:
        facilities = facilities or [None] * len(persons)
        for person, member, validity, facility in zip(persons, members, plan, facilities, strict=True):
            person = si_number_assign_locked(actor=actor, person=person)
            code, level, card_code = card_rules.full_card_code(
                member.group, person.province_code, str(person.si_number), enrollment.paid_on
            )
            coverages.append(
                HICoverage(
                    person=person,
                    enrollment=enrollment,
                    valid_from=validity.valid_from,
                    valid_to=validity.valid_to,
                    group=member.group,
                    group_code=code,
                    benefit_level=level,
                    card_code=card_code,
                    rule=validity.rule,
                    facility=facility,
                    province_code=person.province_code,
                )
            )
        HICoverage.objects.bulk_create(coverages)
        cards_issue_new(actor=actor, coverages=coverages)
    participation_flags_refresh(person_ids=[p.pk for p in persons])  # new or renewal (ADR 0008)
    scheme = PeriodScheme.VSI if enrollment.scheme == Scheme.VSI else PeriodScheme.HI
    coverage_periods_refresh(persons=persons, schemes=[scheme])  # coverage figures (ADR 0010)
    if enrollment.status != Status.COMPLETED:  # a confirmed transfer (cash is written completed)
        enrollment.status = Status.COMPLETED
        enrollment.completed_at = timezone.now()
        enrollment.save(update_fields=["status", "completed_at"])
    audit_record(
        actor=actor, action=Audit.ENROLLMENT_COMPLETE, obj=enrollment, after={"status": enrollment.status}
    )
    # The receipt number last: the point's receipt book is locked from here to the commit, and every agent of
    # the point waits on that lock, so nothing slow (signing, card rows) may happen after it.
    receipt = None
    if enrollment.total_payable > 0:
        receipt = receipt_issue(
            actor=actor,
            enrollment=enrollment,
            method=method,
            amount=enrollment.total_payable,
            paid_on=enrollment.paid_on,
            payer_name=persons[0].full_name,
            tendered=tendered,
            numbered=numbered,
        )
    remember_written(enrollment, receipt=receipt, hi_coverage=coverages, vsi_contributions=contributions)
    return enrollment


@transaction.atomic
def enrollment_confirm_payment(
    *,
    actor,
    enrollment: Enrollment,
    bank_reference: str = "",
    qr_payload: str | None = None,
    amount: int | None = None,
) -> Enrollment:
    """The agent (or the office, from the bank statement) confirms a transfer; then the receipt and the card."""
    require(actor, "enrollment.create")
    enrollment = Enrollment.objects.select_for_update().select_related("point__area").get(pk=enrollment.pk)
    if not scope_for(actor).covers_area(enrollment.point.area) and enrollment.created_by_id != actor.pk:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."))
    if enrollment.status == Status.COMPLETED:
        return enrollment  # confirmed already: a repeat changes nothing
    if enrollment.status != Status.PENDING_PAYMENT:
        raise ApplicationError(ErrorCode.CONFLICT, _("This enrollment is not waiting for a payment."))
    payment = Payment.objects.select_for_update().get(enrollment=enrollment)
    if timezone.now() - enrollment.created_at > TRANSFER_VALIDITY:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("The transfer was not confirmed in time; the quote has expired. Start again."),
            field="quote_id",
        )
    if qr_payload is not None:
        try:
            qr = parse_vietqr(qr_payload)
        except VietQRError:
            raise ApplicationError(
                ErrorCode.INVALID,
                _("The VietQR code is not valid: altered, mistyped or not a VietQR code."),
                field="qr_payload",
            ) from None
        if qr.reference != payment.reference or qr.amount != payment.amount:
            raise ApplicationError(
                ErrorCode.INVALID, _("The VietQR code is for another payment."), field="qr_payload"
            )
    if amount is not None and amount != payment.amount:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The transfer received (%(got)s) is not the amount due (%(due)s).")
            % {"got": format_vnd(amount), "due": format_vnd(payment.amount)},
            field="amount",
        )
    # The people locked in id order and read under the lock (their coverage and SI numbers as committed).
    person_ids = list(enrollment.members.order_by("position").values_list("person_id", flat=True))
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk")}
    persons = [locked[pk] for pk in person_ids]
    plan = (
        _vsi_months(persons[0], enrollment.months, enrollment.paid_on)
        if enrollment.scheme == Scheme.VSI
        else _hi_plan(persons, enrollment.months, enrollment.paid_on)
    )
    fields = ["status", "bank_reference", "confirmed_at", "confirmed_by"]
    before = snapshot(payment, fields)
    payment.status = PaymentStatus.CONFIRMED
    payment.bank_reference = bank_reference[:60]
    payment.confirmed_at = timezone.now()
    payment.confirmed_by = actor
    payment.save(update_fields=fields)
    checked_by = "vietqr" if qr_payload is not None else ("amount" if amount is not None else "agent")
    with audit_batch():
        audit_record(
            actor=actor,
            action=Audit.PAYMENT_CONFIRMED,
            obj=payment,
            before=before,
            after={
                **snapshot(payment, fields),
                "amount": payment.amount,
                "checked_by": checked_by,
            },
        )
        facilities = (
            _facilities_for(persons, enrollment.quote.get("facility_code"), enrollment.paid_on)
            if enrollment.scheme != Scheme.VSI
            else None
        )
        return _complete(actor, enrollment, persons, plan, Method.BANK_TRANSFER, facilities=facilities)


@transaction.atomic
def outcome_flags_set(
    *,
    actor,
    enrollment: Enrollment,
    vssid_install_assisted: bool | None = None,
    cashless_switched: bool | None = None,
) -> Enrollment:
    """'Helped install VssID' / 'switched pension to an account', marked in the same flow."""
    require(actor, "enrollment.create")
    before = {"vssid": enrollment.vssid_install_assisted, "cashless": enrollment.cashless_switched}
    if vssid_install_assisted is not None:
        enrollment.vssid_install_assisted = vssid_install_assisted
    if cashless_switched is not None:
        enrollment.cashless_switched = cashless_switched
    if enrollment.activity_id and (vssid_install_assisted or cashless_switched):
        activity = _activity_for(actor, enrollment.activity_id, enrollment.paid_on)
        first = enrollment.members.select_related("person").order_by("position").first()
        if first is not None:
            if cashless_switched and not first.person.pension_recipient:
                raise ApplicationError(
                    ErrorCode.INVALID,
                    _("%(name)s does not receive a pension or benefit.") % {"name": first.person.full_name},
                    field="cashless_switched",
                )
            with quiet():  # part of this operation (journaled below)
                _record_outcomes(
                    actor,
                    activity,
                    first.person,
                    enrollment.paid_on,
                    vssid=bool(vssid_install_assisted),
                    cashless=bool(cashless_switched),
                )
    enrollment.save(update_fields=["vssid_install_assisted", "cashless_switched"])
    journal(
        "enrollment.outcomes",
        enrollment,
        actor=actor,
        vssid=vssid_install_assisted,
        cashless=cashless_switched,
    )
    audit_record(
        actor=actor,
        action=Audit.ENROLLMENT_OUTCOMES,
        obj=enrollment,
        before=before,
        after={"vssid": enrollment.vssid_install_assisted, "cashless": enrollment.cashless_switched},
    )
    return enrollment
