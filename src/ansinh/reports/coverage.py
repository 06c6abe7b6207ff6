"""Coverage figures — defined once, here, and used by the pages, the API, the exports, the CLI and (through
the same definitions) the reminder job.

* **Population** of an area on a date: persons living there now (the registry's current commune/village), born on
  or before the date, not dead on it. (ansinh keeps residence history only through household memberships, so a
  person who moved counts where they live now; see docs/adr/0007-coverage-figures.md.)
* **Insured**: persons of that population with a health-insurance card valid on the date (any group; voided
  coverage never counts; two overlapping cards count once).
* **Voluntary SI participants**: persons with a voluntary-SI contribution month covering the date's month.
* **Informal working-age population**: persons aged 15 to 60 on the date whose work is informal or farming — the
  population the voluntary-SI target is measured against (the official target uses the labour force).
* **Cash pensioners**: pension or benefit recipients whose payout is cash.
* **Rate** = insured / population; **gap** = persons still to insure to reach the HI target.

Insured and voluntary-SI participants are counted from ``reports.models.CoveragePeriod`` (each person's coverage
merged into periods that never overlap, cut to the days they were alive, placed where they live), which the
services keep in step with the coverage rows; docs/adr/0010-coverage-periods.md says why.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ansinh.areas.models import Area, Level
from ansinh.areas.selectors import area_get_for_user, subtree_q
from ansinh.core.access import require
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.rule_errors import application_error
from ansinh.registry.models import CoveragePeriod, Employment, Payout, PeriodScheme, Person
from ansinh.registry.selectors import statuses_on_many
from ansinh.rules import hi
from ansinh.rules._util import add_months
from ansinh.rules.errors import RuleError

from .models import OfficialPopulation
from .periods import check_date

# Coverage is read by whoever may read the registry (every role today): decided here, for every door.
VIEW = "registry.view"
INFORMAL = (Employment.INFORMAL, Employment.FARMER)
WORKING_AGE = (15, 60)


@dataclass(frozen=True)
class Scope:
    """The people an area stands for: a current unit's subtree, or a legacy unit's current successors."""

    area: Area
    field: str  # a Person field: province_code, commune_id, village_id, or commune_id__in
    value: Any
    note: str = ""

    def q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}{self.field}": self.value})


def area_scope(area: Area) -> Scope:
    if not area.is_legacy:
        if area.level == Level.PROVINCE:
            return Scope(area, "province_code", area.code)
        if area.level == Level.COMMUNE:
            return Scope(area, "commune_id", area.pk)
        return Scope(area, "village_id", area.pk)
    # A legacy unit: the current communes that its communes became (the official old → new mapping).
    successors = list(
        Area.objects.filter(
            level=Level.COMMUNE, predecessors__legacy__in=Area.objects.filter(subtree_q(area.path))
        )
        .distinct()
        .values_list("pk", flat=True)
    )
    note = _(
        "Compared through the old → new mapping; communes that were split count whole in each successor."
    )
    return Scope(area, "commune_id__in", successors, note)


def _alive(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}birth_date__lte": day}) & (
        Q(**{f"{prefix}died_on__isnull": True}) | Q(**{f"{prefix}died_on__gt": day})
    )


def _working_age_births(on: dt.date) -> tuple[dt.date, dt.date]:
    """(youngest, oldest): people of working age on ``on`` were born on or before the first, after the second."""
    youngest = add_months(on, -12 * WORKING_AGE[0])  # on 29 February, those born 28 February turn 15
    return youngest, add_months(on, -12 * (WORKING_AGE[1] + 1))


def _informal(on: dt.date) -> Q:
    youngest, oldest = _working_age_births(on)
    return Q(employment__in=INFORMAL, birth_date__lte=youngest, birth_date__gt=oldest)


FIELDS = ("population", "insured", "vsi", "informal", "pensioners", "cash_pensioners")


def _figures(scope: Scope, on: dt.date, before: dt.date, key: str) -> dict[Any, dict[str, int]]:
    """Every figure by ``key`` (an area field of persons and of periods), for ``on`` and (population, insured)
    for ``before``: two grouped queries — people with conditional counts, and coverage periods with conditional
    counts. A person's periods of one scheme never overlap and are already cut to the days they were alive and
    placed where they live (``reports.models.CoveragePeriod``), so a plain count is a count of persons. Each
    person lives in one unit, so totals are sums of the rows."""
    out: dict[Any, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys((*FIELDS, "population_before", "insured_before"), 0)
    )
    alive, pension = _alive(on), Q(pension_recipient=True)
    for r in (
        Person.objects.filter(scope.q(), birth_date__lte=on, merged_into__isnull=True)
        .values(key)
        .annotate(
            population=Count("pk", filter=alive),
            informal=Count("pk", filter=alive & _informal(on)),
            pensioners=Count("pk", filter=alive & pension),
            cash_pensioners=Count("pk", filter=alive & pension & Q(payout_method=Payout.CASH)),
            population_before=Count("pk", filter=_alive(before)),
        )
        .order_by()
    ):
        out[r.pop(key)].update(r)
    _statuses_of_the_day(scope, on, key, out)
    hi, vsi = Q(scheme=PeriodScheme.HI), Q(scheme=PeriodScheme.VSI)
    periods = CoveragePeriod.objects.filter(scope.q(), valid_from__lte=on, valid_to__gte=before)
    for r in (
        periods.values(key)
        .annotate(
            insured=Count("pk", filter=hi & Q(valid_from__lte=on, valid_to__gte=on)),
            insured_before=Count("pk", filter=hi & Q(valid_from__lte=before, valid_to__gte=before)),
            vsi=Count("pk", filter=vsi & Q(valid_from__lte=on, valid_to__gte=on)),
        )
        .order_by()
    ):
        out[r.pop(key)].update(r)
    return out


def _status_figures(person: Any, statuses: Any, on: dt.date) -> tuple[int, int, int]:
    """(informal, pensioners, cash_pensioners) that one living person counts for on a day with these statuses: the
    conditions of ``_informal`` and of ``_figures``' pensioners, for one person in hand."""
    youngest, oldest = _working_age_births(on)
    informal = statuses.employment in INFORMAL and oldest < person.birth_date <= youngest
    pension = statuses.pension_recipient
    return int(informal), int(pension), int(pension and person.payout_method == Payout.CASH)


def _statuses_of_the_day(scope: Scope, on: dt.date, key: str, out: dict[Any, dict[str, int]]) -> None:
    """The counts above read today's statuses; the few people whose statuses changed after ``on`` (ADR 0031) are
    counted again with the statuses of that day (``registry.selectors.statuses_on_many``)."""
    changed = list(
        Person.objects.filter(
            scope.q(), _alive(on), merged_into__isnull=True, statuses_since__gt=on
        ).prefetch_related("status_changes")
    )
    then = statuses_on_many(changed, on)
    for person in changed:
        row = out[getattr(person, key)]
        now, was = _status_figures(person, person, on), _status_figures(person, then[person.pk], on)
        for name, a, b in zip(("informal", "pensioners", "cash_pensioners"), now, was, strict=True):
            row[name] += b - a


def _official(
    scope: Scope, key: str, on: dt.date, before: dt.date
) -> tuple[dict[Any, dict], dict[Any, dict]]:
    """The latest official population figure on or before ``on`` (and ``before``) of each unit of the rows
    (communes, or villages for ``village_id``) in the scope, by unit id (ADR 0017)."""
    level = Level.VILLAGE if key == "village_id" else Level.COMMUNE
    rows = OfficialPopulation.objects.filter(area__level=level, on__lte=on)
    if scope.field == "province_code":
        rows = rows.filter(province_code=scope.value)
    elif scope.field == "commune_id":
        rows = rows.filter(Q(area_id=scope.value) | Q(area__parent_id=scope.value))
    elif scope.field == "village_id":
        rows = rows.filter(area_id=scope.value)
    else:
        rows = rows.filter(Q(area_id__in=scope.value) | Q(area__parent_id__in=scope.value))
    latest: dict[Any, dict] = {}
    latest_before: dict[Any, dict] = {}
    for r in rows.order_by("area_id", "-on").values("area_id", "on", "population", "source"):
        latest.setdefault(r["area_id"], dict(r))
        if r["on"] <= before:
            latest_before.setdefault(r["area_id"], dict(r))
    return latest, latest_before


def _with_official(figures: dict[str, int], now: dict | None, before: dict | None) -> dict[str, Any]:
    """A unit's figures with the official population where one is loaded (the registry's count kept beside)."""
    out: dict[str, Any] = {**figures, "registry_population": figures.get("population", 0)}
    if now is not None:
        out["population"] = now["population"]
        out["population_source"] = {"kind": "official", "on": now["on"].isoformat(), "source": now["source"]}
    else:
        out["population_source"] = {"kind": "registry", "on": None, "source": None}
    if before is not None:
        out["population_before"] = before["population"]
    return out


def _row(figures: dict[str, Any], hi_target: Fraction) -> dict[str, Any]:
    population = figures.get("population", 0)
    insured = figures.get("insured", 0)
    informal = figures.get("informal", 0)
    vsi = figures.get("vsi", 0)
    needed = -(-hi_target.numerator * population // hi_target.denominator)  # ceil(target × population)
    before_pop, before_insured = figures.get("population_before", 0), figures.get("insured_before", 0)
    return {
        "population": population,
        "insured": insured,
        "uninsured": population - insured,
        "rate": round(insured / population, 4) if population else None,
        "gap_to_target": max(0, needed - insured),
        "voluntary_si": vsi,
        "informal_working_age": informal,
        "voluntary_si_rate": round(vsi / informal, 4) if informal else None,
        "pensioners": figures.get("pensioners", 0),
        "cash_pensioners": figures.get("cash_pensioners", 0),
        "rate_year_before": round(before_insured / before_pop, 4) if before_pop else None,
        "registry_population": figures.get("registry_population", population),
        "population_source": figures.get(
            "population_source", {"kind": "registry", "on": None, "source": None}
        ),
    }


def _year_before(on: dt.date) -> dt.date:
    return add_months(on, -12)  # 29 February: the 28th of the year before


def coverage(*, user, area_code: str, on: dt.date | None = None, level: str = "commune") -> dict[str, Any]:
    """Coverage of an area on a date, with one row per unit below it (communes of a province, villages of a
    commune), the same date a year before, and the national targets in force."""
    require(user, VIEW)
    on = on or today()
    check_date(on)
    if level not in ("commune", "village"):
        raise ApplicationError(ErrorCode.INVALID, _("The level is commune or village."), field="level")
    area = area_get_for_user(user=user, code=area_code)
    scope = area_scope(area)
    try:
        hi_target, vsi_target = hi.targets(on)
    except RuleError as e:  # a date before the first national target
        raise application_error(e) from None
    key = "village_id" if level == "village" or area.level == Level.COMMUNE else "commune_id"
    before = _year_before(on)
    by_unit: dict[Any, dict[str, Any]] = dict(_figures(scope, on, before, key))
    official, official_before = _official(scope, key, on, before)
    empty = dict.fromkeys((*FIELDS, "population_before", "insured_before"), 0)
    for unit_id in official.keys() | official_before.keys():
        by_unit.setdefault(unit_id, dict(empty))  # a unit with an official figure and nobody registered yet
    by_unit = {
        unit_id: _with_official(figures, official.get(unit_id), official_before.get(unit_id))
        for unit_id, figures in by_unit.items()
    }
    units = {a.pk: a for a in Area.objects.filter(pk__in=[k for k in by_unit if k is not None])}
    rows = []
    for unit_id, figures in by_unit.items():
        unit = units.get(unit_id)
        rows.append(
            {
                "code": unit.code if unit else None,
                "name": unit.name if unit else _("(no village recorded)"),
                **_row(figures, hi_target),
            }
        )
    rows.sort(key=lambda r: (-(r["gap_to_target"]), r["name"] or ""))  # furthest from the target first
    totals: dict[str, Any] = {
        name: sum(f[name] for f in by_unit.values())
        for name in (*FIELDS, "population_before", "insured_before", "registry_population")
    }
    sources = {f["population_source"]["kind"] for f in by_unit.values()}
    totals["population_source"] = {
        "kind": sources.pop() if len(sources) == 1 else "mixed" if sources else "registry",
        "on": None,
        "source": None,
    }
    return {
        "on": on.isoformat(),
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "level": level,
        "targets": {"health_insurance": float(hi_target), "voluntary_si": float(vsi_target)},
        "note": scope.note,
        "total": _row(totals, hi_target),
        "rows": rows,
    }


def trend(*, user, area_code: str, months: int = 12, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The coverage rate at the end of each of the last ``months`` months (the last one: ``on``): two statements
    for the whole series — persons alive on each day, and health-insurance periods containing each day."""
    require(user, VIEW)
    on = on or today()
    check_date(on)
    scope = area_scope(area_get_for_user(user=user, code=area_code))
    days = [on]
    while len(days) < months:
        days.append(days[-1].replace(day=1) - dt.timedelta(days=1))
    days.reverse()
    population = Person.objects.filter(scope.q(), birth_date__lte=on, merged_into__isnull=True).aggregate(
        **{f"d{i}": Count("pk", filter=_alive(day)) for i, day in enumerate(days)}
    )
    insured = CoveragePeriod.objects.filter(
        scope.q(), scheme=PeriodScheme.HI, valid_from__lte=on, valid_to__gte=days[0]
    ).aggregate(
        **{
            f"d{i}": Count("pk", filter=Q(valid_from__lte=day, valid_to__gte=day))
            for i, day in enumerate(days)
        }
    )
    return [
        {
            "on": day.isoformat(),
            "population": population[f"d{i}"],
            "insured": insured[f"d{i}"],
            "rate": round(insured[f"d{i}"] / population[f"d{i}"], 4) if population[f"d{i}"] else None,
        }
        for i, day in enumerate(days)
    ]
