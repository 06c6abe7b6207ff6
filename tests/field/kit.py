"""What the field-kit tests share: the office (a live server in this test process) and the kit (other processes:
`ansinh field …` and a day of work, in the kit's own folder on its own SQLite)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from ansinh.core.services import token_create
from factories import make_person, make_point, make_user

HERE = Path(__file__).parent


def make_office(transactional_areas, live_server) -> dict:
    """A commune of Lào Cai with a collection point, its agents (one named agent, as on the kit) and six people,
    served by ``live_server``; the manager's API token issues kits."""
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


def kit_env(kit_dir: Path) -> dict:
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
        env=kit_env(kit_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )


def kit_day(kit_dir: Path, *args: str) -> dict:
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(HERE / "kit_day.py"), *args],
        env=kit_env(kit_dir),
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
    return checkout_with(office, kit_dir)


def checkout_with(office, kit_dir: Path, *flags: str) -> dict:
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
        *flags,
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


def set_server(kit_dir: Path, url: str) -> None:
    """The kit's office address, as when the laptop reaches it by another road (here: through the proxy)."""
    with sqlite3.connect(kit_dir / "ansinh.sqlite3") as db:
        db.execute("UPDATE field_kitstate SET server = ?", [url])


def journal(kit_dir: Path) -> list[dict]:
    with sqlite3.connect(kit_dir / "ansinh.sqlite3") as db:
        rows = db.execute("SELECT op_id, sent_at FROM field_journalentry ORDER BY id").fetchall()
    assert all(sent for _op, sent in rows)
    return [{"op_id": str(uuid.UUID(op))} for op, _sent in rows]
