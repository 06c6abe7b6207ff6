"""Command-line doors onto the rules (no Django): ``quote hi``, ``quote vsi``, ``card-validity``, ``pension``.

`register(group)` adds them to a click group; the project's ``ansinh`` command calls it. Bad input prints
``error [code]: message`` (the rule and the limit) on stderr and exits with code 2.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from . import cards, hi, pension, vsi
from .errors import ParameterError, RuleError

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _d(x: datetime | None) -> date | None:
    return x.date() if x is not None else None


def _emit(result: Any, as_json: bool, human: Callable[[dict[str, Any]], str]) -> None:
    data = result.to_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(human(data))


def _run(fn: Callable[[], Any], as_json: bool, human: Callable[[dict[str, Any]], str]) -> None:
    try:
        result = fn()
    except RuleError as e:
        click.echo(f"error [{e.code}]: {e.message}", err=True)
        if as_json:
            click.echo(json.dumps({"error": e.to_json()}, ensure_ascii=False), err=True)
        sys.exit(2)
    except ParameterError as e:
        click.echo(f"error [parameters]: {e}", err=True)
        sys.exit(2)
    _emit(result, as_json, human)


def _vnd(x: int) -> str:
    return f"{x:,}".replace(",", ".") + " ₫"


def _refs(data: dict[str, Any]) -> str:
    lines = []
    for r in data.get("references", []):
        flag = "  (UNCONFIRMED)" if r.get("unconfirmed") else ""
        lines.append(f"  - {r['parameter']} since {r['since']}: {r['title']}{flag}")
    return "\n".join(lines)


def _hi_human(d: dict[str, Any]) -> str:
    out = [f"HI quote on {d['on']}, {d['months']} months, base salary {_vnd(d['base_salary'])}"]
    for m in d["members"]:
        who = f"person {m['rank']}" if m["rank"] else m["group"]
        out.append(
            f"  {who}: {_vnd(m['monthly_premium'])}/month, premium {_vnd(m['premium'])}, "
            f"support {_vnd(m['support'])}, payable {_vnd(m['payable'])}"
        )
    out.append(f"total payable: {_vnd(d['total_payable'])}")
    out.append("references:\n" + _refs(d))
    return "\n".join(out)


def _vsi_human(d: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"Voluntary SI on {d['on']}: income {_vnd(d['income'])}, group {d['group']}, "
            f"{d['mode']} {d['months']} months",
            f"  contribution {_vnd(d['monthly_contribution'])}/month, "
            f"support {_vnd(d['monthly_support'])}/month ({d['supported_months']} months), "
            f"payable {_vnd(d['monthly_payable'])}/month",
            f"total payable: {_vnd(d['total_payable'])}",
            *(f"  assumption: {a}" for a in d["assumptions"]),
            "references:\n" + _refs(d),
        ]
    )


def _card_human(d: dict[str, Any]) -> str:
    return f"valid from {d['valid_from']} to {d['valid_to']} ({d['rule']})"


def _pension_human(d: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"ESTIMATE under the {d['law']} law: {d['contribution_months']} months contributed, "
            f"minimum {d['min_years']} years {'met' if d['eligible'] else 'NOT met'}",
            f"  rate {d['rate']} x average income {_vnd(d['average_income'])} = "
            f"{_vnd(d['monthly_pension'])}/month",
            f"  lump-sum alternative: {_vnd(d['lump_sum_alternative'])}"
            f"{'' if d['lump_sum_allowed'] else ' (not allowed while the pension is)'}",
            *(f"  assumption: {a}" for a in d["assumptions"]),
            "references:\n" + _refs(d),
        ]
    )


def _hi_groups_help() -> str:
    try:
        groups = hi.all_groups()
    except ParameterError:  # pragma: no cover - broken parameters are reported when a command runs
        groups = [hi.HOUSEHOLD]
    return ", ".join(groups)


@click.group("quote")
def quote() -> None:
    """Quote health insurance (hi) or voluntary social insurance (vsi) for a date."""


@quote.command(
    "hi",
    help=(
        "Quote household or subsidised health insurance paid on --on.\n\n"
        "--members N quotes N household-scheme members (persons 1, 2, 3, 4 pay 100/70/60/50 %, "
        "persons 5+ 40 % of 4.5 % of the base salary). --group GROUP quotes one member of a group; "
        "group codes: "
        + _hi_groups_help()
        + ". Not every group exists on every date (atk_commune and ethnic_minority_left_list "
        "from 2023-12-03, Decree 75/2023; trafficking_victim, grassroots_security, village_health_worker, "
        "part_time_village_worker, artisan from 2025-08-15, Decree 188/2025).\n\n"
        "JSON: on, months, base_salary, members[rank, monthly_premium, support, payable, ...], "
        "total_payable, references. support and payable are for the whole period."
    ),
)
@click.option("--on", "on", type=DATE, required=True, help="Payment date (YYYY-MM-DD).")
@click.option("--members", type=int, default=None, help="Number of household-scheme members.")
@click.option("--months", type=int, default=12, show_default=True, help="Period: 3, 6 or 12 months.")
@click.option("--province", default=None, help="Province code (2 digits) for provincial top-ups.")
@click.option("--group", default=None, help="One member of this group (see the codes above).")
@click.option(
    "--mix",
    default=None,
    help="A mixed household by counts, in order: household:2,student:1,poor:1 (at most 50 people).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def quote_hi(
    on: datetime,
    members: int | None,
    months: int,
    province: str | None,
    group: str | None,
    mix: str | None,
    as_json: bool,
) -> None:
    if group is not None and members not in (None, 1):
        raise click.UsageError("--group quotes one member; do not combine it with --members N")
    if mix is not None and (group is not None or members is not None):
        raise click.UsageError("--mix gives every member; do not combine it with --members or --group")
    day = _d(on)
    assert day is not None
    if mix is not None:
        counts = []
        for part in (x.strip() for x in mix.split(",") if x.strip()):
            name, _sep, n = part.partition(":")
            if n.strip() and not n.strip().lstrip("-").isdigit():
                raise click.BadParameter(f"{part!r} is not GROUP:COUNT", param_hint="--mix")
            counts.append((name.strip(), int(n) if n.strip() else 1))
        _run(lambda: hi.quote_mixed(day, counts, months, province), as_json, _hi_human)
    elif group is not None:
        _run(lambda: hi.quote_group(day, group, months, province), as_json, _hi_human)
    else:
        _run(
            lambda: hi.quote_household(day, members if members is not None else 1, months, province),
            as_json,
            _hi_human,
        )


@quote.command(
    "vsi",
    help=(
        "Quote voluntary social insurance paid on --on for a monthly --income between the rural "
        "poverty line and 20 x the base salary.\n\nGroups (repeat --group; the highest support applies): "
        + ", ".join(vsi.GROUPS)
        + ". Modes: --months 1, 3, 6 or 12; --advance-years N (1-5, discounted); "
        "--back-months N (compounded).\n\nJSON: monthly_contribution, monthly_support, monthly_payable, "
        "months, total_payable, references."
    ),
)
@click.option("--on", "on", type=DATE, required=True, help="Payment date (YYYY-MM-DD).")
@click.option("--income", type=int, required=True, help="Chosen monthly income, VND.")
@click.option("--months", type=int, default=1, show_default=True, help="Mode: 1, 3, 6 or 12 months.")
@click.option("--advance-years", type=int, default=None, help="Pay N years in advance (discounted).")
@click.option("--back-months", type=int, default=None, help="Back-pay N missed months (compounded).")
@click.option(
    "--group",
    "groups",
    multiple=True,
    default=("other",),
    show_default=True,
    help="poor, near_poor, ethnic_minority, island or other (repeatable).",
)
@click.option(
    "--supported-months-so-far",
    type=int,
    default=0,
    show_default=True,
    help="Months of state support already received (limit 120).",
)
@click.option("--province", default=None, help="Province code (2 digits) for provincial top-ups.")
@click.option(
    "--missing-years",
    is_flag=True,
    help="Quote the one-time payment for the missing years (needs --sex, --born, --paid-months).",
)
@click.option("--sex", type=click.Choice(["m", "f"]), default=None, help="For --missing-years.")
@click.option("--born", type=DATE, default=None, help="Birth date, for --missing-years.")
@click.option("--paid-months", type=int, default=None, help="Months already paid, for --missing-years.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def quote_vsi(
    on: datetime,
    income: int,
    months: int,
    advance_years: int | None,
    back_months: int | None,
    groups: tuple[str, ...],
    supported_months_so_far: int,
    province: str | None,
    missing_years: bool,
    sex: str | None,
    born: datetime | None,
    paid_months: int | None,
    as_json: bool,
) -> None:
    day = _d(on)
    assert day is not None
    if missing_years:
        born_d = _d(born)
        if sex is None or born_d is None or paid_months is None:
            raise click.UsageError("--missing-years needs --sex, --born and --paid-months")
        _run(
            lambda: vsi.quote_missing_years(day, income, sex, born_d, paid_months, list(groups), province),
            as_json,
            _vsi_human,
        )
        return
    _run(
        lambda: vsi.quote(
            day, income, list(groups), months, advance_years, back_months, supported_months_so_far, province
        ),
        as_json,
        _vsi_human,
    )


@click.command(
    "card-validity",
    help=(
        "Validity of a household HI card paid on --paid-on for --months months. Rules: first_time_30_days, "
        "gap_30_days (gap of 3 months or more), continuous_renewal, renewal_within_gap, child_under_6 "
        "(with --born: to the day the child reaches 72 months, at least to 30 September of that year). "
        "--months: 3, 6 or 12. A child already covered beyond that day is refused.\n\n"
        "JSON: valid_from, valid_to, rule."
    ),
)
@click.option("--paid-on", type=DATE, required=True, help="Payment date (YYYY-MM-DD).")
@click.option("--months", type=int, required=True, help="Months paid.")
@click.option("--previous-valid-to", type=DATE, default=None, help="Last day of the previous card.")
@click.option("--born", type=DATE, default=None, help="Birth date (children under 6).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def card_validity(
    paid_on: datetime, months: int, previous_valid_to: datetime | None, born: datetime | None, as_json: bool
) -> None:
    day = _d(paid_on)
    assert day is not None
    _run(lambda: cards.card_validity(day, months, _d(previous_valid_to), _d(born)), as_json, _card_human)


def _read_history(path: Path) -> list[pension.ContributionYear]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return [pension.ContributionYear(int(r["year"]), int(r["months"]), int(r["income"])) for r in rows]
    except (KeyError, ValueError, TypeError) as e:
        raise click.BadParameter(
            f"history CSV needs columns year,months,income with whole numbers ({e})", param_hint="--history"
        ) from None


@click.command(
    "pension",
    help=(
        "Estimate a voluntary-SI pension (always an estimate). Either --years Y [--extra-months M] "
        "--average-income A, or --history FILE.csv (columns year,months,income). "
        "--law 2014|2024 forces the law; with --born the retirement date and law are computed.\n\n"
        "JSON: eligible, rate, monthly_pension, references, and law, retirement_date, lump_sum_alternative, "
        "assumptions, ..."
    ),
)
@click.option("--law", type=click.Choice(["2014", "2024"]), default=None, help="Law 58/2014 or Law 41/2024.")
@click.option("--sex", type=click.Choice(["m", "f"]), required=True)
@click.option("--years", type=int, default=None, help="Whole years of contributions.")
@click.option("--extra-months", type=int, default=0, show_default=True, help="Months beyond the whole years.")
@click.option("--average-income", type=int, default=None, help="Average monthly income (revalued), VND.")
@click.option("--born", type=DATE, default=None, help="Birth date (YYYY-MM-DD).")
@click.option(
    "--history",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV with columns year,months,income.",
)
@click.option("--on", "on", type=DATE, default=None, help="Date of the estimate (default today).")
@click.option(
    "--support-received",
    type=int,
    default=0,
    show_default=True,
    help="State support received, deducted from the lump sum.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def pension_cmd(
    law: str | None,
    sex: str,
    years: int | None,
    extra_months: int,
    average_income: int | None,
    born: datetime | None,
    history: Path | None,
    on: datetime | None,
    support_received: int,
    as_json: bool,
) -> None:
    hist = _read_history(history) if history is not None else None
    _run(
        lambda: pension.estimate(
            sex,
            born=_d(born),
            history=hist,
            years=years,
            months=extra_months,
            average_income=average_income,
            law=law,
            on=_d(on),
            support_received=support_received,
        ),
        as_json,
        _pension_human,
    )


def register(cli_group: click.Group) -> None:
    """Add ``quote`` (hi, vsi), ``card-validity`` and ``pension`` to ``cli_group``."""
    cli_group.add_command(quote)
    cli_group.add_command(card_validity)
    cli_group.add_command(pension_cmd)


@click.group()
def main() -> None:
    """ansinh rules (standalone entry point, for use without the Django project)."""


register(main)

if __name__ == "__main__":  # pragma: no cover
    main()
