"""Factories that build real records through the services (no fixture files, no model shortcuts)."""

from __future__ import annotations

import itertools
import random

from faker import Faker

from ansinh.core.dates import parse_partial_date
from ansinh.core.errors import ApplicationError
from ansinh.core.services import user_create
from ansinh.registry.services import household_create, person_create

fake = Faker("vi_VN")
_serial = itertools.count(1)
PASSWORD = "a-good-test-password"


def personal_id_for(*, sex: str, year: int, province: str = "010", serial: int | None = None) -> str:
    digit = (year // 100 - 19) * 2 + (1 if sex == "f" else 0)
    return f"{province}{digit}{year % 100:02d}{(serial or next(_serial)) % 1_000_000:06d}"


def make_user(*, role: str = "collection_agent", areas: list[str], username: str | None = None):
    return user_create(
        actor=None, username=username or f"u{next(_serial)}", role=role, area_codes=areas, password=PASSWORD
    )


def person_data(*, area_code: str, **overrides) -> dict:
    rnd = random.Random(next(_serial))
    sex = overrides.get("sex") or rnd.choice("mf")
    year = rnd.randint(1950, 2010)
    data = {
        "full_name": fake.name_female() if sex == "f" else fake.name_male(),
        "birth_date": f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
        "sex": sex,
        "personal_id": personal_id_for(sex=sex, year=year),
        "area_code": area_code,
        "ethnicity": "01",
    }
    data.update(overrides)
    if "birth_date" in overrides and "personal_id" not in overrides:
        try:
            born, _precision = parse_partial_date(overrides["birth_date"])
        except ApplicationError:  # a test of a bad date: no ID, so that only the date is at fault
            data["personal_id"] = None
        else:
            data["personal_id"] = personal_id_for(sex=sex, year=born.year)
    return data


def make_person(actor, *, area_code: str, **overrides):
    return person_create(actor=actor, data=person_data(area_code=area_code, **overrides))


def make_household(actor, *, head):
    return household_create(actor=actor, head=head, address=fake.street_address())


def make_point(*, area, agents=(), series: str = "BL15", first: int = 1, last: int = 1000, bank: bool = True):
    """A collection point in an area with one receipt book, and its agents."""
    from ansinh.payments.services import book_create, point_assign_agent, point_create

    office = make_user(role="administrator", areas=[area.province_code])
    point = point_create(
        actor=office,
        code=f"P{next(_serial)}",
        name=f"Điểm thu {area.name}",
        kind="event_desk",
        area=area,
        bank_bin="970436" if bank else "",
        bank_account="0011004321" if bank else "",
        bank_account_name="BHXH TINH LAO CAI" if bank else "",
    )
    book_create(actor=office, point=point, series=series, first_number=first, last_number=last)
    for agent in agents:
        point_assign_agent(actor=office, point=point, agent=agent)
    return point


def make_hi_coverage(person, start, end, *, group: str = "household", void: bool = False, rule: str = "test"):
    """A health-insurance card written as an import leaves it (no enrollment, dates the desk would refuse), with
    what a service writing coverage keeps in step: the participation flags (ADR 0008) and the person's coverage
    periods (ADR 0010)."""
    from ansinh.enrollment.models import HICoverage
    from ansinh.enrollment.periods import coverage_periods_refresh
    from ansinh.enrollment.services import participation_flags_refresh

    coverage = HICoverage.objects.create(
        person=person,
        valid_from=start,
        valid_to=end,
        group=group,
        group_code="GD",
        benefit_level=4,
        card_code=f"GD4{next(_serial):012d}",
        rule=rule,
        is_void=void,
        province_code=person.province_code,
    )
    participation_flags_refresh(person_ids=[person.pk])
    coverage_periods_refresh(persons=[person])
    return coverage
