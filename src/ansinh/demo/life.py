"""The demo people's changes of status since 2019 (ADR 0031), told backwards from the statuses the population
generator gave them for today: a pupil today started school, a young worker finished it, an employee signed a
contract, a pensioner retired, a poor household was certified, a household out of poverty was lifted out of it.
Each change is one ``registry.services.PastChange``; the history records them through
``status_history_record`` before anything is decided, so the eligibility rule reads each year's statuses.

The shares are a story, not statistics: they give each kind of change enough people to show in the pages and in
the coverage figures (docs/demo.md).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from ansinh.registry.models import Employment, Person, Poverty
from ansinh.registry.services import PastChange
from ansinh.rules._util import add_months

FIRST_DAY = dt.date(2019, 1, 1)
SCHOOL_AGE = 6  # a child starts primary school in the September of the year they turn 6
SCHOOL_OPENS = (9, 5)  # the school year's opening day
SCHOOL_LEAVING_AGE = 18  # upper secondary ends in the May of the year a pupil turns 18
SCHOOL_ENDS = (5, 31)
FINISHED_SCHOOL = 0.8  # of today's workers aged 18 to 24: were pupils until then
JOINED_FORMAL = 0.35  # of today's employees: signed their contract since 2019 (informal work before)
LEFT_FORMAL = (
    0.06  # of today's informal workers, farmers and people without work aged 25-55: left a contract job
)
RETIRE_AGE = {"m": 61, "f": 57}  # the population's ages of retirement (Labour Code 2019's path, rounded)
POVERTY_REVIEW = (
    1,
    1,
)  # a commune's yearly review of poor and near-poor households takes effect on 1 January
BECAME_POOR = (
    0.3  # of today's poor households: certified at a review since 2019 (near-poor or neither before)
)
LIFTED = 0.1  # of today's other households: poor (40 %) or near-poor (60 %) until a review since 2019


def _day(year: int, month_day: tuple[int, int]) -> dt.date:
    return dt.date(year, *month_day)


def _between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange(max(1, (last - first).days)))


def household_story(
    members: list[Person], on: dt.date, rng: random.Random
) -> list[tuple[Person, PastChange]]:
    """A household's change of poverty, the same day for every member born by then (the review certifies a
    household), as (member, change)."""
    head = members[0]
    reviews = [_day(year, POVERTY_REVIEW) for year in range(FIRST_DAY.year + 1, on.year + 1)]
    if not reviews:
        return []
    day = rng.choice(reviews)
    born = [p for p in members if p.birth_date <= day]
    if head.poverty == Poverty.POOR and rng.random() < BECAME_POOR:
        before = Poverty.NEAR_POOR if rng.random() < 0.5 else Poverty.NONE
        return [(p, PastChange(day, "poverty", before, p.poverty)) for p in born]
    if head.poverty == Poverty.NONE and rng.random() < LIFTED:
        before = Poverty.POOR if rng.random() < 0.4 else Poverty.NEAR_POOR
        changes = [(p, PastChange(day, "poverty", before, p.poverty)) for p in born]
        # a household of average living standard is one out of poverty: it became one at the same review
        changes += [
            (p, PastChange(day, "agricultural_household", False, True))
            for p in born
            if p.agricultural_household
        ]
        return changes
    return []


def person_story(person: Person, on: dt.date, rng: random.Random) -> list[PastChange]:
    """One person's change of work, school or pension since 2019, if any (at most one: they exclude each other)."""
    born, now = person.birth_date, person.employment
    age = person.age_on(on)
    if person.is_student and now == Employment.STUDENT and age < SCHOOL_LEAVING_AGE:
        day = _day(born.year + SCHOOL_AGE, SCHOOL_OPENS)
        if FIRST_DAY <= day <= on:
            return [
                PastChange(day, "is_student", False, True),
                PastChange(day, "employment", Employment.CHILD, Employment.STUDENT),
            ]
        return []
    if person.pension_recipient and now == Employment.RETIRED:
        day = add_months(born, 12 * RETIRE_AGE[person.sex])
        if FIRST_DAY <= day <= on:
            return [
                PastChange(day, "pension_recipient", False, True),
                PastChange(day, "employment", Employment.FORMAL, Employment.RETIRED),
            ]
        return []
    working = now in (Employment.FORMAL, Employment.INFORMAL, Employment.FARMER, Employment.UNEMPLOYED)
    if working and not person.is_student and 18 <= age <= 24:
        day = _day(born.year + SCHOOL_LEAVING_AGE, SCHOOL_ENDS)
        if FIRST_DAY <= day <= on and rng.random() < FINISHED_SCHOOL:
            return [
                PastChange(day, "is_student", True, False),
                PastChange(day, "employment", Employment.STUDENT, now),
            ]
        return []
    adult = max(FIRST_DAY, add_months(born, 12 * 18))
    if now == Employment.FORMAL and adult < on and rng.random() < JOINED_FORMAL:
        return [PastChange(_between(rng, adult, on), "employment", Employment.INFORMAL, now)]
    if working and now != Employment.FORMAL and 25 <= age <= 55 and rng.random() < LEFT_FORMAL:
        return [PastChange(_between(rng, FIRST_DAY, on), "employment", Employment.FORMAL, now)]
    return []


def life_stories(
    households: Iterable[list[Person]], on: dt.date, rng: random.Random
) -> dict[int, list[PastChange]]:
    """Every person's changes since 2019, by person id (only those with some)."""
    out: dict[int, list[PastChange]] = {}
    for members in households:
        for person, change in household_story(members, on, rng):
            out.setdefault(person.pk, []).append(change)
        for person in members:
            mine = person_story(person, on, rng)
            if mine:
                out.setdefault(person.pk, []).extend(mine)
    return out
