"""`ansinh rules simulate`: household HI over a small hand-built registry — the totals are the sums of the
single-case quotes, and a reform moves them by exactly what it says."""

import datetime as dt
import json

import click
import pytest
from click.testing import CliRunner

from ansinh.core.access import SystemActor
from ansinh.registry.commands import register
from ansinh.registry.services import household_add_member
from ansinh.registry.simulation import TOTAL_KEYS, simulation_population, simulation_run
from ansinh.rules import hi
from ansinh.rules.params import load_reform
from factories import make_household, make_person, make_user

ON = dt.date(2025, 1, 1)
NEAR_POOR_TOPUP = (
    "parameters:\n"
    "  provinces.hi_topup.15:\n"
    "    unit: rate\n"
    "    values:\n"
    "      2025-01-01:\n"
    "        value: {near_poor: 20%}\n"
    "        reference: {title: 'Reform under study: the province adds 20 % for near-poor'}\n"
)


@pytest.fixture
def registry(communes):
    """Two households and two people on their own in Lào Cai (15), and one person in Hà Nội."""
    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    where = {"area_code": communes["a"].code}
    head = make_person(agent, **where, birth_date="1980-05-01")
    family = make_household(agent, head=head)
    for relation, extra in (
        ("spouse", {"poverty": "near_poor", "poverty_year": 2024, "birth_date": "1982-02-02"}),
        ("child", {"birth_date": "2021-06-15"}),  # under 6 on 2025-01-01
        ("child", {"is_student": True, "birth_date": "2006-09-09"}),
    ):
        household_add_member(
            actor=agent, household=family, person=make_person(agent, **where, **extra), relation=relation
        )
    poor_head = make_person(agent, **where, poverty="poor", poverty_year=2024, birth_date="1970-01-01")
    poor_family = make_household(agent, head=poor_head)
    household_add_member(
        actor=agent,
        household=poor_family,
        relation="parent",
        person=make_person(agent, **where, birth_date="1945-01-01"),
    )
    make_person(agent, **where, birth_date="1990-03-03")
    make_person(agent, **where, agricultural_household=True, birth_date="1975-07-07")
    admin = make_user(role="administrator", areas=["01"])
    make_person(admin, area_code=communes["other"].code, birth_date="1990-01-01")
    # the groups each household should be quoted with, in household order, as a desk officer would enter them
    return [
        ["household", "near_poor", "child_under_6", "student"],
        ["poor", "household"],
        ["household"],
        ["agricultural_average"],
    ]


def _sum_of_quotes(households, params=None):
    quotes = [hi.quote(ON, groups, 12, "15", params).to_json() for groups in households]
    totals = dict.fromkeys(TOTAL_KEYS, 0)
    for q in quotes:
        for m in q["members"]:
            for key in TOTAL_KEYS:
                totals[key] += m[key]
    return totals


def test_the_people_of_a_province_are_read_in_household_order(registry):
    population = simulation_population(user=SystemActor(), on=ON, province_code="15")
    assert len(population.residents) == 8
    assert {r.province_code for r in population.residents} == {"15"}


def test_baseline_totals_equal_the_sum_of_single_case_quotes(registry):
    result = simulation_run(user=SystemActor(), on=ON, province_code="15")
    assert result["persons"] == 8 and result["reform"] is None and result["difference"] is None
    assert result["baseline"] == _sum_of_quotes(registry)
    assert result["baseline"]["payable"] == (
        result["baseline"]["premium"]
        - result["baseline"]["state_support"]
        - result["baseline"]["provincial_support"]
    )


def test_a_provincial_top_up_for_near_poor_reduces_payable_by_exactly_its_share(registry, tmp_path):
    reform_file = tmp_path / "reform.yaml"
    reform_file.write_text(NEAR_POOR_TOPUP, encoding="utf-8")
    result = simulation_run(user=SystemActor(), on=ON, province_code="15", reform=load_reform(reform_file))
    # one near-poor person: 12 x 105,300 = 1,263,600 premium; the state pays 70 %, the province now 20 %
    assert result["difference"] == {
        "premium": 0,
        "state_support": 0,
        "provincial_support": 252_720,
        "payable": -252_720,
    }
    assert result["reform"]["payable"] == result["baseline"]["payable"] - 252_720


def test_the_command_prints_the_contract_json_and_refuses_a_broken_reform(registry, tmp_path):
    group = click.Group("ansinh")
    register(group)
    reform_file = tmp_path / "reform.yaml"
    reform_file.write_text(NEAR_POOR_TOPUP, encoding="utf-8")
    args = ["rules", "simulate", "--province", "15", "--on", "2025-01-01", "--json"]
    out = CliRunner().invoke(group, [*args, "--reform", str(reform_file)])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert {"on", "province", "persons", "baseline", "reform", "difference"} <= set(body)
    assert set(body["baseline"]) == set(body["reform"]) == set(body["difference"]) == set(TOTAL_KEYS)
    assert body["baseline"] == _sum_of_quotes(registry)

    broken = tmp_path / "broken.yaml"
    broken.write_text("parameters:\n  x:\n    values:\n      2025-13-01: {value: 1}\n", encoding="utf-8")
    refused = CliRunner().invoke(group, [*args, "--reform", str(broken)])
    assert refused.exit_code == 2 and "broken.yaml" in refused.output
