"""Coverage pages: an area on a date, units furthest from the target first, the year before, the trend."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ansinh.areas.selectors import first_area
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.spreadsheets import XLSX_CONTENT_TYPE
from ansinh.reports import coverage as figures
from ansinh.reports.exports import coverage_pdf, coverage_xlsx

from .charts import bar_chart, line_chart
from .pickers import area_picker, period_picker, read_on
from .templatetags.humanize_vi import isodate
from .views import page


def _params(request) -> tuple[str | None, dt.date, str]:
    """The area, date and level asked for."""
    return request.GET.get("area") or None, read_on(request), request.GET.get("level", "commune")


@page
def coverage_page(request):
    area, on, level = _params(request)
    period, period_context = period_picker(request)
    on, before = period.last_known_day(today()), period.before().end
    if area is None:
        mine = first_area(user=request.user)
        if mine is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("You have no areas yet. Ask your administrator."))
        return redirect(f"{request.path}?area={mine.code}&on={on.isoformat()}")
    error, previous = None, None
    try:
        result = figures.coverage(user=request.user, area_code=area, on=on, level=level)
        points = figures.trend(user=request.user, area_code=area, on=on, months=36)
        if period.kind != "day":
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
    context = {
        **period_context,
        **area_picker(request, area),
        "result": result,
        "charts": charts,
        "error": error,
        "level": level,
        "before_day": before,
        "previous": previous,
        "change": change,
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
