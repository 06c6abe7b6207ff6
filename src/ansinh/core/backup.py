"""A backup that can be restored and proven whole (issue 12; docs/operations.md "Backups").

``backup`` writes one file, ``ansinh-<time>.tar``, holding:

- ``database.sqlite3`` — SQLite copied through its online backup API while ansinh keeps working (a consistent
  copy, never a half-written file) — or ``database.dump``, PostgreSQL's ``pg_dump`` in its custom format;
- ``keys/`` — the card-signing **public** keys (the current one and the kept older ones), so that cards printed
  before still verify on a restored server. The private key is not in a backup: it is kept apart (its custody is in
  docs/operations.md);
- ``manifest.json`` — when, which database, the database file's SHA-256, and for **every table** its row count and a
  SHA-256 of its rows in primary-key order, taken from the same snapshot as the copy (on PostgreSQL, ``pg_dump``
  runs in the snapshot that the manifest was read in: ``pg_export_snapshot``).

``restore`` refuses a file whose database does not match its checksum, restores into an empty database only (never
over data), then reads every table of what it restored and compares it with the manifest: a restore that reports
success is the backup, table by table.

The field kit's rolling second copy (``backup_sqlite_to``) is a plain SQLite file, replaced whole each time."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
SUFFIXES = (".tar", ".sqlite3", ".dump")  # .sqlite3 and .dump: the bare copies of earlier versions


class BackupError(Exception):
    """A backup or a restore that cannot be made, in words for the operator (in the office's language)."""


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- every table's rows, read the same way at backup and at restore ------------------------------------------


def _canonical(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _tables(cursor, vendor: str) -> list[tuple[str, list[str]]]:
    """Every table with its primary-key columns (empty: none)."""
    found = []
    if vendor == "sqlite":
        names = [
            r[0]
            for r in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ).fetchall()
        ]
        for name in names:
            columns = cursor.execute(f"PRAGMA table_info({_quoted(name)})").fetchall()
            found.append((name, [c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5]]))
        return found
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    for (name,) in cursor.fetchall():
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary"
            " ORDER BY array_position(i.indkey, a.attnum)",
            [_quoted(name)],
        )
        found.append((name, [r[0] for r in cursor.fetchall()]))
    return found


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def table_digests(db, vendor: str) -> dict[str, dict[str, Any]]:
    """``{table: {"rows": n, "sha256": …}}`` for every table of a DB-API connection (sqlite3 or psycopg), rows read
    in primary-key order (every column where a table has no key)."""
    result = {}
    cursor = db.cursor()
    for name, key in _tables(cursor, vendor):
        if key:
            order = ", ".join(_quoted(c) for c in key)
        else:
            cursor.execute(f"SELECT * FROM {_quoted(name)} LIMIT 0")  # noqa: S608 (a name from the catalog)
            order = ", ".join(str(i + 1) for i in range(len(cursor.description)))
        cursor.execute(f"SELECT * FROM {_quoted(name)} ORDER BY {order}")  # noqa: S608 (names from the catalog)
        digest, rows = hashlib.sha256(), 0
        while batch := cursor.fetchmany(5000):
            for row in batch:
                digest.update(repr(tuple(_canonical(v) for v in row)).encode())
                rows += 1
        result[name] = {"rows": rows, "sha256": digest.hexdigest()}
    return result


# --- PostgreSQL ------------------------------------------------------------------------------------------------


def _pg_args(settings_db: dict) -> tuple[list[str], dict[str, str]]:
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


def _pg_connect(settings_db: dict, name: str, **options):
    import psycopg

    db = psycopg.connect(
        host=settings_db.get("HOST") or None,
        port=settings_db.get("PORT") or None,
        user=settings_db.get("USER") or None,
        password=settings_db.get("PASSWORD") or None,
        dbname=name,
        **options,
    )
    db.execute("SET TIME ZONE 'UTC'")
    return db


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _("%(tool)s is not installed: install the PostgreSQL client (postgresql-client).")
            % {"tool": name}
        )
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(_("%(what)s failed: %(error)s") % {"what": what, "error": done.stderr.strip()})


# --- backup ------------------------------------------------------------------------------------------------------


def _database_copy(folder: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    """The database copied into ``folder``, with the digests of the copy's own snapshot."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = folder / "database.sqlite3"
        with closing(sqlite3.connect(target)) as copy:
            connection.connection.backup(copy)
            return target, table_digests(copy, "sqlite")
    if connection.vendor == "postgresql":
        settings_db = connection.settings_dict
        tool = _tool("pg_dump")
        target = folder / "database.dump"
        args, env = _pg_args(settings_db)
        with closing(_pg_connect(settings_db, settings_db["NAME"])) as db:
            db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            row = db.execute("SELECT pg_export_snapshot()").fetchone()
            snapshot = row[0] if row else ""
            _run(
                [tool, "-Fc", f"--snapshot={snapshot}", "-f", str(target), *args, settings_db["NAME"]],
                env,
                "pg_dump",
            )
            digests = table_digests(db, "postgresql")
            db.rollback()
        return target, digests
    raise BackupError(_("No backup for a %(vendor)s database.") % {"vendor": connection.vendor})


def backup(directory: Path | None = None, *, to: Path | None = None, keys: Path | None = None) -> Path:
    """Writes a backup (``to``, or ``ansinh-<time>.tar`` in ``directory``) with the public keys of ``keys``; the file
    appears whole or not at all (written beside, then renamed)."""
    if to is None:
        if directory is None:
            raise BackupError(_("Say where the backup goes."))
        to = directory / f"ansinh-{_stamp()}.tar"
    to.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=to.parent, prefix=".ansinh-backup-") as work:
        folder = Path(work)
        database, digests = _database_copy(folder)
        public = sorted(keys.glob("*.pub")) if keys is not None and keys.is_dir() else []
        manifest = {
            "format": FORMAT,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "vendor": connection.vendor,
            "database": {
                "file": database.name,
                "bytes": database.stat().st_size,
                "sha256": _sha256(database),
            },
            "keys": {p.name: _sha256(p) for p in public},
            "tables": digests,
        }
        partial = folder / "backup.tar"
        with tarfile.open(partial, "w") as archive:
            manifest_path = folder / MANIFEST
            manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
            archive.add(manifest_path, arcname=MANIFEST)
            archive.add(database, arcname=database.name)
            for p in public:
                archive.add(p, arcname=f"keys/{p.name}")
        os.replace(partial, to)
    return to


def backups_prune(directory: Path, keep: int) -> list[Path]:
    """Keeps the ``keep`` newest backups in ``directory`` (by their time-stamped names) and removes the others;
    returns what it removed. Only ansinh's own backup files are touched."""
    found = sorted(
        [p for p in directory.glob("ansinh-*") if p.suffix in SUFFIXES and p.is_file()],
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
        raise BackupError(_("A rolling copy is made of a SQLite database only."))
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    with closing(sqlite3.connect(partial)) as copy:
        connection.connection.backup(copy)
    os.replace(partial, target)
    return target


# --- restore -----------------------------------------------------------------------------------------------------


def _manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    member = archive.extractfile(MANIFEST)
    if member is None:
        raise BackupError(_("%(file)s has no manifest: it is not an ansinh backup.") % {"file": archive.name})
    return json.loads(member.read())


def backup_summary(path: Path) -> dict[str, Any]:
    """What a backup file holds, read from its manifest: ``{"backup", "bytes", "tables", "rows", "keys"}``."""
    with tarfile.open(path) as archive:
        manifest = _manifest(archive)
    return {
        "backup": str(path),
        "bytes": path.stat().st_size,
        "tables": len(manifest["tables"]),
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "keys": sorted(manifest["keys"]),
    }


@contextmanager
def _opened(source: Path) -> Iterator[tuple[dict[str, Any] | None, Path, dict[str, Path]]]:
    """The manifest (None for a bare copy of an earlier version), the database file and the public keys."""
    if source.suffix in (".sqlite3", ".dump"):
        yield None, source, {}
        return
    if source.suffix != ".tar":
        raise BackupError(
            _("%(file)s is not an ansinh backup (.tar, or an earlier .sqlite3 or .dump).")
            % {"file": source.name}
        )
    with tempfile.TemporaryDirectory(prefix="ansinh-restore-") as work, tarfile.open(source) as archive:
        folder = Path(work)
        names = set(archive.getnames())
        if MANIFEST not in names:
            raise BackupError(
                _("%(file)s has no manifest: it is not an ansinh backup.") % {"file": source.name}
            )
        manifest = _manifest(archive)
        database_name = manifest["database"]["file"]
        if database_name not in ("database.sqlite3", "database.dump") or database_name not in names:
            raise BackupError(_("%(file)s does not hold its database.") % {"file": source.name})
        archive.extract(database_name, folder, filter="data")
        database = folder / database_name
        if _sha256(database) != manifest["database"]["sha256"]:
            raise BackupError(
                _("%(file)s is damaged: its database does not match its checksum.") % {"file": source.name}
            )
        keys = {}
        for name, digest in manifest.get("keys", {}).items():
            member = f"keys/{name}"
            if "/" in name or member not in names:
                raise BackupError(
                    _("%(file)s does not hold the key %(key)s.") % {"file": source.name, "key": name}
                )
            archive.extract(member, folder, filter="data")
            if _sha256(folder / member) != digest:
                raise BackupError(
                    _("%(file)s is damaged: the key %(key)s does not match its checksum.")
                    % {"file": source.name, "key": name}
                )
            keys[name] = folder / member
        yield manifest, database, keys


def _compare(manifest: dict[str, Any], restored: dict[str, dict[str, Any]]) -> None:
    expected = manifest["tables"]
    differ = sorted(
        name for name in set(expected) | set(restored) if expected.get(name) != restored.get(name)
    )
    if differ:
        raise BackupError(
            _("The restored database differs from the backup in %(n)s tables: %(tables)s.")
            % {"n": len(differ), "tables": ", ".join(differ)}
        )


def restore(source: Path, *, into: str | Path | None = None, keys: Path | None = None) -> dict[str, Any]:
    """Restores a backup into an empty database — a SQLite file that does not exist yet or is empty, or a PostgreSQL
    database (by name, on the configured server) with no tables; by default the database ansinh is configured with.
    Never over data. Then every table is read back and compared with the manifest; the public keys are put in
    ``keys`` (none is replaced). Returns ``{"tables", "rows", "keys", "checked"}``."""
    if not source.is_file():
        raise BackupError(_("No backup file at %(path)s.") % {"path": source})
    vendor = connection.vendor
    settings_db = connection.settings_dict
    with _opened(source) as (manifest, database, public):
        if manifest is not None and manifest["vendor"] != vendor:
            raise BackupError(
                _("This backup is of a %(theirs)s database; ansinh is set up for %(ours)s.")
                % {"theirs": manifest["vendor"], "ours": vendor}
            )
        if database.suffix == ".sqlite3":
            if vendor != "sqlite" and into is None:
                raise BackupError(_("A SQLite backup restores into a SQLite file: give --into."))
            target = Path(into if into is not None else settings_db["NAME"])
            if target.exists() and target.stat().st_size > 0:
                with closing(sqlite3.connect(target)) as existing:
                    if existing.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[
                        0
                    ]:
                        raise BackupError(
                            _("%(target)s already has data: restore into a new file.") % {"target": target}
                        )
            connection.close()
            with closing(sqlite3.connect(database)) as original, closing(sqlite3.connect(target)) as copy:
                original.backup(copy)
                digests = table_digests(copy, "sqlite")
        else:
            if vendor != "postgresql":
                raise BackupError(_("A PostgreSQL backup restores into PostgreSQL."))
            name = str(into if into is not None else settings_db["NAME"])
            with closing(_pg_connect(settings_db, name)) as db:
                if db.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                ).fetchone()[0]:
                    raise BackupError(
                        _("The database %(name)s already has tables: restore into an empty database.")
                        % {"name": name}
                    )
            args, env = _pg_args(settings_db)
            _run(
                [_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", name, *args, str(database)],
                env,
                "pg_restore",
            )
            with closing(_pg_connect(settings_db, name)) as db:
                db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                digests = table_digests(db, "postgresql")
        if manifest is not None:
            _compare(manifest, digests)
        placed = []
        if keys is not None and public:
            keys.mkdir(parents=True, exist_ok=True)
            for key_name, path in public.items():
                if not (keys / key_name).exists():
                    shutil.copyfile(path, keys / key_name)
                    placed.append(key_name)
    return {
        "tables": len(digests),
        "rows": sum(t["rows"] for t in digests.values()),
        "keys": placed,
        "checked": manifest is not None,
    }
