"""``ansinh field …``: the laptop's commands (ADR 0027). Each works on the kit folder given by ``--dir``: its
SQLite database, its keys and its backups live there, apart from any office database on the same machine."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ansinh.core.commandline import emit, fail
from ansinh.core.commandline import setup_django as _setup


def _kit_setup(directory: str) -> Path:
    path = Path(directory).resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["ANSINH_VAR_DIR"] = str(path)
    os.environ.pop("ANSINH_DATABASE_URL", None)  # a kit's database is its own SQLite file in the folder
    os.environ.pop("ANSINH_KEYS_DIR", None)
    os.environ["ANSINH_FIELD_KIT"] = "1"
    _setup()
    return path


def _status_text(data: dict) -> None:
    click.echo(f"pending operations: {data['pending']}")
    click.echo(f"last sync: {data['last_sync'] or '-'}")
    click.echo(f"receipt numbers left: {data['receipts_left']}")
    click.echo(f"signing key valid to: {data['key_valid_to']}")


def _checkout_text(data: dict) -> None:
    click.echo(f"kit {data['kit']} ({data['name']}): {data['pulled']} rows")
    _status_text(data)


@click.group("field", help="The field kit: a laptop that works offline, then syncs with the office.")
def field() -> None:
    pass


@field.command("checkout", help="Make a folder this laptop's kit, with the office's one-time check-out code.")
@click.option("--server", required=True, help="The office's address, https://…")
@click.option("--token", required=True, help="The check-out code the office gave for this kit.")
@click.option("--dir", "directory", required=True, help="The kit's folder (its database, keys and backups).")
@click.option("--backup-dir", default="", help="A second drive (a USB stick): a copy after every operation.")
@click.option("--json", "as_json", is_flag=True)
def checkout(server: str, token: str, directory: str, backup_dir: str, as_json: bool) -> None:
    _kit_setup(directory)
    from django.core.management import call_command

    from ansinh.core.errors import ApplicationError

    from . import client

    call_command("migrate", verbosity=0, interactive=False)
    try:
        data = client.checkout(server=server, token=token, backup_dir=backup_dir)
    except ApplicationError as exc:
        fail(exc)
    emit(data, as_json, _checkout_text)


@field.command("sync", help="Send the kit's journal to the office, then take the office's rows.")
@click.option("--dir", "directory", required=True)
@click.option("--json", "as_json", is_flag=True)
def sync(directory: str, as_json: bool) -> None:
    _kit_setup(directory)
    from ansinh.core.errors import ApplicationError

    from . import client

    try:
        data = client.sync()
    except ApplicationError as exc:
        fail(exc)
    emit(data, as_json, lambda d: click.echo(", ".join(f"{k}: {v}" for k, v in d.items())))


@field.command(
    "status", help="What the kit holds: operations not yet sent, receipt numbers left, key validity."
)
@click.option("--dir", "directory", required=True)
@click.option("--json", "as_json", is_flag=True)
def status(directory: str, as_json: bool) -> None:
    _kit_setup(directory)
    from ansinh.core.errors import ApplicationError

    from . import client

    try:
        data = client.status()
    except ApplicationError as exc:
        fail(exc)
    emit(data, as_json, _status_text)


@field.command(
    "checkin", help="The kit is back: a last sync, then its unused receipt numbers are given back."
)
@click.option("--dir", "directory", required=True)
@click.option("--json", "as_json", is_flag=True)
def checkin(directory: str, as_json: bool) -> None:
    _kit_setup(directory)
    from ansinh.core.errors import ApplicationError

    from . import client

    try:
        data = client.checkin()
    except ApplicationError as exc:
        fail(exc)
    emit(data, as_json, lambda d: click.echo(", ".join(f"{k}: {v}" for k, v in d.items())))


@field.command("serve", help="Serve the kit's desk on this laptop (and, with --lan, to phones on its Wi-Fi).")
@click.option("--dir", "directory", required=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--lan", is_flag=True)
@click.option(
    "--backup-dir", default=None, help="A second drive (a USB stick): a copy after every operation."
)
@click.pass_context
def serve(ctx: click.Context, directory: str, port: int, lan: bool, backup_dir: str | None) -> None:
    _kit_setup(directory)
    from django.core.management import call_command

    from ansinh.core.errors import ApplicationError

    from . import client

    call_command("migrate", verbosity=0, interactive=False)
    if backup_dir is not None:
        try:
            client.backup_dir_set(str(Path(backup_dir).resolve()) if backup_dir else "")
        except ApplicationError as exc:
            fail(exc)
    root = ctx.find_root().command
    ctx.invoke(root.commands["serve"], port=port, host="127.0.0.1", threads=4, lan=lan)  # type: ignore[attr-defined]


@field.command(
    "export", help="Write the operations not yet sent to a signed file (for a laptop with no network)."
)
@click.option("--dir", "directory", required=True)
@click.option("--out", required=True, help="The file to write (on a USB stick).")
@click.option("--json", "as_json", is_flag=True)
def export(directory: str, out: str, as_json: bool) -> None:
    _kit_setup(directory)
    from ansinh.core.errors import ApplicationError

    from . import client

    try:
        data = client.export(Path(out).resolve())
    except ApplicationError as exc:
        fail(exc)
    emit(
        data, as_json, lambda d: click.echo(f"{d['ops']} operations of kit {d['kit']} written to {d['file']}")
    )


@field.command("import", help="Take a kit's exported journal to the office (a manager's API token).")
@click.argument("file")
@click.option("--server", required=True, help="The office's address, https://…")
@click.option("--token", required=True, help="A manager's API token at the office.")
@click.option("--json", "as_json", is_flag=True)
def import_(file: str, server: str, token: str, as_json: bool) -> None:
    _setup()
    from ansinh.core.errors import ApplicationError

    from . import client

    try:
        data = client.send_export(path=Path(file), server=server, token=token)
    except ApplicationError as exc:
        fail(exc)
    data.pop("results", None)
    emit(data, as_json, lambda d: click.echo(", ".join(f"{k}: {v}" for k, v in d.items())))


def register(cli_group: click.Group) -> None:
    cli_group.add_command(field)
