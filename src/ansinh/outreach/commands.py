"""``ansinh remind`` and ``ansinh worker``. ``register(cli_group)`` adds both to ``ansinh``."""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
import threading

import click

from ansinh.core.commandline import setup_django as _setup


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.command(
    "remind",
    help="Write today's reminders (cards expiring within 30 days, voluntary-SI payments "
    "falling due) to the outbox. Nobody is reminded twice for the same due date.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--on", "on", default=None, help="The day to run for (YYYY-MM-DD); today by default.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def remind(dry_run: bool, on: str | None, as_json: bool) -> None:
    _setup()
    from ansinh.core.dates import today

    from .reminders import reminders_run

    try:
        day = dt.date.fromisoformat(on) if on else today()
    except ValueError:
        _fail(f"not a date: {on} (use YYYY-MM-DD) [on]")
    if abs((day - today()).days) > 366:
        _fail("choose a date within a year of today [on]")
    result = reminders_run(on=day, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return
    verb = "would write" if dry_run else "wrote"
    skipped = result["skipped"] or "none"
    click.echo(
        f"{result['on']}: {verb} {result['written']} reminder(s); "
        f"{result['already_in_outbox']} already in the outbox; skipped {skipped}"
    )
    for m in result["messages"]:
        click.echo(f"  {m['kind']:9} {m['due_date']}  {m['recipient']}  {m['body']}")


@click.command(
    "worker",
    help="Run scheduled work: the daily reminder job (from ANSINH_REMIND_HOUR, 7 by default) "
    "and the outbox sender (every --interval seconds).",
)
@click.option(
    "--once",
    is_flag=True,
    help="One pass (the reminder job if not yet run today, then the outbox); for cron.",
)
@click.option("--interval", default=60, show_default=True, type=click.IntRange(1, 3600))
@click.option(
    "--adapter",
    default=None,
    help="file, console, smtp or http (default: ANSINH_OUTBOX_ADAPTER, "
    "else http if ANSINH_SMS_GATEWAY_URL is set, smtp if ANSINH_SMTP_HOST is "
    "set, else file).",
)
def worker(once: bool, interval: int, adapter: str | None) -> None:
    _setup()
    from .adapters import adapter_from_settings
    from .worker import run_due_jobs, run_forever

    try:
        chosen = adapter_from_settings(adapter)
    except ValueError as e:
        _fail(str(e))
    if once:
        click.echo(
            json.dumps(run_due_jobs(adapter=chosen, respect_hour=False), ensure_ascii=False, default=str)
        )
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_a: stop.set())
    click.echo(f"ansinh worker: adapter {chosen.name}, every {interval} s (Ctrl+C to stop)")
    run_forever(
        stop=stop,
        interval=interval,
        adapter=chosen,
        on_pass=lambda r: click.echo(json.dumps(r, ensure_ascii=False, default=str)),
    )


def register(cli_group) -> None:
    cli_group.add_command(remind)
    cli_group.add_command(worker)
