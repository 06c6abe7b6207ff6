"""The CLI's JSON keys are a contract; bad input exits 2 with the rule and the limit on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from ansinh.rules.cli import main, register


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_quote_hi_household_json_keys() -> None:
    code, out, _ = _run("quote", "hi", "--on", "2024-07-01", "--members", "5", "--json")
    assert code == 0
    d = json.loads(out)
    assert {"on", "months", "base_salary", "members", "total_payable", "references"} <= set(d)
    assert all({"rank", "monthly_premium", "support", "payable"} <= set(m) for m in d["members"])
    assert [m["payable"] for m in d["members"]] == [1263600, 884520, 758160, 631800, 505440]
    assert d["total_payable"] == sum(m["payable"] for m in d["members"])


def test_quote_hi_group_json_has_one_member() -> None:
    code, out, _ = _run("quote", "hi", "--on", "2025-09-01", "--group", "student", "--months", "12", "--json")
    assert code == 0
    d = json.loads(out)
    assert len(d["members"]) == 1 and d["total_payable"] == 631800


def test_quote_hi_help_documents_the_group_codes() -> None:
    code, out, _ = _run("quote", "hi", "--help")
    assert code == 0
    for g in (
        "poor",
        "near_poor",
        "student",
        "ethnic_minority_listed_commune",
        "atk_commune",
        "agricultural_average",
        "child_under_6",
    ):
        assert g in out


def test_quote_vsi_json_keys() -> None:
    code, out, _ = _run(
        "quote",
        "vsi",
        "--on",
        "2025-07-01",
        "--income",
        "1500000",
        "--group",
        "poor",
        "--months",
        "3",
        "--json",
    )
    assert code == 0
    d = json.loads(out)
    assert {
        "monthly_contribution",
        "monthly_support",
        "monthly_payable",
        "months",
        "total_payable",
        "references",
    } <= set(d)
    assert (d["monthly_contribution"], d["monthly_support"], d["total_payable"]) == (330000, 165000, 495000)


def test_quote_vsi_advance_flags_the_unconfirmed_rate() -> None:
    code, out, _ = _run(
        "quote",
        "vsi",
        "--on",
        "2025-07-01",
        "--income",
        "1500000",
        "--advance-years",
        "2",
        "--supported-months-so-far",
        "10",
        "--json",
    )
    assert code == 0
    d = json.loads(out)
    assert d["months"] == 24
    assert any(r["parameter"] == "vsi.investment_return" and r["unconfirmed"] for r in d["references"])


def test_card_validity_json_keys() -> None:
    code, out, _ = _run(
        "card-validity",
        "--paid-on",
        "2025-07-01",
        "--months",
        "12",
        "--previous-valid-to",
        "2025-03-31",
        "--json",
    )
    assert code == 0
    d = json.loads(out)
    assert {"valid_from", "valid_to", "rule"} <= set(d)
    assert d["rule"] == "gap_30_days"


def test_pension_json_keys() -> None:
    code, out, _ = _run(
        "pension", "--law", "2024", "--sex", "m", "--years", "20", "--average-income", "5000000", "--json"
    )
    assert code == 0
    d = json.loads(out)
    assert {"eligible", "rate", "monthly_pension", "references"} <= set(d)
    assert (d["eligible"], d["rate"], d["monthly_pension"]) == (True, "45%", 2250000)


def test_pension_with_history_file(tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("year,months,income\n2010,12,2000000\n2024,12,2000000\n", encoding="utf-8")
    code, out, _ = _run(
        "pension", "--sex", "f", "--born", "1980-05-10", "--history", str(f), "--on", "2026-01-01", "--json"
    )
    assert code == 0
    d = json.loads(out)
    assert d["law"] == "2024" and d["retirement_date"] == "2040-05-31" and d["average_income"] == 2770000


def test_bad_input_exits_2_naming_rule_and_limit() -> None:
    code, _, err = _run("quote", "vsi", "--on", "2025-07-01", "--income", "1000000", "--json")
    assert code == 2 and "vsi.income_below_floor" in err and "1,500,000" in err
    code, _, err = _run("quote", "hi", "--on", "2025-07-01", "--members", "2", "--months", "5")
    assert code == 2 and "hi.period_not_allowed" in err and "3, 6, 12" in err
    code, _, err = _run("quote", "hi", "--on", "2025-07-01", "--group", "martian")
    assert code == 2 and "hi.unknown_group" in err
    code, _, err = _run("quote", "hi", "--on", "2010-01-01", "--members", "1")
    assert code == 2 and "parameter.not_in_force" in err
    code, _, _ = _run("quote", "hi", "--on", "not-a-date", "--members", "1")
    assert code == 2


def test_register_adds_the_commands_to_a_group() -> None:
    @click.group()
    def cli() -> None:
        pass

    register(cli)
    assert {"quote", "card-validity", "pension"} <= set(cli.commands)
    r = CliRunner().invoke(cli, ["quote", "hi", "--on", "2024-07-01", "--members", "1", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["total_payable"] == 1263600


def test_quote_hi_mix_is_the_mixed_household_by_counts() -> None:
    code, out, _ = _run("quote", "hi", "--on", "2015-06-01", "--mix", "household:2,near_poor:1", "--json")
    assert code == 0
    d = json.loads(out)
    assert [m["rank"] for m in d["members"]] == [1, 2, None]
    assert d["total_payable"] == 621000 + 434700 + 186300


def test_quote_hi_mix_over_fifty_people_exits_2() -> None:
    code, _, err = _run("quote", "hi", "--on", "2025-06-01", "--mix", "household:51")
    assert code == 2 and "hi.too_many_members" in err


def test_quote_vsi_missing_years_and_its_refusal() -> None:
    base = ["quote", "vsi", "--on", "2025-07-01", "--income", "1500000", "--missing-years", "--sex", "m"]
    code, out, _ = _run(*base, "--born", "1962-10-15", "--paid-months", "130", "--json")
    assert code == 0 and json.loads(out)["months"] == 50
    code, _, err = _run(*base, "--born", "1970-01-01", "--paid-months", "130")
    assert code == 2 and "vsi.missing_years_not_at_retirement_age" in err
    code, _, err = _run(*base, "--paid-months", "130")
    assert code == 2 and "--missing-years needs" in err


def test_card_validity_refuses_a_one_month_card() -> None:
    code, _, err = _run("card-validity", "--paid-on", "2025-01-10", "--months", "1")
    assert code == 2 and "hi.period_not_allowed" in err
