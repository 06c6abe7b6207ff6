"""Coverage over JSON: GET /api/v1/coverage (a contract, docs/api.md)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

from ansinh.api.types import Day

from . import coverage as figures

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


# ------------------------------------------------------------------------------ a person's whole record
