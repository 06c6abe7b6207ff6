"""Coverage recorded from outside the desk: a card that a person holds through an SI-agency list (state-paid
groups, an employer, the pension fund) or that an office's earlier system sold, brought in by an import or by
the demo's group lists — and the voluntary-SI months an office's earlier records show paid. No money passes
through ansinh, so there is no enrollment, payment or receipt; the span or the months keep where they came from
(``source``).

The rest is the desk's: the person in the actor's areas, a SI number given when the person has none, the card
code of the group on the first day, no overlap with another valid span of the person, the new/renewal flags
(ADR 0008) and the coverage periods (ADR 0010) refreshed, and an audit event per span in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from ansinh.areas.models import HealthFacility
from ansinh.core.access import require
from ansinh.core.audit import audit_batch, audit_record
from ansinh.core.dates import format_date
from ansinh.core.errors import ApplicationError, Code, ErrorCode
from ansinh.core.group_names import HI_GROUP_LABELS
from ansinh.core.money import format_vnd
from ansinh.registry.models import PeriodScheme, Person
from ansinh.rules import cards as card_rules
from ansinh.rules._util import FIRST_YEAR, LAST_YEAR, add_months

from .models import Audit, CoverageSource, HICoverage, Scheme, VSIContribution
from .participation import participation_flags_refresh
from .periods import coverage_periods_refresh


@dataclass(frozen=True)
class ExternalSpan:
    person_id: int
    valid_from: dt.date
    valid_to: dt.date
    group: str
    facility_code: str | None = None


def external_groups() -> tuple[str, ...]:
    """Every group a recorded card may carry: those ansinh sells and those it only records (employee, pension
    recipient, other agency list)."""
    return tuple(HI_GROUP_LABELS)


def _error(
    index: int | None, field: str, message: str, code: Code = ErrorCode.INVALID, *, items: str = "spans"
) -> ApplicationError:
    """The refusal of one item of a call, named so that an import can point at its row (``spans[3].valid_from``);
    ``index`` None when the call had one item."""
    return ApplicationError(code, message, field=field if index is None else f"{items}[{index}].{field}")


def _check_dates(index: int | None, item: object, names: tuple[str, ...], items: str) -> None:
    for name in names:
        if not FIRST_YEAR <= getattr(item, name).year <= LAST_YEAR:
            raise _error(index, name, _("The date is outside the range ansinh accepts."), items=items)


def _check_span(index: int | None, span: ExternalSpan) -> None:
    _check_dates(index, span, ("valid_from", "valid_to"), "spans")
    if span.valid_to < span.valid_from:
        raise _error(index, "valid_to", _("The card ends before it starts."))
    if span.group not in external_groups():
        raise _error(index, "group", _("Unknown health-insurance group: %(group)s.") % {"group": span.group})


def _locked_persons(actor, items: Sequence[ExternalSpan] | Sequence[ExternalContribution]):
    """The ids of the items' persons and those of them in the actor's areas, locked in id order (as the desk locks
    them, so that two writers never wait on each other crosswise)."""
    from ansinh.registry.selectors import persons_for_user

    ids = sorted({item.person_id for item in items})
    rows = persons_for_user(user=actor, details=False).filter(pk__in=ids).order_by("pk").select_for_update()
    return ids, {p.pk: p for p in rows}


@transaction.atomic
def coverages_record_external(
    *, actor, spans: Sequence[ExternalSpan], source: str = CoverageSource.IMPORT
) -> list[HICoverage]:
    """Records these spans, all or none. A span that overlaps a valid span of the same person (recorded before
    or earlier in ``spans``) is refused with the end date of the card it meets; the error's field names the
    span (``spans[i].valid_from``) so an import can point at its row."""
    from ansinh.registry.services import si_numbers_assign_locked

    require(actor, "enrollment.create")
    if source not in (CoverageSource.IMPORT, CoverageSource.LIST):
        raise ApplicationError(ErrorCode.INVALID, _("Unknown source of coverage."), field="source")
    single = len(spans) == 1
    for i, span in enumerate(spans):
        _check_span(None if single else i, span)
    if not spans:
        return []
    ids, persons = _locked_persons(actor, spans)
    codes = {s.facility_code for s in spans if s.facility_code}
    facilities = {f.code: f for f in HealthFacility.objects.filter(code__in=codes)}
    held: dict[int, list[tuple[dt.date, dt.date]]] = {pid: [] for pid in ids}
    for pid, start, end in HICoverage.objects.filter(person_id__in=ids, is_void=False).values_list(
        "person_id", "valid_from", "valid_to"
    ):
        held[pid].append((start, end))
    out: list[HICoverage] = []
    checked: list[tuple[ExternalSpan, Person, HealthFacility | None]] = []
    with audit_batch():
        for i, span in enumerate(spans):
            at = None if single else i
            person = persons.get(span.person_id)
            if person is None:
                raise _error(at, "person_id", _("No such person in your areas."), ErrorCode.NOT_FOUND)
            facility = None
            if span.facility_code:
                facility = facilities.get(span.facility_code)
                if facility is None:
                    raise _error(at, "facility_code", _("Unknown health facility code."))
            for start, end in held[span.person_id]:
                if start <= span.valid_to and span.valid_from <= end:
                    raise _error(
                        at,
                        "valid_from",
                        _("%(name)s already holds a card from %(start)s to %(end)s.")
                        % {"name": person.full_name, "start": format_date(start), "end": format_date(end)},
                        ErrorCode.CONFLICT,
                    )
            held[span.person_id].append((span.valid_from, span.valid_to))
            checked.append((span, person, facility))
        # every span checked: the card holders without an SI number get theirs, in one go
        si_numbers_assign_locked(actor=actor, persons=[person for _s, person, _f in checked])
        for span, person, facility in checked:
            code, level, card_code = card_rules.full_card_code(
                span.group, person.province_code, str(person.si_number), span.valid_from
            )
            coverage = HICoverage(
                person=person,
                valid_from=span.valid_from,
                valid_to=span.valid_to,
                group=span.group,
                group_code=code,
                benefit_level=level,
                card_code=card_code,
                rule="recorded",
                facility=facility,
                source=source,
                province_code=person.province_code,
            )
            out.append(coverage)
        HICoverage.objects.bulk_create(out)
        for coverage in out:
            audit_record(
                actor=actor,
                action=Audit.COVERAGE_RECORD_EXTERNAL,
                obj=coverage,
                after={
                    "person_id": coverage.person_id,
                    "valid_from": coverage.valid_from.isoformat(),
                    "valid_to": coverage.valid_to.isoformat(),
                    "group": coverage.group,
                    "source": source,
                },
            )
    participation_flags_refresh(person_ids=ids)
    coverage_periods_refresh(persons=[persons[pid] for pid in ids], schemes=[PeriodScheme.HI])
    return out


def coverage_record_external(
    *,
    actor,
    person_id: int,
    valid_from: dt.date,
    valid_to: dt.date,
    group: str,
    source: str = CoverageSource.IMPORT,
    facility_code: str | None = None,
) -> HICoverage:
    """One span recorded from outside the desk (see ``coverages_record_external``)."""
    span = ExternalSpan(person_id, valid_from, valid_to, group, facility_code or None)
    return coverages_record_external(actor=actor, spans=[span], source=source)[0]


# --- voluntary SI --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExternalContribution:
    """Voluntary-SI months paid before ansinh (an office's earlier records, the agency's list of contributors)."""

    person_id: int
    first_month: dt.date  # the first day of the first month paid
    months: int
    income: int  # the monthly income the person chose
    paid_on: dt.date  # the payment day: the rules of that day price the months
    amount: int | None = None  # what the records say was paid, checked against the rules when given


def _check_run(index: int | None, run: ExternalContribution) -> None:
    """What can be told without the rules; how many months one payment may cover is theirs (the payment modes of
    the day, ``compute_quote``)."""
    _check_dates(index, run, ("first_month", "paid_on"), "runs")
    if run.months < 1:
        raise _error(index, "months", _("A payment covers at least one month."), items="runs")
    if run.amount is not None and run.amount < 0:
        raise _error(index, "amount", _("An amount paid cannot be below zero."), items="runs")


@transaction.atomic
def contributions_record_external(
    *, actor, runs: Sequence[ExternalContribution], source: str = CoverageSource.IMPORT
) -> list[VSIContribution]:
    """Records these runs of voluntary-SI months, all or none, as the desk would have sold them: the person in the
    actor's areas and allowed voluntary SI by the eligibility rule on the payment day, the months priced by the
    rules of that day (contribution, state and provincial support, the support months used so far), no month paid
    twice, the new/renewal flags and the coverage periods refreshed, an audit event per run. An amount given that
    differs from the rules' is refused with both figures; a refused run's error names it (``runs[i].<field>``)."""
    from .quotes import check_eligible, compute_quote

    require(actor, "enrollment.create")
    if source != CoverageSource.IMPORT:
        raise ApplicationError(ErrorCode.INVALID, _("Unknown source of coverage."), field="source")
    single = len(runs) == 1
    for i, run in enumerate(runs):
        _check_run(None if single else i, run)
    if not runs:
        return []
    ids, persons = _locked_persons(actor, runs)
    held: dict[int, list[tuple[dt.date, dt.date]]] = {pid: [] for pid in ids}
    supported: dict[int, int] = dict.fromkeys(ids, 0)
    for pid, first, last, used in VSIContribution.objects.filter(
        person_id__in=ids, is_void=False
    ).values_list("person_id", "first_month", "last_month", "supported_months"):
        held[pid].append((first, last))
        supported[pid] += used
    out: list[VSIContribution] = []
    for i, run in enumerate(runs):
        at = None if single else i
        person = persons.get(run.person_id)
        if person is None:
            raise _error(
                at, "person_id", _("No such person in your areas."), ErrorCode.NOT_FOUND, items="runs"
            )
        first = run.first_month.replace(day=1)
        last = add_months(first, run.months - 1)
        for start, end in held[run.person_id]:
            if start <= last and first <= end:
                raise _error(
                    at,
                    "first_month",
                    _("%(name)s has already paid voluntary SI for %(month)s.")
                    % {"name": person.full_name, "month": max(start, first).strftime("%m/%Y")},
                    ErrorCode.CONFLICT,
                    items="runs",
                )
        try:
            check_eligible([person], Scheme.VSI, None, run.paid_on)
            quote = compute_quote(
                scheme=Scheme.VSI,
                persons=[person],
                months=run.months,
                on=run.paid_on,
                income=run.income,
                supported_so_far=supported[run.person_id],
            )
        except ApplicationError as e:  # the rule's refusal, with its own code, pointed at this run
            field = e.field if e.field in ("income", "months") else "person_id"
            e.field = field if at is None else f"runs[{at}].{field}"
            raise
        rules = quote["rules"]
        if run.amount is not None and run.amount != quote["total_payable"]:
            raise _error(
                at,
                "amount",
                _(
                    "The amount paid, %(paid)s, is not what the rules of %(day)s give for these months: %(due)s."
                )
                % {
                    "paid": format_vnd(run.amount),
                    "day": format_date(run.paid_on),
                    "due": format_vnd(quote["total_payable"]),
                },
                items="runs",
            )
        contribution = VSIContribution(
            person=person,
            first_month=first,
            months=run.months,
            last_month=last,
            monthly_income=run.income,
            monthly_contribution=rules["monthly_contribution"],
            monthly_support=rules["monthly_support"],
            supported_months=rules.get("supported_months", 0),
            total_payable=quote["total_payable"],
            source=source,
            paid_on=run.paid_on,
            province_code=person.province_code,
        )
        held[run.person_id].append((first, last))
        supported[run.person_id] += contribution.supported_months
        out.append(contribution)
    with audit_batch():
        VSIContribution.objects.bulk_create(out)
        for contribution in out:
            audit_record(
                actor=actor,
                action=Audit.CONTRIBUTION_RECORD_EXTERNAL,
                obj=contribution,
                after={
                    "person_id": contribution.person_id,
                    "first_month": contribution.first_month.isoformat()[:7],
                    "months": contribution.months,
                    "monthly_income": contribution.monthly_income,
                    "total_payable": contribution.total_payable,
                    "paid_on": contribution.paid_on.isoformat() if contribution.paid_on else None,
                    "source": source,
                },
            )
    participation_flags_refresh(person_ids=ids)
    coverage_periods_refresh(persons=[persons[pid] for pid in ids], schemes=[PeriodScheme.VSI])
    return out
