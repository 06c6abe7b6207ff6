"""Personal ID (CCCD), SI number and phone: validation and normalisation.

Personal ID structure: Decree 137/2015/ND-CP Art. 13 and Circular 07/2016/TT-BCA (province codes):
digits 1-3 the province of birth registration, digit 4 sex and century, digits 5-6 the last two digits of the
birth year, digits 7-12 a serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .errors import ApplicationError, ErrorCode

# The 63 province codes of Circular 07/2016/TT-BCA (the pre-2025 GSO province codes, 3 digits).
CCCD_PROVINCE_CODES = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)

_DIGITS_12 = re.compile(r"[0-9]{12}")
_DIGITS_10 = re.compile(r"[0-9]{10}")
# Vietnamese mobile numbers since the 2018 re-numbering: 0 + 3/5/7/8/9 prefixes, 10 digits.
_MOBILE = re.compile(r"0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-9])[0-9]{7}")


@dataclass(frozen=True)
class PersonalIdFacts:
    province_code: str
    sex: str  # "m" / "f"
    century_start: int  # 1900, 2000, ...
    year_two_digits: int

    def birth_year(self) -> int:
        return self.century_start + self.year_two_digits


def parse_personal_id(value: str) -> PersonalIdFacts:
    value = (value or "").strip()
    if not _DIGITS_12.fullmatch(value):
        raise ApplicationError(
            ErrorCode.INVALID, _("A personal ID has exactly 12 digits."), field="personal_id"
        )
    province = value[:3]
    if province not in CCCD_PROVINCE_CODES:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The first three digits of a personal ID (%(code)s) are not a province code.")
            % {"code": province},
            field="personal_id",
        )
    digit = int(value[3])
    # 0/1: 1900-1999, 2/3: 2000-2099, 4/5: 2100-2199, 6/7: 2200-2299, 8/9: 2300-2399; even = male.
    century_start = 1900 + 100 * (digit // 2)
    return PersonalIdFacts(
        province_code=province,
        sex="m" if digit % 2 == 0 else "f",
        century_start=century_start,
        year_two_digits=int(value[4:6]),
    )


def validate_personal_id(value: str, *, sex: str | None = None, birth_year: int | None = None) -> str:
    """Returns the ID if it is well formed and agrees with the person's sex and birth year."""
    facts = parse_personal_id(value)
    if sex and facts.sex != sex:
        raise ApplicationError(
            ErrorCode.INVALID,
            _(
                "The fourth digit of the personal ID says the person is %(id_sex)s, but the record says %(sex)s."
            )
            % {"id_sex": sex_label(facts.sex), "sex": sex_label(sex)},
            field="personal_id",
        )
    if birth_year is not None and facts.birth_year() != birth_year:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The personal ID gives birth year %(id_year)s, but the birth date is in %(year)s.")
            % {"id_year": facts.birth_year(), "year": birth_year},
            field="personal_id",
        )
    return value.strip()


def sex_label(sex: str) -> str:
    return _("male") if sex == "m" else _("female")


def validate_si_number(value: str) -> str:
    value = (value or "").strip()
    if not _DIGITS_10.fullmatch(value):
        raise ApplicationError(ErrorCode.INVALID, _("An SI number has exactly 10 digits."), field="si_number")
    return value


def normalize_phone(value: str) -> str:
    """'+84 912 345 678' / '0912.345.678' -> '0912345678'; refuses numbers that are not Vietnamese mobiles."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not _MOBILE.fullmatch(digits):
        raise ApplicationError(
            ErrorCode.INVALID,
            _("A mobile number has 10 digits and starts with 03, 05, 07, 08 or 09."),
            field="phone",
        )
    return digits
