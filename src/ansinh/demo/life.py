"""The demo people's changes of status since 2019 (ADR 0031), told backwards from the statuses the population
generator gave them for today: a pupil today started school, a young worker finished it, an employee signed a
contract, a pensioner retired, a poor household was certified, a household out of poverty was lifted out of it.
Each change is one ``registry.services.PastChange``; the history records them through
``status_history_record`` before anything is decided, so the eligibility rule reads each year's statuses.

Young people also marry and move into their spouse's family's household (``marriages``), recorded after the
changes of status through ``household_move_member`` on their day.

The shares are a story, not statistics: they give each kind of change enough people to show in the pages and in
the coverage figures (docs/demo.md).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass

from ansinh.registry.models import Employment, Person, Poverty, Relation
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


MARRY_AGES = (20, 32)
MARRIES = {
    "f": 0.05,
    "m": 0.01,
}  # a young person's yearly chance to marry into their spouse's family's household
SAME_COMMUNE = 0.7  # of those marriages: a spouse from the same commune
SPOUSE_AGE_GAP = 6


@dataclass(frozen=True)
class Member:
    """A person's current membership, as the history reads it."""

    person: Person
    household_id: int
    relation: str
    since: dt.date
    commune_id: int


@dataclass(frozen=True)
class Move:
    day: dt.date
    person: Person
    household_id: int  # the household they move into
    relation: str


def marriages(members: list[Member], since: dt.date, on: dt.date, rng: random.Random) -> list[Move]:
    """Young people who married between ``since`` (the office's go-live: moves are what its desk records) and
    ``on``, and moved into their spouse's family's household (a daughter-in-law, or a son-in-law where the custom
    has it: "other relative" to its head), in the same commune or another one of the province: a move through the
    registry's ``household_move_member`` on that day."""
    pool: dict[tuple[int, str], list[Member]] = {}
    for m in members:
        if m.relation in (Relation.CHILD, Relation.GRANDCHILD):
            pool.setdefault((m.commune_id, m.person.sex), []).append(m)
    communes = sorted({m.commune_id for m in members})
    taken: set[int] = set()
    moves = []
    for m in members:
        person = m.person
        if m.relation not in (Relation.CHILD, Relation.GRANDCHILD) or person.pk in taken:
            continue
        for year in range(since.year, on.year + 1):
            first = max(dt.date(year, 1, 1), since, m.since + dt.timedelta(days=1))
            day = _between(rng, first, dt.date(year, 12, 31))
            marries = rng.random() < MARRIES[person.sex]
            if not marries or day > on or not (MARRY_AGES[0] <= person.age_on(day) <= MARRY_AGES[1]):
                continue
            if person.died_on is not None and person.died_on <= day:
                break
            commune = m.commune_id if rng.random() < SAME_COMMUNE else rng.choice(communes)
            other = "m" if person.sex == "f" else "f"
            spouses = [
                s
                for s in pool.get((commune, other), [])
                if s.household_id != m.household_id
                and s.person.pk not in taken
                and s.since < day
                and s.person.birth_date <= day
                and (s.person.died_on is None or s.person.died_on > day)
                and abs(s.person.age_on(day) - person.age_on(day)) <= SPOUSE_AGE_GAP
            ]
            if spouses:
                spouse = spouses[rng.randrange(len(spouses))]
                taken.update((person.pk, spouse.person.pk))
                moves.append(Move(day, person, spouse.household_id, Relation.OTHER))
            break
    return sorted(moves, key=lambda move: (move.day, move.person.pk))
