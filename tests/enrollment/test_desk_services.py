"""The desk: enroll, take the money, receipt, coverage, card — exactly once, correct to the đồng."""

import datetime as dt

import pytest

from ansinh.core.errors import ApplicationError
from ansinh.enrollment.models import Enrollment, HICoverage, Status, VSIContribution
from ansinh.enrollment.services import (
    enrollment_confirm_payment,
    enrollment_create,
    quote_create,
    receipt_void,
)
from ansinh.payments.models import Receipt
from ansinh.payments.vietqr import parse
from ansinh.rules import hi
from factories import make_person, make_point, make_user

TODAY = dt.date.today()


def enroll(desk, key, actor=None, **kw):
    data = {"scheme": "hi_household", "person_ids": [p.pk for p in desk["members"]], "months": 12, **kw}
    return enrollment_create(actor=actor or desk["agent"], idempotency_key=key, **data)


def counts():
    return (Enrollment.objects.count(), Receipt.objects.count(), HICoverage.objects.count())


def test_a_household_buys_cards_and_leaves_with_a_receipt_and_cards(desk):
    enrollment, created = enroll(desk, "key-household-1")
    expected = hi.quote(TODAY, ["household"] * 3, 12, "15")
    assert created and enrollment.status == Status.COMPLETED
    assert enrollment.total_payable == expected.total_payable
    assert [m["payable"] for m in enrollment.quote["members"]] == [m.payable for m in expected.members]
    receipt = Receipt.objects.get(enrollment=enrollment)
    assert (receipt.number, receipt.amount, receipt.method) == (1, expected.total_payable, "cash")
    coverage = list(HICoverage.objects.filter(enrollment=enrollment))
    assert len(coverage) == 3
    assert all(
        c.valid_from == TODAY + dt.timedelta(days=30) and c.rule == "first_time_30_days" for c in coverage
    )
    assert all(c.card.number == c.person.si_number and len(c.card_code) == 15 for c in coverage)
    assert coverage[0].card_code.startswith("GD4")


def test_a_repeat_of_the_same_key_returns_the_first_result_and_writes_nothing(desk):
    first, _ = enroll(desk, "key-double-click")
    before = counts()
    again, created = enroll(desk, "key-double-click")
    assert not created and again.pk == first.pk and counts() == before


def test_the_same_key_for_a_different_request_is_refused(desk):
    enroll(desk, "key-reused-1")
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-reused-1", months=6)
    assert e.value.code == "conflict"


@pytest.mark.parametrize("delta, word", [(-1000, "short"), (500, "too much")])
def test_a_wrong_amount_is_refused_with_the_difference_and_nothing_is_written(desk, delta, word):
    from django.utils import translation

    total = hi.quote(TODAY, ["household"] * 3, 12, "15").total_payable
    before = counts()
    with translation.override("en"), pytest.raises(ApplicationError) as e:
        enroll(desk, "key-wrong-amount", amount=total + delta)
    assert e.value.field == "payment.amount" and word in e.value.message
    assert f"{abs(delta):,}".replace(",", ".") in e.value.message
    assert counts() == before


def test_a_member_already_covered_is_refused_and_a_renewal_continues_the_card(desk):
    enroll(desk, "key-first-cards")
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-second-cards")
    assert e.value.code == "conflict" and e.value.field == "person_ids"
    # A card that ends within the renewal window is continued from the day after it ends.
    HICoverage.objects.update(valid_to=TODAY + dt.timedelta(days=10))
    renewal, _ = enroll(desk, "key-renewal", person_ids=[desk["members"][0].pk])
    cover = HICoverage.objects.get(enrollment=renewal)
    assert cover.valid_from == TODAY + dt.timedelta(days=11) and cover.rule == "continuous_renewal"


def test_members_enrolled_earlier_this_year_count_before_new_ones(desk):
    others = [p.pk for p in desk["members"][1:]]
    first, _ = enroll(desk, "key-head-only", person_ids=[desk["members"][0].pk])
    # the quote shown before paying reads the same holders as the payment (two code paths, one rule)
    shown = quote_create(actor=desk["agent"], scheme="hi_household", person_ids=others, months=12)
    second, _ = enroll(desk, "key-the-others", person_ids=others)
    assert [m["rank"] for m in first.quote["members"]] == [1]
    assert [m["rank"] for m in second.quote["members"]] == [2, 3]
    assert [m["rank"] for m in shown.result["members"]] == [2, 3]
    assert shown.total_payable == second.total_payable


def test_a_members_household_card_paid_in_another_year_does_not_count_before_new_ones(desk):
    """The household's other members count toward the rank only through household cards paid this calendar year
    (narrowed in ``coverage_facts``' SQL and kept by the desk's ``_coverage_before``; the test fails when both
    let another year's card through): last year's card of the head leaves the others first and second."""
    first, _ = enroll(desk, "key-head-last-year", person_ids=[desk["members"][0].pk])
    Enrollment.objects.filter(pk=first.pk).update(paid_on=TODAY.replace(year=TODAY.year - 1, day=1))
    second, _ = enroll(desk, "key-others-this-year", person_ids=[p.pk for p in desk["members"][1:]])
    assert [m["rank"] for m in second.quote["members"]] == [1, 2]


def test_receipt_numbers_are_gap_free_even_when_an_enrollment_fails_between(desk):
    a = make_person(desk["agent"], area_code=desk["commune"].code)
    b = make_person(desk["agent"], area_code=desk["commune"].code)
    enroll(desk, "key-a-0001", person_ids=[a.pk])
    with pytest.raises(ApplicationError):
        enroll(desk, "key-fail-001", person_ids=[b.pk], amount=1)
    enroll(desk, "key-b-0001", person_ids=[b.pk])
    assert sorted(Receipt.objects.values_list("number", flat=True)) == [1, 2]


def test_a_closed_receipt_book_refuses_and_nothing_is_written(desk):
    desk["point"].books.update(closed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    before = counts()
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-no-book")
    assert "receipt book" in e.value.message.lower() or "biên lai" in e.value.message.lower()
    assert counts() == before


def test_a_bank_transfer_shows_a_vietqr_and_completes_on_confirmation(desk):
    enrollment, _ = enroll(desk, "key-transfer", method="bank_transfer")
    payment = enrollment.payment
    assert enrollment.status == Status.PENDING_PAYMENT and not Receipt.objects.exists()
    qr = parse(payment.qr_payload)
    assert (qr.amount, qr.reference, qr.bank_bin) == (enrollment.total_payable, payment.reference, "970436")
    # A changed CRC character (always a different one, whatever the payload ends with).
    tampered = payment.qr_payload[:-1] + ("1" if payment.qr_payload.endswith("0") else "0")
    with pytest.raises(ApplicationError) as e:
        enrollment_confirm_payment(actor=desk["agent"], enrollment=enrollment, qr_payload=tampered)
    assert e.value.field == "qr_payload" and not Receipt.objects.exists()
    done = enrollment_confirm_payment(
        actor=desk["agent"], enrollment=enrollment, qr_payload=payment.qr_payload
    )
    assert done.status == Status.COMPLETED and Receipt.objects.get().method == "bank_transfer"
    again = enrollment_confirm_payment(actor=desk["agent"], enrollment=enrollment)  # a double click
    assert again.pk == done.pk and Receipt.objects.count() == 1 and HICoverage.objects.count() == 3
    # the payment's own change is audited once, before and after, with how it was checked
    from ansinh.core.models import AuditEvent

    event = AuditEvent.objects.get(action="payment_confirmed")
    assert (event.object_type, event.object_id) == ("payments.payment", str(payment.pk))
    assert event.before["status"] == "pending" and event.before["confirmed_by"] is None
    assert event.after["status"] == "confirmed" and event.after["confirmed_by"] == desk["agent"].pk
    assert event.after["checked_by"] == "vietqr" and event.after["amount"] == enrollment.total_payable


def test_voiding_a_receipt_keeps_its_number_and_voids_the_coverage(desk):
    enrollment, _ = enroll(desk, "key-to-void")
    receipt = Receipt.objects.get(enrollment=enrollment)
    receipt_void(actor=desk["agent"], receipt=receipt, reason="Nhập nhầm người")
    receipt.refresh_from_db()
    assert receipt.is_void and receipt.number == 1 and receipt.void_reason == "Nhập nhầm người"
    assert not HICoverage.objects.filter(is_void=False).exists()
    assert Enrollment.objects.get().status == Status.VOID
    # With the first cards void, the same people can be enrolled again; the next number follows.
    enroll(desk, "key-after-void")
    assert sorted(Receipt.objects.values_list("number", flat=True)) == [1, 2]


def test_a_viewer_cannot_void_and_a_reason_is_required(desk):
    enrollment, _ = enroll(desk, "key-keep-me")
    receipt = Receipt.objects.get(enrollment=enrollment)
    viewer = make_user(role="viewer", areas=[desk["commune"].code])
    with pytest.raises(ApplicationError):
        receipt_void(actor=viewer, receipt=receipt, reason="no")
    with pytest.raises(ApplicationError) as e:
        receipt_void(actor=desk["agent"], receipt=receipt, reason=" ")
    assert e.value.field == "reason"
    receipt.refresh_from_db()
    assert not receipt.is_void


def test_a_backdated_payment_needs_the_permission_and_uses_the_law_of_that_day(desk):
    day = dt.date(2025, 1, 2)
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-backdated-agent", paid_on=day)
    assert e.value.code == "permission_denied"
    manager = make_user(role="manager", areas=[desk["commune"].code])
    enrollment, _ = enroll(desk, "key-backdated-mgr", paid_on=day, actor=manager, point=desk["point"])
    # Base salary 2,340,000 on that day: the published 12-month figures for persons 1-3.
    assert [m["payable"] for m in enrollment.quote["members"]] == [1263600, 884520, 758160]
    assert enrollment.backdated and Receipt.objects.get().paid_on == day


def test_voluntary_si_records_contribution_months_and_refuses_paying_them_twice(desk):
    person = desk["members"][2]
    enrollment, _ = enroll(
        desk, "key-vsi-0001", scheme="vsi", person_ids=[person.pk], months=3, income=1_500_000
    )
    row = VSIContribution.objects.get(enrollment=enrollment)
    assert row.months == 3 and row.monthly_contribution == 330_000
    assert enrollment.total_payable == 3 * (330_000 - row.monthly_support)
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-vsi-0002", scheme="vsi", person_ids=[person.pk], months=1, income=1_500_000)
    assert e.value.code == "conflict"


def test_an_income_under_the_floor_is_refused_naming_the_field(desk):
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-vsi-floor", scheme="vsi", person_ids=[desk["members"][0].pk], months=1, income=1000)
    assert e.value.field == "income"
    assert not Enrollment.objects.exists()


def test_a_rule_refusal_at_the_desk_is_in_plain_words_in_the_agents_language(desk):
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ApplicationError) as e:
        enroll(desk, "key-vsi-vi", scheme="vsi", person_ids=[desk["members"][0].pk], months=1, income=1000)
    assert e.value.message.startswith("Mức thu nhập phải từ ")  # not the rule's English detail
    assert "₫" in e.value.message and "voluntary SI income" not in e.value.message


def test_an_agent_cannot_enroll_people_outside_their_areas(desk, communes):
    admin = make_user(role="administrator", areas=["01"])
    stranger = make_person(admin, area_code=communes["other"].code)
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-stranger", person_ids=[stranger.pk])
    assert e.value.code == "not_found"
    assert not Enrollment.objects.exists()


def test_an_agent_must_work_at_the_point(desk, communes):
    other_point = make_point(area=communes["b"], series="BL99")
    with pytest.raises(ApplicationError):
        enroll(desk, "key-wrong-point", point=other_point)
    assert not Enrollment.objects.exists()


def test_when_the_book_runs_out_the_next_book_of_the_point_goes_on_and_the_full_one_closes(desk):
    from ansinh.payments.models import ReceiptBook
    from ansinh.payments.services import book_create

    office = make_user(role="manager", areas=[desk["commune"].code])
    first = desk["point"].books.get()
    ReceiptBook.objects.filter(pk=first.pk).update(next_number=1000)  # one number left: 1000
    second = book_create(
        actor=office, point=desk["point"], series="BL15", first_number=5001, last_number=6000
    )
    a, b, c = desk["members"]
    enroll(desk, "key-last-of-book", person_ids=[a.pk])
    first.refresh_from_db()
    assert first.next_number == 1001 and first.closed_at is not None
    enroll(desk, "key-next-book-1", person_ids=[b.pk])
    enroll(desk, "key-next-book-2", person_ids=[c.pk])
    assert list(Receipt.objects.order_by("pk").values_list("book_id", "number")) == [
        (first.pk, 1000),
        (second.pk, 5001),
        (second.pk, 5002),
    ]


def test_a_new_si_number_skips_one_already_held_and_is_audited(desk):
    from ansinh.core.models import AuditEvent
    from ansinh.registry.models import Person, SINumberSequence

    holder, person = desk["members"][:2]
    SINumberSequence.objects.update_or_create(province_code="15", defaults={"next_serial": 41})
    Person.objects.filter(pk=holder.pk).update(si_number="1500000041")  # entered from the national system
    enroll(desk, "key-si-number", person_ids=[person.pk])
    person.refresh_from_db()
    assert person.si_number == "1500000042" and person.hi_coverage.get().card.number == "1500000042"
    assert SINumberSequence.objects.get(province_code="15").next_serial == 43
    event = AuditEvent.objects.get(action="si_number_assign", object_id=str(person.pk))
    assert event.after == {"si_number": "1500000042"}


def test_a_cash_enrollment_leaves_one_audit_event_per_change_and_a_refused_one_none(desk):
    from ansinh.core.models import AuditEvent

    before = AuditEvent.objects.order_by("pk").last()
    enrollment, _ = enroll(desk, "key-audited", person_ids=[desk["members"][0].pk])
    made = AuditEvent.objects.filter(pk__gt=before.pk).order_by("pk")
    actions = list(made.values_list("action", "object_type"))
    assert actions == [
        ("enrollment_create", "enrollment.enrollment"),
        ("si_number_assign", "registry.person"),
        ("card_issue", "cards.card"),
        ("enrollment_complete", "enrollment.enrollment"),
        ("receipt_issue", "payments.receipt"),
    ]
    assert enrollment.completed_at is not None
    events = AuditEvent.objects.count()
    desk["point"].books.update(closed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ApplicationError):
        enroll(desk, "key-not-audited", person_ids=[desk["members"][1].pk])
    assert AuditEvent.objects.count() == events


def test_after_the_day_close_no_money_is_taken_and_no_own_receipt_voided_at_that_point(desk):
    from ansinh.payments.models import DayClose
    from ansinh.payments.services import day_close_create

    enrollment, _ = enroll(desk, "key-before-close", person_ids=[desk["members"][0].pk])
    day_close_create(
        actor=desk["agent"], point=desk["point"], cash_counted=enrollment.total_payable, received_by="Kế toán"
    )
    before = counts()
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-after-close", person_ids=[desk["members"][1].pk])
    assert e.value.code == "conflict" and counts() == before  # nothing half-written
    with pytest.raises(ApplicationError):  # the closed day's figures stay as handed over
        receipt_void(actor=desk["agent"], receipt=Receipt.objects.get(enrollment=enrollment), reason="Nhầm")
    assert not Receipt.objects.filter(voided_at__isnull=False).exists() and DayClose.objects.count() == 1


def test_an_agent_voids_an_own_receipt_of_the_vietnamese_day(desk, settings):
    from django.utils import timezone

    enrollment, _ = enroll(desk, "key-local-day", person_ids=[desk["members"][0].pk])
    receipt = Receipt.objects.get(enrollment=enrollment)
    # issued at 06:30 in Vietnam (23:30 UTC the day before): still today for the agent
    local = timezone.localtime().replace(hour=6, minute=30)
    Receipt.objects.filter(pk=receipt.pk).update(issued_at=local)
    assert (
        timezone.localdate(local) == timezone.localdate() and local.astimezone(dt.UTC).date() != local.date()
    )
    receipt_void(actor=desk["agent"], receipt=receipt, reason="Nhập nhầm người")
    receipt.refresh_from_db()
    assert receipt.is_void


def test_a_quote_id_that_is_not_one_and_a_bad_vietqr_are_told_in_words(desk):
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-bad-quote", quote_id="xyz")
    assert e.value.code == "not_found" and e.value.field == "quote_id"
    enrollment, _ = enroll(desk, "key-transfer-2", method="bank_transfer")
    with pytest.raises(ApplicationError) as e:
        enrollment_confirm_payment(
            actor=desk["agent"], enrollment=enrollment, qr_payload="Chuyển khoản 6304ABCD"
        )
    assert e.value.field == "qr_payload" and "CRC" not in e.value.message and "ASCII" not in e.value.message


def test_a_point_whose_bank_account_cannot_make_a_vietqr_refuses_the_transfer_in_words(desk):
    from ansinh.payments.models import CollectionPoint

    CollectionPoint.objects.filter(pk=desk["point"].pk).update(bank_account="0011 004-321")
    before = counts()
    with pytest.raises(ApplicationError) as e:
        enroll(desk, "key-bad-account", method="bank_transfer")
    assert e.value.field == "payment.method" and counts() == before


def test_a_group_the_register_can_tell_is_quoted_only_for_people_in_it(desk):
    """The desk preselects 'child under 6' on a child's page; ticking the parents too must not give them a card
    the state pays for."""
    child = make_person(desk["agent"], area_code=desk["commune"].code, birth_date=f"{TODAY.year - 2}-01-15")
    parent = desk["members"][0]
    with pytest.raises(ApplicationError) as e:
        quote_create(
            actor=desk["agent"],
            scheme="hi_group",
            person_ids=[child.pk, parent.pk],
            months=12,
            group="child_under_6",
        )
    assert e.value.code == "eligibility.not_in_group" and e.value.field == "person_ids"
    assert parent.full_name in e.value.message
    with pytest.raises(ApplicationError):
        enroll(
            desk,
            "key-group-parents",
            scheme="hi_group",
            person_ids=[child.pk, parent.pk],
            group="child_under_6",
        )
    assert not Enrollment.objects.exists()
    quote = quote_create(
        actor=desk["agent"], scheme="hi_group", person_ids=[child.pk], months=12, group="child_under_6"
    )
    assert quote.total_payable == 0  # the state pays all for a child under 6


def test_a_day_not_yet_begun_cannot_be_closed(desk):
    from ansinh.payments.models import DayClose
    from ansinh.payments.services import day_close_create

    with pytest.raises(ApplicationError) as e:
        day_close_create(
            actor=desk["agent"], point=desk["point"], day=TODAY + dt.timedelta(days=1), cash_counted=0,
            received_by="Kế toán",
        )  # fmt: skip
    assert e.value.field == "day" and not DayClose.objects.exists()


def test_a_child_is_in_the_under_6_group_until_72_months_old_by_the_dated_parameter():
    from types import SimpleNamespace

    from ansinh.enrollment.selectors import hi_groups_of

    def person(born):
        return SimpleNamespace(birth_date=born, poverty="", social_assistance=False, atk_commune=False,
                               ethnic_minority_listed_commune=False, is_student=False,
                               agricultural_household=False)  # fmt: skip

    on = dt.date(2026, 11, 25)
    assert "child_under_6" in hi_groups_of(
        person=person(dt.date(2020, 11, 26)), on=on
    )  # 71 months and 30 days
    assert "child_under_6" not in hi_groups_of(person=person(dt.date(2020, 11, 25)), on=on)  # 72 months
