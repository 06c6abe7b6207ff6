"""Coverage pages: an area on a date, units furthest from the target first, the year before, the trend."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ansinh.areas.selectors import area_choices
from ansinh.campaigns.selectors import campaigns_for_user
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.numbers import parse_id
from ansinh.core.spreadsheets import XLSX_CONTENT_TYPE
from ansinh.core.text import fold
from ansinh.reports import coverage as figures
from ansinh.reports.exports import coverage_pdf, coverage_xlsx
from ansinh.rules._util import add_months

from .charts import bar_chart, line_chart
from .templatetags.humanize_vi import isodate
from .views import page


def _params(request) -> tuple[str | None, dt.date, str]:
    """The area, date and level asked for. A date that cannot be read is refused (the ``page`` wrapper shows
    the message with status 400)."""
    area = request.GET.get("area") or None
    try:
        on = dt.date.fromisoformat(request.GET["on"]) if request.GET.get("on") else today()
    except ValueError:
        raise ApplicationError(ErrorCode.INVALID, _("Write the date as YYYY-MM-DD."), field="on") from None
    level = request.GET.get("level", "commune")
    return area, on, level


PERIODS = ("day", "month", "quarter", "year", "campaign")


def _period(request, on: dt.date) -> tuple[str, dt.date, dt.date, object]:
    """The period asked for around ``on``: its kind, its last day (never after today) and the last day of the one
    before — a month, a quarter, a year, or a campaign's dates compared with the day before it began."""
    kind = request.GET.get("period", "day")
    kind = kind if kind in PERIODS else "day"
    campaign = None
    if kind == "month":
        first = on.replace(day=1)
        end, before = add_months(first, 1) - dt.timedelta(days=1), first - dt.timedelta(days=1)
    elif kind == "quarter":
        first = on.replace(month=(on.month - 1) // 3 * 3 + 1, day=1)
        end, before = add_months(first, 3) - dt.timedelta(days=1), first - dt.timedelta(days=1)
    elif kind == "year":
        end, before = on.replace(month=12, day=31), on.replace(month=1, day=1) - dt.timedelta(days=1)
    elif kind == "campaign" and (campaign_id := parse_id(request.GET.get("campaign"))) is not None:
        campaign = campaigns_for_user(user=request.user).filter(pk=campaign_id).first()
        if campaign is None:
            raise Http404
        end, before = campaign.ends_on, campaign.starts_on - dt.timedelta(days=1)
    else:
        kind, end, before = "day", on, on - dt.timedelta(days=1)
    return kind, min(end, today()), before, campaign


@page
def coverage_page(request):
    area, on, level = _params(request)
    period, on, before, campaign = _period(request, on)
    if area is None:
        mine = request.user.areas.order_by("path").first()
        if mine is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("You have no areas yet. Ask your administrator."))
        return redirect(f"{request.path}?area={mine.code}&on={on.isoformat()}")
    error, previous = None, None
    try:
        result = figures.coverage(user=request.user, area_code=area, on=on, level=level)
        points = figures.trend(user=request.user, area_code=area, on=on, months=36)
        if period != "day":
            previous = figures.coverage(user=request.user, area_code=area, on=before, level=level)["total"]
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise
        error, result, points = e, None, []
    charts = {}
    if result:
        target = result["targets"]["health_insurance"]
        charts["units"] = bar_chart([(r["name"], r["rate"]) for r in result["rows"][:15]], target=target)
        charts["trend"] = line_chart([(isodate(p["on"][:7]), p["rate"]) for p in points], target=target)
    change = None
    if previous and result and previous["rate"] is not None and result["total"]["rate"] is not None:
        change = round((result["total"]["rate"] - previous["rate"]) * 100, 1)
    choices = [
        {"code": a.code, "label": f"{a.name} · {a.get_level_display()} · {fold(a.name)}"}
        for a in area_choices(user=request.user)
    ]
    context = {
        "result": result,
        "charts": charts,
        "error": error,
        "on": on,
        "area": area,
        "level": level,
        "period": period,
        "before": before,
        "previous": previous,
        "change": change,
        "campaign": campaign,
        "campaigns": list(campaigns_for_user(user=request.user)[:50]),
        "area_choices": choices,
    }
    return render(request, "web/coverage.html", context)


@page
def coverage_export(request, fmt: str):
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    area, on, level = _params(request)
    result = figures.coverage(user=request.user, area_code=area or "", on=on, level=level)
    name = f"bao-phu-{result['area']['code'].replace(':', '-')}-{result['on']}"
    if fmt == "xlsx":
        response = HttpResponse(
            coverage_xlsx(result),
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(coverage_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response
