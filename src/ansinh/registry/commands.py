"""``ansinh rules simulate``: the rules over the registry (needs the database, so it lives here and not in the
pure ``ansinh.rules.cli``). `register(cli_group)` adds the ``rules`` group to the ``ansinh`` command."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from ansinh.core.commandline import setup_django
from ansinh.core.money import format_vnd

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _print(result: dict) -> None:
    click.echo(
        f"household HI, {result['months']} months, on {result['on']}, province {result['province'] or 'all'}: "
        f"{result['persons']:,} persons"
    )
    columns = [
        ("baseline", result["baseline"]),
        ("reform", result["reform"]),
        ("difference", result["difference"]),
    ]
    shown = [(name, data) for name, data in columns if data is not None]
    click.echo(f"{'':<20}" + "".join(f"{name:>22}" for name, _ in shown))
    for key in ("premium", "state_support", "provincial_support", "payable"):
        click.echo(f"{key:<20}" + "".join(f"{format_vnd(data[key]):>22}" for _, data in shown))


@click.group("rules", help="The rules over the registry.")
def rules() -> None:
    pass


@rules.command(
    "simulate",
    help=(
        "Household health insurance over the registry's people: premiums, state support, provincial support "
        "and payable totals under the law, and beside them under a reform (--reform FILE.yaml, dated parameters "
        "laid over the law, e.g. a provincial top-up for near-poor households).\n\n"
        "JSON: on, province, months, persons, baseline{premium, state_support, provincial_support, payable}, "
        "reform{...}|null, difference{...}|null."
    ),
)
@click.option("--province", default=None, help="Current province code (2 digits); default: every province.")
@click.option("--on", "on", type=DATE, default=None, help="Date of the quote (YYYY-MM-DD); default today.")
@click.option(
    "--reform",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A reform file (parameters: {name: {unit, values}}), see src/ansinh/rules/README.md.",
)
@click.option(
    "--months", type=int, default=12, show_default=True, help="Period quoted for everyone: 3, 6 or 12."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def simulate(
    province: str | None, on: datetime | None, reform: Path | None, months: int, as_json: bool
) -> None:
    setup_django()
    from ansinh.core.access import SystemActor
    from ansinh.core.dates import today
    from ansinh.rules.errors import ParameterError, RuleError
    from ansinh.rules.params import load_reform

    from .simulation import simulation_run

    day: date = on.date() if on is not None else today()
    try:
        changes = load_reform(reform) if reform is not None else None
        result = simulation_run(
            user=SystemActor(),
            on=day,
            province_code=province.zfill(2) if province else None,
            reform=changes,
            months=months,
        )
    except RuleError as e:
        click.echo(f"error [{e.code}]: {e.message}", err=True)
        sys.exit(2)
    except ParameterError as e:
        click.echo(f"error [reform]: {e}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print(result)


def register(cli_group: click.Group) -> None:
    """Add ``rules simulate`` to ``cli_group`` (the ``ansinh`` command)."""
    cli_group.add_command(rules)
