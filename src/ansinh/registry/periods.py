"""The registry's part of the coverage periods (``models.CoveragePeriod``, ADR 0010): the cut of a merged span to the
days a person was alive, and the periods made to follow a person who moves, or whose birth or death is recorded.
The spans themselves are the enrollment's (``enrollment.periods``), which builds the rows with ``period_row``."""

from __future__ import annotations

import datetime as dt

from .models import CoveragePeriod, Person

DAY = dt.timedelta(days=1)


def alive_cut(
    span_from: dt.date, span_to: dt.date, born: dt.date, died: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    """The days of a span the person was alive — born on or before the day and not dead on it — or (None, None):
    the figures count the living."""
    start = max(span_from, born)
    end = span_to if died is None else min(span_to, died - DAY)
    return (start, end) if start <= end else (None, None)


def period_row(person: Person, scheme: str, span_from: dt.date, span_to: dt.date) -> CoveragePeriod:
    """A period of ``person`` (as in hand: place, birth and death), unsaved."""
    valid_from, valid_to = alive_cut(span_from, span_to, person.birth_date, person.died_on)
    return CoveragePeriod(
        person_id=person.pk,
        scheme=scheme,
        span_from=span_from,
        span_to=span_to,
        valid_from=valid_from,
        valid_to=valid_to,
        province_code=person.province_code,
        commune_id=person.commune_id,
        village_id=person.village_id,
    )


def periods_follow_person(person: Person) -> int:
    """After a person moved, or their birth or death changed (the caller holds the person's row locked, in its
    transaction): their periods placed where they live now and cut again from their spans. Returns the rows."""
    rows = list(CoveragePeriod.objects.filter(person_id=person.pk))
    for row in rows:
        row.valid_from, row.valid_to = alive_cut(
            row.span_from, row.span_to, person.birth_date, person.died_on
        )
        row.province_code, row.commune_id, row.village_id = (
            person.province_code,
            person.commune_id,
            person.village_id,
        )
    CoveragePeriod.objects.bulk_update(
        rows, ["valid_from", "valid_to", "province_code", "commune_id", "village_id"]
    )
    return len(rows)
