"""Writes of the reports app: its derived coverage periods (see ``models.CoveragePeriod``) and the official
population figures (``models.OfficialPopulation``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ansinh.areas.models import Level
from ansinh.core.access import require, scope_for
from ansinh.core.audit import audit_record
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.enrollment.models import HICoverage, VSIContribution
from ansinh.registry.models import Person

from .models import CoveragePeriod, OfficialPopulation, PeriodScheme

DAY = dt.timedelta(days=1)
SCHEMES = (PeriodScheme.HI, PeriodScheme.VSI)
_PERSON_FIELDS = ("pk", "province_code", "commune_id", "village_id", "birth_date", "died_on")


def _month_end(first_day: dt.date) -> dt.date:
    nxt = (
        first_day.replace(year=first_day.year + 1, month=1)
        if first_day.month == 12
        else first_day.replace(month=first_day.month + 1)
    )
    return nxt - DAY


def merge(spans: Iterable[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Date ranges (inclusive) merged where they overlap or touch (the next starts at most a day after)."""
    out: list[list[dt.date]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1] + DAY:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def _periods(person: tuple, scheme: str, spans: list[tuple[dt.date, dt.date]]) -> list[CoveragePeriod]:
    pk, province_code, commune_id, village_id, birth_date, died_on = person
    rows = []
    for start, end in merge(spans):
        start = max(start, birth_date)  # the figures count the living: born on or before the day,
        if died_on is not None:  # and not dead on it
            end = min(end, died_on - DAY)
        if start <= end:
            rows.append(
                CoveragePeriod(
                    person_id=pk,
                    scheme=scheme,
                    valid_from=start,
                    valid_to=end,
                    province_code=province_code,
                    commune_id=commune_id,
                    village_id=village_id,
                )
            )
    return rows


def _build(persons: Sequence[tuple], schemes: Sequence[str], of: Q) -> list[CoveragePeriod]:
    """The periods of ``persons`` (tuples of _PERSON_FIELDS); ``of`` selects their coverage rows."""
    spans: dict[tuple[int, str], list[tuple[dt.date, dt.date]]] = defaultdict(list)
    if PeriodScheme.HI in schemes:
        for person_id, start, end in HICoverage.objects.filter(of, is_void=False).values_list(
            "person_id", "valid_from", "valid_to"
        ):
            spans[person_id, PeriodScheme.HI].append((start, end))
    if PeriodScheme.VSI in schemes:
        for person_id, first, last in VSIContribution.objects.filter(of, is_void=False).values_list(
            "person_id", "first_month", "last_month"
        ):
            spans[person_id, PeriodScheme.VSI].append((first, _month_end(last)))
    rows: list[CoveragePeriod] = []
    for person in persons:
        for scheme in schemes:
            rows += _periods(person, scheme, spans.get((person[0], scheme), []))
    return rows


def coverage_periods_refresh(*, persons: Iterable[Person], schemes: Sequence[str] = SCHEMES) -> None:
    """Rebuilds the coverage periods of these persons (as they are in hand: the caller holds their rows locked
    and has just changed their coverage, residence, birth or death) in the caller's transaction. Derived data:
    no audit event of its own — the change that caused it has one."""
    people = [(p.pk, p.province_code, p.commune_id, p.village_id, p.birth_date, p.died_on) for p in persons]
    if not people:
        return
    with transaction.atomic(savepoint=False):
        of = Q(person_id__in=[p[0] for p in people])
        CoveragePeriod.objects.filter(of, scheme__in=schemes).delete()
        CoveragePeriod.objects.bulk_create(_build(people, schemes, of), batch_size=1000)


def coverage_periods_rebuild(*, province_code: str | None = None, chunk: int = 20_000) -> int:
    """Rebuilds every coverage period (of one province, or all), a chunk of persons per transaction — for
    imports that write coverage rows in bulk, and after a data repair. Returns the periods written."""
    persons = Person.objects.order_by("pk")
    if province_code:
        persons = persons.filter(province_code=province_code)
    written, last = 0, 0
    while True:
        page = list(persons.filter(pk__gt=last).values_list(*_PERSON_FIELDS)[:chunk])
        if not page:
            return written
        of = Q(person_id__gt=last, person_id__lte=page[-1][0])
        if province_code:
            of &= Q(person__province_code=province_code)
        last = page[-1][0]
        with transaction.atomic():
            CoveragePeriod.objects.filter(of).delete()
            rows = _build(page, SCHEMES, of)
            CoveragePeriod.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)


@transaction.atomic
def official_population_set(
    *, actor, area, on: dt.date, population: int, source: str
) -> tuple[OfficialPopulation, str]:
    """An official population figure of a commune or village on a date (one per area and date: a new figure for
    the same date replaces the old one, with its before and after in the audit log). Returns the row and what
    happened: 'created', 'updated' or 'unchanged'."""
    require(actor, "areas.edit")
    if area.level not in (Level.COMMUNE, Level.VILLAGE) or not scope_for(actor).covers_area(area):
        raise ApplicationError(
            ErrorCode.NOT_FOUND,
            _("%(code)s is not a commune in your areas.") % {"code": area.code},
            field="area_code",
        )
    if population < 0:
        raise ApplicationError(ErrorCode.INVALID, _("A population cannot be below zero."), field="population")
    source = (source or "").strip()[:200]
    if not source:
        raise ApplicationError(ErrorCode.INVALID, _("Say where the figure comes from."), field="source")
    row = OfficialPopulation.objects.select_for_update().filter(area=area, on=on).first()
    if row is None:
        row = OfficialPopulation.objects.create(
            area=area, on=on, population=population, source=source, province_code=area.province_code
        )
        audit_record(
            actor=actor,
            action="official_population_set",
            obj=row,
            after={"area": area.code, "on": on.isoformat(), "population": population, "source": source},
        )
        return row, "created"
    if (row.population, row.source) == (population, source):
        return row, "unchanged"
    before = {"population": row.population, "source": row.source}
    row.population, row.source = population, source
    row.save(update_fields=["population", "source", "updated_at"])
    audit_record(
        actor=actor,
        action="official_population_set",
        obj=row,
        before=before,
        after={"population": population, "source": source},
    )
    return row, "updated"
