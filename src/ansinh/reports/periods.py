"""The periods a manager reports on, and the period before each: decided here once, for coverage, campaigns and
outreach alike (and for any door that compares a period with the one before it).

* a **day**: that day; before it, the day before;
* a **month**, **quarter** or **year** of a date: the whole calendar unit; before it, the unit before (the
  previous month, quarter or year);
* a **campaign's dates**: from its first to its last day; before it, as many days ending the day before it began.

A period may reach past today (this month, a running campaign): the figures are then those known so far, and a
figure read "on" the period (coverage) is read on the earlier of its last day and today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.rules._util import add_months

KINDS = ("day", "month", "quarter", "year", "campaign")
MAX_FUTURE = dt.timedelta(days=366)
EARLIEST_YEAR = 1990


def check_date(on: dt.date) -> None:
    """A report's date: from 1990 (no register goes back further, and a year's trend stays a real date) to a year
    ahead."""
    if on > today() + MAX_FUTURE:
        raise ApplicationError(ErrorCode.INVALID, _("Choose a date at most a year ahead."), field="on")
    if on.year < EARLIEST_YEAR:
        raise ApplicationError(
            ErrorCode.INVALID, _("Choose a date from %(year)s on.") % {"year": EARLIEST_YEAR}, field="on"
        )


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def before(self) -> Period:
        """The period just before this one, of the same kind."""
        if self.kind in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
            start = add_months(self.start, -months)
            return Period(self.kind, start, self.start - dt.timedelta(days=1))
        end = self.start - dt.timedelta(days=1)
        return Period(self.kind, end - dt.timedelta(days=self.days - 1), end)

    def last_known_day(self, today: dt.date) -> dt.date:
        """The day a figure "on" the period is read: its last day, or today while it runs."""
        return min(self.end, today)

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "starts_on": self.start.isoformat(), "ends_on": self.end.isoformat()}


def comparison(
    area, period: Period, counts: Callable[[Period], dict[str, int]], note: str = ""
) -> dict[str, Any]:
    """Figures of an area in a period beside the same figures in the period before: the answer of every report
    that compares (``counts`` gives the figures of one period)."""
    before = period.before()
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "note": note,
        "period": period.as_json(),
        "before": before.as_json(),
        "figures": counts(period),
        "figures_before": counts(before),
    }


def period_of(
    kind: str, on: dt.date, *, starts_on: dt.date | None = None, ends_on: dt.date | None = None
) -> Period:
    """The period of kind ``kind`` that holds ``on`` (for a campaign, its dates ``starts_on``…``ends_on``). An
    unknown kind, or a campaign without its dates, is the day ``on``."""
    if kind == "month":
        first = on.replace(day=1)
        return Period(kind, first, add_months(first, 1) - dt.timedelta(days=1))
    if kind == "quarter":
        first = on.replace(month=(on.month - 1) // 3 * 3 + 1, day=1)
        return Period(kind, first, add_months(first, 3) - dt.timedelta(days=1))
    if kind == "year":
        return Period(kind, on.replace(month=1, day=1), on.replace(month=12, day=31))
    if kind == "campaign" and starts_on is not None and ends_on is not None:
        return Period(kind, starts_on, ends_on)
    return Period("day", on, on)


def period_asked(
    *, user, kind: str, on: dt.date, campaign_id: int | None = None, campaign=None
) -> tuple[Period, Any]:
    """The period a page or the API asks for around ``on``, and the campaign whose dates it is (or None):
    ``campaign`` is the one a page is about; otherwise ``campaign_id`` names one of the user's (another is "not
    found"). A date outside the reports' range is refused (``check_date``)."""
    from ansinh.campaigns.selectors import campaign_get

    check_date(on)
    kind = kind if kind in KINDS else "day"
    if kind == "campaign" and campaign is None and campaign_id is not None:
        campaign = campaign_get(user=user, campaign_id=campaign_id)
    if kind == "campaign" and campaign is not None:
        return period_of(kind, on, starts_on=campaign.starts_on, ends_on=campaign.ends_on), campaign
    return period_of(kind if kind != "campaign" else "day", on), None
