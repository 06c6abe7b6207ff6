"""Campaigns over JSON. The report's keys are a contract (docs/api.md); they come from reports/campaign_figures.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Body, Field, Router, Schema, Status

from ansinh.api.files import file_answer
from ansinh.api.types import Day, In
from ansinh.core.spreadsheets import XLSX_CONTENT_TYPE
from ansinh.registry.selectors import person_get
from ansinh.reports import campaign_exports as exports
from ansinh.reports import campaign_figures as figures

from . import selectors, services

router = Router(tags=["campaigns"])


class GoalIn(In):
    figure: str
    target: int
    area_code: str | None = None


class CampaignIn(In):
    name: str
    kind: str
    starts_on: Day
    ends_on: Day
    area_codes: list[str]
    goals: dict[str, int] | list[GoalIn] = {}
    description: str = ""
    partners: list[str] = []


class CampaignGoalOut(Schema):
    figure: str
    target: int
    area_code: str | None = Field(description="null for a goal of the whole campaign")


class ReportCampaignOut(Schema):
    """A campaign as its report names it."""

    id: int
    name: str
    kind: str
    starts_on: str
    ends_on: str
    area_codes: list[str]


class CampaignOut(ReportCampaignOut):
    partners: list[str]
    goals: list[CampaignGoalOut]


def campaign_json(campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "kind": campaign.kind,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "area_codes": [a.code for a in campaign.areas.all()],
        "partners": [p.name for p in campaign.partners.all()],
        "goals": [
            {"figure": g.figure, "target": g.target, "area_code": g.area.code if g.area_id else None}
            for g in campaign.goals.select_related("area")
        ],
    }


@router.get("/campaigns", response=list[CampaignOut])
def campaign_list(request):
    return [campaign_json(c) for c in selectors.campaigns_for_user(user=request.user)[:200]]


@router.post("/campaigns", response={201: CampaignOut})
def campaign_create(request, payload: CampaignIn):
    goals = payload.goals if isinstance(payload.goals, dict) else [g.dict() for g in payload.goals]
    campaign = services.campaign_create(
        actor=request.user,
        name=payload.name,
        kind=payload.kind,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        area_codes=payload.area_codes,
        goals=goals,
        description=payload.description,
        partner_names=payload.partners,
    )
    return Status(201, campaign_json(campaign))


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def campaign_detail(request, campaign_id: int):
    return campaign_json(selectors.campaign_get(user=request.user, campaign_id=campaign_id))


@router.put("/campaigns/{campaign_id}/goals", response=CampaignOut)
def campaign_goals(request, campaign_id: int, payload: list[GoalIn]):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    services.goals_set(actor=request.user, campaign=campaign, goals=[g.dict() for g in payload])
    return campaign_json(campaign)


class ActivityIn(In):
    kind: str
    title: str
    starts_on: Day
    ends_on: Day
    area_code: str
    reach: dict[str, int | None] = {}
    venue: str = ""
    platform: str = ""
    partner: str = ""
    cost: int | None = None


class ActivityOut(Schema):
    id: int
    campaign_id: int
    kind: str
    title: str
    starts_on: str
    ends_on: str
    area_code: str
    venue: str
    platform: str
    partner: str | None
    cost: int | None = Field(description="VND; null when not entered")
    reach: dict[str, int] = Field(description="the reach figures reported (views, audience, ...)")


def activity_json(activity) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "campaign_id": activity.campaign_id,
        "kind": activity.kind,
        "title": activity.title,
        "starts_on": activity.starts_on.isoformat(),
        "ends_on": activity.ends_on.isoformat(),
        "area_code": activity.area.code,
        "venue": activity.venue,
        "platform": activity.platform,
        "partner": activity.partner.name if activity.partner_id else None,
        "cost": activity.cost,
        "reach": activity.reach,
    }


@router.post("/campaigns/{campaign_id}/activities", response={201: ActivityOut})
def activity_create(request, campaign_id: int, payload: ActivityIn):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    data = payload.dict()
    activity = services.activity_create(
        actor=request.user, campaign=campaign, partner_name=data.pop("partner"), **data
    )
    return Status(201, activity_json(activity))


@router.get("/campaigns/{campaign_id}/activities", response=list[ActivityOut])
def activity_list(request, campaign_id: int):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    return [
        activity_json(a) for a in campaign.activities.select_related("area", "partner").order_by("starts_on")
    ]


@router.patch("/activities/{activity_id}/reach", response=ActivityOut)
def activity_reach(request, activity_id: int, payload: dict[str, int | None] = Body(...)):  # noqa: B008
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    return activity_json(services.activity_update_reach(actor=request.user, activity=activity, reach=payload))


class ActivityOutcomeIn(In):  # not OutcomeIn: the OpenAPI components are named by class, API-wide
    person_id: int
    kind: str
    on: Day
    follow_up_on: Day | None = None
    note: str = ""


class ActivityOutcomeOut(Schema):
    id: int
    activity_id: int
    person_id: int
    kind: str
    on: str
    created: bool = Field(description="false when the same outcome was already recorded (200)")


@router.post(
    "/activities/{activity_id}/outcomes", response={201: ActivityOutcomeOut, 200: ActivityOutcomeOut}
)
def outcome_create(request, activity_id: int, payload: ActivityOutcomeIn):
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    person = person_get(user=request.user, person_id=payload.person_id)
    outcome, created = services.outcome_record(
        actor=request.user,
        activity=activity,
        person=person,
        kind=payload.kind,
        on=payload.on,
        follow_up_on=payload.follow_up_on,
        note=payload.note,
    )
    body = {
        "id": outcome.pk,
        "activity_id": activity.pk,
        "person_id": person.pk,
        "kind": outcome.kind,
        "on": outcome.on.isoformat(),
        "created": created,
    }
    return Status(201 if created else 200, body)


class ReportFiguresOut(Schema):
    """The seven figures, numbers of distinct persons (reports/campaign_figures.py)."""

    new_voluntary_si: int
    new_health_insurance: int
    renewals_health_insurance: int
    renewals_voluntary_si: int
    vssid_installs: int
    cashless_switches: int
    consulted: int


class ReportReachOut(Schema):
    livestream_views: int
    livestream_interactions: int
    booth_visitors: int
    audience: int
    banners: int


class ReportKindOut(ReportFiguresOut):
    activities: int
    reach: ReportReachOut
    cost: int | None = Field(description="VND; null when no cost was entered")
    cost_per_new_participant: int | None


class ReportAreaOut(Schema):
    code: str
    name: str
    new_voluntary_si: int
    new_health_insurance: int
    renewals_health_insurance: int
    renewals_voluntary_si: int
    goals: dict[str, int] = Field(description="figure -> target, for this commune")


class ReportDayOut(ReportFiguresOut):
    day: str


class ReportGoalOut(Schema):
    target: int
    actual: int
    rate: float | None = Field(
        description="actual / target, rounded down to 4 decimals; null for a zero target"
    )


class ReportFunnelOut(Schema):
    consulted: int
    enrolled: int
    paid: int
    card_issued: int


class ReportCostOut(Schema):
    total: int | None
    per_new_participant: int | None


class ReportActivityOut(Schema):
    id: int
    kind: str
    title: str
    starts_on: str
    ends_on: str
    area_code: str
    reach: dict[str, int]
    cost: int | None


class CampaignReportOut(Schema):
    campaign: ReportCampaignOut
    attributed: ReportFiguresOut
    in_area: ReportFiguresOut
    reach: ReportReachOut
    by_activity_kind: dict[str, ReportKindOut] = Field(description="activity kind -> its figures")
    by_area: list[ReportAreaOut]
    by_day: list[ReportDayOut]
    goals: dict[str, ReportGoalOut] = Field(description="figure -> the whole campaign's goal")
    funnel: ReportFunnelOut
    cost: ReportCostOut
    activities: list[ReportActivityOut]


@router.get("/campaigns/{campaign_id}/report", response=CampaignReportOut)
def campaign_report(request, campaign_id: int):
    return figures.campaign_report(selectors.campaign_get(user=request.user, campaign_id=campaign_id))


def _report_file(request, campaign_id: int, ext: str):
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    report = figures.campaign_report(campaign)
    if ext == "pdf":
        response = HttpResponse(exports.report_pdf(report), content_type="application/pdf")
    else:
        response = HttpResponse(exports.report_xlsx(report), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.report_filename(campaign, ext)}"'
    return response


@router.get(
    "/campaigns/{campaign_id}/report.pdf",
    openapi_extra=file_answer("The report as PDF (A4, Vietnamese)"),
)
def campaign_report_pdf(request, campaign_id: int):
    """The campaign report as a PDF for the report upward: the same figures as `/report`."""
    return _report_file(request, campaign_id, "pdf")


@router.get(
    "/campaigns/{campaign_id}/report.xlsx",
    openapi_extra=file_answer(
        "The report as a workbook (sheets Tổng hợp, Theo loại hoạt động, Theo địa bàn, Theo ngày, Hoạt động)",
        XLSX_CONTENT_TYPE,
    ),
)
def campaign_report_xlsx(request, campaign_id: int):
    """The campaign report as XLSX: the same figures as `/report`, numbers as numbers."""
    return _report_file(request, campaign_id, "xlsx")
