"""Counts, rates and whole numbers written and read the Vietnamese way."""

import pytest

from ansinh.core.numbers import format_int, format_rate, parse_id, parse_whole


def test_counts_and_rates_are_written_the_vietnamese_way():
    assert format_int(1234567) == "1.234.567"
    assert format_rate(0.8856) == "88,6 %" and format_rate(1, 0) == "100 %"


@pytest.mark.parametrize(
    "typed, value",
    [("1.500.000", 1_500_000), ("1,500,000", 1_500_000), (" 1 500 000 ₫ ", 1_500_000), ("2.000.000đ", 2_000_000),
     ("0", 0), ("", None), ("abc", None), ("²", None), ("١٢", None), ("-5", None), ("1" * 16, None)],
)  # fmt: skip
def test_a_whole_number_is_read_as_people_type_it_or_refused(typed, value):
    assert parse_whole(typed) == value


def test_an_id_is_digits_only_and_fits_a_database_integer():
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7
    assert parse_id("1.000") is None and parse_id("abc") is None and parse_id("9" * 19) is None
    assert parse_id(None) is None
