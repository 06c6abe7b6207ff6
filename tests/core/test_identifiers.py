"""Personal ID, SI number and phone validators, with property-based tests."""

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansinh.core.errors import ApplicationError
from ansinh.core.identifiers import (
    CCCD_PROVINCE_CODES,
    normalize_phone,
    parse_personal_id,
    validate_personal_id,
    validate_si_number,
)
from ansinh.core.text import fold

provinces = st.sampled_from(sorted(CCCD_PROVINCE_CODES))
sexes = st.sampled_from(["m", "f"])
years = st.integers(min_value=1900, max_value=2099)
serials = st.integers(min_value=0, max_value=999_999)


def build(province: str, sex: str, year: int, serial: int) -> str:
    digit = (year // 100 - 19) * 2 + (1 if sex == "f" else 0)
    return f"{province}{digit}{year % 100:02d}{serial:06d}"


@given(provinces, sexes, years, serials)
def test_a_well_formed_personal_id_gives_back_its_province_sex_and_year(province, sex, year, serial):
    pid = build(province, sex, year, serial)
    facts = parse_personal_id(pid)
    assert (facts.province_code, facts.sex, facts.birth_year()) == (province, sex, year)
    assert validate_personal_id(pid, sex=sex, birth_year=year) == pid


@given(provinces, sexes, years, serials)
def test_a_personal_id_that_disagrees_with_sex_is_refused_naming_the_field(province, sex, year, serial):
    pid = build(province, sex, year, serial)
    other = "f" if sex == "m" else "m"
    with pytest.raises(ApplicationError) as e:
        validate_personal_id(pid, sex=other, birth_year=year)
    assert e.value.field == "personal_id"


@given(provinces, sexes, years, serials, st.integers(min_value=1, max_value=99))
def test_a_personal_id_that_disagrees_with_the_birth_year_is_refused(province, sex, year, serial, shift):
    pid = build(province, sex, year, serial)
    with pytest.raises(ApplicationError):
        validate_personal_id(pid, sex=sex, birth_year=year + shift)


@given(st.text(max_size=14))
def test_anything_that_is_not_twelve_digits_is_refused(text):
    if len(text) == 12 and text.isascii() and text.isdigit() and text[:3] in CCCD_PROVINCE_CODES:
        return
    with pytest.raises(ApplicationError):
        parse_personal_id(text)


def test_an_unknown_province_prefix_is_refused_with_the_prefix_in_the_message():
    with pytest.raises(ApplicationError) as e:
        parse_personal_id("003197000001")  # 003 is not a province code
    assert "003" in e.value.message


@pytest.mark.parametrize(
    "raw", ["0912345678", "+84912345678", "84 912 345 678", "0912.345.678", "0362-123-456"]
)
def test_vietnamese_mobile_numbers_are_normalised(raw):
    assert normalize_phone(raw)[0] == "0" and len(normalize_phone(raw)) == 10


@pytest.mark.parametrize("raw", ["0212345678", "091234567", "09123456789", "abc", "0112345678"])
def test_other_numbers_are_refused(raw):
    with pytest.raises(ApplicationError) as e:
        normalize_phone(raw)
    assert e.value.field == "phone"


@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_si_numbers_are_ten_digits(value):
    assert validate_si_number(value) == value


@pytest.mark.parametrize(
    "name, folded",
    [
        ("Nguyễn Thị Huyền", "nguyen thi huyen"),
        ("ĐẶNG  Văn   Đức", "dang van duc"),
        ("Giàng A Páo", "giang a pao"),
    ],
)
def test_names_fold_without_diacritics(name, folded):
    assert fold(name) == folded


def _fold_as_defined(text: str) -> str:
    """fold's definition, written the slow and plain way: NFD, every combining mark dropped, đ/Đ as d, runs of
    spaces as one, no space at either end, lower case."""
    text = text.replace("đ", "d").replace("Đ", "D")
    kept = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", kept).strip().lower()


@given(
    st.text(
        alphabet=st.sampled_from("Nguyễn Thị Huyền ĐẶNG đ\t\n\u00a0\u3000\x1cİßǅÅ\u0301\u0323")
        | st.characters()
    )
)
def test_names_fold_as_defined_whatever_the_characters(text):
    """fold translates with a table it fills as it meets characters (core.text._Unmarked): the same answer as
    its definition for any text, marks and spaces of every script included."""
    assert fold(text) == _fold_as_defined(text)
