"""A backup restores (issue 12): the receipts, numbers and people of a backup made while ansinh runs are all there
after a restore into an empty database — SQLite through its online backup API, PostgreSQL through pg_dump and
pg_restore; a restore never writes over a database that has data."""

import sqlite3
import uuid

import psycopg
import pytest
from django.db import connection

from ansinh.core.backup import BackupError, backup, restore
from ansinh.enrollment.services import enrollment_create
from ansinh.payments.models import Receipt
from factories import make_person, make_point, make_user


def _sell(communes, n=3):
    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    make_point(area=communes["a"], agents=[agent])
    for i in range(n):
        person = make_person(agent, area_code=communes["a"].code)
        enrollment_create(
            actor=agent, idempotency_key=f"backup-{i:04d}", scheme="hi_household", person_ids=[person.pk]
        )
    return sorted(Receipt.objects.values_list("series", "number", "amount"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite path; PostgreSQL's is the test below")
def test_a_sqlite_backup_restores_every_receipt(transactional_areas, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "keys"))
    communes = {"a": transactional_areas.filter(parent__code="15").order_by("code").first()}
    receipts = _sell(communes)  # committed, as a running server's are
    made = backup(tmp_path / "backups")
    restored = tmp_path / "restored.sqlite3"
    restore(made, into=restored)
    with sqlite3.connect(restored) as db:
        rows = sorted(db.execute("SELECT series, number, amount FROM payments_receipt").fetchall())
    assert rows == receipts and len(rows) == 3
    with pytest.raises(BackupError):
        restore(made, into=restored)  # never over data


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL path; SQLite's is the test above"
)
def test_a_postgresql_backup_restores_every_receipt(transactional_areas, tmp_path, monkeypatch):
    from django.conf import settings

    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "keys"))
    communes = {"a": transactional_areas.filter(parent__code="15").order_by("code").first()}
    receipts = _sell(communes)
    made = backup(tmp_path / "backups")
    name = f"restore_{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    admin = psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER"),
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        restore(made, into=name)
        with psycopg.connect(
            host=db.get("HOST") or None, port=db.get("PORT") or None, user=db.get("USER"), dbname=name
        ) as copy:
            rows = sorted(copy.execute("SELECT series, number, amount FROM payments_receipt").fetchall())
        assert rows == receipts and len(rows) == 3
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_the_worker_backs_up_once_a_day_and_keeps_the_newest(transactional_db, tmp_path, monkeypatch):
    from ansinh.outreach.adapters import FileAdapter
    from ansinh.outreach.worker import run_due_jobs

    monkeypatch.setenv("ANSINH_BACKUP_DIR", str(tmp_path))
    monkeypatch.setenv("ANSINH_BACKUP_KEEP", "2")
    suffix = ".sqlite3" if connection.vendor == "sqlite" else ".dump"
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
