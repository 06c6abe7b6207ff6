"""A parameter's value on a day, and whether it is in force, from the dates kept once per parameter; a family's
names worked out once per parameter set (the eligibility rule asks both for every person on every day)."""

from datetime import date

import pytest

from ansinh.rules.errors import RuleError
from ansinh.rules.params import DatedValue, Parameter, Parameters

REF = ()


def _param(name: str, *values: tuple[date, object]) -> Parameter:
    return Parameter(name, "vnd", date(2026, 1, 1), tuple(DatedValue(d, v, REF) for d, v in values))


@pytest.mark.parametrize(
    "on, value",
    [
        (date(2018, 12, 31), None),  # before the first value
        (date(2019, 1, 1), 1),  # its first day
        (date(2020, 6, 30), 1),
        (date(2020, 7, 1), 2),
        (date(2023, 12, 31), 2),
        (date(2024, 1, 1), None),  # ended: the value None
        (date(2025, 1, 1), 3),  # in force again
    ],
)
def test_in_force_says_what_at_answers(on, value):
    p = _param(
        "x.y",
        (date(2019, 1, 1), 1),
        (date(2020, 7, 1), 2),
        (date(2024, 1, 1), None),
        (date(2025, 1, 1), 3),
    )
    assert p.in_force(on) is (value is not None)
    if value is None:
        with pytest.raises(RuleError):
            p.at(on)
    else:
        assert p.at(on).value == value


def test_a_family_is_worked_out_once_and_given_as_a_copy():
    params = Parameters(
        {n: _param(n, (date(2019, 1, 1), 1)) for n in ("g.b", "g.a", "g.a.deeper", "other.c")}
    )
    first = params.family("g")
    assert first == ["a", "b"]
    first.append("changed by a caller")
    assert params.family("g") == ["a", "b"]
