"""Property-based tests of the formulas: sums, monotonicity, bounds, integers, batch == single."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.rules import batch, cards, hi, vsi
from ansinh.rules._util import add_months
from ansinh.rules.errors import RuleError
from ansinh.rules.params import PARAMETERS_DIR, default, load_dir
from ansinh.rules.rounding import round_vnd

DATES = st.dates(min_value=date(2015, 1, 1), max_value=date(2028, 12, 31))
VSI_DATES = st.dates(min_value=date(2016, 1, 1), max_value=date(2028, 12, 31))
PERIODS = st.sampled_from([3, 6, 12])


def _groups_on(on: date) -> list[str]:
    return [hi.HOUSEHOLD, *hi.subsidised_groups(on=on)]


@st.composite
def households(draw: st.DrawFn) -> tuple[date, list[str], int]:
    on = draw(DATES)
    groups = draw(st.lists(st.sampled_from(_groups_on(on)), min_size=1, max_size=9))
    return on, groups, draw(PERIODS)


@given(households())
def test_hi_totals_are_sums_of_parts_and_amounts_are_ints(case: tuple[date, list[str], int]) -> None:
    on, groups, months = case
    q = hi.quote(on, groups, months)
    assert q.total_payable == sum(m.payable for m in q.members)
    for m in q.members:
        for x in (m.monthly_premium, m.premium, m.state_support, m.provincial_support, m.support, m.payable):
            assert type(x) is int and x >= 0
        assert m.premium == m.monthly_premium * months
        assert m.support == m.state_support + m.provincial_support
        assert m.support <= m.premium
        assert m.payable == m.premium - m.support
    data = q.to_json()
    assert data["total_payable"] == sum(m["payable"] for m in data["members"])


@given(DATES, st.integers(1, 12), PERIODS)
def test_a_bigger_household_never_pays_less(on: date, n: int, months: int) -> None:
    assert (
        hi.quote_household(on, n + 1, months).total_payable >= hi.quote_household(on, n, months).total_payable
    )


@given(DATES, st.integers(1, 8))
def test_household_ranks_are_1_to_n(on: date, n: int) -> None:
    assert [m.rank for m in hi.quote_household(on, n).members] == list(range(1, n + 1))


@given(
    VSI_DATES,
    st.integers(0, 60_000_000),
    st.lists(st.sampled_from(vsi.GROUPS), min_size=1, max_size=3),
    st.sampled_from([1, 3, 6, 12]),
    st.integers(0, 130),
)
def test_vsi_support_never_exceeds_contribution(
    on: date, income: int, groups: list[str], months: int, so_far: int
) -> None:
    try:
        q = vsi.quote(on, income, groups, months, supported_months_so_far=so_far)
    except RuleError as e:
        assert e.code in ("vsi.income_below_floor", "vsi.income_above_ceiling")
        return
    assert 0 <= q.monthly_support <= q.monthly_contribution
    assert q.total_payable == q.total_contribution - q.total_support
    assert q.total_support == q.monthly_support * q.supported_months
    assert q.supported_months <= max(0, 120 - so_far)
    for x in (q.monthly_contribution, q.monthly_support, q.monthly_payable, q.total_payable):
        assert type(x) is int


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_round_vnd_is_half_away_from_zero(num: int, den: int) -> None:
    r = round_vnd(num, den)
    exact = Fraction(num, den)
    assert abs(exact - r) <= Fraction(1, 2)
    if abs(exact - r) == Fraction(1, 2):
        assert abs(r) > abs(exact)


def _with_topups(tmp: Path) -> object:
    shutil.copytree(PARAMETERS_DIR, tmp, dirs_exist_ok=True)
    (tmp / "provinces" / "hi_topup.yaml").write_text(
        "unit: rate\nlast_checked: 2026-11-24\nparameters:\n  '01':\n    values:\n      2019-01-01:\n"
        "        value: {near_poor: 30%, household: 10%, student: 33.3%, agricultural_average: 95%}\n"
        "        reference: {title: example resolution}\n",
        encoding="utf-8",
    )
    (tmp / "provinces" / "vsi_topup.yaml").write_text(
        "unit: rate\nlast_checked: 2026-11-24\nparameters:\n  '01':\n    values:\n      2019-01-01:\n"
        "        value: {poor: 10%, other: 15%}\n        reference: {title: example resolution}\n",
        encoding="utf-8",
    )
    return load_dir(tmp)


_TOPUP_PARAMS: dict[str, object] = {}


def _topup_params() -> object:
    if "p" not in _TOPUP_PARAMS:
        import tempfile

        _TOPUP_PARAMS["p"] = _with_topups(Path(tempfile.mkdtemp()) / "parameters")
    return _TOPUP_PARAMS["p"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_batch_hi_equals_single_quotes(data: st.DataObject) -> None:
    params = data.draw(st.sampled_from([default(), _topup_params()]))
    on = data.draw(DATES)
    groups = hi.all_groups(params)
    in_force = [hi.HOUSEHOLD, *hi.subsidised_groups(params, on)]
    n_households = data.draw(st.integers(1, 6))
    rows = []
    for h in range(n_households):
        members = data.draw(st.lists(st.sampled_from(in_force), min_size=1, max_size=7))
        rows += [(h, g) for g in members]
    months = data.draw(PERIODS)
    province = data.draw(st.sampled_from([None, "01", "79"]))
    hh = np.array([r[0] for r in rows])
    gidx = np.array([groups.index(r[1]) for r in rows])
    ranks = batch.household_ranks(hh, gidx == 0)
    out = batch.hi_household(on, gidx, ranks, months, province, groups, params)
    i = 0
    for h in range(n_households):
        members = [g for (hh_, g) in rows if hh_ == h]
        q = hi.quote(on, members, months, province, params)
        for m in q.members:
            assert out["payable"][i] == m.payable
            assert out["support"][i] == m.support
            assert out["state_support"][i] == m.state_support
            assert out["provincial_support"][i] == m.provincial_support
            assert out["monthly_premium"][i] == m.monthly_premium
            assert (ranks[i] or None) == m.rank
            i += 1
    # One period for everyone takes a table look-up path; a period per row computes row by row: same answers.
    per_row = batch.hi_household(on, gidx, ranks, np.full(len(gidx), months), province, groups, params)
    for key, values in out.items():
        assert per_row[key].tolist() == values.tolist(), key


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_batch_vsi_equals_single_quotes(data: st.DataObject) -> None:
    params = data.draw(st.sampled_from([default(), _topup_params()]))
    on = data.draw(VSI_DATES)
    floor = params.get("poverty_line_rural", on).value
    base = params.get("base_salary", on).value
    n = data.draw(st.integers(1, 20))
    incomes = data.draw(st.lists(st.integers(floor, 20 * base), min_size=n, max_size=n))
    gidx = data.draw(st.lists(st.integers(0, len(vsi.GROUPS) - 1), min_size=n, max_size=n))
    months = data.draw(st.lists(st.sampled_from([1, 3, 6, 12]), min_size=n, max_size=n))
    so_far = data.draw(st.lists(st.integers(0, 125), min_size=n, max_size=n))
    province = data.draw(st.sampled_from([None, "01"]))
    out = batch.vsi(
        on, np.array(incomes), np.array(gidx), np.array(months), np.array(so_far), province, params
    )
    for i in range(n):
        q = vsi.quote(
            on,
            incomes[i],
            [vsi.GROUPS[gidx[i]]],
            months[i],
            supported_months_so_far=so_far[i],
            province=province,
            params=params,
        )
        assert out["monthly_contribution"][i] == q.monthly_contribution
        assert out["monthly_support"][i] == q.monthly_support
        assert out["supported_months"][i] == q.supported_months
        assert out["total_payable"][i] == q.total_payable


def test_provincial_top_up_is_added_and_capped(tmp_path: Path) -> None:
    p = _with_topups(tmp_path / "parameters")
    q = hi.quote(date(2024, 7, 1), ["near_poor", "agricultural_average", "household"], 12, "01", p)
    near, agri, hh = q.members
    assert near.state_support == 884520 and near.provincial_support == 379080 and near.payable == 0
    assert agri.provincial_support == agri.premium - agri.state_support and agri.payable == 0
    assert hh.provincial_support == 126360 and hh.payable == 1137240
    assert any(r["parameter"] == "provinces.hi_topup.01" for r in q.to_json()["references"])
    v = vsi.quote(date(2025, 7, 1), 1500000, ["poor"], province="01", params=p)
    assert v.state_monthly_support == 165000 and v.provincial_monthly_support == 33000
    assert hi.quote(date(2024, 7, 1), ["near_poor"], 12, "79", p).members[0].payable == 379080


@settings(max_examples=300, deadline=None)
@given(
    paid_on=st.dates(min_value=date(2015, 1, 1), max_value=date(2028, 12, 31)),
    months=st.integers(min_value=-5, max_value=40),
    born_days=st.one_of(st.none(), st.integers(min_value=0, max_value=8 * 366)),
    prev_offset=st.one_of(st.none(), st.integers(min_value=-400, max_value=3000)),
)
def test_a_card_span_never_overlaps_a_valid_one_and_is_bought_for_an_allowed_period(
    paid_on: date, months: int, born_days: int | None, prev_offset: int | None
) -> None:
    born = paid_on - timedelta(days=born_days) if born_days is not None else None
    prev = paid_on + timedelta(days=prev_offset) if prev_offset is not None else None
    try:
        c = cards.card_validity(paid_on, months, previous_valid_to=prev, born=born)
    except RuleError as e:
        if months not in (3, 6, 12):
            assert e.code == "hi.period_not_allowed"
        else:
            assert e.code == "card.already_covered" and born is not None and prev is not None
            assert e.limit == prev.isoformat()
        return
    assert months in (3, 6, 12)
    assert c.valid_from <= c.valid_to
    if prev is not None and prev >= paid_on:
        assert c.valid_from == prev + timedelta(days=1)
    if c.rule == "child_under_6":
        assert born is not None
        turns = add_months(born, 72)
        assert c.valid_to == max(turns, date(turns.year, 9, 30))
