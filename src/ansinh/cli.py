"""The ``ansinh`` command. Each sub-command is a thin door onto services and selectors; where it prints
data, ``--json`` prints machine-readable JSON instead. Bad input exits with code 2 and a clear message.

An app's commands live in its ``commands.py`` as ``register(group)``, imported and called at the end of this
file; they take what commands share from ``ansinh.core.commandline``, never from here (ADR 0020)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ansinh.cards.commands import register as register_card_commands
from ansinh.core.commandline import Progress as _Progress
from ansinh.core.commandline import emit as _emit
from ansinh.core.commandline import fail as _fail
from ansinh.core.commandline import setup_django as _setup
from ansinh.field.commands import register as register_field_commands
from ansinh.imports.commands import register as register_import_commands
from ansinh.outreach.commands import register as register_outreach_commands
from ansinh.registry.commands import register as register_registry_commands
from ansinh.reports.commands import register as register_report_commands
from ansinh.rules.cli import register as register_rule_commands


@click.group(help="ansinh — enrollment, campaigns and coverage for social insurance offices.")
def cli() -> None:
    pass


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses on its networks (not the loopback): what a phone or tablet on the same Wi-Fi
    types to reach ansinh served with ``--lan``."""
    import socket

    found: set[str] = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    except OSError:
        pass
    try:  # the address of the route out (no packet is sent by a UDP connect)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            found.add(probe.getsockname()[0])
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("127."))


@cli.command(help="Serve ansinh (waitress, static files included).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option(
    "--lan",
    is_flag=True,
    help="Also serve phones and tablets on this machine's network (binds every address and allows them).",
)
def serve(port: int, host: str, threads: int, lan: bool) -> None:
    import os

    addresses = lan_addresses() if lan else []
    if lan:
        host = "0.0.0.0"  # noqa: S104 (asked for: the devices on the same Wi-Fi reach it)
        allowed = os.environ.get("ANSINH_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
        os.environ["ANSINH_ALLOWED_HOSTS"] = ",".join(dict.fromkeys([*allowed, *addresses]))
    _setup()
    from django.conf import settings
    from waitress import create_server

    # before the application loads: whitenoise looks for the folder then (and serves from the finders too)
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    from ansinh.config.wsgi import application

    server = create_server(application, host=host, port=port, threads=threads)
    bound = server.effective_port  # type: ignore[union-attr]
    # the address actually bound (with --port 0, the port the system chose): scripts and tests wait for this line
    click.echo(f"ansinh: http://{'127.0.0.1' if lan else host}:{bound}/")
    for address in addresses:
        click.echo(f"ansinh on the network: http://{address}:{bound}/")
    sys.stdout.flush()
    server.run()


@cli.command(
    help="Back the database up into one file: the database (SQLite online backup, or pg_dump), the card-signing "
    "public keys and a manifest of every table's rows and checksum."
)
@click.option(
    "--to", "to", default=None, help="The backup file (.tar); default var/backups/ansinh-<time>.tar."
)
@click.option("--out", "out", default=None, help="Or the folder it goes into, named by the time.")
@click.option("--json", "as_json", is_flag=True)
def backup(to: str | None, out: str | None, as_json: bool) -> None:
    _setup()
    from django.conf import settings

    from ansinh.cards.signing import keys_dir
    from ansinh.core.backup import BackupError, backup_summary
    from ansinh.core.backup import backup as make_backup

    try:
        path = make_backup(
            Path(out) if out else Path(settings.VAR_DIR) / "backups",
            to=Path(to) if to else None,
            keys=keys_dir(),
        )
    except BackupError as e:
        _fail(e)
    result = backup_summary(path)
    from django.utils.translation import gettext as _

    _emit(
        result,
        as_json,
        lambda d: click.echo(
            _("%(file)s (%(tables)s tables, %(rows)s rows)")
            % {"file": d["backup"], "tables": d["tables"], "rows": d["rows"]}
        ),
    )


@cli.command(
    help="Restore a backup into an empty database (by default the one ansinh is set up with: a new SQLite file, or "
    "an empty PostgreSQL database), then compare every table with the backup's manifest."
)
@click.argument("source")
@click.option(
    "--into", default=None, help="Another new SQLite file, or the name of another empty PostgreSQL database."
)
@click.option("--json", "as_json", is_flag=True)
def restore(source: str, into: str | None, as_json: bool) -> None:
    _setup()
    from ansinh.cards.signing import keys_dir
    from ansinh.core.backup import BackupError
    from ansinh.core.backup import restore as restore_backup

    try:
        report = restore_backup(Path(source), into=into, keys=keys_dir())
    except BackupError as e:
        _fail(e)
    from django.utils.translation import gettext as _

    said = {"file": source, "tables": report["tables"], "rows": report["rows"]}
    _emit(
        {"restored": source, **report},
        as_json,
        lambda d: click.echo(
            _("Restored %(file)s: %(tables)s tables, %(rows)s rows, each the same as in the backup.") % said
            if d["checked"]
            else _("Restored %(file)s: %(tables)s tables, %(rows)s rows (an earlier backup: not checked).")
            % said
        ),
    )


@cli.command(
    help="Check the installation (Django's system checks); --deploy adds the checks of a production server. "
    "Exits non-zero on any warning."
)
@click.option("--deploy", is_flag=True, help="Also the deployment checks (HTTPS, cookies, HSTS, secret).")
def check(deploy: bool) -> None:
    _setup()
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=deploy, fail_level="WARNING")
    except SystemCheckError as e:
        click.echo(str(e), err=True)
        sys.exit(1)


@cli.command(help="Create or update the database schema, then load the official areas if they are missing.")
@click.option("--no-areas", is_flag=True, help="Do not load the official areas.")
def migrate(no_areas: bool) -> None:
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    click.echo("schema up to date")
    if not no_areas:
        from ansinh.areas.models import Area

        if not Area.objects.exists():
            _load_areas()


def _load_areas() -> dict:
    from ansinh.areas.services import areas_load_official

    bar = _Progress(3321 + 10051 + 696 + 63 + 34 + 10051, "loading official areas")
    try:
        result = areas_load_official(progress=bar)
    finally:
        bar.close()
    return result


@cli.group(invoke_without_command=True, help="The administrative areas: a summary, or load them.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def areas(ctx: click.Context, as_json: bool) -> None:
    if ctx.invoked_subcommand:
        return
    _setup()
    from ansinh.areas.selectors import area_counts

    def text(c: dict) -> None:
        cur, leg = c["current"], c["legacy"]
        click.echo(
            f"current: {cur['provinces']} provinces, {cur['communes']} communes, {cur['villages']} villages"
        )
        click.echo(
            f"legacy (before 2025-07-01): {leg['provinces']} provinces, {leg['districts']} districts, "
            f"{leg['communes']} communes"
        )

    _emit(area_counts(), as_json, text)


@areas.command("load", help="Load or refresh the official areas and the old→new mapping.")
def areas_load() -> None:
    _setup()
    result = _load_areas()
    click.echo(f"loaded; {result['succession_links']} old→new links")


DEMO_PASSWORD = "ansinh-demo"


@cli.command(help="Create a demo province: villages, households and persons (synthetic, deterministic).")
@click.option("--province", default="15", show_default=True, help="Current province code (15 = Lào Cai).")
@click.option("--persons", default=50_000, show_default=True, type=int)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--replace", is_flag=True, help="Delete this province's earlier demo data first.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the province already has people.")
@click.option(
    "--admin", is_flag=True, help=f"Also create demo users 'admin' and 'agent' (password {DEMO_PASSWORD})."
)
@click.option(
    "--history/--no-history",
    default=True,
    show_default=True,
    help="Also record a realistic enrollment history through the desk services.",
)
@click.option("--json", "as_json", is_flag=True)
def demo(
    province: str,
    persons: int,
    seed: int,
    replace: bool,
    if_empty: bool,
    admin: bool,
    history: bool,
    as_json: bool,
) -> None:
    _setup()
    from ansinh.core.errors import ApplicationError
    from ansinh.demo.campaign import MAX_UNITS, demo_campaign, demo_campaign_delete
    from ansinh.demo.history import demo_history, demo_history_delete
    from ansinh.demo.outreach import MAX_DOORS, ROUNDS, demo_outreach, demo_outreach_delete
    from ansinh.demo.population import demo_generate
    from ansinh.registry.models import Person

    result: dict = {}
    code = province.zfill(2)
    if not (if_empty and Person.objects.filter(province_code=code).exists()):
        bar = _Progress(persons, f"demo province {province}")
        try:
            if replace:
                demo_outreach_delete(province_code=code)
                demo_campaign_delete(province_code=code)  # first: its outcomes keep the demo people
                demo_history_delete(province_code=code)
            result = demo_generate(
                province_code=code, persons=persons, seed=seed, progress=bar, replace=replace
            )
        except ApplicationError as e:
            bar.close()
            _fail(e)
            return
        bar.close()
        if history:
            bar = _Progress(result["persons"], "enrollment history (through the desk services)")
            result.update(demo_history(province_code=code, seed=seed, progress=bar))
            bar.close()
            bar = _Progress(MAX_UNITS + 2, "May campaign (through the desk services)")
            campaign = demo_campaign(province_code=code, seed=seed, progress=bar)
            result.update({f"campaign_{k}": v for k, v in campaign.items()})
            bar.close()
            bar = _Progress(MAX_DOORS * len(ROUNDS), "door-to-door rounds (through the outreach services)")
            doors = demo_outreach(province_code=code, seed=seed, progress=bar)
            result.update({f"outreach_{k}": v for k, v in doors.items()})
            bar.close()
    if admin:
        result["users"] = _demo_users(province.zfill(2))
    _emit(result, as_json, _print_demo)


def _demo_users(province: str) -> list[str]:
    from ansinh.areas.models import Area, Level
    from ansinh.core.models import User
    from ansinh.core.services import user_create

    created = []
    commune = Area.objects.filter(level=Level.COMMUNE, province_code=province).order_by("code").first()
    for username, role, codes in (
        ("admin", "administrator", [province]),
        ("agent", "collection_agent", [commune.code] if commune else [province]),
    ):
        if not User.objects.filter(username=username).exists():
            user_create(actor=None, username=username, role=role, area_codes=codes, password=DEMO_PASSWORD)
            created.append(username)
    # Both work at the demo's event desk in that commune, so the desk is ready to use.
    from ansinh.core.access import SystemActor
    from ansinh.payments.models import CollectionPoint
    from ansinh.payments.services import point_assign_agent

    desk = CollectionPoint.objects.filter(area=commune, code__startswith="DEMO-").order_by("code").first()
    if desk is not None:
        for user in User.objects.filter(username__in=["admin", "agent"]).exclude(collection_points=desk):
            point_assign_agent(actor=SystemActor(), point=desk, agent=user)
    return created


def _print_demo(result: dict) -> None:
    counts = {k: v for k, v in result.items() if k != "users"}
    if counts:
        click.echo(", ".join(f"{k}: {v:,}" for k, v in counts.items()))
    if "users" in result:
        click.echo(f"sign in as admin / {DEMO_PASSWORD} (province) or agent / {DEMO_PASSWORD} (one commune)")


@cli.group(help="Health facilities where people register for primary care.")
def facilities() -> None:
    pass


@facilities.command(
    "load", help="Load the office's list of facilities: a CSV with code,name,level,area_code."
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def facilities_load_command(path: str, as_json: bool) -> None:
    _setup()
    import csv

    from ansinh.areas.services import facilities_load
    from ansinh.core.access import SystemActor

    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            result = facilities_load(actor=SystemActor(), rows=list(csv.DictReader(f)))
    except (UnicodeDecodeError, csv.Error) as e:
        raise click.ClickException(f"{path}: not a UTF-8 CSV file ({e})") from None

    def show(r: dict) -> None:
        click.echo(f"created {r['created']}, updated {r['updated']}, unchanged {r['unchanged']}")
        for row in r["rejected"]:
            click.echo(f"line {row['line']}: {row['message']}")

    _emit(result, as_json, show)


@cli.command(help="Create a user who works in the given areas (no prompt needed).")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["administrator", "manager", "communication_officer", "collection_agent", "viewer"]),
)
@click.option("--area", "areas_", multiple=True, required=True, help="Area code (repeat for several).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--json", "as_json", is_flag=True)
def createuser(
    username: str, role: str, areas_: tuple[str, ...], password_stdin: bool, as_json: bool
) -> None:
    _setup()
    from ansinh.core.errors import ApplicationError
    from ansinh.core.services import user_create

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        user = user_create(
            actor=None, username=username, role=role, area_codes=list(areas_), password=password
        )
    except ApplicationError as e:
        _fail(e)
        return
    data = {"id": user.pk, "username": user.username, "role": user.role, "areas": list(areas_)}
    _emit(
        data,
        as_json,
        lambda d: click.echo(f"created {d['username']} ({d['role']}) in {', '.join(d['areas'])}"),
    )


@cli.group(help="Personal API tokens.")
def token() -> None:
    pass


@token.command("create", help="Print a new API token for USERNAME (shown once).")
@click.argument("username")
@click.option("--name", default="")
def token_create_cmd(username: str, name: str) -> None:
    _setup()
    from ansinh.core.models import User
    from ansinh.core.services import token_create

    user = User.objects.filter(username=username).first()
    if user is None:
        _fail(click.ClickException(f"no user {username}"))
        return
    _tok, raw = token_create(actor=None, user=user, name=name)
    click.echo(raw)


@token.command("revoke", help="Revoke a token by its prefix (the first 12 characters).")
@click.argument("prefix")
def token_revoke_cmd(prefix: str) -> None:
    _setup()
    from ansinh.core.models import ApiToken
    from ansinh.core.services import token_revoke

    tokens = list(ApiToken.objects.filter(prefix=prefix[:12], revoked_at__isnull=True))
    if not tokens:
        _fail(click.ClickException(f"no active token starting {prefix}"))
        return
    for t in tokens:
        token_revoke(actor=None, token=t)
    click.echo(f"revoked {len(tokens)}")


@cli.group(help="The people registry.")
def person() -> None:
    pass


@person.command(
    "find", help="Find people by name (with or without diacritics), personal ID, SI number or phone."
)
@click.argument("text", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def person_find(text: tuple[str, ...], limit: int, as_json: bool) -> None:
    _setup()
    from ansinh.core.access import SystemActor
    from ansinh.registry.api import person_json
    from ansinh.registry.selectors import person_search

    actor = SystemActor()
    people = person_search(user=actor, text=" ".join(text), limit=limit)
    rows = [person_json(p, actor) for p in people]

    def show(rows: list[dict]) -> None:
        for r in rows:
            click.echo(
                f"{r['id']:>8}  {r['full_name']:<32} {r['birth_date']:<10} {r['sex']}  "
                f"{r['personal_id'] or '-':<12}  {r['area_code']}"
            )
        if not rows:
            click.echo("no one found")

    _emit(rows, as_json, show)


@person.command("eligibility", help="Which schemes the law lets person ID join on a date.")
@click.argument("person_id", type=int)
@click.option("--on", "on", default=None, help="Date (YYYY-MM-DD); default today.")
@click.option("--json", "as_json", is_flag=True)
def person_eligibility(person_id: int, on: str | None, as_json: bool) -> None:
    _setup()
    import datetime as dt

    from ansinh.core.access import SystemActor
    from ansinh.core.dates import today
    from ansinh.core.errors import ApplicationError
    from ansinh.core.rule_errors import application_error
    from ansinh.enrollment.selectors import eligibility_json
    from ansinh.rules.errors import RuleError

    try:
        day = dt.date.fromisoformat(on) if on else today()
    except ValueError:
        raise click.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)", param_hint="--on") from None
    try:
        result = eligibility_json(user=SystemActor(), person_id=person_id, on=day)
    except RuleError as e:
        _fail(application_error(e))
    except ApplicationError as e:
        _fail(e)

    def show(r: dict) -> None:
        for scheme, d in r["schemes"].items():
            extra = f"  groups: {', '.join(d['groups'])}" if d.get("groups") else ""
            click.echo(f"{scheme:<13} {'yes' if d['allowed'] else 'no ':<4} {d['message'] or ''}{extra}")

    _emit(result, as_json, show)


register_rule_commands(cli)  # quote hi / quote vsi / card-validity / pension (pure rules, no database)
register_registry_commands(cli)  # rules simulate (over the registry)
register_card_commands(cli)  # keys init, card verify
register_report_commands(cli)  # coverage
register_outreach_commands(cli)  # remind, worker
register_import_commands(cli)  # import persons, import template
register_field_commands(cli)  # field checkout, serve, sync, status


def main() -> None:
    cli(prog_name="ansinh")


if __name__ == "__main__":
    main()
