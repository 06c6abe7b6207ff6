"""Coverage pages: an area on a date, units furthest from the target first, the year before, the trend."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.reports import coverage as figures
from ansinh.reports.exports import coverage_pdf, coverage_xlsx

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


@page
def coverage_page(request):
    area, on, level = _params(request)
    if area is None:
        mine = request.user.areas.order_by("path").first()
        if mine is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("You have no areas yet. Ask your administrator."))
        return redirect(f"{request.path}?area={mine.code}&on={on.isoformat()}")
    error = None
    try:
        result = figures.coverage(user=request.user, area_code=area, on=on, level=level)
        points = figures.trend(user=request.user, area_code=area, on=on, months=36)
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise
        error, result, points = e, None, []
    charts = {}
    if result:
        target = result["targets"]["health_insurance"]
        charts["units"] = bar_chart([(r["name"], r["rate"]) for r in result["rows"][:15]], target=target)
        charts["trend"] = line_chart([(isodate(p["on"][:7]), p["rate"]) for p in points], target=target)
    return render(
        request,
        "web/coverage.html",
        {"result": result, "charts": charts, "error": error, "on": on, "area": area, "level": level},
    )


@page
def coverage_export(request, fmt: str):
    area, on, level = _params(request)
    result = figures.coverage(user=request.user, area_code=area or "", on=on, level=level)
    name = f"bao-phu-{result['area']['code'].replace(':', '-')}-{result['on']}"
    if fmt == "xlsx":
        response = HttpResponse(
            coverage_xlsx(result),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(coverage_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response
