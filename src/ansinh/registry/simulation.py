"""What the registry's people would pay for household health insurance, and what the state and the province
would pay for them — under the law, and under a reform (``ansinh rules simulate``).

A read only (selector style, scoped to the acting user's areas): the people of a province alive on the date,
their statuses mapped to the rules' HI groups, their households' order from the open memberships; the
arithmetic is `ansinh.rules.batch` (identical to the single-case `rules.hi.quote`, property-tested there).

Simplifications, listed so that a reader of the figures knows them:

- every person is quoted for the same period (12 months by default), as if everyone bought a card that day;
- a person with several statuses is put in the group that pays the most support on that date (state share,
  then the province's top-up); everyone else is a household-scheme member;
- household order: the head first, then the members in the order they joined; a person without an open
  membership is a household of one;
- statuses the registry does not hold (near-poor in a poor commune, village health worker, ...) are not
  used; pupils and students of any age count as students.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ansinh.core.access import scope_for
from ansinh.rules import batch
from ansinh.rules import hi as hi_rules
from ansinh.rules._util import add_months
from ansinh.rules.params import Parameters, default

from .models import Membership, Person, Poverty, Relation

TOTAL_KEYS = ("premium", "state_support", "provincial_support", "payable")


@dataclass(frozen=True)
class Resident:
    """One person as the simulation sees them: where, which household (and place in it), which statuses."""

    person_id: int
    province_code: str
    household_key: int  # the household id, or -person_id for a person without a household
    order: tuple[int, Any, int]  # head first, then by date joined, then by membership
    candidate_groups: tuple[str, ...]  # the subsidised HI groups the person's statuses fit


@dataclass(frozen=True)
class Population:
    on: dt.date
    province_code: str | None
    residents: tuple[Resident, ...]


def hi_candidate_groups(
    *,
    born: dt.date,
    on: dt.date,
    poverty: str,
    is_student: bool,
    ethnic_minority_listed_commune: bool,
    atk_commune: bool,
    agricultural_household: bool,
    social_assistance: bool,
) -> tuple[str, ...]:
    """The registry's statuses as the rules' HI group codes (docs/domain.md, The rules in brief, 3)."""
    out = []
    if poverty == Poverty.POOR:
        out.append("poor")
    elif poverty == Poverty.NEAR_POOR:
        out.append("near_poor")
    if add_months(born, 72) > on:
        out.append("child_under_6")
    if social_assistance:
        out.append("social_assistance")
    if ethnic_minority_listed_commune:
        out.append("ethnic_minority_listed_commune")
    if atk_commune:
        out.append("atk_commune")
    if is_student:
        out.append("student")
    if agricultural_household:
        out.append("agricultural_average")
    return tuple(out)


def simulation_population(*, user, on: dt.date, province_code: str | None = None) -> Population:
    """The people of ``province_code`` (or of all the user's areas) alive on ``on``, in household order."""
    people = Person.objects.filter(scope_for(user).residents_q()).filter(birth_date__lte=on)
    people = people.exclude(died_on__lte=on)
    if province_code:
        people = people.filter(province_code=province_code)
    rows = people.values_list(
        "pk",
        "province_code",
        "birth_date",
        "poverty",
        "is_student",
        "ethnic_minority_listed_commune",
        "atk_commune",
        "agricultural_household",
        "social_assistance",
    )
    memberships = Membership.objects.filter(ended_on__isnull=True, person__in=people.values("pk"))
    member_of = {
        person_id: (household_id, 0 if relation == Relation.HEAD else 1, started_on, pk)
        for person_id, household_id, relation, started_on, pk in memberships.values_list(
            "person_id", "household_id", "relation", "started_on", "pk"
        )
    }
    residents = []
    for pk, province, born, poverty, student, ethnic, atk, agri, assistance in rows.iterator(chunk_size=5000):
        household, head, joined, membership = member_of.get(pk, (-pk, 0, on, 0))
        groups = hi_candidate_groups(
            born=born,
            on=on,
            poverty=poverty,
            is_student=student,
            ethnic_minority_listed_commune=ethnic,
            atk_commune=atk,
            agricultural_household=agri,
            social_assistance=assistance,
        )
        residents.append(Resident(pk, province, household, (head, joined, membership), groups))
    residents.sort(key=lambda r: (r.household_key, r.order, r.person_id))
    return Population(on, province_code, tuple(residents))


def _support_share(p: Parameters, group: str, province: str, on: dt.date) -> tuple[Fraction, Fraction] | None:
    """(state share, provincial share) of ``group`` on ``on``; None when the group has no support that day."""
    name = f"hi.state_support.{group}"
    if not p.has(name) or not p.parameter(name).in_force(on):
        return None
    state = Fraction(p.get(name, on).value)
    return state, hi_rules.provincial_share(p, "hi_topup", province, group, on, [])


def hi_groups(population: Population, params: Parameters | None = None) -> list[str]:
    """Each resident's HI group under ``params``: the candidate with the most support, else ``household``."""
    p = params or default()
    on = population.on
    cache: dict[tuple[str, str], tuple[Fraction, Fraction] | None] = {}
    out = []
    for r in population.residents:
        best, best_key = hi_rules.HOUSEHOLD, (Fraction(0), Fraction(0))
        for g in r.candidate_groups:
            key = (g, r.province_code)
            if key not in cache:
                cache[key] = _support_share(p, g, r.province_code, on)
            shares = cache[key]
            if shares is not None and shares > best_key:
                best, best_key = g, shares
        out.append(best)
    return out


def hi_totals(population: Population, months: int = 12, params: Parameters | None = None) -> dict[str, int]:
    """Premium, state support, provincial support and payable summed over the population."""
    p = params or default()
    if not population.residents:
        return dict.fromkeys(TOTAL_KEYS, 0)
    names = hi_rules.all_groups(p)
    index = {g: i for i, g in enumerate(names)}
    groups = hi_groups(population, p)
    group_idx = np.array([index[g] for g in groups], dtype=np.int64)
    households = np.array([r.household_key for r in population.residents], dtype=np.int64)
    ranks = batch.household_ranks(households, group_idx == index[hi_rules.HOUSEHOLD])
    provinces: Sequence[str] = [r.province_code for r in population.residents]
    result = batch.hi_household(population.on, group_idx, ranks, months, provinces, names, p)
    return {k: int(result[k].sum()) for k in TOTAL_KEYS}


def simulation_run(
    *,
    user,
    on: dt.date,
    province_code: str | None = None,
    reform: Parameters | None = None,
    months: int = 12,
) -> dict[str, Any]:
    """Baseline (the law) beside the reform (the law overlaid with ``reform``), and the difference."""
    population = simulation_population(user=user, on=on, province_code=province_code)
    law = default()
    baseline = hi_totals(population, months, law)
    changed = hi_totals(population, months, law.overlay(reform)) if reform is not None else None
    return {
        "on": on.isoformat(),
        "province": province_code,
        "months": months,
        "persons": len(population.residents),
        "baseline": baseline,
        "reform": changed,
        "difference": {k: changed[k] - baseline[k] for k in TOTAL_KEYS} if changed is not None else None,
    }
