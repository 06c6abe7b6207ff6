"""The campaign figures — defined once, here, and used by the page, the API, the PDF and the XLSX alike.

They follow field-story.md, "What the numbers mean":

* A **participation** is one paid period of one scheme for one person: an enrollment member whose enrollment is
  completed. A voided receipt voids its enrollment, so it creates none.
* A participation is **new** when the person had no coverage under that scheme on any day of the 90 days before
  the payment date (any health-insurance coverage counts, whatever group paid it; for voluntary SI, any
  contribution month touching those days). Otherwise it is a **renewal**. The window is stored on each member row
  (``lookback_from`` … ``lookback_to``), and the participation's own coverage is never its own "before".
* **Attributed**: recorded at one of the campaign's activities (``Enrollment.activity_id``, ``Outcome.activity``)
  with the payment or outcome date within the campaign's dates. **In area**: every participation or outcome of a
  person living in the campaign's areas during its dates, wherever it was recorded.
* Each person counts **once per figure** (two cards bought by one person = one new participant).
* **VssID installs**, **cashless switches**, **consulted**: distinct persons with that outcome.
* **Reach**: sums of what activities report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from ansinh.areas.models import Level
from ansinh.enrollment.models import EnrollmentMember, HICoverage, Scheme, Status, VSIContribution

from .models import Activity, ActivityKind, Campaign, Outcome, OutcomeKind

FIGURES = (
    "new_voluntary_si",
    "new_health_insurance",
    "renewals_health_insurance",
    "renewals_voluntary_si",
    "vssid_installs",
    "cashless_switches",
    "consulted",
)
REACH = ("livestream_views", "livestream_interactions", "booth_visitors", "audience", "banners")
HI_SCHEMES = (Scheme.HI_HOUSEHOLD, Scheme.HI_GROUP)
OUTCOME_FIGURES = {
    "vssid_installs": OutcomeKind.VSSID_INSTALL_ASSISTED,
    "cashless_switches": OutcomeKind.CASHLESS_SWITCHED,
    "consulted": OutcomeKind.CONSULTED,
}


def _prior_hi() -> Exists:
    return Exists(
        HICoverage.objects.filter(
            person_id=OuterRef("person_id"),
            is_void=False,
            valid_from__lte=OuterRef("lookback_to"),
            valid_to__gte=OuterRef("lookback_from"),
        ).exclude(enrollment_id=OuterRef("enrollment_id"))
    )


def _prior_vsi() -> Exists:
    return Exists(
        VSIContribution.objects.filter(
            person_id=OuterRef("person_id"),
            is_void=False,
            first_month__lte=OuterRef("lookback_to"),
            last_month__gte=OuterRef("lookback_from_month"),
        ).exclude(enrollment_id=OuterRef("enrollment_id"))
    )


def participations(*, starts_on: dt.date, ends_on: dt.date) -> QuerySet[EnrollmentMember]:
    """Every participation paid within the dates, with ``hi`` / ``prior`` flags for new vs renewal."""
    members = EnrollmentMember.objects.filter(
        enrollment__status=Status.COMPLETED, paid_on__range=(starts_on, ends_on)
    )
    return members.annotate(prior_hi=_prior_hi(), prior_vsi=_prior_vsi())


def _area_q(campaign: Campaign, prefix: str) -> Q:
    parts = []
    for area in campaign.areas.all():
        if area.level == Level.PROVINCE:
            parts.append(Q(**{f"{prefix}province_code": area.code}))
        else:
            parts.append(Q(**{f"{prefix}commune_id": area.pk}))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def _participation_figures(members: QuerySet[EnrollmentMember]) -> dict[str, int]:
    def persons(qs) -> int:
        return qs.values("person_id").distinct().count()

    hi = members.filter(enrollment__scheme__in=HI_SCHEMES)
    vsi = members.filter(enrollment__scheme=Scheme.VSI)
    # prior_hi / prior_vsi are annotations added by participations(), which django-stubs cannot see.
    return {
        "new_health_insurance": persons(hi.filter(prior_hi=False)),  # type: ignore[misc]  # annotation
        "renewals_health_insurance": persons(hi.filter(prior_hi=True)),  # type: ignore[misc]  # annotation
        "new_voluntary_si": persons(vsi.filter(prior_vsi=False)),  # type: ignore[misc]  # annotation
        "renewals_voluntary_si": persons(vsi.filter(prior_vsi=True)),  # type: ignore[misc]  # annotation
    }


def _outcome_figures(outcomes: QuerySet[Outcome]) -> dict[str, int]:
    rows = outcomes.values("kind").annotate(n=Count("person_id", distinct=True))
    by_kind = {r["kind"]: r["n"] for r in rows}
    return {figure: by_kind.get(kind, 0) for figure, kind in OUTCOME_FIGURES.items()}


def _order(figures: dict[str, int]) -> dict[str, int]:
    return {k: figures[k] for k in FIGURES}


def _distinct_split(members: QuerySet[EnrollmentMember], field: str) -> dict[Any, dict[str, int]]:
    """The participation figures grouped by ``field``, in one query: persons counted once per group and figure
    with conditional distinct counts."""
    hi = Q(enrollment__scheme__in=HI_SCHEMES)
    vsi = Q(enrollment__scheme=Scheme.VSI)
    rows = (
        members.values(field)
        .annotate(
            new_health_insurance=Count("person_id", distinct=True, filter=hi & Q(prior_hi=False)),
            renewals_health_insurance=Count("person_id", distinct=True, filter=hi & Q(prior_hi=True)),
            new_voluntary_si=Count("person_id", distinct=True, filter=vsi & Q(prior_vsi=False)),
            renewals_voluntary_si=Count("person_id", distinct=True, filter=vsi & Q(prior_vsi=True)),
        )
        .order_by(field)
    )
    return {r[field]: {k: r[k] for k in FIGURES[:4]} for r in rows}


def reach_of(activities: list[Activity]) -> dict[str, int]:
    total = dict.fromkeys(REACH, 0)
    for a in activities:
        r = a.reach or {}
        if a.kind == ActivityKind.LIVESTREAM:
            total["livestream_views"] += r.get("views", 0)
            total["livestream_interactions"] += r.get("interactions", 0)
        if a.kind == ActivityKind.JOB_FAIR_BOOTH:
            total["booth_visitors"] += r.get("visitors", 0)
        total["audience"] += r.get("audience", 0)
        total["banners"] += r.get("banners", 0)
    return total


def campaign_report(campaign: Campaign) -> dict[str, Any]:
    """The whole report of a campaign (the JSON contract of GET /api/v1/campaigns/{id}/report)."""
    start, end = campaign.starts_on, campaign.ends_on
    activities = list(campaign.activities.select_related("area").order_by("starts_on", "pk"))
    activity_ids = [a.pk for a in activities]
    all_members = participations(starts_on=start, ends_on=end)
    attributed = all_members.filter(enrollment__activity_id__in=activity_ids)
    in_area = all_members.filter(_area_q(campaign, "person__"))
    outcomes = Outcome.objects.filter(on__range=(start, end))
    attributed_outcomes = outcomes.filter(activity_id__in=activity_ids)
    in_area_outcomes = outcomes.filter(_area_q(campaign, "person__"))

    attributed_figures = _order(
        {**_participation_figures(attributed), **_outcome_figures(attributed_outcomes)}
    )
    in_area_figures = _order({**_participation_figures(in_area), **_outcome_figures(in_area_outcomes)})

    # By activity kind: participations through the activity's kind; outcomes likewise.
    kinds = attributed.annotate(
        activity_kind=Subquery(
            Activity.objects.filter(pk=OuterRef("enrollment__activity_id")).values("kind")[:1]
        )
    )
    by_kind_participation = _distinct_split(kinds, "activity_kind")
    figure_of: dict[str, str] = {kind: figure for figure, kind in OUTCOME_FIGURES.items()}
    by_kind_outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    for row in (
        attributed_outcomes.values("activity__kind", "kind")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    ):
        if row["kind"] in figure_of:
            by_kind_outcomes[row["activity__kind"]][figure_of[row["kind"]]] = row["n"]
    by_activity_kind: dict[str, dict[str, Any]] = {}
    for kind in ActivityKind.values:
        these = [a for a in activities if a.kind == kind]
        if not these and kind not in by_kind_participation:
            continue
        cost = sum(a.cost or 0 for a in these)
        figures = {
            **dict.fromkeys(FIGURES, 0),
            **by_kind_participation.get(kind, {}),
            **by_kind_outcomes.get(kind, {}),
        }
        new = figures["new_health_insurance"] + figures["new_voluntary_si"]
        by_activity_kind[kind] = {
            "activities": len(these),
            **_order(figures),
            "reach": reach_of(these),
            "cost": cost if any(a.cost is not None for a in these) else None,
            "cost_per_new_participant": round(cost / new)
            if new and any(a.cost is not None for a in these)
            else None,
        }

    # By area (the commune the person lives in) and by day, for attributed participations.
    by_commune = _distinct_split(attributed, "person__commune__code")
    names = dict(attributed.values_list("person__commune__code", "person__commune__name").distinct())
    goals = list(campaign.goals.select_related("area"))
    area_goals: dict[str, dict[str, int]] = defaultdict(dict)
    for g in goals:
        if g.area_id:
            assert g.area is not None  # a set foreign key always has its row (select_related above)
            area_goals[g.area.code][g.figure] = g.target
    by_area = [
        {"code": code, "name": names.get(code, ""), **figures, "goals": area_goals.get(code, {})}
        for code, figures in sorted(by_commune.items(), key=lambda kv: -sum(kv[1].values()))
    ]
    for code, targets in area_goals.items():
        if code not in by_commune:
            by_area.append(
                {
                    "code": code,
                    "name": next(g.area.name for g in goals if g.area and g.area.code == code),
                    **dict.fromkeys(FIGURES[:4], 0),
                    "goals": targets,
                }
            )
    by_day_rows = _distinct_split(attributed, "paid_on")
    day_outcomes: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for day_row in (
        attributed_outcomes.values("on", "kind").annotate(n=Count("person_id", distinct=True)).order_by()
    ):
        if day_row["kind"] in figure_of:
            day_outcomes[day_row["on"]][figure_of[day_row["kind"]]] = day_row["n"]
    by_day = []
    day = start
    while day <= end:
        by_day.append(
            {
                "day": day.isoformat(),
                **dict.fromkeys(FIGURES, 0),
                **by_day_rows.get(day, {}),
                **day_outcomes.get(day, {}),
            }
        )
        day += dt.timedelta(days=1)

    whole_goals = {g.figure: g.target for g in goals if not g.area_id}
    goal_report = {
        figure: {
            "target": target,
            "actual": attributed_figures.get(figure, 0),
            "rate": round(attributed_figures.get(figure, 0) / target, 4) if target else None,
        }
        for figure, target in whole_goals.items()
    }

    # The funnel, for people met at the campaign's activities.
    all_at_activities = EnrollmentMember.objects.filter(
        enrollment__activity_id__in=activity_ids, paid_on__range=(start, end)
    )
    met = set(attributed_outcomes.values_list("person_id", flat=True)) | set(
        all_at_activities.values_list("person_id", flat=True)
    )
    enrolled = set(all_at_activities.values_list("person_id", flat=True))
    paid = set(attributed.values_list("person_id", flat=True))
    carded = set(
        HICoverage.objects.filter(
            enrollment__in=attributed.values("enrollment_id"), is_void=False, card__isnull=False
        ).values_list("person_id", flat=True)
    )
    total_cost = sum(a.cost or 0 for a in activities)
    new_total = attributed_figures["new_health_insurance"] + attributed_figures["new_voluntary_si"]
    return {
        "campaign": {
            "id": campaign.pk,
            "name": campaign.name,
            "kind": campaign.kind,
            "starts_on": start.isoformat(),
            "ends_on": end.isoformat(),
            "area_codes": [a.code for a in campaign.areas.all()],
        },
        "attributed": attributed_figures,
        "in_area": in_area_figures,
        "reach": reach_of(activities),
        "by_activity_kind": by_activity_kind,
        "by_area": by_area,
        "by_day": by_day,
        "goals": goal_report,
        "funnel": {
            "consulted": len(met),
            "enrolled": len(enrolled),
            "paid": len(paid),
            "card_issued": len(carded),
        },
        "cost": {
            "total": total_cost if any(a.cost is not None for a in activities) else None,
            "per_new_participant": round(total_cost / new_total) if new_total and total_cost else None,
        },
        "activities": [
            {
                "id": a.pk,
                "kind": a.kind,
                "title": a.title,
                "starts_on": a.starts_on.isoformat(),
                "ends_on": a.ends_on.isoformat(),
                "area_code": a.area.code,
                "reach": a.reach,
                "cost": a.cost,
            }
            for a in activities
        ],
    }


def live_totals(campaign: Campaign) -> dict[str, Any]:
    """The dashboard's headline numbers (the same definitions as the report)."""
    report = campaign_report(campaign)
    return {k: report[k] for k in ("attributed", "in_area", "reach", "goals", "funnel")}
