"""Runs the YAML scenarios in tests/rules/scenarios/: each case has a sentence for a name, a rule, a date,
an input and the expected output (a subset of the result's JSON) or the expected error code."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansinh.rules import cards, hi, pension, vsi
from ansinh.rules.errors import RuleError
from ansinh.rules.params import default

SCENARIOS = Path(__file__).with_name("scenarios")


def _iso(x: Any) -> Any:
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, dict):
        return {k: _iso(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_iso(v) for v in x]
    return x


def _run(rule: str, on: str | None, inp: dict[str, Any]) -> dict[str, Any]:
    if rule == "hi.household":
        return hi.quote_household(on, inp["members"], inp.get("months", 12), inp.get("province")).to_json()
    if rule == "hi.group":
        return hi.quote_group(on, inp["group"], inp.get("months", 12), inp.get("province")).to_json()
    if rule == "hi.quote":
        return hi.quote(on, inp["groups"], inp.get("months", 12), inp.get("province")).to_json()
    if rule == "vsi.quote":
        return vsi.quote(
            on,
            inp["income"],
            inp.get("groups", ["other"]),
            inp.get("months", 1),
            inp.get("advance_years"),
            inp.get("back_months"),
            inp.get("supported_months_so_far", 0),
            inp.get("province"),
        ).to_json()
    if rule == "hi.mixed":
        return hi.quote_mixed(
            on, [tuple(x) for x in inp["counts"]], inp.get("months", 12), inp.get("province")
        ).to_json()
    if rule == "hi.group_membership":
        return hi.group_membership(inp["group"], inp["since"], on).to_json()
    if rule == "vsi.missing_years":
        return vsi.quote_missing_years(
            on,
            inp["income"],
            inp["sex"],
            inp["born"],
            inp["paid_months"],
            inp.get("groups", ["other"]),
            inp.get("province"),
        ).to_json()
    if rule == "card.validity":
        return cards.card_validity(
            inp["paid_on"], inp["months"], inp.get("previous_valid_to"), inp.get("born")
        ).to_json()
    if rule == "pension.retirement_date":
        d, _ = pension.retirement_date(inp["sex"], inp["born"], on)
        return {"retirement_date": d.isoformat()}
    if rule == "pension.estimate":
        hist = [pension.ContributionYear(**h) for h in inp["history"]] if "history" in inp else None
        return pension.estimate(
            inp["sex"],
            born=inp.get("born"),
            history=hist,
            years=inp.get("years"),
            months=inp.get("months", 0),
            average_income=inp.get("average_income"),
            law=inp.get("law"),
            on=on,
            support_received=inp.get("support_received", 0),
        ).to_json()
    if rule == "parameter":
        v = default().get(inp["name"], date.fromisoformat(on))
        val = v.value
        return {
            "value": str(val) if not isinstance(val, int | str | list | dict) else val,
            "unconfirmed": v.unconfirmed,
            "since": v.since.isoformat(),
        }
    raise AssertionError(f"unknown rule {rule}")


def _match(expected: Any, actual: Any, path: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected a mapping, got {actual!r}"
        for k, v in expected.items():
            assert k in actual, f"{path}.{k}: missing in {sorted(actual)}"
            _match(v, actual[k], f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (
            f"{path}: {actual!r} != {expected!r}"
        )
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _match(e, a, f"{path}[{i}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def _cases() -> list[Any]:
    out = []
    for f in sorted(SCENARIOS.glob("*.yaml")):
        for case in yaml.safe_load(f.read_text(encoding="utf-8")):
            out.append(pytest.param(case, id=f"{f.stem}: {case['name']}"))
    return out


@pytest.mark.parametrize("case", _cases())
def test_scenario(case: dict[str, Any]) -> None:
    case = _iso(case)
    on = case.get("on", case.get(True))  # YAML 1.1 reads a bare `on:` key as True
    inp = case.get("input", {})
    if "error" in case:
        with pytest.raises(RuleError) as exc:
            _run(case["rule"], on, inp)
        assert exc.value.code == case["error"], exc.value
        return
    _match(case["output"], _run(case["rule"], on, inp))


def test_every_scenario_file_has_cases() -> None:
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert files
    for f in files:
        cases = yaml.safe_load(f.read_text(encoding="utf-8"))
        names = [c["name"] for c in cases]
        assert len(names) == len(set(names)), f"duplicate scenario names in {f.name}"
