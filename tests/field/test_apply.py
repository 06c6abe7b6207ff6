"""How the office applies a kit's operations (issue 14, ADR 0027), through the services in this process: an amount
the rules of the payment day do not give is a conflict that holds the money and the receipt number; an operation
that depends on one in conflict waits with it; a repeat answers with the first result; another kit's operation, an
unknown kind and a bad reference are refused in words."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from ansinh.core.errors import ApplicationError
from ansinh.core.models import AuditEvent
from ansinh.field import services
from ansinh.field.models import Conflict, FieldOp
from ansinh.payments.models import Receipt, ReceiptBook
from factories import make_person, make_point, make_user

pytestmark = pytest.mark.usefixtures("vietnamese")  # tests/conftest.py


@pytest.fixture
def kit(communes):
    commune = communes["a"]
    manager = make_user(role="manager", areas=["15"])
    point = make_point(area=commune, agents=[make_user(areas=[commune.code])])
    issued, _code = services.kit_create(
        actor=manager, name="Tổ 3", area_codes=[commune.code], point_id=point.pk, receipts=20, valid_days=5
    )
    issued.person = make_person(manager, area_code=commune.code, birth_date="1975-02-03")
    return issued


def op(kind: str, payload: dict, op_id: str | None = None) -> dict:
    return {
        "op_id": op_id or str(uuid.uuid4()),
        "seq": 1,
        "kind": kind,
        "payload": payload,
        "by": "agent",
        "clock": timezone.now().isoformat(),
    }


def enrollment(kit, amount: int, number: int) -> dict:
    return op(
        "enrollment.create",
        {
            "scheme": "hi_household",
            "persons": [{"id": kit.person.pk}],
            "si_numbers": [None],
            "months": 12,
            "paid_on": timezone.localdate().isoformat(),
            "method": "cash",
            "amount": amount,
            "receipt": {"book": kit.book_id, "number": number},
        },
    )


def test_an_amount_the_rules_do_not_give_is_a_conflict_holding_the_money_and_its_number(kit):
    paid = enrollment(kit, 1_000, 1)
    (result,) = services.ops_apply(kit=kit, ops=[paid])
    assert result["status"] == "conflict" and result["kind"] == "quote"
    conflict = Conflict.objects.get()
    assert conflict.amount == 1_000 and conflict.receipt == f"TK{kit.pk}-0000001"
    assert "thiếu" in conflict.message  # the office's words: how much short, and the amount due
    assert not Receipt.objects.filter(book=kit.book).exists()
    assert ReceiptBook.objects.get(pk=kit.book_id).next_number == 2  # the number is held, never given again
    assert AuditEvent.objects.filter(action="book_number_hold", object_id=str(kit.book_id)).exists()
    # the void of that enrollment waits with it
    void = op("receipt.void", {"enrollment": {"op": paid["op_id"]}, "reason": "nhầm"})
    (waits,) = services.ops_apply(kit=kit, ops=[void])
    assert waits["status"] == "conflict" and waits["kind"] == "depends"
    # sent again (a cut connection): the first answers, nothing more is written
    again = services.ops_apply(kit=kit, ops=[paid, void])
    assert [r["replayed"] for r in again] == [True, True] and Conflict.objects.count() == 2
    assert FieldOp.objects.count() == 2


def test_the_right_amount_is_recorded_with_the_kits_receipt_number(kit):
    from ansinh.enrollment.quotes import compute_quote

    due = compute_quote(
        scheme="hi_household",
        persons=[kit.person],
        months=12,
        on=timezone.localdate(),
        group=None,
        income=None,
        rank_offset=0,
    )["total_payable"]
    (result,) = services.ops_apply(kit=kit, ops=[enrollment(kit, due, 7)])
    assert result["status"] == "applied", result
    (receipt,) = Receipt.objects.filter(book=kit.book)
    assert (receipt.number, receipt.amount) == (7, due)


def test_refusals_are_told_in_words(kit, communes):
    (unknown,) = services.ops_apply(kit=kit, ops=[op("person.delete", {})])
    assert unknown["status"] == "conflict" and "không biết loại thao tác" in unknown["message"]
    (bad,) = services.ops_apply(kit=kit, ops=[op("receipt.void", {"enrollment": "x", "reason": "?"})])
    assert bad["status"] == "conflict" and "tham chiếu" in bad["message"]
    manager = make_user(role="manager", areas=["15"])
    other, _code = services.kit_create(
        actor=manager,
        name="Tổ 4",
        area_codes=[communes["a"].code],
        point_id=kit.point_id,
        receipts=5,
        valid_days=5,
    )
    first = op("person.update", {"person": {"id": kit.person.pk}, "data": {"phone": "0912345678"}})
    services.ops_apply(kit=kit, ops=[first])
    with pytest.raises(ApplicationError, match="bộ lưu động khác"):
        services.ops_apply(kit=other, ops=[first])


def test_a_change_in_life_made_on_a_kit_keeps_its_day_at_the_office_and_travels_in_the_replica(kit):
    """ADR 0031: a kit's person.update carries statuses_from in its data; the office applies it as the same change
    in life, and the next replica carries the change to the kit."""
    import datetime as dt

    from ansinh.field.replica import replica_rows
    from ansinh.registry.models import StatusChange

    data = {"poverty": "near_poor", "poverty_year": 2025, "statuses_from": "2025-03-01"}
    (result,) = services.ops_apply(
        kit=kit, ops=[op("person.update", {"person": {"id": kit.person.pk}, "data": data})]
    )
    assert result["status"] == "applied", result
    change = StatusChange.objects.get(person=kit.person)
    assert (change.before, change.after, change.effective_on) == ("", "near_poor", dt.date(2025, 3, 1))
    rows = replica_rows(kit)
    assert [r["id"] for r in rows["status_change"]] == [change.pk]
    assert next(r for r in rows["person"] if r["id"] == kit.person.pk)["statuses_since"] == dt.date(
        2025, 3, 1
    )
