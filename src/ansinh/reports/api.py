"""Coverage over JSON: GET /api/v1/coverage (a contract, docs/api.md); an area in a period beside the period before:
GET /api/v1/campaign-figures and GET /api/v1/outreach/doors."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from ansinh.api.types import Day
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode

from . import coverage as figures
from .campaign_figures import area_figures
from .outreach_figures import door_figures
from .periods import Period, period_asked

router = Router(tags=["reports"])


class CoverageAreaOut(Schema):
    code: str
    name: str
    level: str


class CoverageTargetsOut(Schema):
    health_insurance: float
    voluntary_si: float


class PopulationSourceOut(Schema):
    kind: str = Field(description="official, registry, or (a total) mixed")
    on: str | None
    source: str | None


class CoverageFiguresOut(Schema):
    population: int
    insured: int
    uninsured: int
    rate: float | None
    gap_to_target: int
    voluntary_si: int
    informal_working_age: int
    voluntary_si_rate: float | None
    pensioners: int
    cash_pensioners: int
    rate_year_before: float | None
    registry_population: int
    population_source: PopulationSourceOut


class CoverageRowOut(CoverageFiguresOut):
    """One area's row: its figures, with its code and name."""

    code: str | None = Field(description="null for the people of a commune with no village recorded")
    name: str


class CoverageOut(Schema):
    on: str
    area: CoverageAreaOut
    level: str
    targets: CoverageTargetsOut
    note: str
    total: CoverageFiguresOut
    rows: list[CoverageRowOut]


class TrendPointOut(Schema):
    on: str
    population: int
    insured: int
    rate: float | None


@router.get("/coverage", response=CoverageOut)
def coverage(request, area: str, on: Day | None = None, level: Literal["commune", "village"] = "commune"):
    return figures.coverage(user=request.user, area_code=area, on=on, level=level)


@router.get("/coverage/trend", response=list[TrendPointOut])
def coverage_trend(request, area: str, on: Day | None = None, months: int = 12):
    return figures.trend(user=request.user, area_code=area, on=on, months=max(1, min(months, 36)))


class PeriodOut(Schema):
    kind: str
    starts_on: str
    ends_on: str


class ComparisonOut(Schema):
    area: CoverageAreaOut
    note: str
    period: PeriodOut
    before: PeriodOut = Field(
        description="the period before: the month, quarter or year before; for a day or a "
        "campaign's dates, as many days ending the day before it began"
    )
    figures: dict[str, int]
    figures_before: dict[str, int]


PeriodKind = Literal["day", "month", "quarter", "year", "campaign"]


def _period(request, period: str, on, campaign: int | None) -> Period:
    if period == "campaign" and campaign is None:
        raise ApplicationError(ErrorCode.INVALID, _("Choose the campaign."), field="campaign")
    return period_asked(user=request.user, kind=period, on=on or today(), campaign_id=campaign)[0]


@router.get("/campaign-figures", response=ComparisonOut)
def campaign_figures_compare(
    request, area: str, period: PeriodKind = "month", on: Day | None = None, campaign: int | None = None
):
    """The campaign figures of everyone living in an area, in a period beside the period before."""
    return area_figures(user=request.user, area_code=area, period=_period(request, period, on, campaign))


@router.get("/outreach/doors", response=ComparisonOut)
def outreach_doors(
    request, area: str, period: PeriodKind = "month", on: Day | None = None, campaign: int | None = None
):
    """The doors of an area's target lists in a period beside the period before."""
    return door_figures(user=request.user, area_code=area, period=_period(request, period, on, campaign))


# ------------------------------------------------------------------------------ a person's whole record
