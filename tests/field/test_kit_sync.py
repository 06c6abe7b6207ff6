"""The field kit against a real office (issue 14, ADR 0027): the office is a live server (this test's database,
PostgreSQL in CI's second pass), the kit is other processes (`ansinh field …` and a day of work run in the kit's
folder, on its own SQLite). The kit's connections go through a proxy that cuts them at random bytes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid

import pypdfium2
import pytest
import zxingcpp

from ansinh.cards import pdf as cards_pdf
from ansinh.cards import signing
from ansinh.cards.models import Card
from ansinh.cards.selectors import card_verify
from ansinh.core.dates import today
from ansinh.enrollment.models import Enrollment, HICoverage, Status
from ansinh.enrollment.services import enrollment_create
from ansinh.field.models import Conflict, FieldOp, Kit
from ansinh.payments.models import DayClose, Payment, Receipt
from ansinh.registry.models import Person
from factories import make_person, personal_id_for

from .kit import ansinh, checkout, journal, kit_day, kit_env, set_server, sync_until_done
from .proxy import CuttingProxy

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_day_offline_syncs_exactly_once_through_a_cutting_network(office, tmp_path):
    kit_dir = tmp_path / "kit"
    out = checkout(office, kit_dir)
    assert out["pending"] == 0 and out["receipts_left"] == 60 and out["pulled"] > 500
    covered_meanwhile, duplicate_id = office["people"][0], personal_id_for(sex="m", year=1979)

    day = kit_day(
        kit_dir,
        "12",
        "--enroll",
        str(covered_meanwhile.pk),
        "--personal-id",
        duplicate_id,
        "--void",
        "2",
        "--close",
        "--move",
    )
    assert day["receipts"] == list(range(1, 15)) and not day["refused"]
    status = json.loads(ansinh(kit_dir, "field", "status", "--dir", str(kit_dir), "--json").stdout)
    assert status["pending"] > 14 and status["receipts_left"] == 60 - 14

    # meanwhile at the office: the same person enrolled at the desk, and the same ID registered
    enrollment_create(
        actor=office["desk_agent"],
        idempotency_key=str(uuid.uuid4()),
        scheme="hi_household",
        person_ids=[covered_meanwhile.pk],
        months=12,
    )
    same = make_person(
        office["manager"],
        area_code=office["commune"].code,
        personal_id=duplicate_id,
        sex="m",
        birth_date="1979-01-02",
    )

    proxy = CuttingProxy(int(office["url"].rsplit(":", 1)[1]), cut_share=0.6, seed=14)
    try:
        set_server(kit_dir, proxy.url)
        answers, failures = sync_until_done(kit_dir)
    finally:
        proxy.close()
    assert proxy.cuts >= 1 and failures >= 1  # the network did cut, and the sync went on

    kit = Kit.objects.get(pk=out["kit"])
    sent = journal(kit_dir)
    assert FieldOp.objects.filter(kit=kit).count() == len(sent)  # every operation once
    assert sorted(
        str(op) for op in FieldOp.objects.filter(kit=kit).values_list("op_id", flat=True)
    ) == sorted(e["op_id"] for e in sent)
    # the same answer again: nothing new
    set_server(kit_dir, office["url"])
    again, _failures = sync_until_done(kit_dir)
    assert again[0]["pushed"] == 0 and FieldOp.objects.filter(kit=kit).count() == len(sent)
    assert again[0]["pulled"] == 0  # nothing changed at the office since: no row travels

    receipts = list(Receipt.objects.filter(book=kit.book).order_by("number"))
    conflicts = {c.kind: c for c in Conflict.objects.filter(kit=kit)}
    # the same person enrolled at both sides; the same ID registered at both sides, whose card printed in the
    # field carries the field's name for the office's record of that person (to reprint)
    assert sorted(c.kind for c in Conflict.objects.filter(kit=kit)) == ["card", "duplicate_person", "overlap"]
    assert conflicts["card"].office_side["cards"][0]["name"] == same.full_name
    overlap = conflicts["overlap"]
    # every field receipt is at the office once: as a receipt, or held by its conflict with the money
    numbers = [r.number for r in receipts] + [int(overlap.receipt.rsplit("-", 1)[1])]
    assert sorted(numbers) == day["receipts"]
    by_number = dict(zip(day["receipts"], day["amounts"], strict=True))
    assert all(r.amount == by_number[r.number] for r in receipts)
    assert overlap.amount == by_number[int(overlap.receipt.rsplit("-", 1)[1])]
    assert sorted(r.number for r in receipts if r.voided_at) == day["voided"]
    # no coverage without its payment, no payment without its receipt
    for enrollment in Enrollment.objects.filter(receipt__book=kit.book):
        assert enrollment.status == Status.VOID if enrollment.receipt.voided_at else Status.COMPLETED
        assert Payment.objects.get(enrollment=enrollment).amount == enrollment.receipt.amount
    assert (
        not HICoverage.objects.filter(
            enrollment__isnull=False, enrollment__receipt__isnull=True, valid_to__gte=today()
        )
        .exclude(enrollment__total_payable=0)
        .exists()
    )
    # a person moved to another household in the field has moved at the office, the old membership closed
    moved = Person.objects.get(full_name=day["moved"])
    (now_in,) = moved.memberships.filter(ended_on__isnull=True)
    assert now_in.household.head.full_name == "Giàng Thị Mỷ 1" and moved.memberships.count() == 2
    # the duplicate's enrollment went to the office's record of that person
    assert HICoverage.objects.filter(person=same, is_void=False).exists()
    assert not Person.objects.filter(personal_id=duplicate_id).exclude(pk=same.pk).exists()
    # the kit's day close is the office's: the money of the conflict shows as the difference, not hidden
    close = DayClose.objects.get(point=office["point"], agent=kit.account)
    assert close.cash_counted == day["cash"]
    assert close.cash_counted - close.cash_expected == overlap.amount
    # the kit's journal is all acknowledged and its replica now carries the office's rows
    status = json.loads(ansinh(kit_dir, "field", "status", "--dir", str(kit_dir), "--json").stdout)
    assert status["pending"] == 0 and status["receipts_left"] == 60 - 14

    # a card printed offline verifies at the office, and with only the office's public key
    token = day["tokens"][4]  # the third family's (the first two receipts were voided)
    # its QR code (the kit's signature and its certificate, ~540 characters) is read by a real decoder from the
    # card the office prints for it (the kit's own token, kept as the card of record)
    card = Card.objects.get(token=token)
    page = pypdfium2.PdfDocument(cards_pdf.card_pdf([card]))[0].render(scale=300 / 72).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)] == [token]
    assert card_verify(token=token)["valid"] and card_verify(token=token)["kit"] == kit.pk
    only_public = tmp_path / "verifier"
    (only_public / "keys").mkdir(parents=True)
    shutil.copy(signing.keys_dir() / signing.PUBLIC_NAME, only_public / "keys" / signing.PUBLIC_NAME)
    env = {**kit_env(only_public), "ANSINH_FIELD_KIT": "0"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from ansinh.cli import main; main()", "card", "verify", token, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["kit"] == kit.pk, done.stdout + done.stderr
