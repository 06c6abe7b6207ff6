"""The coverage periods from the enrollment's side (ADR 0010): each person's non-void health-insurance spans and
voluntary-SI contribution months merged into ``registry.CoveragePeriod`` rows, rebuilt in the transaction of every
service that creates or voids them. The cut to the days a person was alive and the place are the registry's
(``registry.periods``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Q

from ansinh.registry.models import CoveragePeriod, PeriodScheme, Person
from ansinh.registry.periods import period_row

from .models import HICoverage, VSIContribution

DAY = dt.timedelta(days=1)
SCHEMES = (PeriodScheme.HI, PeriodScheme.VSI)
_PERSON_FIELDS = ("id", "province_code", "commune_id", "village_id", "birth_date", "died_on")


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


def _build(persons: Sequence[Person], schemes: Sequence[str], of: Q) -> list[CoveragePeriod]:
    """The periods of ``persons``; ``of`` selects their coverage rows."""
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
            rows += [period_row(person, scheme, a, b) for a, b in merge(spans.get((person.pk, scheme), []))]
    return rows


def coverage_periods_refresh(*, persons: Iterable[Person], schemes: Sequence[str] = SCHEMES) -> None:
    """Rebuilds the coverage periods of these persons (as they are in hand: the caller holds their rows locked
    and has just changed their coverage) in the caller's transaction. Derived data: no audit event of its own —
    the change that caused it has one."""
    people = list(persons)
    if not people:
        return
    with transaction.atomic(savepoint=False):
        of = Q(person_id__in=[p.pk for p in people])
        CoveragePeriod.objects.filter(of, scheme__in=schemes).delete()
        CoveragePeriod.objects.bulk_create(_build(people, schemes, of), batch_size=1000)


def coverage_periods_rebuild(*, province_code: str | None = None, chunk: int = 20_000) -> int:
    """Rebuilds every coverage period (of one province, or all), a chunk of persons per transaction — after
    coverage rows were written in bulk, and after a data repair. Returns the periods written."""
    persons = Person.objects.order_by("pk").only(*_PERSON_FIELDS)
    if province_code:
        persons = persons.filter(province_code=province_code)
    written, last = 0, 0
    while True:
        page = list(persons.filter(pk__gt=last)[:chunk])
        if not page:
            return written
        of = Q(person_id__gt=last, person_id__lte=page[-1].pk)
        if province_code:
            of &= Q(person__province_code=province_code)
        last = page[-1].pk
        with transaction.atomic():
            CoveragePeriod.objects.filter(of).delete()
            rows = _build(page, SCHEMES, of)
            CoveragePeriod.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
