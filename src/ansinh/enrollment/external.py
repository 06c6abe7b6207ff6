"""Coverage recorded from outside the desk: a card that a person holds through an SI-agency list (state-paid
groups, an employer, the pension fund) or that an office's earlier system sold, brought in by an import or by
the demo's group lists. No money passes through ansinh, so there is no enrollment, payment or receipt; the span
keeps where it came from (``HICoverage.source``).

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
from ansinh.registry.models import PeriodScheme
from ansinh.rules import cards as card_rules
from ansinh.rules._util import FIRST_YEAR, LAST_YEAR

from .models import Audit, CoverageSource, HICoverage
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


def _error(index: int | None, field: str, message: str, code: Code = ErrorCode.INVALID) -> ApplicationError:
    return ApplicationError(code, message, field=field if index is None else f"spans[{index}].{field}")


def _check_span(index: int | None, span: ExternalSpan) -> None:
    for name in ("valid_from", "valid_to"):
        if not FIRST_YEAR <= getattr(span, name).year <= LAST_YEAR:
            raise _error(index, name, _("The date is outside the range ansinh accepts."))
    if span.valid_to < span.valid_from:
        raise _error(index, "valid_to", _("The card ends before it starts."))
    if span.group not in external_groups():
        raise _error(index, "group", _("Unknown health-insurance group: %(group)s.") % {"group": span.group})


@transaction.atomic
def coverages_record_external(
    *, actor, spans: Sequence[ExternalSpan], source: str = CoverageSource.IMPORT
) -> list[HICoverage]:
    """Records these spans, all or none. A span that overlaps a valid span of the same person (recorded before
    or earlier in ``spans``) is refused with the end date of the card it meets; the error's field names the
    span (``spans[i].valid_from``) so an import can point at its row."""
    from ansinh.registry.selectors import persons_for_user
    from ansinh.registry.services import si_number_assign_locked

    require(actor, "enrollment.create")
    if source not in (CoverageSource.IMPORT, CoverageSource.LIST):
        raise ApplicationError(ErrorCode.INVALID, _("Unknown source of coverage."), field="source")
    single = len(spans) == 1
    for i, span in enumerate(spans):
        _check_span(None if single else i, span)
    if not spans:
        return []
    ids = sorted({s.person_id for s in spans})
    rows = persons_for_user(user=actor, details=False).filter(pk__in=ids).order_by("pk").select_for_update()
    persons = {p.pk: p for p in rows}
    codes = {s.facility_code for s in spans if s.facility_code}
    facilities = {f.code: f for f in HealthFacility.objects.filter(code__in=codes)}
    held: dict[int, list[tuple[dt.date, dt.date]]] = {pid: [] for pid in ids}
    for pid, start, end in HICoverage.objects.filter(person_id__in=ids, is_void=False).values_list(
        "person_id", "valid_from", "valid_to"
    ):
        held[pid].append((start, end))
    out: list[HICoverage] = []
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
            person = persons[span.person_id] = si_number_assign_locked(actor=actor, person=person)
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
