"""Small helpers shared by the formulas (dates, percentages). The bottom of the rules package: it imports no
other rules module but the errors, so the parameter loader can use it too."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from fractions import Fraction

from .errors import RuleError, RuleErrorCode

# The years a rule takes a date from: wide for births and histories, narrow enough that date arithmetic (a period
# added to a payment day) cannot leave the calendar (9999-12-31 plus 30 days was a crash, not an answer).
FIRST_YEAR, LAST_YEAR = 1900, 2200


def as_date(x: date | str, field: str = "on") -> date:
    if isinstance(x, date):
        d = x
    else:
        try:
            d = date.fromisoformat(str(x))
        except ValueError:
            raise RuleError(
                RuleErrorCode.BAD_INPUT, f"{field}: {x!r} is not an ISO date (YYYY-MM-DD)", field=field
            ) from None
    if not FIRST_YEAR <= d.year <= LAST_YEAR:
        raise RuleError(
            RuleErrorCode.DATE_OUT_OF_RANGE,
            f"{field}: {d.isoformat()} is outside the years {FIRST_YEAR}-{LAST_YEAR}",
            field=field,
            limit=f"{FIRST_YEAR}-{LAST_YEAR}",
        )
    return d


def pct(x: Fraction | int) -> str:
    """A share as an exact percentage string: Fraction(9, 200) -> "4.5%"."""
    f = Fraction(x) * 100
    if f.denominator == 1:
        return f"{f.numerator}%"
    s = format(Decimal(f.numerator) / Decimal(f.denominator), "f")
    s = s.rstrip("0").rstrip(".") if "." in s else s
    return f"{s}%"


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months, the day clamped to the end of the month."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    if not 1 <= year <= 9999:  # a date no calendar here holds (e.g. 9999-12-31 plus a year): bad input, not a crash
        raise RuleError(
            RuleErrorCode.DATE_OUT_OF_RANGE,
            f"{d.isoformat()} plus {months} months is outside the calendar",
            field="on",
            limit=f"{FIRST_YEAR}-{LAST_YEAR}",
        )
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def end_of_month(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def check_int(x: object, field: str, minimum: int | None = None) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise RuleError(RuleErrorCode.BAD_INPUT, f"{field} must be a whole number, got {x!r}", field=field)
    if minimum is not None and x < minimum:
        raise RuleError(
            RuleErrorCode.BAD_INPUT,
            f"{field} must be at least {minimum}, got {x}",
            field=field,
            limit=minimum,
        )
    return x
