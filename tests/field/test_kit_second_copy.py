"""A laptop that dies in the field (issue 14): the kit keeps a copy of its folder on a second drive after every
operation; from that copy, its unsent journal is exported to a signed file and a manager takes it to the office
from any machine. The laptop's own sync afterwards changes nothing (each operation once)."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from ansinh.field.models import FieldOp, Kit
from ansinh.payments.models import Receipt

from .kit import ansinh, checkout_with, kit_day, sync_until_done

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_dead_laptops_day_reaches_the_office_from_its_usb_copy(office, tmp_path):
    kit_dir, usb = tmp_path / "laptop", tmp_path / "usb" / "kit"
    out = checkout_with(office, kit_dir, "--backup-dir", str(usb))
    day = kit_day(kit_dir, "3", "--void", "1", "--close")
    with sqlite3.connect(kit_dir / "ansinh.sqlite3") as db:
        on_laptop = db.execute("SELECT count(*) FROM field_journalentry").fetchone()[0]
    with sqlite3.connect(usb / "ansinh.sqlite3") as db:  # the copy after the last operation
        assert db.execute("SELECT count(*) FROM field_journalentry").fetchone()[0] == on_laptop > 0
    backup_laptop = tmp_path / "laptop-before-it-died"
    shutil.copytree(kit_dir, backup_laptop)
    shutil.rmtree(kit_dir)  # the laptop is gone

    exported = ansinh(
        usb, "field", "export", "--dir", str(usb), "--out", str(tmp_path / "journal.json"), "--json"
    )
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["ops"] == on_laptop
    # a changed file is refused, whole
    document = json.loads((tmp_path / "journal.json").read_text())
    forged = {**document, "body": document["body"].replace('"cash_counted": ', '"cash_counted": 1')}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = ansinh(
        usb,
        "field",
        "import",
        str(tmp_path / "forged.json"),
        "--server",
        office["url"],
        "--token",
        office["token"],
    )
    assert refused.returncode == 2 and "bị thay đổi" in refused.stderr and not FieldOp.objects.exists()

    taken = ansinh(
        usb,
        "field",
        "import",
        str(tmp_path / "journal.json"),
        "--server",
        office["url"],
        "--token",
        office["token"],
        "--json",
    )
    assert taken.returncode == 0, taken.stderr
    assert json.loads(taken.stdout)["applied"] == on_laptop
    kit = Kit.objects.get(pk=out["kit"])
    assert sorted(Receipt.objects.filter(book=kit.book).values_list("number", flat=True)) == day["receipts"]
    # the laptop comes back to life after all: its sync sends the same operations and nothing changes
    answer = sync_until_done(backup_laptop)[0][0]
    assert answer["pushed"] == on_laptop and answer["replayed"] == on_laptop and answer["applied"] == 0
    assert FieldOp.objects.filter(kit=kit).count() == on_laptop
