"""The field kit against a real office (issue 14, ADR 0027): the office is a live server (this test's database,
PostgreSQL in CI's second pass), the kit is other processes (`ansinh field …` and a day of work run in the kit's
folder, on its own SQLite). The kit's connections go through a proxy that cuts them at random bytes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from tests.factories import make_person, make_point, make_user, personal_id_for

from ansinh.cards import signing
from ansinh.cards.selectors import card_verify
from ansinh.core.dates import today
from ansinh.core.services import token_create
from ansinh.enrollment.models import Enrollment, HICoverage, Status
from ansinh.enrollment.services import enrollment_create
from ansinh.field.models import Conflict, FieldOp, Kit
from ansinh.payments.models import DayClose, Payment, Receipt
from ansinh.registry.models import Person

from .proxy import CuttingProxy

HERE = Path(__file__).parent
pytestmark = pytest.mark.django_db(transaction=True)


def _env(kit_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSINH_")}
    env.update(
        {
            "ANSINH_VAR_DIR": str(kit_dir),
            "ANSINH_FIELD_KIT": "1",
            "DJANGO_SETTINGS_MODULE": "ansinh.config.settings.base",
            "PYTHONPATH": str(HERE.parents[1]),
        }
    )
    return env


def ansinh(kit_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-c", "from ansinh.cli import main; main()", *args],
        env=_env(kit_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )


def kit_day(kit_dir: Path, *args: str) -> dict:
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(HERE / "kit_day.py"), *args],
        env=_env(kit_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def call(url: str, token: str, method: str = "GET", body=None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (the test's own server)
        url, method=method, data=None if body is None else json.dumps(body).encode()
    )
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def office(transactional_areas, live_server, tmp_path):
    commune = transactional_areas.filter(parent__code="15", level="commune").order_by("code").first()
    manager = make_user(role="manager", areas=["15"])
    agent = make_user(areas=[commune.code], username="agent")
    desk_agent = make_user(areas=[commune.code])
    point = make_point(area=commune, agents=[agent, desk_agent])
    people = [make_person(manager, area_code=commune.code, birth_date="1970-05-06") for _ in range(6)]
    _row, raw = token_create(actor=manager, user=manager)
    return {
        "url": live_server.url,
        "commune": commune,
        "manager": manager,
        "desk_agent": desk_agent,
        "point": point,
        "people": people,
        "token": raw,
    }


def issue_kit(office, receipts=60) -> tuple[int, str]:
    status, body = call(
        f"{office['url']}/api/v1/field/kits",
        office["token"],
        "POST",
        {
            "name": "Tổ lưu động Bản Phố",
            "area_codes": [office["commune"].code],
            "point_id": office["point"].pk,
            "receipts": receipts,
            "valid_days": 10,
        },
    )
    assert status == 201, body
    return body["id"], body["checkout_token"]


def checkout(office, kit_dir: Path) -> dict:
    kit_id, code = issue_kit(office)
    done = ansinh(
        kit_dir,
        "field",
        "checkout",
        "--server",
        office["url"],
        "--token",
        code,
        "--dir",
        str(kit_dir),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    return {"kit": kit_id, **json.loads(done.stdout)}


def sync_until_done(kit_dir: Path, attempts: int = 60) -> tuple[list[dict], int]:
    """Syncs until a sync succeeds, as an agent presses the button again: (the successful answers, failures)."""
    for failures in range(attempts):
        done = ansinh(kit_dir, "field", "sync", "--dir", str(kit_dir), "--json")
        if done.returncode == 0:
            return [json.loads(done.stdout)], failures
        assert "error:" in done.stderr, done.stderr  # told in words, not a traceback
    raise AssertionError(f"no sync got through in {attempts} attempts")


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
        _set_server(kit_dir, proxy.url)
        answers, failures = sync_until_done(kit_dir)
    finally:
        proxy.close()
    assert proxy.cuts >= 1 and failures >= 1  # the network did cut, and the sync went on

    kit = Kit.objects.get(pk=out["kit"])
    journal = _journal(kit_dir)
    assert FieldOp.objects.filter(kit=kit).count() == len(journal)  # every operation once
    assert sorted(
        str(op) for op in FieldOp.objects.filter(kit=kit).values_list("op_id", flat=True)
    ) == sorted(e["op_id"] for e in journal)
    # the same answer again: nothing new
    _set_server(kit_dir, office["url"])
    again, _failures = sync_until_done(kit_dir)
    assert again[0]["pushed"] == 0 and FieldOp.objects.filter(kit=kit).count() == len(journal)

    receipts = list(Receipt.objects.filter(book=kit.book).order_by("number"))
    conflicts = {c.kind: c for c in Conflict.objects.filter(kit=kit)}
    assert set(conflicts) == {"overlap", "duplicate_person"}
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
    token = day["tokens"][-1]
    assert card_verify(token=token)["valid"] and card_verify(token=token)["kit"] == kit.pk
    only_public = tmp_path / "verifier"
    (only_public / "keys").mkdir(parents=True)
    shutil.copy(signing.keys_dir() / signing.PUBLIC_NAME, only_public / "keys" / signing.PUBLIC_NAME)
    env = {**_env(only_public), "ANSINH_FIELD_KIT": "0"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from ansinh.cli import main; main()", "card", "verify", token, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["kit"] == kit.pk, done.stdout + done.stderr


def _set_server(kit_dir: Path, url: str) -> None:
    """The kit's office address, as when the laptop reaches it by another road (here: through the proxy)."""
    import sqlite3

    with sqlite3.connect(kit_dir / "ansinh.sqlite3") as db:
        db.execute("UPDATE field_kitstate SET server = ?", [url])


def _journal(kit_dir: Path) -> list[dict]:
    import sqlite3

    with sqlite3.connect(kit_dir / "ansinh.sqlite3") as db:
        rows = db.execute("SELECT op_id, sent_at FROM field_journalentry ORDER BY id").fetchall()
    assert all(sent for _op, sent in rows)
    return [{"op_id": str(uuid.UUID(op))} for op, _sent in rows]
