"""Coverage over JSON: GET /api/v1/coverage (a contract, docs/api.md)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Router

from . import coverage as figures

router = Router(tags=["reports"])


@router.get("/coverage", response=dict)
def coverage(request, area: str, on: dt.date | None = None, level: Literal["commune", "village"] = "commune"):
    return figures.coverage(user=request.user, area_code=area, on=on, level=level)


@router.get("/coverage/trend", response=list[dict])
def coverage_trend(request, area: str, on: dt.date | None = None, months: int = 12):
    return figures.trend(user=request.user, area_code=area, on=on, months=max(1, min(months, 36)))


# ------------------------------------------------------------------------------ a person's whole record
