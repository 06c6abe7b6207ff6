"""The area picker and the period picker of the report pages (coverage, campaigns, outreach): reading them from the
query string and laying them out. What a period and the period before it are is decided in
``ansinh.reports.periods``; which areas a user may pick, in ``ansinh.areas.selectors``.

The area picker is a search box over a list of the units a user may report on (current provinces and communes,
and the units before July 2025 that map into them), matched by name with or without accents or by code, and a
tree beside it: the chosen unit's parents to go up, its units below (down to the villages) to go down."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from ansinh.areas.models import Area
from ansinh.areas.selectors import (
    ancestor_paths,
    area_children,
    area_choices,
    area_get_for_user,
    area_visible,
)
from ansinh.campaigns.selectors import campaigns_for_user
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.numbers import parse_id
from ansinh.core.text import fold
from ansinh.reports.periods import Period, period_asked


def read_on(request) -> dt.date:
    """The date asked for (``on``), today when none; a date that cannot be read is refused (the ``page``
    wrapper shows the message with status 400)."""
    try:
        return dt.date.fromisoformat(request.GET["on"]) if request.GET.get("on") else today()
    except ValueError:
        raise ApplicationError(ErrorCode.INVALID, _("Write the date as YYYY-MM-DD."), field="on") from None


def read_period(request, on: dt.date, *, default: str = "day", campaign=None) -> tuple[Period, Any]:
    """The period asked for around ``on`` and the campaign whose dates it is (or None). ``campaign`` is the one a
    page is about (its dashboard); elsewhere the campaign is picked from the user's own."""
    return period_asked(
        user=request.user,
        kind=request.GET.get("period") or default,
        on=on,
        campaign_id=parse_id(request.GET.get("campaign")),
        campaign=campaign,
    )


def period_picker(
    request, *, default: str = "day", campaign=None, campaigns=None
) -> tuple[Period, dict[str, Any]]:
    """The period asked for, and what the period picker shows: the kinds, the chosen one, the date, the period
    before, and the campaigns to pick from (``campaigns``; the user's own when not given)."""
    on = read_on(request)
    period, chosen = read_period(request, on, default=default, campaign=campaign)
    if campaigns is None:
        campaigns = list(campaigns_for_user(user=request.user)[:50])
    return period, {
        "period": period,
        "before": period.before(),
        "on": on,
        "period_campaign": chosen or campaign,  # the page's own campaign stays offered
        "period_campaigns": campaigns,
        "running": period.end > today(),
    }


def area_options(user) -> list[dict[str, str]]:
    """The picker's list: code and a label that holds the name, its level and the name without accents (what a
    browser matches the typed text against)."""
    return [
        {"code": a.code, "label": f"{a.name} · {a.get_level_display()} · {fold(a.name)}"}
        for a in area_choices(user=user)
    ]


def area_tree(request, area: Area) -> dict[str, Any]:
    """The chosen unit in its tree: its parents (to go up) and its units below (to go down), each with the link
    that keeps the page's other choices."""
    user = request.user
    query = request.GET.copy()

    def link(code: str) -> str:
        q: QueryDict = query.copy()
        q["area"] = code
        return "?" + q.urlencode()

    paths = ancestor_paths((area.path,)) - {area.path}
    parents = list(Area.objects.filter(path__in=paths).order_by("path"))
    if area.is_legacy:  # the units under an old unit that map into the user's areas
        below = Area.objects.filter(
            pk__in=[a.pk for a in Area.objects.filter(parent=area) if area_visible(user=user, area=a)]
        )
    else:
        below = area_children(user=user, area=area)
    return {
        "area": area,
        "parents": [{"code": a.code, "name": a.name, "href": link(a.code)} for a in parents],
        "below": [
            {"code": a.code, "name": a.name, "href": link(a.code)} for a in below.order_by("code")[:300]
        ],
    }


def area_picker(request, code: str | None) -> dict[str, Any]:
    """The picker's context for the chosen code (None: nothing chosen yet). A code the user may not pick, or
    that does not exist, leaves the tree out and says so in ``area_error`` (the page keeps its other parts)."""
    context: dict[str, Any] = {
        "area_code": code or "",
        "area_choices": area_options(request.user),
        "tree": None,
        "area_error": None,
    }
    if code:
        try:
            context["tree"] = area_tree(request, area_get_for_user(user=request.user, code=code))
        except ApplicationError as e:
            context["area_error"] = e.message
    return context


def compare_rows(compared: dict[str, Any], labels: dict[str, Any]) -> list[dict[str, Any]]:
    """A comparison's table (``reports.periods.comparison``): each figure with its label, this period, the period
    before and the change, in the order of ``labels``."""
    now, before = compared["figures"], compared["figures_before"]
    return [
        {"key": f, "label": label, "now": now[f], "before": before[f], "change": now[f] - before[f]}
        for f, label in labels.items()
    ]
