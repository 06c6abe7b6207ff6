"""The field kit's hard cases against a real office (issue 14): a revoked kit, a clock wrong by days, two kits
enrolling the same person, a person registered twice and merged from the conflict queue, a transfer refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ansinh.cards.selectors import card_verify
from ansinh.core.dates import today
from ansinh.enrollment.models import Enrollment, HICoverage
from ansinh.field.models import Conflict, Kit
from ansinh.payments.models import Receipt
from ansinh.registry.models import Person
from factories import make_person

from .kit import ansinh, call, checkout, kit_day, sync_until_done

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_revoked_kit_cannot_sync_and_the_cards_it_signs_afterwards_are_refused(office, tmp_path):
    kit_dir = tmp_path / "kit"
    out = checkout(office, kit_dir)
    before = kit_day(kit_dir, "1", "--void", "0")
    sync_until_done(kit_dir)
    status, body = call(f"{office['url']}/api/v1/field/kits/{out['kit']}/revoke", office["token"], "POST")
    assert status == 200 and body["revoked_at"]
    after = kit_day(kit_dir, "1", "--void", "0", "--name", "Lý Thị Sử")  # the laptop goes on offline
    done = ansinh(kit_dir, "field", "sync", "--dir", str(kit_dir), "--json")
    assert done.returncode == 2 and "thu hồi" in done.stderr, done.stderr
    assert (
        json.loads(ansinh(kit_dir, "field", "status", "--dir", str(kit_dir), "--json").stdout)["pending"] > 0
    )
    synced, unsynced = before["tokens"][0], after["tokens"][0]
    assert card_verify(token=synced)["valid"]  # it reached the office before the revocation
    refused = card_verify(token=unsynced)
    assert not refused["valid"] and refused["reason"] == "revoked_kit"


def test_a_kit_whose_clock_is_days_ahead_dates_nothing_in_the_future(office, tmp_path):
    kit_dir = tmp_path / "kit"
    out = checkout(office, kit_dir)
    day = kit_day(kit_dir, "2", "--void", "0", "--clock-days", "3")
    answer = sync_until_done(kit_dir)[0][0]
    assert answer["applied"] == answer["pushed"] > 0
    kit = Kit.objects.get(pk=out["kit"])
    receipts = Receipt.objects.filter(book=kit.book)
    assert sorted(r.number for r in receipts) == day["receipts"]
    assert {r.paid_on for r in receipts} == {today()}  # the office's day, not the laptop's
    # the cards printed with the laptop's dates are not the office's: each enrollment's card is to be reprinted
    conflicts = Conflict.objects.filter(kit=kit)
    assert [c.kind for c in conflicts] == ["card", "card"]
    field_from = {c["valid_from"] for conflict in conflicts for c in conflict.field_side["cards"]}
    office_from = {c["valid_from"] for conflict in conflicts for c in conflict.office_side["cards"]}
    assert field_from != office_from
    assert all(dt.date.fromisoformat(d) <= today() + dt.timedelta(days=31) for d in office_from)


def test_two_kits_enrolling_the_same_person_end_in_one_coverage_and_one_conflict(office, tmp_path):
    person = office["people"][1]
    first, second = tmp_path / "first", tmp_path / "second"
    kit1, kit2 = checkout(office, first), checkout(office, second)
    day1 = kit_day(first, "1", "--enroll", str(person.pk), "--void", "0")
    day2 = kit_day(
        second,
        "2",
        "--enroll",
        str(person.pk),
        "--void",
        "1",
        "--name",
        "Ma Thị Dung",
        "--spouse",
        "Lò Văn Sáng",
    )
    sync_until_done(first)
    sync_until_done(second)
    assert HICoverage.objects.filter(person=person, is_void=False).count() == 1
    (conflict,) = Conflict.objects.all()
    assert conflict.kit_id == kit2["kit"] and conflict.kind == "overlap"
    # each kit's book: every number it used once, gap-free, at the office or held by the conflict
    for kit_id, day in ((kit1["kit"], day1), (kit2["kit"], day2)):
        kit = Kit.objects.get(pk=kit_id)
        numbers = sorted(Receipt.objects.filter(book=kit.book).values_list("number", flat=True))
        held = [int(c.receipt.rsplit("-", 1)[1]) for c in Conflict.objects.filter(kit=kit)]
        assert sorted(numbers + held) == list(range(1, len(day["receipts"]) + 1))
    # the queue shows it to the manager with both sides and the money
    status, rows = call(f"{office['url']}/api/v1/field/conflicts", office["token"])
    assert status == 200 and [r["id"] for r in rows] == [conflict.pk]
    assert (
        rows[0]["amount"] == day2["amounts"][-1] and rows[0]["office_side"]["persons"][0]["id"] == person.pk
    )


def test_a_person_registered_twice_is_merged_from_the_queue_and_a_transfer_is_refused_offline(
    office, tmp_path
):
    twin = make_person(
        office["manager"],
        area_code=office["commune"].code,
        full_name="Hờ Thị Tủa 0",
        birth_date="1985-03-04",
        sex="f",
        personal_id=None,
    )
    kit_dir = tmp_path / "kit"
    checkout(office, kit_dir)
    day = kit_day(kit_dir, "1", "--void", "0", "--name", "Hờ Thị Tủa", "--transfer")
    assert [r[0] for r in day["refused"]] == ["transfer"] and "tiền mặt" in day["refused"][0][1]
    sync_until_done(kit_dir)
    (conflict,) = Conflict.objects.filter(kind="duplicate_person")
    field_person = conflict.field_side["person"]["id"]
    status, body = call(
        f"{office['url']}/api/v1/field/conflicts/{conflict.pk}/resolve",
        office["token"],
        "POST",
        {"action": "merge"},
    )
    assert status == 200 and body["status"] == "resolved", body
    assert Person.objects.get(pk=field_person).merged_into_id == twin.pk
    assert (
        Enrollment.objects.filter(members__person=twin).count() == 1
    )  # the field's payment follows the person
    assert day["receipts"] == [1]


def test_a_kit_checked_in_gives_its_unused_receipt_numbers_back(office, tmp_path):
    kit_dir = tmp_path / "kit"
    out = checkout(office, kit_dir)
    day = kit_day(kit_dir, "2", "--void", "0")
    done = ansinh(kit_dir, "field", "checkin", "--dir", str(kit_dir), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["pushed"] > 0 and answer["receipts_used"] == 2
    assert (answer["returned_from"], answer["returned_to"]) == (3, 60)
    kit = Kit.objects.select_related("book").get(pk=out["kit"])
    assert kit.returned_at is not None and kit.book.closed_at is not None
    assert sorted(Receipt.objects.filter(book=kit.book).values_list("number", flat=True)) == day["receipts"]
    assert all(card_verify(token=t)["valid"] for t in day["tokens"])  # its cards reached the office: valid
    again = ansinh(kit_dir, "field", "sync", "--dir", str(kit_dir), "--json")
    assert again.returncode == 2 and "không còn nhận" in again.stderr
    status, rows = call(f"{office['url']}/api/v1/field/kits", office["token"])
    assert status == 200 and rows[0]["returned_at"]
