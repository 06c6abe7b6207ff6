"""Records for the card tests: coverage, enrollments and receipts made directly, so that the documents can be
tested in every state (void, long names, several members) without going through the desk."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from factories import make_person, make_user

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def keys_dir(tmp_path, monkeypatch):
    directory = tmp_path / "keys"
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(directory))
    return directory


@pytest.fixture
def agent(communes):
    return make_user(role="collection_agent", areas=[communes["a"].code])


@pytest.fixture
def make_coverage(agent, communes):
    from ansinh.enrollment.models import HICoverage
    from ansinh.enrollment.services import participation_flags_refresh

    def make(
        person=None,
        *,
        valid_from=dt.date(2025, 5, 13),
        valid_to=dt.date(2026, 5, 12),
        enrollment=None,
        **person_fields,
    ):
        if person is None:
            person = make_person(agent, area_code=communes["a"].code, **person_fields)
        coverage = HICoverage.objects.create(
            person=person,
            enrollment=enrollment,
            valid_from=valid_from,
            valid_to=valid_to,
            group="household",
            group_code="GD",
            benefit_level=4,
            card_code=f"GD415{(person.si_number or '0' * 10)}",
            rule="new",
            province_code=person.province_code,
        )
        participation_flags_refresh(person_ids=[person.pk])  # written without the desk (ADR 0008)
        return coverage

    return make


@pytest.fixture
def point(communes, agent):
    from ansinh.payments.models import CollectionPoint

    p = CollectionPoint.objects.create(
        code=f"P{next(_serial)}",
        name="Điểm thu Nhà văn hoá thôn Bản Phiệt",
        kind="event_desk",
        area=communes["a"],
        province_code=communes["a"].province_code,
    )
    p.agents.add(agent)
    return p


@pytest.fixture
def make_receipt(agent, point, communes, make_coverage):
    """An enrollment of household HI for the given people, paid in cash, with its receipt and coverage."""
    from ansinh.enrollment.models import Enrollment, EnrollmentMember
    from ansinh.enrollment.services import lookback_window
    from ansinh.payments.models import Receipt, ReceiptBook

    book = ReceiptBook.objects.create(
        point=point,
        series="BL25",
        first_number=1,
        last_number=9999,
        next_number=1,
        province_code=point.province_code,
    )

    def make(people, amounts, *, method="cash", paid_on=dt.date(2025, 5, 13)):
        enrollment = Enrollment.objects.create(
            idempotency_key=f"k{next(_serial)}",
            fingerprint="x",
            scheme="hi_household",
            status="completed",
            point=point,
            paid_on=paid_on,
            months=12,
            quote={},
            total_payable=sum(amounts),
            province_code=point.province_code,
            created_by=agent,
        )
        for i, (person, amount) in enumerate(zip(people, amounts, strict=True), 1):
            EnrollmentMember.objects.create(
                enrollment=enrollment,
                person=person,
                position=i,
                rank=i,
                group="household",
                premium=amount,
                support=0,
                payable=amount,
                province_code=person.province_code,
                paid_on=paid_on,
                **lookback_window(paid_on),
            )
            make_coverage(person, enrollment=enrollment)
        number = book.next_number
        book.next_number += 1
        book.save()
        return Receipt.objects.create(
            book=book,
            series=book.series,
            number=number,
            point=point,
            enrollment=enrollment,
            amount=sum(amounts),
            method=method,
            paid_on=paid_on,
            payer_name=people[0].full_name,
            province_code=point.province_code,
            issued_by=agent,
        )

    return make
