"""`ansinh coverage`: coverage of an area on a date, from the same definitions as the pages and the API."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from ansinh.core.commandline import setup_django


def register(cli: click.Group) -> None:
    @cli.command(help="Health-insurance and voluntary-SI coverage of an area, by commune or village.")
    @click.option("--area", "area_code", required=True, help="Area code: 15, 02647, legacy:10 ...")
    @click.option("--on", "on", default=None, help="Date (YYYY-MM-DD); default today.")
    @click.option("--level", type=click.Choice(["commune", "village"]), default="commune", show_default=True)
    @click.option("--json", "as_json", is_flag=True)
    def coverage(area_code: str, on: str | None, level: str, as_json: bool) -> None:
        setup_django()
        from ansinh.core.access import SystemActor
        from ansinh.core.errors import ApplicationError

        from .coverage import coverage as compute

        try:
            day = dt.date.fromisoformat(on) if on else None
            result = compute(user=SystemActor(), area_code=area_code, on=day, level=level)
        except ValueError:
            click.echo("error: --on is a date YYYY-MM-DD [on]", err=True)
            sys.exit(2)
        except ApplicationError as e:
            click.echo(f"error: {e.message} [{e.field}]", err=True)
            sys.exit(2)
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False, indent=2))
            return
        total = result["total"]
        rate = f"{total['rate']:.1%}" if total["rate"] is not None else "-"
        click.echo(
            f"{result['area']['name']} on {result['on']}: {total['insured']:,}/{total['population']:,} "
            f"insured ({rate}); voluntary SI {total['voluntary_si']:,}; cash pensioners "
            f"{total['cash_pensioners']:,}"
        )
        for row in result["rows"]:
            r = f"{row['rate']:.1%}" if row["rate"] is not None else "-"
            click.echo(
                f"  {row['code'] or '-':<12} {row['name']:<32} {row['insured']:>7,}/{row['population']:<7,} "
                f"{r:>6}  gap {row['gap_to_target']:,}"
            )
