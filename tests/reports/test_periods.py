"""The periods a manager reports on and the period before each (ansinh.reports.periods)."""

import datetime as dt

import pytest

from ansinh.reports.periods import Period, period_of

D = dt.date


@pytest.mark.parametrize(
    ("kind", "on", "period", "before"),
    [
        ("day", D(2026, 3, 1), (D(2026, 3, 1), D(2026, 3, 1)), (D(2026, 2, 28), D(2026, 2, 28))),
        ("month", D(2026, 3, 17), (D(2026, 3, 1), D(2026, 3, 31)), (D(2026, 2, 1), D(2026, 2, 28))),
        ("month", D(2024, 3, 31), (D(2024, 3, 1), D(2024, 3, 31)), (D(2024, 2, 1), D(2024, 2, 29))),
        ("month", D(2026, 1, 9), (D(2026, 1, 1), D(2026, 1, 31)), (D(2025, 12, 1), D(2025, 12, 31))),
        ("quarter", D(2026, 2, 14), (D(2026, 1, 1), D(2026, 3, 31)), (D(2025, 10, 1), D(2025, 12, 31))),
        ("quarter", D(2026, 9, 30), (D(2026, 7, 1), D(2026, 9, 30)), (D(2026, 4, 1), D(2026, 6, 30))),
        ("year", D(2026, 7, 1), (D(2026, 1, 1), D(2026, 12, 31)), (D(2025, 1, 1), D(2025, 12, 31))),
        ("nonsense", D(2026, 7, 1), (D(2026, 7, 1), D(2026, 7, 1)), (D(2026, 6, 30), D(2026, 6, 30))),
    ],
)
def test_a_period_and_the_one_before(kind, on, period, before):
    p = period_of(kind, on)
    assert (p.start, p.end) == period
    assert (p.before().start, p.before().end) == before
    assert p.before().kind == p.kind


def test_a_campaigns_dates_are_compared_with_as_many_days_before_it_began():
    p = period_of("campaign", D(2026, 5, 20), starts_on=D(2026, 5, 1), ends_on=D(2026, 5, 31))
    assert (p.start, p.end, p.days) == (D(2026, 5, 1), D(2026, 5, 31), 31)
    assert (p.before().start, p.before().end, p.before().days) == (D(2026, 3, 31), D(2026, 4, 30), 31)
    # without its dates a campaign period is the day asked for
    assert period_of("campaign", D(2026, 5, 20)) == Period("day", D(2026, 5, 20), D(2026, 5, 20))


def test_a_running_period_is_read_on_today():
    p = period_of("month", D(2026, 5, 10))
    assert p.last_known_day(D(2026, 5, 12)) == D(2026, 5, 12)
    assert p.last_known_day(D(2026, 7, 1)) == D(2026, 5, 31)
