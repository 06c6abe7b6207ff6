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
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from ansinh.areas.models import Area, Level
from ansinh.areas.selectors import area_get_for_user, subtree_q
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.enrollment.models import HICoverage, VSIContribution
from ansinh.registry.models import Employment, Payout, Person
from ansinh.rules import params

INFORMAL = (Employment.INFORMAL, Employment.FARMER)
WORKING_AGE = (15, 60)
MAX_FUTURE = dt.timedelta(days=366)


@dataclass(frozen=True)
class Scope:
    """The people an area stands for: a current unit's subtree, or a legacy unit's current successors."""

    area: Area
    person_q: Q
    note: str = ""


def _scope(area: Area) -> Scope:
    if not area.is_legacy:
        if area.level == Level.PROVINCE:
            return Scope(area, Q(province_code=area.code))
        if area.level == Level.COMMUNE:
            return Scope(area, Q(commune_id=area.pk))
        return Scope(area, Q(village_id=area.pk))
    # A legacy unit: the current communes that its communes became (the official old → new mapping).
    successors = Area.objects.filter(
        level=Level.COMMUNE, predecessors__legacy__in=Area.objects.filter(subtree_q(area.path))
    ).distinct()
    return Scope(
        area,
        Q(commune__in=successors),
        _("Compared through the old → new mapping; communes that were split count whole in each successor."),
    )


def _check_date(on: dt.date) -> None:
    if on > today() + MAX_FUTURE:
        raise ApplicationError(ErrorCode.INVALID, _("Choose a date at most a year ahead."), field="on")


def _population(persons: QuerySet[Person], on: dt.date) -> QuerySet[Person]:
    return persons.filter(Q(died_on__isnull=True) | Q(died_on__gt=on), birth_date__lte=on)


def _informal(persons: QuerySet[Person], on: dt.date) -> QuerySet[Person]:
    youngest = on.replace(year=on.year - WORKING_AGE[0])
    oldest = on.replace(year=on.year - WORKING_AGE[1] - 1)
    return persons.filter(employment__in=INFORMAL, birth_date__lte=youngest, birth_date__gt=oldest)


def _valid_cards(on: dt.date) -> QuerySet[HICoverage]:
    return HICoverage.objects.filter(is_void=False, valid_from__lte=on, valid_to__gte=on)


def _vsi_paid(on: dt.date) -> QuerySet[VSIContribution]:
    month = on.replace(day=1)
    return VSIContribution.objects.filter(is_void=False, first_month__lte=month, last_month__gte=month)


def _count_by(qs, key: str, distinct: str = "pk") -> dict[Any, int]:
    return {r[key]: r["n"] for r in qs.values(key).annotate(n=Count(distinct, distinct=True)).order_by()}


def _figures(persons: QuerySet[Person], on: dt.date, key: str | None) -> dict[Any, dict[str, int]]:
    """population, insured, vsi, informal, pensioners, cash_pensioners — by ``key`` (a Person field) or total."""
    pop = _population(persons, on)
    group = key or "province_code"
    ids = pop.values("pk")
    out: dict[Any, dict[str, int]] = defaultdict(dict)
    for name, counts in (
        ("population", _count_by(pop, group)),
        ("insured", _count_by(_valid_cards(on).filter(person__in=ids), f"person__{group}", "person_id")),
        ("vsi", _count_by(_vsi_paid(on).filter(person__in=ids), f"person__{group}", "person_id")),
        ("informal", _count_by(_informal(pop, on), group)),
        ("pensioners", _count_by(pop.filter(pension_recipient=True), group)),
        ("cash_pensioners", _count_by(pop.filter(pension_recipient=True, payout_method=Payout.CASH), group)),
    ):
        for k, n in counts.items():
            out[k][name] = n
    if key is None:  # one total over whatever province codes there are
        total: dict[str, int] = defaultdict(int)
        for figures in out.values():
            for name, n in figures.items():
                total[name] += n
        return {None: dict(total)}
    return out


def _row(figures: dict[str, int], hi_target: Fraction, vsi_target: Fraction) -> dict[str, Any]:
    population = figures.get("population", 0)
    insured = figures.get("insured", 0)
    informal = figures.get("informal", 0)
    vsi = figures.get("vsi", 0)
    needed = -(-hi_target.numerator * population // hi_target.denominator)  # ceil(target × population)
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
    }


def coverage(*, user, area_code: str, on: dt.date | None = None, level: str = "commune") -> dict[str, Any]:
    """Coverage of an area on a date, with one row per unit below it (communes of a province, villages of a
    commune), the same date a year before, and the national targets in force."""
    on = on or today()
    _check_date(on)
    if level not in ("commune", "village"):
        raise ApplicationError(ErrorCode.INVALID, _("The level is commune or village."), field="level")
    area = area_get_for_user(user=user, code=area_code)
    scope = _scope(area)
    persons = Person.objects.filter(scope.person_q)
    p = params.default()
    hi_target = Fraction(p.get("targets.hi_population", on).value)
    vsi_target = Fraction(p.get("targets.vsi_labour_force", on).value)
    key = "village_id" if level == "village" or area.level == Level.COMMUNE else "commune_id"
    by_unit = _figures(persons, on, key)
    year_before = (
        on.replace(year=on.year - 1) if not (on.month == 2 and on.day == 29) else on - dt.timedelta(365)
    )
    before = _figures(persons, year_before, key)
    units = {a.pk: a for a in Area.objects.filter(pk__in=[k for k in by_unit if k is not None])}
    rows = []
    for unit_id, figures in by_unit.items():
        unit = units.get(unit_id)
        row = {
            "code": unit.code if unit else None,
            "name": unit.name if unit else _("(no village recorded)"),
            **_row(figures, hi_target, vsi_target),
        }
        prior = _row(before.get(unit_id, {}), hi_target, vsi_target)
        row["rate_year_before"] = prior["rate"]
        rows.append(row)
    # The units furthest from the target first.
    rows.sort(key=lambda r: (-(r["gap_to_target"]), r["name"] or ""))
    total = _row(_figures(persons, on, None)[None], hi_target, vsi_target)
    total["rate_year_before"] = _row(_figures(persons, year_before, None)[None], hi_target, vsi_target)[
        "rate"
    ]
    return {
        "on": on.isoformat(),
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "level": level,
        "targets": {"health_insurance": float(hi_target), "voluntary_si": float(vsi_target)},
        "note": scope.note,
        "total": total,
        "rows": rows,
    }


def trend(*, user, area_code: str, months: int = 12, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The coverage rate at the end of each of the last ``months`` months (the last one: ``on``)."""
    on = on or today()
    _check_date(on)
    area = area_get_for_user(user=user, code=area_code)
    persons = Person.objects.filter(_scope(area).person_q)
    points = []
    day = on
    for _i in range(months):
        figures = _figures(persons, day, None)[None]
        population, insured = figures.get("population", 0), figures.get("insured", 0)
        points.append(
            {
                "on": day.isoformat(),
                "population": population,
                "insured": insured,
                "rate": round(insured / population, 4) if population else None,
            }
        )
        day = day.replace(day=1) - dt.timedelta(days=1)
    return list(reversed(points))
