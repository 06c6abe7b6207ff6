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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

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


@dataclass(frozen=True)
class _Participation:
    person_id: int
    figure: str  # new_/renewals_ health_insurance / voluntary_si
    enrollment_id: int
    activity_id: int | None
    commune_code: str
    commune_name: str
    paid_on: dt.date


def _read_participations(members: QuerySet[EnrollmentMember]) -> list[_Participation]:
    """One query: each participation with its figure decided by the 90-day look-back of its own scheme."""
    # prior_hi / prior_vsi are annotations added by participations(), which django-stubs cannot see.
    rows = members.values_list(  # type: ignore[misc]
        "person_id",
        "enrollment__scheme",
        "prior_hi",
        "prior_vsi",
        "enrollment_id",
        "enrollment__activity_id",
        "person__commune__code",
        "person__commune__name",
        "paid_on",
    )
    out = []
    for person_id, scheme, prior_hi, prior_vsi, enrollment_id, activity_id, code, name, paid_on in rows:
        if scheme == Scheme.VSI:
            figure = "renewals_voluntary_si" if prior_vsi else "new_voluntary_si"
        else:
            figure = "renewals_health_insurance" if prior_hi else "new_health_insurance"
        out.append(_Participation(person_id, figure, enrollment_id, activity_id, code, name, paid_on))
    return out


def _count(items: Iterable[tuple[Any, str, int]]) -> dict[Any, dict[str, int]]:
    """(group, figure, person) triples -> distinct persons per group and figure (each person once)."""
    seen: dict[Any, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for group, figure, person in items:
        seen[group][figure].add(person)
    return {group: {f: len(p) for f, p in figures.items()} for group, figures in seen.items()}


def _order(figures: dict[str, int]) -> dict[str, int]:
    return {k: figures.get(k, 0) for k in FIGURES}


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
    """The whole report of a campaign (the JSON contract of GET /api/v1/campaigns/{id}/report).

    Each table is read once (participations with their look-back, outcomes) and the figures are counted from
    those rows: the look-back subqueries are the expensive part, so they run once per participation."""
    start, end = campaign.starts_on, campaign.ends_on
    activities = list(campaign.activities.select_related("area").order_by("starts_on", "pk"))
    activity_ids = [a.pk for a in activities]
    kind_of = {a.pk: a.kind for a in activities}
    all_members = participations(starts_on=start, ends_on=end)
    attributed = _read_participations(all_members.filter(enrollment__activity_id__in=activity_ids))
    in_area = _read_participations(all_members.filter(_area_q(campaign, "person__")))
    figure_of: dict[str, str] = {kind: figure for figure, kind in OUTCOME_FIGURES.items()}
    outcomes = Outcome.objects.filter(on__range=(start, end), kind__in=list(figure_of))
    attributed_outcomes = list(
        outcomes.filter(activity_id__in=activity_ids).values_list("person_id", "kind", "activity_id", "on")
    )
    in_area_outcomes = list(outcomes.filter(_area_q(campaign, "person__")).values_list("person_id", "kind"))
    met_without_enrolling = set(
        Outcome.objects.filter(on__range=(start, end), activity_id__in=activity_ids).values_list(
            "person_id", flat=True
        )
    )

    def whole(parts: list[_Participation], outs: Iterable[tuple]) -> dict[str, int]:
        counted = _count(
            [(None, x.figure, x.person_id) for x in parts] + [(None, figure_of[o[1]], o[0]) for o in outs]
        )
        return _order(counted.get(None, {}))

    attributed_figures = whole(attributed, attributed_outcomes)
    in_area_figures = whole(in_area, in_area_outcomes)

    by_kind = _count(
        [(kind_of.get(x.activity_id or 0), x.figure, x.person_id) for x in attributed]
        + [(kind_of.get(o[2]), figure_of[o[1]], o[0]) for o in attributed_outcomes]
    )
    by_activity_kind: dict[str, dict[str, Any]] = {}
    for kind in ActivityKind.values:
        these = [a for a in activities if a.kind == kind]
        if not these and kind not in by_kind:
            continue
        cost = sum(a.cost or 0 for a in these)
        figures = _order(by_kind.get(kind, {}))
        new = figures["new_health_insurance"] + figures["new_voluntary_si"]
        costed = any(a.cost is not None for a in these)
        by_activity_kind[kind] = {
            "activities": len(these),
            **figures,
            "reach": reach_of(these),
            "cost": cost if costed else None,
            "cost_per_new_participant": round(cost / new) if new and costed else None,
        }

    # By area (the commune the person lives in) and by day, for attributed participations.
    by_commune = _count([(x.commune_code, x.figure, x.person_id) for x in attributed])
    names = {x.commune_code: x.commune_name for x in attributed}
    goals = list(campaign.goals.select_related("area"))
    area_goals: dict[str, dict[str, int]] = defaultdict(dict)
    area_names: dict[str, str] = {}
    for g in goals:
        if g.area is not None:
            area_goals[g.area.code][g.figure] = g.target
            area_names[g.area.code] = g.area.name
    by_area = [
        {
            "code": code,
            "name": names.get(code, ""),
            **{k: figures.get(k, 0) for k in FIGURES[:4]},
            "goals": area_goals.get(code, {}),
        }
        for code, figures in sorted(by_commune.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    ]
    for code, targets in area_goals.items():
        if code not in by_commune:
            by_area.append(
                {"code": code, "name": area_names[code], **dict.fromkeys(FIGURES[:4], 0), "goals": targets}
            )
    by_day_counts = _count(
        [(x.paid_on, x.figure, x.person_id) for x in attributed]
        + [(o[3], figure_of[o[1]], o[0]) for o in attributed_outcomes]
    )
    by_day = []
    day = start
    while day <= end:
        by_day.append({"day": day.isoformat(), **_order(by_day_counts.get(day, {}))})
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
    enrolled = set(
        EnrollmentMember.objects.filter(
            enrollment__activity_id__in=activity_ids, paid_on__range=(start, end)
        ).values_list("person_id", flat=True)
    )
    met = met_without_enrolling | enrolled
    paid = {x.person_id for x in attributed}
    carded = set(
        HICoverage.objects.filter(
            enrollment_id__in={x.enrollment_id for x in attributed}, is_void=False, card__isnull=False
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
