"""Campaign pages: the list, a new campaign with its goals, its activities (plan one, update its reach), the live
dashboard, and the report as PDF and XLSX.

Every number shown comes from ``ansinh.reports.campaign_figures.campaign_report`` — the same dict the API returns
PDF and XLSX print. This module only lays it out: labels, and the coordinates of the inline SVG charts (drawn on
the server, like the pension chart of the calculators: no JavaScript library, nothing from a CDN)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ansinh.areas.models import Level
from ansinh.campaigns import selectors, services
from ansinh.campaigns.models import REACH_KEYS, ActivityKind, CampaignKind
from ansinh.core.access import has_capability, require
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode, ValidationFailed
from ansinh.core.spreadsheets import XLSX_CONTENT_TYPE
from ansinh.reports import campaign_exports as exports
from ansinh.reports import campaign_figures as figures

from .charts import coord, day_chart, hbar_chart
from .forms import read_day, read_whole
from .pickers import area_picker, compare_rows, period_picker
from .templatetags.humanize_vi import percent
from .views import page

FIGURE_LABELS = {
    "new_health_insurance": gettext_lazy("New health-insurance participants"),
    "new_voluntary_si": gettext_lazy("New voluntary-SI participants"),
    "renewals_health_insurance": gettext_lazy("Health-insurance renewals"),
    "renewals_voluntary_si": gettext_lazy("Voluntary-SI renewals"),
    "vssid_installs": gettext_lazy("Helped to install VssID"),
    "cashless_switches": gettext_lazy("Pensions switched to an account"),
    "consulted": gettext_lazy("Consulted"),
}
SHORT_LABELS = {
    "new_health_insurance": gettext_lazy("New HI"),
    "new_voluntary_si": gettext_lazy("New VSI"),
    "renewals_health_insurance": gettext_lazy("HI renewals"),
    "renewals_voluntary_si": gettext_lazy("VSI renewals"),
    "vssid_installs": gettext_lazy("VssID"),
    "cashless_switches": gettext_lazy("Cashless"),
    "consulted": gettext_lazy("Consulted"),
}
REACH_LABELS = {
    "livestream_views": gettext_lazy("Livestream views"),
    "livestream_interactions": gettext_lazy("Livestream interactions"),
    "booth_visitors": gettext_lazy("Booth visitors"),
    "audience": gettext_lazy("Audience"),
    "banners": gettext_lazy("Banners and slogans"),
}
FUNNEL_LABELS = {
    "consulted": gettext_lazy("Met or consulted"),
    "enrolled": gettext_lazy("Enrolled"),
    "paid": gettext_lazy("Paid"),
    "card_issued": gettext_lazy("Card issued"),
}
# What an activity of each kind records, besides dates, area and cost (the plan form shows only these).
FIELD_LABELS = {
    "venue": gettext_lazy("Venue, villages or places"),
    "partner": gettext_lazy("Partner"),
    "platform": gettext_lazy("Platform or channel"),
    "audience": gettext_lazy("Audience"),
    "views": gettext_lazy("Views"),
    "interactions": gettext_lazy("Interactions"),
    "shares": gettext_lazy("Shares"),
    "visitors": gettext_lazy("Visitors"),
    "banners": gettext_lazy("Banners (how many)"),
    "participants": gettext_lazy("Participants"),
    "organisations": gettext_lazy("Organisations involved"),
}
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "banner": ("venue", "banners"),
    "art_performance": ("venue", "partner", "audience"),
    "small_group_visit": ("venue", "participants"),
    "job_fair_booth": ("venue", "partner", "visitors"),
    "livestream": ("platform", "views", "interactions", "shares"),
    "conference": ("venue", "partner", "participants", "organisations"),
    "press": ("platform", "audience"),
    "post_office_launch": ("venue", "partner", "audience"),
    "other": ("venue", "partner", "audience"),
}
TEXT_FIELDS = ("venue", "partner", "platform")
AREA_GOAL_ROWS = 5


def _errors_of(e: ApplicationError) -> dict[str, str]:
    if isinstance(e, ValidationFailed):
        return dict(e.errors)
    return {(e.field or "general").removeprefix("reach."): e.message}


# ---------------------------------------------------------------------------------------------- the list


@page
def campaign_list(request):
    """The campaigns, narrowed on demand to an area and a period (with how many ran in the period before)."""
    code = request.GET.get("area") or None
    chosen = "period" in request.GET
    period, period_context = period_picker(request, default="year", campaigns=[])
    context: dict[str, Any] = {
        **period_context,
        **area_picker(request, code),
        "filtered": bool(code or chosen),
    }
    # an area that cannot be picked is said above the list (area_error), which then stays whole
    area = context["tree"]["area"] if context["tree"] else None
    start, end = (period.start, period.end) if chosen else (None, None)
    campaigns = selectors.campaigns_in(user=request.user, area=area, start=start, end=end)
    if chosen:
        before = period.before()
        context["count_before"] = selectors.campaigns_in(
            user=request.user, area=area, start=before.start, end=before.end
        ).count()
    context.update(
        {
            "campaigns": list(campaigns.prefetch_related("areas")[:200]),
            "period_chosen": chosen,
            "today": today(),
            "can_manage": has_capability(request.user, "campaigns.manage"),
        }
    )
    return render(request, "web/campaign_list.html", context)


# --------------------------------------------------------------------------------------- a new campaign


@page
def campaign_create(request):
    require(request.user, "campaigns.manage")
    areas = selectors.campaign_area_choices(user=request.user)
    communes = [a for a in areas if a.level == Level.COMMUNE]
    post = request.POST
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "name": post.get("name", ""),
        "kind": post.get("kind", CampaignKind.MONTH_OF_PROMOTION),
        "starts_on": post.get("starts_on", ""),
        "ends_on": post.get("ends_on", ""),
        "description": post.get("description", ""),
        "partners": post.get("partners", ""),
        "area_codes": post.getlist("area_codes"),
        "goals": {f: post.get(f"goal_{f}", "") for f in exports.ORDER},
        "area_goals": [
            {
                "figure": post.get(f"area_goal_figure_{i}", ""),
                "code": post.get(f"area_goal_code_{i}", ""),
                "target": post.get(f"area_goal_target_{i}", ""),
            }
            for i in range(AREA_GOAL_ROWS)
        ],
    }
    if request.method == "POST":
        starts_on, message = read_day(values["starts_on"])
        if message:
            errors["starts_on"] = message
        ends_on, message = read_day(values["ends_on"])
        if message:
            errors["ends_on"] = message
        goals: list[dict[str, Any]] = []
        for figure, text in values["goals"].items():
            if text.strip():
                target, message = read_whole(text, field_label=str(FIGURE_LABELS[figure]))
                if message:
                    errors["goals"] = message
                else:
                    goals.append({"figure": figure, "target": target})
        for row in values["area_goals"]:
            if row["target"].strip() and row["code"] and row["figure"]:
                target, message = read_whole(row["target"], field_label=_("the goal"))
                if message:
                    errors["goals"] = message
                else:
                    goals.append({"figure": row["figure"], "target": target, "area_code": row["code"]})
        if not errors and starts_on is not None and ends_on is not None:  # both read without an error
            try:
                campaign = services.campaign_create(
                    actor=request.user,
                    name=values["name"],
                    kind=values["kind"],
                    starts_on=starts_on,
                    ends_on=ends_on,
                    area_codes=values["area_codes"],
                    goals=goals,
                    description=values["description"],
                    partner_names=[p.strip() for p in values["partners"].splitlines() if p.strip()],
                )
            except ApplicationError as e:
                if e.code == ErrorCode.PERMISSION_DENIED:
                    raise
                errors.update(_errors_of(e))
            else:
                messages.success(request, _("Campaign %(name)s is created.") % {"name": campaign.name})
                return redirect("web:campaign_activities", campaign_id=campaign.pk)
    return render(
        request,
        "web/campaign_form.html",
        {
            "values": values,
            "errors": errors,
            "campaign_kinds": CampaignKind.choices,
            "areas": areas,
            "communes": communes,
            "figure_choices": [(f, FIGURE_LABELS[f]) for f in exports.ORDER],
            "today": today(),
            "goal_rows": [
                {"key": f, "label": FIGURE_LABELS[f], "value": values["goals"][f]} for f in exports.ORDER
            ],
        },
        status=422 if errors else 200,
    )


# ------------------------------------------------------------------------------ activities and their reach


def _activity_rows(request, campaign) -> list[dict[str, Any]]:
    on = today()
    can_desk = has_capability(request.user, "enrollment.create")
    rows = []
    for a in campaign.activities.select_related("area", "partner").order_by("starts_on", "pk"):
        rows.append(
            {
                "activity": a,
                "reach": [(FIELD_LABELS.get(k, k), v) for k, v in (a.reach or {}).items()],
                "running": a.starts_on <= on <= a.ends_on,
                "desk": can_desk and a.starts_on <= on <= a.ends_on,
            }
        )
    return rows


def _read_activity_form(post, kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The kind's own fields from the plan form (fields of other kinds, hidden on the page, are ignored)."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"reach": {}}
    for name in KIND_FIELDS.get(kind, ()):
        text = post.get(name, "").strip()
        if name in TEXT_FIELDS:
            data[name] = text
        elif text:
            value, message = read_whole(text, field_label=str(FIELD_LABELS[name]).lower())
            if message:
                errors[name] = message
            else:
                data["reach"][name] = value
    cost_text = post.get("cost", "").strip()
    data["cost"] = None
    if cost_text:
        data["cost"], message = read_whole(cost_text, field_label=_("the cost"))
        if message:
            errors["cost"] = message
    return data, errors


@page
def campaign_activities(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    can_manage = has_capability(request.user, "campaigns.manage")
    post = request.POST
    values = {
        k: post.get(k, "")
        for k in ("kind", "title", "starts_on", "ends_on", "area_code", "cost", *FIELD_LABELS)
    }
    values["kind"] = values["kind"] or ActivityKind.ART_PERFORMANCE
    errors: dict[str, str] = {}
    if request.method == "POST":
        require(request.user, "campaigns.manage")
        starts_on, message = read_day(values["starts_on"])
        if message:
            errors["starts_on"] = message
        ends_on, message = read_day(values["ends_on"] or values["starts_on"])
        if message:
            errors["ends_on"] = message
        data, more = _read_activity_form(post, values["kind"])
        errors.update(more)
        if not errors:
            # _day (required) returns a date whenever it returns no message.
            assert starts_on is not None and ends_on is not None
            try:
                activity = services.activity_create(
                    actor=request.user,
                    campaign=campaign,
                    kind=values["kind"],
                    title=values["title"],
                    starts_on=starts_on,
                    ends_on=ends_on,
                    area_code=values["area_code"],
                    reach=data["reach"],
                    venue=data.get("venue", ""),
                    platform=data.get("platform", ""),
                    partner_name=data.get("partner", ""),
                    cost=data["cost"],
                )
            except ApplicationError as e:
                if e.code == ErrorCode.PERMISSION_DENIED:
                    raise
                errors.update(_errors_of(e))
            else:
                messages.success(request, _("Activity %(title)s is planned.") % {"title": activity.title})
                return redirect("web:campaign_activities", campaign_id=campaign.pk)
    kinds = [(k, label, KIND_FIELDS[k]) for k, label in ActivityKind.choices]
    return render(
        request,
        "web/campaign_activities.html",
        {
            "campaign": campaign,
            "rows": _activity_rows(request, campaign),
            "can_manage": can_manage,
            "values": values,
            "errors": errors,
            "activity_kinds": kinds,
            "areas": selectors.activity_area_choices(user=request.user, campaign=campaign),
            "plan_fields": [
                {
                    "name": name,
                    "label": label,
                    "value": values[name],
                    "error": errors.get(name),
                    "numeric": name not in TEXT_FIELDS,
                    "kinds": " ".join(k for k, fields in KIND_FIELDS.items() if name in fields),
                }
                for name, label in FIELD_LABELS.items()
            ],
        },
        status=422 if errors else 200,
    )


@page
def activity_reach(request, campaign_id: int, activity_id: int):
    """Reach figures entered during or after an activity (views, visitors, audience ...)."""
    require(request.user, "campaigns.manage")
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    if activity.campaign_id != campaign_id:
        raise Http404
    names = [k for k in REACH_KEYS if k in KIND_FIELDS.get(activity.kind, ()) or k in (activity.reach or {})]
    errors: dict[str, str] = {}
    if request.method == "POST":
        reach: dict[str, int] = {}
        for name in names:
            text = request.POST.get(name, "").strip()
            if text:
                value, message = read_whole(text, field_label=str(FIELD_LABELS[name]).lower())
                if message:
                    errors[name] = message
                else:
                    assert value is not None  # read_whole returns a number whenever it returns no message
                    reach[name] = value
        if not errors:
            try:
                services.activity_update_reach(actor=request.user, activity=activity, reach=reach)
            except ApplicationError as e:
                if e.code == ErrorCode.PERMISSION_DENIED:
                    raise
                errors.update(_errors_of(e))
            else:
                messages.success(request, _("The reach of %(title)s is saved.") % {"title": activity.title})
                return redirect("web:campaign_activities", campaign_id=campaign_id)
    fields = [
        {
            "name": k,
            "label": FIELD_LABELS[k],
            "value": request.POST.get(k, (activity.reach or {}).get(k, "")),
            "error": errors.get(k),
        }
        for k in names
    ]
    return render(
        request,
        "web/campaign_reach.html",
        {
            "campaign": activity.campaign,
            "activity": activity,
            "fields": fields,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


# -------------------------------------------------------------------------------------------- the dashboard


def dashboard_context(report: dict[str, Any]) -> dict[str, Any]:
    """The report laid out for the page: labels beside the numbers, and chart coordinates."""
    goals = report["goals"]
    headline = []
    for f in exports.ORDER:
        goal = goals.get(f)
        headline.append(
            {
                "key": f,
                "label": FIGURE_LABELS[f],
                "attributed": report["attributed"][f],
                "in_area": report["in_area"][f],
                "goal": goal,
                "bar": coord(min(goal["rate"] or 0, 1) * 100) if goal else None,
                "rate_text": percent(goal["rate"], 0) if goal else "",
                "reached": bool(goal and goal["target"] and goal["actual"] >= goal["target"]),
            }
        )
    funnel = hbar_chart(
        [
            {"key": k, "label": FUNNEL_LABELS[k], "segments": [("f-" + k, v, FUNNEL_LABELS[k])]}
            for k, v in report["funnel"].items()
        ],
        width=480,
        label_w=150,
    )
    kinds = []
    for kind, row in report["by_activity_kind"].items():
        kinds.append({"key": kind, "label": capfirst(ActivityKind(kind).label), **row})
    kind_chart = hbar_chart(
        [
            {
                "key": k["key"],
                "label": k["label"],
                "segments": [
                    ("hi", k["new_health_insurance"], FIGURE_LABELS["new_health_insurance"]),
                    ("vsi", k["new_voluntary_si"], FIGURE_LABELS["new_voluntary_si"]),
                ],
            }
            for k in kinds
        ]
    )
    area_chart = hbar_chart(
        [
            {
                "key": a["code"],
                "label": a["name"] or a["code"],
                "segments": [
                    ("hi", a["new_health_insurance"], FIGURE_LABELS["new_health_insurance"]),
                    ("vsi", a["new_voluntary_si"], FIGURE_LABELS["new_voluntary_si"]),
                ],
                "target": a["goals"].get("new_health_insurance"),
            }
            for a in report["by_area"][:25]
        ]
    )
    return {
        "report": report,
        "headline": headline,
        "funnel_chart": funnel,
        "reach": [{"key": k, "label": REACH_LABELS[k], "value": v} for k, v in report["reach"].items()],
        "kinds": kinds,
        "kind_chart": kind_chart,
        "areas": report["by_area"],
        "area_chart": area_chart,
        "day_chart": day_chart(report["by_day"]),
        "days": report["by_day"],
        "order": exports.ORDER,
        "short_labels": [SHORT_LABELS[f] for f in exports.ORDER],
        "day_rows": [{"day": d["day"], "values": [d[f] for f in exports.ORDER]} for d in report["by_day"]],
        "area_rows": [{**a, "values": [a[f] for f in exports.ORDER[:4]]} for a in report["by_area"]],
    }


@page
def campaign_dashboard(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    report = figures.campaign_report(campaign)
    areas_of_campaign = list(campaign.areas.all())
    context = {
        "campaign": campaign,
        **dashboard_context(report),
        "areas_of_campaign": areas_of_campaign,
        "partners": list(campaign.partners.all()),
        "can_manage": has_capability(request.user, "campaigns.manage"),
    }
    if request.htmx:
        return render(request, "web/campaign_dashboard.html#live", context)
    context.update(_compare_context(request, campaign, areas_of_campaign))
    return render(request, "web/campaign_dashboard.html", context)


def _compare_context(request, campaign, areas_of_campaign) -> dict[str, Any]:
    """The dashboard's comparison: an area (the campaign's first by default) in a period (the campaign's dates by
    default) beside the period before — everyone living there, wherever they were recorded."""
    code = request.GET.get("area") or (areas_of_campaign[0].code if areas_of_campaign else None)
    period, period_context = period_picker(request, default="campaign", campaign=campaign, campaigns=[])
    context: dict[str, Any] = {**period_context, **area_picker(request, code)}
    if code and not context["area_error"]:
        compared = figures.area_figures(user=request.user, area_code=code, period=period)
        context["compared"] = compared
        context["compare_rows"] = compare_rows(compared, {f: FIGURE_LABELS[f] for f in exports.ORDER})
    return context


# ---------------------------------------------------------------------------------------------- the exports


def _download(content: bytes, content_type: str, filename: str, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


@page
def campaign_report_pdf(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    content = exports.report_pdf(figures.campaign_report(campaign))
    return _download(content, "application/pdf", exports.report_filename(campaign, "pdf"), inline=True)


@page
def campaign_report_xlsx(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    content = exports.report_xlsx(figures.campaign_report(campaign))
    return _download(content, XLSX_CONTENT_TYPE, exports.report_filename(campaign, "xlsx"), inline=False)
