"""A small hand-built village world for outreach: two villages of one commune, households with every kind of
person a target list or a reminder must (or must not) find. Coverage spans are written as the desk leaves them
(dates chosen by the test, which the desk cannot backdate that far)."""

from __future__ import annotations

import datetime as dt
import itertools

from ansinh.enrollment.models import Enrollment, HICoverage, VSIContribution
from ansinh.enrollment.periods import coverage_periods_refresh
from ansinh.enrollment.services import participation_flags_refresh
from ansinh.registry.services import household_add_member
from ansinh.rules._util import add_months
from factories import make_hi_coverage, make_household, make_person

ON = dt.date.today()
_n = itertools.count(1)


def days(n: int) -> dt.date:
    return ON + dt.timedelta(days=n)


def cover(
    person, start: dt.date, end: dt.date, *, group: str = "household", void: bool = False
) -> HICoverage:
    return make_hi_coverage(person, start, end, group=group, void=void)


def vsi_paid(
    person, *, point, last_month: dt.date, months: int = 3, income: int = 2_000_000
) -> VSIContribution:
    first = add_months(last_month, -(months - 1))
    enrollment = Enrollment.objects.create(
        idempotency_key=f"test-vsi-{next(_n)}",
        fingerprint="x",
        scheme="vsi",
        status="completed",
        point=point,
        paid_on=first,
        months=months,
        quote={},
        total_payable=0,
        province_code=person.province_code,
    )
    contribution = VSIContribution.objects.create(
        person=person,
        enrollment=enrollment,
        first_month=first,
        months=months,
        last_month=last_month,
        monthly_income=income,
        monthly_contribution=income * 22 // 100,
        monthly_support=0,
        supported_months=0,
        total_payable=income * 22 // 100 * months,
        province_code=person.province_code,
    )
    participation_flags_refresh(person_ids=[person.pk])  # written without the desk (ADR 0008)
    coverage_periods_refresh(persons=[person])  # and its coverage periods (ADR 0010)
    return contribution


def member(actor, household, commune, village, name, **extra):
    person = make_person(
        actor, area_code=commune.code, village_id=village.pk if village else None, full_name=name, **extra
    )
    household_add_member(actor=actor, household=household, person=person, relation="other")
    return person


def head(actor, commune, village, name, **extra):
    person = make_person(
        actor, area_code=commune.code, village_id=village.pk if village else None, full_name=name, **extra
    )
    return person, make_household(actor, head=person)
