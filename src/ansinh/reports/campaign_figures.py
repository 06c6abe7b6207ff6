"""The campaign figures — defined once, here, and used by the page, the API, the PDF and the XLSX alike.

They follow docs/domain.md, "What the numbers mean":

* A **participation** is one paid period of one scheme for one person: an enrollment member whose enrollment is
  completed. A voided receipt voids its enrollment, so it creates none.
* A participation is **new** when the person had no coverage under that scheme on any day of the 90 days before
  the payment date (any health-insurance coverage counts, whatever group paid it; for voluntary SI, any
  contribution month touching those days). Otherwise it is a **renewal**. The window is stored on each member row
  (``lookback_from`` … ``lookback_to``), and the participation's own coverage is never its own "before". The
  decision is stored on the member row too (``EnrollmentMember.is_new``, ADR 0008): it is made by
  ``enrollment.services.participation_is_new`` and made again by ``participation_flags_refresh`` whenever the
  person's coverage or contribution months are created or voided (a voided earlier card can turn a renewal into
  a new participation; a back-dated payment for an earlier period, the other way), so a report reads it instead
  of looking back 90 days for every participation.
* **Attributed**: recorded at one of the campaign's activities (``Enrollment.activity_id``, ``Outcome.activity``)
  with the payment or outcome date within the campaign's dates. **In area**: every participation or outcome of a
  person living in the campaign's areas during its dates, wherever it was recorded.
* Each person counts **once per figure** (two cards bought by one person = one new participant).
* **VssID installs**, **cashless switches**, **consulted**: distinct persons with that outcome.
* **Reach**: sums of what activities report.
* The **funnel**, for people met at the campaign's activities within its dates: consulted (an outcome of any kind,
  or an enrollment of any status), enrolled (an enrollment of any status), paid (an attributed participation),
  card issued (a non-void health-insurance span of an attributed enrollment with its card).

How they are counted: "each person once" is ``COUNT(DISTINCT person)`` in the database, so no participation or
outcome row travels to Python. A person lives in one commune, so counts by commune add up to the whole: one
participation statement grouped by commune gives the attributed and in-area totals, the areas, "enrolled" and
"paid"; by activity kind and by day need statements of their own (one person may count under two kinds or two
days).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import reduce
from operator import or_
from typing import Any, cast

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When

from ansinh.areas.models import Area, Level
from ansinh.areas.selectors import area_get_for_user
from ansinh.campaigns.models import FIGURES, Activity, ActivityKind, Campaign, Outcome, OutcomeKind
from ansinh.core.access import require
from ansinh.enrollment.models import EnrollmentMember, HICoverage, Scheme, Status
from ansinh.rules.rounding import round_vnd

from .coverage import VIEW, area_scope
from .periods import Period, comparison

REACH = ("livestream_views", "livestream_interactions", "booth_visitors", "audience", "banners")
HI_SCHEMES = (Scheme.HI_HOUSEHOLD, Scheme.HI_GROUP)
OUTCOME_FIGURES = {
    "vssid_installs": OutcomeKind.VSSID_INSTALL_ASSISTED,
    "cashless_switches": OutcomeKind.CASHLESS_SWITCHED,
    "consulted": OutcomeKind.CONSULTED,
}
# The member rows each participation figure counts (of completed enrollments: see _PAID).
PARTICIPATION_FIGURES = {
    "new_voluntary_si": Q(enrollment__scheme=Scheme.VSI, is_new=True),
    "new_health_insurance": Q(enrollment__scheme__in=HI_SCHEMES, is_new=True),
    "renewals_health_insurance": Q(enrollment__scheme__in=HI_SCHEMES, is_new=False),
    "renewals_voluntary_si": Q(enrollment__scheme=Scheme.VSI, is_new=False),
}
_PAID = Q(enrollment__status=Status.COMPLETED)


def _persons(condition: Q) -> Count:
    """Each person once: the distinct persons of the rows that meet the condition."""
    return Count("person_id", distinct=True, filter=condition)


def _rows(query: QuerySet[Any, Any]) -> list[dict[str, Any]]:
    """The rows of a grouped query (their keys are made from the figures' names, which typing cannot follow)."""
    return cast(list[dict[str, Any]], list(query))


def _area_q(areas: list[Area], prefix: str) -> Q:
    parts = []
    for area in areas:
        if area.level == Level.PROVINCE:
            parts.append(Q(**{f"{prefix}province_code": area.code}))
        else:
            parts.append(Q(**{f"{prefix}commune_id": area.pk}))
    return reduce(or_, parts) if parts else Q(pk__in=[])


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


def _by_commune(
    members: QuerySet[EnrollmentMember], at: Q, here: Q
) -> tuple[dict[int, dict[str, int]], dict[str, int], dict[str, int]]:
    """One statement, grouped by the commune the person lives in: per commune the attributed participation
    figures, and — added up, since each person lives in one commune — the in-area figures and the funnel's
    "enrolled" (at an activity, any status) and "paid"."""
    rows = (
        members.filter(at | (_PAID & here))
        .order_by()
        .values("person__commune_id")
        .annotate(
            enrolled=_persons(at),
            paid=_persons(at & _PAID),
            **{f"at_{f}": _persons(at & _PAID & q) for f, q in PARTICIPATION_FIGURES.items()},
            **{f"here_{f}": _persons(here & _PAID & q) for f, q in PARTICIPATION_FIGURES.items()},
        )
    )
    communes: dict[int, dict[str, int]] = {}
    in_area: dict[str, int] = defaultdict(int)
    funnel: dict[str, int] = defaultdict(int)
    for row in _rows(rows):
        attributed = {f: row[f"at_{f}"] for f in PARTICIPATION_FIGURES}
        if any(attributed.values()):
            communes[row["person__commune_id"]] = attributed
        for f in PARTICIPATION_FIGURES:
            in_area[f] += row[f"here_{f}"]
        funnel["enrolled"] += row["enrolled"]
        funnel["paid"] += row["paid"]
    return communes, in_area, funnel


def campaign_report(campaign: Campaign) -> dict[str, Any]:
    """The whole report of a campaign (the JSON contract of GET /api/v1/campaigns/{id}/report).

    Every figure is a count of distinct persons made by the database (see the module's docstring): eight
    statements over participations and outcomes, whatever the size of the campaign, and four small reads."""
    start, end = campaign.starts_on, campaign.ends_on
    activities = list(campaign.activities.select_related("area").order_by("starts_on", "pk"))
    # At the campaign's activities: a subquery rather than a list of ids, so that a campaign of hundreds of
    # activities does not send hundreds of parameters in each condition of each statement.
    activity_ids = Activity.objects.filter(campaign_id=campaign.pk).values("pk")
    areas = list(campaign.areas.all())
    ids_of_kind: dict[str, list[int]] = defaultdict(list)
    for a in activities:
        ids_of_kind[a.kind].append(a.pk)

    # Participations: members paid within the dates (enrolled = any status; the figures, completed only).
    members = EnrollmentMember.objects.filter(paid_on__range=(start, end))
    at = Q(enrollment__activity_id__in=activity_ids)
    communes, in_area_counts, funnel = _by_commune(members, at, _area_q(areas, "person__"))
    attributed_counts: dict[str, int] = defaultdict(int)
    for figures in communes.values():
        for f, n in figures.items():
            attributed_counts[f] += n
    attributed_members = members.filter(at & _PAID).order_by()
    figure_counts = {f: _persons(q) for f, q in PARTICIPATION_FIGURES.items()}
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    by_day_counts: dict[dt.date, dict[str, int]] = defaultdict(dict)
    if activities:
        kind = Case(
            *[When(enrollment__activity_id__in=ids, then=Value(k)) for k, ids in ids_of_kind.items()],
            output_field=CharField(),
        )
        for row in _rows(attributed_members.values(activity_kind=kind).annotate(**figure_counts)):
            by_kind[row["activity_kind"]].update({f: row[f] for f in PARTICIPATION_FIGURES})
        for row in _rows(attributed_members.values("paid_on").annotate(**figure_counts)):
            by_day_counts[row["paid_on"]].update({f: row[f] for f in PARTICIPATION_FIGURES})

    # Outcomes within the dates: the three counted kinds, attributed and in area; met = any kind.
    figure_of = {kind: figure for figure, kind in OUTCOME_FIGURES.items()}
    outcomes = Outcome.objects.filter(on__range=(start, end)).order_by()
    counted = outcomes.filter(kind__in=list(figure_of))
    o_at, o_here = Q(activity__campaign_id=campaign.pk), _area_q(areas, "person__")
    totals = counted.filter(o_at | o_here).values("kind").annotate(at=_persons(o_at), here=_persons(o_here))
    for row in _rows(totals):
        attributed_counts[figure_of[row["kind"]]] = row["at"]
        in_area_counts[figure_of[row["kind"]]] = row["here"]
    attributed_outcomes = counted.filter(o_at)
    persons = Count("person_id", distinct=True)
    if activities:
        for row in _rows(attributed_outcomes.values("activity__kind", "kind").annotate(n=persons)):
            by_kind[row["activity__kind"]][figure_of[row["kind"]]] = row["n"]
        for row in _rows(attributed_outcomes.values("on", "kind").annotate(n=persons)):
            by_day_counts[row["on"]][figure_of[row["kind"]]] = row["n"]
    attributed_figures = _order(attributed_counts)
    in_area_figures = _order(in_area_counts)

    by_activity_kind: dict[str, dict[str, Any]] = {}
    for kind_name in ActivityKind.values:
        these = [a for a in activities if a.kind == kind_name]
        if not these and kind_name not in by_kind:
            continue
        cost = sum(a.cost or 0 for a in these)
        figures = _order(by_kind.get(kind_name, {}))
        new = figures["new_health_insurance"] + figures["new_voluntary_si"]
        costed = any(a.cost is not None for a in these)
        by_activity_kind[kind_name] = {
            "activities": len(these),
            **figures,
            "reach": reach_of(these),
            "cost": cost if costed else None,
            "cost_per_new_participant": round_vnd(cost, new) if new and costed else None,
        }

    # By area (the commune the person lives in), attributed participations; then communes with goals only.
    names = {
        pk: (code, name)
        for pk, code, name in Area.objects.filter(pk__in=list(communes)).values_list("pk", "code", "name")
    }
    by_commune = {names[pk][0]: figures for pk, figures in communes.items()}
    goals = list(campaign.goals.select_related("area"))
    area_goals: dict[str, dict[str, int]] = defaultdict(dict)
    area_names: dict[str, str] = {code: name for code, name in names.values()}
    for g in goals:
        if g.area is not None:
            area_goals[g.area.code][g.figure] = g.target
            area_names.setdefault(g.area.code, g.area.name)
    by_area = [
        {"code": code, "name": area_names[code], **figures, "goals": area_goals.get(code, {})}
        for code, figures in sorted(by_commune.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    ]
    for code, targets in area_goals.items():
        if code not in by_commune:
            by_area.append(
                {
                    "code": code,
                    "name": area_names[code],
                    **dict.fromkeys(PARTICIPATION_FIGURES, 0),
                    "goals": targets,
                }
            )
    by_day = []
    for i in range((end - start).days + 1):  # never steps past the last day (nor past date.max)
        day = start + dt.timedelta(days=i)
        by_day.append({"day": day.isoformat(), **_order(by_day_counts.get(day, {}))})

    whole_goals = {g.figure: g.target for g in goals if not g.area_id}
    goal_report = {
        figure: {
            "target": target,
            "actual": attributed_figures.get(figure, 0),
            # rounded down: 19,999 of 20,000 is 99.99 %, never 100 % (the goal is not yet reached)
            "rate": (attributed_figures.get(figure, 0) * 10_000 // target) / 10_000 if target else None,
        }
        for figure, target in whole_goals.items()
    }

    # The funnel, for people met at the campaign's activities ("enrolled" and "paid" counted above).
    met = outcomes.filter(o_at).values("person_id").union(members.filter(at).order_by().values("person_id"))
    carded = (
        HICoverage.objects.filter(
            enrollment__activity_id__in=activity_ids,
            enrollment__status=Status.COMPLETED,
            enrollment__paid_on__range=(start, end),
            is_void=False,
            card__isnull=False,
        )
        .values("person_id")
        .distinct()
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
            "area_codes": [a.code for a in areas],
        },
        "attributed": attributed_figures,
        "in_area": in_area_figures,
        "reach": reach_of(activities),
        "by_activity_kind": by_activity_kind,
        "by_area": by_area,
        "by_day": by_day,
        "goals": goal_report,
        "funnel": {
            "consulted": met.count() if activities else 0,
            "enrolled": funnel["enrolled"],
            "paid": funnel["paid"],
            "card_issued": carded.count() if activities else 0,
        },
        "cost": {
            "total": total_cost if any(a.cost is not None for a in activities) else None,
            "per_new_participant": round_vnd(total_cost, new_total) if new_total and total_cost else None,
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


def area_figures(*, user, area_code: str, period: Period) -> dict[str, Any]:
    """The campaign figures of everyone an area stands for (its subtree; a unit before July 2025, its current
    successors), in a period and in the period before it: the "in the areas" figures of a campaign's report,
    for any area and any dates — what a manager compares a campaign's weeks with. Two statements a period."""
    require(user, VIEW)
    area = area_get_for_user(user=user, code=area_code)
    scope = area_scope(area)
    figure_of = {kind: figure for figure, kind in OUTCOME_FIGURES.items()}

    def counts(p: Period) -> dict[str, int]:
        members = EnrollmentMember.objects.filter(
            _PAID & scope.q("person__"), paid_on__range=(p.start, p.end)
        )
        found: dict[str, int] = dict(
            members.order_by().aggregate(**{f: _persons(q) for f, q in PARTICIPATION_FIGURES.items()})
        )
        outcomes = Outcome.objects.filter(
            scope.q("person__"), on__range=(p.start, p.end), kind__in=list(figure_of)
        )
        for row in _rows(outcomes.order_by().values("kind").annotate(n=Count("person_id", distinct=True))):
            found[figure_of[row["kind"]]] = row["n"]
        return _order(found)

    return comparison(area, period, counts, note=scope.note)


def live_totals(campaign: Campaign) -> dict[str, Any]:
    """The dashboard's headline numbers (the same definitions as the report)."""
    report = campaign_report(campaign)
    return {k: report[k] for k in ("attributed", "in_area", "reach", "goals", "funnel")}
