"""A copy of the database that can be restored (docs/operations.md; the field kit keeps one after every batch).

SQLite: SQLite's online backup API copies the live database page by page while ansinh keeps working — a
consistent copy, never a half-written file (a plain file copy during a write could be). PostgreSQL: ``pg_dump``
in its custom format, restored with ``pg_restore``. The card-signing keys are not in the database: back their
folder up apart (``ANSINH_KEYS_DIR``)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from django.db import connection


class BackupError(Exception):
    """A backup or a restore that cannot be made, in words for the operator."""


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _pg_env(settings_db: dict) -> tuple[list[str], dict[str, str]]:
    args = []
    if settings_db.get("HOST"):
        args += ["-h", str(settings_db["HOST"])]
    if settings_db.get("PORT"):
        args += ["-p", str(settings_db["PORT"])]
    if settings_db.get("USER"):
        args += ["-U", str(settings_db["USER"])]
    env = {**os.environ}
    if settings_db.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_db["PASSWORD"])
    return args, env


def backup(directory: Path) -> Path:
    """Writes a backup of the database into ``directory``; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = directory / f"ansinh-{_stamp()}.sqlite3"
        with closing(sqlite3.connect(target)) as copy:
            connection.connection.backup(copy)
        return target
    if connection.vendor == "postgresql":
        tool = shutil.which("pg_dump")
        if tool is None:
            raise BackupError("pg_dump is not installed: install the PostgreSQL client (postgresql-client)")
        target = directory / f"ansinh-{_stamp()}.dump"
        args, env = _pg_env(connection.settings_dict)
        done = subprocess.run(  # noqa: S603 (the PostgreSQL client, with our own arguments)
            [tool, "-Fc", "-f", str(target), *args, connection.settings_dict["NAME"]],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return target
    raise BackupError(f"no backup for a {connection.vendor} database")


def backups_prune(directory: Path, keep: int) -> list[Path]:
    """Keeps the ``keep`` newest backups in ``directory`` (by their time-stamped names) and removes the others;
    returns what it removed. Only ansinh's own backup files are touched."""
    found = sorted(
        [p for p in directory.glob("ansinh-*") if p.suffix in (".sqlite3", ".dump") and p.is_file()],
        key=lambda p: p.name,
        reverse=True,
    )
    removed = found[max(keep, 1) :]
    for path in removed:
        path.unlink()
    return removed


def backup_sqlite_to(target: Path) -> Path:
    """A SQLite database copied whole to ``target`` (a field kit's second drive): written beside it, then renamed
    over it, so the file there is always a complete copy — the last one, or the one before."""
    target.parent.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    if connection.vendor != "sqlite":
        raise BackupError("a rolling copy is made of a SQLite database only")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    with closing(sqlite3.connect(partial)) as copy:
        connection.connection.backup(copy)
    os.replace(partial, target)
    return target


def restore(source: Path, *, into: str | Path) -> None:
    """Restores a backup into an empty database: a SQLite file that does not exist yet, or a PostgreSQL database
    (by name, on the configured server) that has no tables. Never over data."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if source.suffix == ".sqlite3":
        target = Path(into)
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"{target} exists: restore into a new file, then point ANSINH_VAR_DIR at it")
        with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
            original.backup(copy)
        return
    if source.suffix == ".dump":
        tool = shutil.which("pg_restore")
        if tool is None:
            raise BackupError("pg_restore is not installed: install the PostgreSQL client")
        args, env = _pg_env(connection.settings_dict)
        done = subprocess.run(  # noqa: S603
            [tool, "--no-owner", "--exit-on-error", "-d", str(into), *args, str(source)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        return
    raise BackupError(f"{source.name} is not an ansinh backup (.sqlite3 or .dump)")
