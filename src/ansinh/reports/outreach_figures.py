"""What happened at the doors of an area in a period, beside the period before — the outreach page's comparison.

* **Doors knocked**: households of target lists with at least one door outcome recorded on a day of the period
  (a household visited three times counts once).
* **Someone at home**: of those, households with an outcome other than "not at home".
* **Consulted**, **enrolled**, **follow-up promised**, **refused**: households with an outcome of that status in
  the period (a household consulted on Monday and enrolled on Friday counts under both).

A household belongs to the area its target-list row names (its commune and village when the list was built); a
unit before July 2025 stands for the current communes it became, as on the coverage page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from ansinh.areas.selectors import area_get_for_user
from ansinh.core.access import require
from ansinh.outreach.models import DoorOutcome, DoorStatus
from ansinh.outreach.selectors import RECORD

from .coverage import area_scope
from .periods import Period, comparison

FIGURES = ("knocked", "at_home", "consulted", "enrolled", "follow_up", "refused")
_STATUS = {
    "consulted": DoorStatus.CONSULTED,
    "enrolled": DoorStatus.ENROLLED,
    "follow_up": DoorStatus.FOLLOW_UP,
    "refused": DoorStatus.REFUSED,
}


def door_figures(*, user, area_code: str, period: Period) -> dict[str, Any]:
    """The doors of an area in a period and in the period before it: one statement a period."""
    require(user, RECORD)
    area = area_get_for_user(user=user, code=area_code)
    here = area_scope(area).q("target_household__")
    households = "target_household_id"

    def counts(p: Period) -> dict[str, int]:
        found = (
            DoorOutcome.objects.filter(here, on__range=(p.start, p.end))
            .order_by()
            .aggregate(
                knocked=Count(households, distinct=True),
                at_home=Count(households, distinct=True, filter=~Q(status=DoorStatus.NOT_HOME)),
                **{f: Count(households, distinct=True, filter=Q(status=s)) for f, s in _STATUS.items()},
            )
        )
        return {f: found[f] or 0 for f in FIGURES}

    return comparison(area, period, counts)
