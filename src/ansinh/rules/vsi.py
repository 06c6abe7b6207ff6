"""Voluntary social insurance (BHXH tự nguyện) contributions.

Legal basis: Law on Social Insurance 58/2014/QH13 and Decree 134/2015/ND-CP (to 2025-06-30); Law 41/2024/QH15
and Decree 159/2025/ND-CP (from 2025-07-01). Contribution = 22 % of the income the person chooses, between the
rural poverty line (floor) and 20 x the base salary / reference level (ceiling). The state supports each month
a share of 22 % x the rural poverty line — the highest share among the person's groups — for at most 120
months in a lifetime; a province may add its own share (``provinces.vsi_topup.<code>``).

Modes: 1, 3, 6 or 12 months at the flat amount; ``advance_years`` (1..5) years at once, discounted at the
fund's monthly investment return r of the dated parameter ``vsi.investment_return``:
``sum_{i=1..n} P_i / (1+r)^(i-1)``; ``back_months`` missed months, compounded: ``sum_{i=1..n} C x (1+r)^i``.

Missing years (`quote_missing_years`, mode ``missing_years``): a participant who has reached the retirement
age (from 2025-07-01: from the month before the month it is reached, ``vsi.missing_years_from``) and lacks at
most ``vsi.missing_years_max`` years (10 under Law 58/2014; the limit from 2025-07-01 is unconfirmed) to the
minimum for a pension (``pension.min_years`` on the payment date) may pay the missing months at once; they are
compounded at the fund's return like a back payment and receive no state support (unconfirmed).

Amounts: ``monthly_contribution`` (22 % of income), ``monthly_support`` (state + province, per supported
month), ``monthly_payable`` (contribution - support), ``months`` (months covered by this payment),
``total_payable`` (what is paid now for all ``months``, after support and discount/compounding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from ._util import add_months, as_date, check_int, pct
from .errors import RuleError, RuleErrorCode
from .hi import provincial_share
from .params import Parameters, Value, params_or_default, references_json
from .pension import retirement_age_reached
from .rounding import round_vnd

GROUPS = ("poor", "near_poor", "ethnic_minority", "island", "other")


@dataclass(frozen=True)
class VSIQuote:
    on: date
    income: int
    group: str
    mode: str
    months: int
    monthly_contribution: int
    state_monthly_support: int
    provincial_monthly_support: int
    supported_months: int
    total_contribution: int
    total_support: int
    total_payable: int
    investment_return: Fraction | None = None
    assumptions: tuple[str, ...] = ()
    references: tuple[Value, ...] = field(default=(), repr=False)

    @property
    def monthly_support(self) -> int:
        return self.state_monthly_support + self.provincial_monthly_support

    @property
    def monthly_payable(self) -> int:
        return self.monthly_contribution - self.monthly_support

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "income": self.income,
            "group": self.group,
            "mode": self.mode,
            "monthly_contribution": self.monthly_contribution,
            "state_monthly_support": self.state_monthly_support,
            "provincial_monthly_support": self.provincial_monthly_support,
            "monthly_support": self.monthly_support,
            "monthly_payable": self.monthly_payable,
            "months": self.months,
            "supported_months": self.supported_months,
            "total_contribution": self.total_contribution,
            "total_support": self.total_support,
            "total_payable": self.total_payable,
            "investment_return": _rate_text(self.investment_return),
            "assumptions": list(self.assumptions),
            "unconfirmed": any(v.unconfirmed for v in self.references),
            "references": references_json(self.references),
        }


def _rate_text(r: Fraction | None) -> str | None:
    """The monthly rate as an exact percent string; a yearly rate divided by 12 reads "5.8%/12"."""
    if r is None:
        return None
    den = (r * 100).denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    return pct(r) if den == 1 else f"{pct(r * 12)}/12"


def income_limits(on: date, params: Parameters | None = None) -> tuple[Value, Value, int]:
    """(floor value, ceiling multiple value, ceiling amount) on ``on``."""
    p = params_or_default(params)
    floor = p.get("poverty_line_rural", on)
    base = p.get("base_salary", on)
    mult = p.get("vsi.ceiling_multiple", on)
    return floor, mult, base.value * mult.value


def monthly_amounts(
    on: date,
    income: int,
    groups: Sequence[str],
    province: str | int | None = None,
    params: Parameters | None = None,
    used: list[Value] | None = None,
) -> tuple[int, int, int, str]:
    """(contribution, state support, provincial support, group applied) for one month — the formula that
    batch.py reproduces on arrays."""
    p = params_or_default(params)
    used = used if used is not None else []
    income = check_int(income, "income")
    floor = p.get("poverty_line_rural", on)
    base = p.get("base_salary", on)
    mult = p.get("vsi.ceiling_multiple", on)
    rate = p.get("vsi.rate", on)
    used += [rate, floor, base, mult]
    ceiling = base.value * mult.value
    if income < floor.value:
        raise RuleError(
            RuleErrorCode.VSI_INCOME_BELOW_FLOOR,
            f"voluntary SI income {income:,} is below the floor {floor.value:,} (rural poverty line, "
            f"{floor.references[0].title}) on {on.isoformat()}",
            field="income",
            limit=floor.value,
        )
    if income > ceiling:
        raise RuleError(
            RuleErrorCode.VSI_INCOME_ABOVE_CEILING,
            f"voluntary SI income {income:,} is above the ceiling {ceiling:,} ({mult.value} x base "
            f"salary {base.value:,}) on {on.isoformat()}",
            field="income",
            limit=ceiling,
        )
    if not groups:
        groups = ["other"]
    best_group, best_share, best_value = "", Fraction(-1), None
    for g in groups:
        if g not in GROUPS or not p.has(f"vsi.state_support.{g}"):
            raise RuleError(
                RuleErrorCode.VSI_UNKNOWN_GROUP,
                f"unknown voluntary SI group {g!r}; known groups: {', '.join(GROUPS)}",
                field="group",
            )
        v = p.get(f"vsi.state_support.{g}", on)
        if Fraction(v.value) > best_share:
            best_group, best_share, best_value = g, Fraction(v.value), v
    assert best_value is not None
    used.append(best_value)
    prov_used: list[Value] = []
    prov = max(provincial_share(p, "vsi_topup", province, g, on, prov_used) for g in groups)
    used += prov_used
    contribution = round_vnd(income * rate.value.numerator, rate.value.denominator)
    basis = rate.value * floor.value
    state = round_vnd(basis * best_share)
    provincial = min(round_vnd(basis * prov), contribution - state)
    return contribution, state, provincial, best_group


def quote(
    on: date | str,
    income: int,
    groups: Sequence[str] = ("other",),
    months: int = 1,
    advance_years: int | None = None,
    back_months: int | None = None,
    supported_months_so_far: int = 0,
    province: str | int | None = None,
    params: Parameters | None = None,
) -> VSIQuote:
    """Quote a voluntary-SI payment made on ``on``."""
    on = as_date(on)
    p = params_or_default(params)
    so_far = check_int(supported_months_so_far, "supported_months_so_far", minimum=0)
    used: list[Value] = []
    contribution, state, provincial, group = monthly_amounts(on, income, list(groups), province, p, used)
    assumptions: list[str] = []
    r: Fraction | None = None
    if advance_years is not None and back_months is not None:
        raise RuleError(
            RuleErrorCode.VSI_BAD_MONTHS,
            "advance_years and back_months cannot be combined",
            field="advance_years",
        )
    if advance_years is not None:
        years = check_int(advance_years, "advance_years", minimum=1)
        mx = p.get("vsi.advance_max_years", on)
        used.append(mx)
        if years > mx.value:
            raise RuleError(
                RuleErrorCode.VSI_ADVANCE_TOO_LONG,
                f"advance payment of {years} years exceeds the limit of {mx.value} years "
                f"({mx.references[0].title})",
                field="advance_years",
                limit=mx.value,
            )
        n, mode = 12 * years, "advance"
    elif back_months is not None:
        n, mode = check_int(back_months, "back_months", minimum=1), "back_payment"
    else:
        modes = p.get("vsi.payment_modes", on)
        used.append(modes)
        if months not in modes.value:
            raise RuleError(
                RuleErrorCode.VSI_MODE_NOT_ALLOWED,
                f"voluntary SI mode of {months} months is not allowed on {on.isoformat()}: allowed "
                f"{', '.join(map(str, modes.value))} months ({modes.references[0].title})",
                field="months",
                limit=",".join(map(str, modes.value)),
            )
        n, mode = check_int(months, "months"), "regular"

    limit = p.get("vsi.support_max_months", on)
    used.append(limit)
    support = state + provincial
    if mode == "back_payment":
        supported = 0
        assumptions.append("back-paid months receive no state support (unconfirmed)")
    else:
        supported = min(n, max(0, limit.value - so_far))
    total_contribution = contribution * n
    total_support = support * supported
    if mode == "regular":
        total = total_contribution - total_support
    else:
        rv = p.get("vsi.investment_return", on)
        used.append(rv)
        r = monthly_return(rv)
        acc = Fraction(0)
        if mode == "advance":
            for i in range(1, n + 1):
                amount = contribution - (support if i <= supported else 0)
                acc += Fraction(amount) / (1 + r) ** (i - 1)
            assumptions.append(
                "advance payment discounted as sum P_i / (1+r)^(i-1), support deducted from "
                "each supported month before discounting"
            )
        else:
            for i in range(1, n + 1):
                acc += contribution * (1 + r) ** i
            assumptions.append("back-payment compounded as sum C x (1+r)^i")
        total = round_vnd(acc)
    if supported < n and mode != "back_payment":
        assumptions.append(
            f"support limited to {supported} of {n} months by the {limit.value}-month limit "
            f"({so_far} months supported so far)"
        )
    if not supported:
        state = provincial = 0
    return VSIQuote(
        on,
        income,
        group,
        mode,
        n,
        contribution,
        state,
        provincial,
        supported,
        total_contribution,
        total_support,
        total,
        r,
        tuple(assumptions),
        tuple(used),
    )


def monthly_return(v: Value) -> Fraction:
    """The monthly rate r of a ``vsi.investment_return`` value: a monthly rate, or ``{annual: X}`` -> X / 12."""
    if isinstance(v.value, dict):
        return Fraction(v.value["annual"]) / 12
    return Fraction(v.value)


def _compounded(contribution: int, n: int, r: Fraction) -> int:
    return round_vnd(sum((contribution * (1 + r) ** i for i in range(1, n + 1)), Fraction(0)))


def quote_missing_years(
    on: date | str,
    income: int,
    sex: str,
    born: date | str,
    paid_months: int,
    groups: Sequence[str] = ("other",),
    province: str | int | None = None,
    params: Parameters | None = None,
) -> VSIQuote:
    """Quote the one-time payment for the missing years (đóng một lần cho những năm còn thiếu) made on ``on`` by
    a person of ``sex`` born on ``born`` who has already paid ``paid_months`` months.

    Refused (RuleError) when the person has not reached the retirement age on ``on``, lacks nothing, or lacks
    more than the limit of the law in force on ``on``."""
    on = as_date(on)
    p = params_or_default(params)
    paid = check_int(paid_months, "paid_months", minimum=0)
    reached, age = retirement_age_reached(sex, born, on, p)
    start = p.get("vsi.missing_years_from", on)
    earliest = reached
    if start.value == "month_before":
        earliest = add_months(reached.replace(day=1), -1)
    if on < earliest:
        raise RuleError(
            RuleErrorCode.VSI_MISSING_YEARS_NOT_AT_AGE,
            f"the missing years may be paid at once from {earliest.isoformat()} ({start.references[0].title}); "
            f"the retirement age is reached on {reached.isoformat()} ({age.references[0].title})",
            field="born",
            limit=earliest.isoformat(),
        )
    min_years = p.get("pension.min_years", on)
    limit = p.get("vsi.missing_years_max", on)
    missing = min_years.value * 12 - paid
    if missing <= 0:
        raise RuleError(
            RuleErrorCode.VSI_MISSING_YEARS_NONE,
            f"{paid} months paid already reach the {min_years.value} years needed for a pension "
            f"({min_years.references[0].title})",
            field="paid_months",
            limit=min_years.value * 12,
        )
    if missing > limit.value * 12:
        raise RuleError(
            RuleErrorCode.VSI_MISSING_YEARS_TOO_MANY,
            f"{missing} months are missing to {min_years.value} years; at most {limit.value} years "
            f"({limit.value * 12} months) may be paid at once ({limit.references[0].title})",
            field="paid_months",
            limit=limit.value,
        )
    amounts_used: list[Value] = []
    contribution, _state, _provincial, group = monthly_amounts(
        on, income, list(groups), province, p, amounts_used
    )
    rv = p.get("vsi.investment_return", on)
    used = [*amounts_used[:4], age, start, min_years, limit, rv]  # rate, floor, base salary, ceiling; no support
    r = monthly_return(rv)
    return VSIQuote(
        on,
        income,
        group,
        "missing_years",
        missing,
        contribution,
        0,
        0,
        0,
        contribution * missing,
        0,
        _compounded(contribution, missing, r),
        r,
        (
            f"{missing} months missing to the {min_years.value} years needed for a pension",
            "missing months compounded at the fund's return of the previous year (Decree 134/2015 Art. 10(4)) "
            "as sum C x (1+r)^i (the exact formula of the circular is unconfirmed)",
            "the missing years receive no state support (unconfirmed)",
        ),
        tuple(used),
    )


def income_floor(on: date | str, params: Parameters | None = None) -> int:
    """The lowest monthly income voluntary SI takes on ``on``: the rural poverty line."""
    return int(params_or_default(params).get("poverty_line_rural", as_date(on)).value)


def payment_modes(on: date | str, params: Parameters | None = None) -> list[int]:
    """The numbers of months paid at once on ``on`` (``vsi.payment_modes``)."""
    return list(params_or_default(params).get("vsi.payment_modes", as_date(on)).value)


def advance_max_years(on: date | str, params: Parameters | None = None) -> int:
    return int(params_or_default(params).get("vsi.advance_max_years", as_date(on)).value)


def ceiling_multiple(on: date | str, params: Parameters | None = None) -> int:
    """The income ceiling as a multiple of the base salary / reference level on ``on``."""
    return int(params_or_default(params).get("vsi.ceiling_multiple", as_date(on)).value)


def support_max_months(on: date | str, params: Parameters | None = None) -> int:
    """How many months of state support a person may receive in all (``vsi.support_max_months``)."""
    return int(params_or_default(params).get("vsi.support_max_months", as_date(on)).value)
