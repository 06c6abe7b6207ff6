"""New or renewal, stored on each participation (ADR 0008): made by the desk, made again when the person's other
coverage changes, and always what the 90-day look-back computed on the fly would say."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Exists, OuterRef

from ansinh.enrollment.models import EnrollmentMember, HICoverage, VSIContribution
from ansinh.enrollment.services import (
    enrollment_create,
    participation_flags_refresh,
    participation_flags_refresh_all,
    receipt_void,
)
from ansinh.payments.models import Receipt
from factories import make_person, make_user

PAID = dt.date(2025, 6, 15)  # look-back window 17/03/2025 – 14/06/2025 (VSI months from 03/2025)
_keys = iter(range(1, 10_000))


@pytest.fixture
def office(desk):
    """A manager of the desk's commune: may record payments made on earlier days, and void receipts."""
    return make_user(role="manager", areas=[desk["commune"].code])


def pay(desk, actor, person, paid_on, *, scheme="hi_household", months=12, **kw):
    enrollment, created = enrollment_create(
        actor=actor,
        idempotency_key=f"flags-key-{next(_keys):05d}",
        scheme=scheme,
        person_ids=[person.pk],
        months=months,
        paid_on=paid_on,
        point=desk["point"],
        **kw,
    )
    assert created
    return enrollment


def vsi_month(desk, actor, person, paid_on):
    """Voluntary SI for the month of the payment."""
    return pay(desk, actor, person, paid_on, scheme="vsi", months=1, income=1_500_000)


def flag(enrollment):
    return EnrollmentMember.objects.get(enrollment=enrollment).is_new


def imported(person, valid_from, valid_to, *, void=False):
    """A coverage span that did not come through this desk (an import, another office's card)."""
    return HICoverage.objects.create(
        person=person,
        valid_from=valid_from,
        valid_to=valid_to,
        group="poor",
        group_code="HN",
        benefit_level=1,
        card_code="HN115" + "0" * 10,
        rule="import",
        is_void=void,
        province_code=person.province_code,
    )


def look_back_on_the_fly() -> dict[int, bool]:
    """The oracle: the 90-day look-back the campaign report used to compute for every participation (two
    EXISTS subqueries, the scheme decided in Python), written independently of the stored flag's expression."""
    prior_hi = Exists(
        HICoverage.objects.filter(
            person_id=OuterRef("person_id"),
            is_void=False,
            valid_from__lte=OuterRef("lookback_to"),
            valid_to__gte=OuterRef("lookback_from"),
        ).exclude(enrollment_id=OuterRef("enrollment_id"))
    )
    prior_vsi = Exists(
        VSIContribution.objects.filter(
            person_id=OuterRef("person_id"),
            is_void=False,
            first_month__lte=OuterRef("lookback_to"),
            last_month__gte=OuterRef("lookback_from_month"),
        ).exclude(enrollment_id=OuterRef("enrollment_id"))
    )
    rows = EnrollmentMember.objects.annotate(prior_hi=prior_hi, prior_vsi=prior_vsi).values_list(
        "pk", "enrollment__scheme", "prior_hi", "prior_vsi"
    )
    return {pk: not (vsi if scheme == "vsi" else hi) for pk, scheme, hi, vsi in rows}


def stored() -> dict[int, bool | None]:
    return dict(EnrollmentMember.objects.values_list("pk", "is_new"))


def test_the_desk_stores_new_for_a_first_card_and_renewal_for_the_next_one(desk, office):
    person = desk["members"][0]
    first = pay(desk, office, person, dt.date(2025, 1, 2), months=3)  # card 01/02/2025 – 01/05/2025
    later = pay(desk, office, person, PAID)
    assert flag(first) is True
    assert flag(later) is False  # the first card was valid within the 90 days before the payment


def test_voiding_an_earlier_card_turns_a_later_renewal_into_a_new_participation(desk, office):
    person = desk["members"][0]
    first = pay(desk, office, person, dt.date(2025, 1, 2), months=3)
    later = pay(desk, office, person, PAID)
    assert flag(later) is False
    receipt_void(actor=office, receipt=Receipt.objects.get(enrollment=first), reason="Nhập nhầm người")
    assert flag(later) is True  # with the first card void, nothing covered the 90 days before


def test_a_backdated_payment_for_an_earlier_period_turns_a_later_new_one_into_a_renewal(desk, office):
    person = desk["members"][2]
    later = vsi_month(desk, office, person, dt.date(2025, 6, 10))
    assert flag(later) is True
    # Recorded afterwards, paid on 05/04 for April: a contribution month within the 90 days before 10/06.
    earlier = vsi_month(desk, office, person, dt.date(2025, 4, 5))
    assert flag(earlier) is True  # June is after its own payment: not its "before"
    assert flag(later) is False


def test_the_stored_flag_is_the_look_back_computed_on_the_fly_on_every_edge(desk, office, communes):
    people = {
        name: make_person(office, area_code=desk["commune"].code, birth_date="1985-05-05")
        for name in (
            "first_time",
            "span_ends_on_first_day",
            "span_ends_the_day_before",
            "span_starts_on_last_day",
            "span_starts_on_payment_day",
            "void_span",
            "own_card_inside_window",
            "vsi_only_before",
            "hi_only_before",
            "vsi_month_touches_window",
            "vsi_month_before_window",
            "group_card_before_household",
        )
    }
    vsi_now = ("hi_only_before", "vsi_month_touches_window", "vsi_month_before_window")
    for name, person in people.items():
        if name in vsi_now:
            vsi_month(desk, office, person, PAID)
        else:
            pay(desk, office, person, PAID)
    # Written after the payments (as an import of other offices' cards would be), then refreshed by the service.
    imported(people["span_ends_on_first_day"], dt.date(2024, 3, 17), dt.date(2025, 3, 17))
    imported(people["span_ends_the_day_before"], dt.date(2024, 3, 16), dt.date(2025, 3, 16))
    imported(people["span_starts_on_last_day"], dt.date(2025, 6, 14), dt.date(2025, 7, 14))
    imported(people["span_starts_on_payment_day"], PAID, dt.date(2025, 7, 14))
    imported(people["void_span"], dt.date(2025, 1, 1), dt.date(2025, 12, 31), void=True)
    imported(people["hi_only_before"], dt.date(2025, 1, 1), dt.date(2025, 5, 31))  # HI does not renew VSI
    imported(people["group_card_before_household"], dt.date(2024, 6, 1), dt.date(2025, 5, 31))
    own = EnrollmentMember.objects.get(person=people["own_card_inside_window"]).enrollment
    HICoverage.objects.filter(enrollment=own).update(valid_from=dt.date(2025, 4, 1))
    vsi_month(desk, office, people["vsi_only_before"], dt.date(2025, 4, 2))
    vsi_month(desk, office, people["vsi_month_touches_window"], dt.date(2025, 3, 2))
    vsi_month(desk, office, people["vsi_month_before_window"], dt.date(2025, 2, 2))
    participation_flags_refresh(person_ids=[p.pk for p in people.values()])

    on_the_fly = look_back_on_the_fly()
    assert stored() == on_the_fly
    # And the oracle itself says what docs/domain.md says, edge by edge (of the payment on PAID).
    expected = {
        "first_time": True,
        "span_ends_on_first_day": False,
        "span_ends_the_day_before": True,
        "span_starts_on_last_day": False,
        "span_starts_on_payment_day": True,
        "void_span": True,
        "own_card_inside_window": True,
        "vsi_only_before": True,  # a contribution month does not renew health insurance ...
        "hi_only_before": True,  # ... nor a card voluntary SI
        "vsi_month_touches_window": False,  # March: the window starts on 17/03
        "vsi_month_before_window": True,  # February
        "group_card_before_household": False,  # any health-insurance card counts, whoever paid it
    }
    got = {
        name: EnrollmentMember.objects.get(person=person, paid_on=PAID).is_new
        for name, person in people.items()
    }
    assert got == expected


def test_the_bulk_refresh_and_the_migration_fill_give_the_same_flags(desk, office):
    person, other = desk["members"][0], desk["members"][1]
    first = pay(desk, office, person, dt.date(2025, 1, 2), months=3)
    pay(desk, office, person, PAID)
    pay(desk, office, other, PAID)
    vsi_month(desk, office, desk["members"][2], PAID)
    imported(other, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    HICoverage.objects.filter(enrollment=first).update(is_void=True)  # written behind the services' back
    expected = look_back_on_the_fly()
    assert stored() != expected  # stale until a refresh: what a load without the services leaves
    assert participation_flags_refresh_all(province_code="01") == 0  # another province: nothing touched
    assert participation_flags_refresh_all(province_code=desk["commune"].province_code) == len(expected)
    assert stored() == expected

    EnrollmentMember.objects.update(is_new=None)
    assert participation_flags_refresh_all() == len(expected)
    assert stored() == expected

    EnrollmentMember.objects.update(is_new=None)
    migration = importlib.import_module("ansinh.enrollment.migrations.0004_member_is_new")
    migration.fill(apps, SimpleNamespace(connection=connection))
    assert stored() == expected
