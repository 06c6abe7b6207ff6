"""Writes of the reports app: the official population figures (``models.OfficialPopulation``). The coverage
periods the figures count are kept by the desk and the registry (``enrollment.periods``, ``registry.periods``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from ansinh.areas.models import Level
from ansinh.core.access import require, scope_for
from ansinh.core.audit import audit_record
from ansinh.core.errors import ApplicationError, ErrorCode

from .models import Audit, OfficialPopulation


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
            action=Audit.OFFICIAL_POPULATION_SET,
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
        action=Audit.OFFICIAL_POPULATION_SET,
        obj=row,
        before=before,
        after={"population": population, "source": source},
    )
    return row, "updated"
