"""A backup restores, and is proven whole (issue 12): a live demo province backed up while the desk keeps writing,
restored into an empty database — SQLite through its online backup API, PostgreSQL through pg_dump in the
manifest's own snapshot — with every table read back and compared with the manifest's rows and checksums; a damaged
file or a manifest that does not match is refused; a restore never writes over a database that has data."""

import io
import json
import sqlite3
import tarfile
import threading
import uuid
from contextlib import closing, contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.db import connections as django_connections

from ansinh.cards.signing import keys_dir, public_keys
from ansinh.core.backup import MANIFEST, BackupError, backup, restore, table_digests
from ansinh.demo.population import demo_generate
from ansinh.enrollment.services import enrollment_create
from ansinh.payments.models import Receipt
from factories import make_person, make_point, make_user

pytestmark = pytest.mark.usefixtures("vietnamese")  # the operator's messages, in the office's language


def _sell(commune, n=3):
    agent = make_user(role="collection_agent", areas=[commune.code])
    make_point(area=commune, agents=[agent])
    for i in range(n):
        person = make_person(agent, area_code=commune.code)
        enrollment_create(
            actor=agent, idempotency_key=f"backup-{i:04d}", scheme="hi_household", person_ids=[person.pk]
        )
    return agent


@contextmanager
def _desk_writing(agent, commune):
    """Another connection registering people all the while (as a server's threads would), until the block ends."""
    stop, begun, written = threading.Event(), threading.Event(), []

    def write():
        try:
            while not stop.is_set():
                written.append(make_person(agent, area_code=commune.code).pk)
                begun.set()
        finally:
            begun.set()  # a writer that failed must not leave the test waiting
            django_connections.close_all()

    worker = threading.Thread(target=write)
    worker.start()
    try:
        assert begun.wait(timeout=120) and written, "the writer did not begin"  # before the backup does
        yield written
    finally:
        stop.set()
        worker.join()


@contextmanager
def _empty_database(folder):
    """A new empty database of the same kind: a file path for SQLite, a database name on the same PostgreSQL."""
    if connection.vendor == "sqlite":
        yield folder / f"restored-{uuid.uuid4().hex[:8]}.sqlite3"
        return
    db = settings.DATABASES["default"]
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER"),
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _read(restored, sql):
    if connection.vendor == "sqlite":
        with closing(sqlite3.connect(restored)) as db:
            return db.execute(sql).fetchall()
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db.get("HOST") or None, port=db.get("PORT") or None, user=db.get("USER"), dbname=restored
    ) as copy:
        return copy.execute(sql).fetchall()


def _rewritten(source, tmp_path, change):
    """A copy of a backup file with one member changed by ``change(name, bytes) -> bytes``."""
    target = tmp_path / f"changed-{uuid.uuid4().hex[:6]}.tar"
    with tarfile.open(source) as original, tarfile.open(target, "w") as copy:
        for member in original.getmembers():
            data = change(member.name, original.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


@pytest.fixture
def live_demo(transactional_areas, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "keys"))
    demo_generate(province_code="15", persons=120, seed=3)
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    agent = _sell(commune)  # committed, with their cards signed by the office's key
    assert public_keys()
    return {"folder": tmp_path, "agent": agent, "commune": commune}


def test_a_live_demo_backed_up_while_the_desk_writes_restores_table_by_table(live_demo):
    receipts = sorted(Receipt.objects.values_list("series", "number", "amount"))
    with _desk_writing(live_demo["agent"], live_demo["commune"]) as written:
        made = backup(live_demo["folder"] / "backups", keys=keys_dir())
        assert written  # the desk went on writing during the backup
    with tarfile.open(made) as archive:
        manifest = json.loads(archive.extractfile(MANIFEST).read())
    assert manifest["vendor"] == connection.vendor and list(manifest["keys"]) == ["card-signing.pub"]
    assert manifest["tables"]["registry_person"]["rows"] >= 120
    assert manifest["tables"]["payments_receipt"]["rows"] == len(receipts) >= 3
    with _empty_database(live_demo["folder"]) as restored:
        report = restore(made, into=restored, keys=live_demo["folder"] / "keys-restored")
        # every table read back is the one in the manifest, or restore would have refused (the test below)
        assert report["checked"] and report["tables"] == len(manifest["tables"]) >= 40
        assert report["rows"] == sum(t["rows"] for t in manifest["tables"].values())
        assert report["keys"] == ["card-signing.pub"]
        keys = live_demo["folder"]
        assert (keys / "keys-restored" / "card-signing.pub").read_bytes() == (
            keys / "keys" / "card-signing.pub"
        ).read_bytes()
        assert sorted(_read(restored, "SELECT series, number, amount FROM payments_receipt")) == receipts
        with pytest.raises(BackupError, match="đã có"):
            restore(made, into=restored)  # never over data


def test_a_damaged_backup_or_a_restore_that_differs_is_refused(live_demo):
    folder = live_demo["folder"]
    made = backup(folder / "backups", keys=keys_dir())

    def flip_a_byte(name, data):
        if not name.startswith("database."):
            return data
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]

    with _empty_database(folder) as restored, pytest.raises(BackupError, match="bị hỏng"):
        restore(_rewritten(made, folder, flip_a_byte), into=restored)

    def one_receipt_more(name, data):
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["tables"]["payments_receipt"]["rows"] += 1
        return json.dumps(manifest).encode()

    with _empty_database(folder) as restored, pytest.raises(BackupError, match="1 bảng: payments_receipt"):
        restore(_rewritten(made, folder, one_receipt_more), into=restored)


def test_the_digests_see_a_changed_row(transactional_areas):
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    _sell(commune, n=1)
    before = table_digests(connection.connection, connection.vendor)["payments_receipt"]
    Receipt.objects.update(amount=1)
    after = table_digests(connection.connection, connection.vendor)["payments_receipt"]
    assert before["rows"] == after["rows"] == 1 and before["sha256"] != after["sha256"]


def test_the_worker_backs_up_once_a_day_and_keeps_the_newest(transactional_db, tmp_path, monkeypatch):
    from ansinh.outreach.adapters import FileAdapter
    from ansinh.outreach.worker import run_due_jobs

    monkeypatch.setenv("ANSINH_BACKUP_DIR", str(tmp_path))
    monkeypatch.setenv("ANSINH_BACKUP_KEEP", "2")
    suffix = ".tar"
    for stamp in ("20260101-020000", "20260102-020000", "20260103-020000"):
        (tmp_path / f"ansinh-{stamp}{suffix}").write_bytes(b"an older backup")
    (tmp_path / "notes.txt").write_text("not a backup: left alone")
    adapter = FileAdapter(tmp_path / "outbox.jsonl")
    first = run_due_jobs(adapter=adapter, respect_hour=False)["backup"]
    assert first["removed"] == [f"ansinh-20260102-020000{suffix}", f"ansinh-20260101-020000{suffix}"]
    kept = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ansinh-"))
    assert kept == sorted([first["file"], f"ansinh-20260103-020000{suffix}"])
    assert (tmp_path / first["file"]).stat().st_size > 1000 and (tmp_path / "notes.txt").exists()
    assert "backup" not in run_due_jobs(adapter=adapter, respect_hour=False)  # once a day


def test_the_commands_back_up_into_one_file_and_restore_it_checked(live_demo):
    from click.testing import CliRunner

    from ansinh.cli import cli

    folder, runner = live_demo["folder"], CliRunner()
    made = folder / "office.tar"
    answer = runner.invoke(cli, ["backup", "--to", str(made), "--json"])
    assert answer.exit_code == 0, answer.output
    told = json.loads(answer.output)
    assert told["backup"] == str(made) and told["tables"] >= 40 and told["keys"] == ["card-signing.pub"]
    with _empty_database(folder) as restored:
        answer = runner.invoke(cli, ["restore", str(made), "--into", str(restored), "--json"])
        assert answer.exit_code == 0, answer.output
        report = json.loads(answer.output)
        assert report["checked"] and report["tables"] == told["tables"] and report["rows"] == told["rows"]
        again = runner.invoke(cli, ["restore", str(made), "--into", str(restored)])
        assert again.exit_code == 2 and "đã có" in again.output
