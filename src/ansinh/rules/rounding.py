"""The one rounding function of the rules package.

Every amount is computed exactly as a ratio of integers and rounded once, here: half away from zero
("half-up" for the non-negative amounts the rules produce) to whole đồng. Floats are refused.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational


def _check_int(x: object, what: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"round_vnd: {what} must be an int, got {type(x).__name__}")
    return x


def round_vnd(numerator: int | Fraction, denominator: int = 1) -> int:
    """Round ``numerator / denominator`` to whole đồng, half away from zero, in exact arithmetic.

    ``numerator`` may be an int or a `Fraction` (then ``denominator`` divides it); never a float.
    """
    if isinstance(numerator, Fraction | Rational) and not isinstance(numerator, int):
        frac = Fraction(numerator) / _check_int(denominator, "denominator")
        num, den = frac.numerator, frac.denominator
    else:
        num = _check_int(numerator, "numerator")
        den = _check_int(denominator, "denominator")
    if den == 0:
        raise ZeroDivisionError("round_vnd: denominator is zero")
    if den < 0:
        num, den = -num, -den
    if num >= 0:
        return (2 * num + den) // (2 * den)
    return -((2 * -num + den) // (2 * den))
