"""Voluntary-SI pension estimate (for consultation; always labelled an estimate).

Legal basis: Law on Social Insurance 58/2014/QH13 (pensions starting to 2025-06-30) and Law 41/2024/QH15
(from 2025-07-01) — minimum years, rate by years and sex (dated parameters ``pension.*``); retirement age by
Labour Code 2019 Art. 169 and Decree 135/2020/ND-CP; average income revalued by the yearly circulars
(``pension.revaluation_vsi``); lump sum 1.5 months of average income per year before 2014 and 2 months per
year from 2014, minus the state support received.

Years with odd months count as half a year (1-6 months) or a whole year (7-11 months) for the rate and the
lump sum; the minimum is checked on whole months. Every simplification is listed in ``assumptions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from ._util import add_months, as_date, check_int, end_of_month, pct
from .errors import RuleError, RuleErrorCode
from .params import Parameters, Value, params_or_default, references_json
from .rounding import round_vnd

_AGE = re.compile(r"^(\d+)y(\d+)m$")


@dataclass(frozen=True)
class ContributionYear:
    """``months`` months of year ``year`` paid on a monthly income of ``income``."""

    year: int
    months: int
    income: int


@dataclass(frozen=True)
class PensionEstimate:
    law: str
    sex: str
    born: date | None
    retirement_date: date | None
    pension_start: date
    contribution_months: int
    years_counted: Fraction
    min_years: int
    eligible: bool
    rate: Fraction
    average_income: int
    monthly_pension: int
    lump_sum_alternative: int
    lump_sum_allowed: bool
    assumptions: tuple[str, ...] = ()
    references: tuple[Value, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "estimate": True,
            "law": self.law,
            "sex": self.sex,
            "born": self.born.isoformat() if self.born else None,
            "retirement_date": self.retirement_date.isoformat() if self.retirement_date else None,
            "pension_start": self.pension_start.isoformat(),
            "contribution_months": self.contribution_months,
            "years_counted": str(self.years_counted)
            if self.years_counted.denominator != 1
            else int(self.years_counted),
            "min_years": self.min_years,
            "eligible": self.eligible,
            "rate": pct(self.rate),
            "average_income": self.average_income,
            "monthly_pension": self.monthly_pension,
            "lump_sum_alternative": self.lump_sum_alternative,
            "lump_sum_allowed": self.lump_sum_allowed,
            "assumptions": list(self.assumptions),
            "unconfirmed": any(v.unconfirmed for v in self.references),
            "references": references_json(self.references),
        }


def _sex(sex: str) -> str:
    s = str(sex).lower()
    if s in ("m", "male", "men", "nam"):
        return "men"
    if s in ("f", "female", "women", "nu", "nữ"):
        return "women"
    raise RuleError(RuleErrorCode.PENSION_BAD_INPUT, f"sex must be m or f, got {sex!r}", field="sex")


def _age_months(text: str) -> int:
    m = _AGE.match(str(text))
    if not m:
        raise RuleError(RuleErrorCode.PENSION_BAD_INPUT, f"bad age {text!r} in pension.retirement_age")
    return int(m.group(1)) * 12 + int(m.group(2))


def retirement_date(
    sex: str, born: date | str, on: date | str | None = None, params: Parameters | None = None
) -> tuple[date, Value]:
    """Last day of the month in which the person reaches the retirement age of that calendar year."""
    reach, v = retirement_age_reached(sex, born, on, params)
    return end_of_month(reach), v


def retirement_age_reached(
    sex: str, born: date | str, on: date | str | None = None, params: Parameters | None = None
) -> tuple[date, Value]:
    """The day the person reaches the normal retirement age of the calendar year in which it is reached."""
    born = as_date(born, "born")
    p = params_or_default(params)
    name = f"pension.retirement_age.{_sex(sex)}"
    param = p.parameter(name)
    first = param.first_date()
    assert first is not None
    at = max(as_date(on) if on is not None else date.today(), first)
    v = p.get(name, at)
    table = {int(y): _age_months(a) for y, a in v.value.items()}
    lo, hi = min(table), max(table)
    for year in range(born.year, born.year + 130):
        age = table[min(max(year, lo), hi)]
        reach = add_months(born, age)
        if reach.year <= year:
            return reach, v
    raise AssertionError("unreachable")


def years_counted(months: int) -> Fraction:
    """Whole years, plus half a year for 1-6 odd months or a year for 7-11."""
    full, rem = divmod(months, 12)
    return Fraction(full) + (0 if rem == 0 else Fraction(1, 2) if rem <= 6 else 1)


def pension_rate(table: dict[str, Any], years: Fraction) -> Fraction:
    base_years = table["base_years"]
    if years >= base_years:
        rate = Fraction(table["base"]) + Fraction(table["step"]) * (years - base_years)
    elif "reduced" in table and years >= table["reduced"]["from_years"]:
        red = table["reduced"]
        rate = Fraction(red["base"]) + Fraction(red["step"]) * (years - red["from_years"])
    else:
        return Fraction(0)
    return min(rate, Fraction(table["max"]))


def _law_window(p: Parameters, law: str) -> tuple[date, date | None]:
    vals = p.parameter("pension.law").values
    for i, v in enumerate(vals):
        if v.value == law:
            end = vals[i + 1].since - timedelta(days=1) if i + 1 < len(vals) else None
            return v.since, end
    raise RuleError(
        RuleErrorCode.PENSION_BAD_INPUT,
        f"unknown law {law!r}; known: {', '.join(str(v.value) for v in vals if v.value)}",
        field="law",
    )


def estimate(
    sex: str,
    *,
    born: date | str | None = None,
    history: Iterable[ContributionYear] | None = None,
    years: int | None = None,
    months: int = 0,
    average_income: int | None = None,
    law: str | None = None,
    on: date | str | None = None,
    support_received: int = 0,
    params: Parameters | None = None,
) -> PensionEstimate:
    """Estimate the pension (or lump sum) of a voluntary-SI participant.

    Give either ``history`` (years with months and monthly incomes) or ``years`` (+ ``months``) and an
    ``average_income``. With ``born`` the retirement date — and so the law — is computed; ``law`` ("2014" or
    "2024") forces the law. ``on`` is the date the estimate is made (default: today).
    """
    p = params_or_default(params)
    sex_key = _sex(sex)
    today = as_date(on) if on is not None else date.today()
    used: list[Value] = []
    assumptions = ["an estimate for consultation, not a decision on entitlement"]
    born_d = as_date(born, "born") if born is not None else None
    ret: date | None = None
    if born_d is not None:
        ret, age_v = retirement_date(sex_key, born_d, today, p)
        used.append(age_v)
        start = ret + timedelta(days=1)
        assumptions.append("retires at the normal retirement age, contributions stop then")
    else:
        start = today
    if law is not None:
        law = str(law)
        lo, hi = _law_window(p, law)
        if start < lo or (hi is not None and start > hi):
            clamped = max(lo, min(start, hi)) if hi is not None else max(lo, start)
            if born_d is not None:
                assumptions.append(
                    f"law {law} forced although the pension would start on {start.isoformat()}"
                )
            start = clamped
    law_v = p.get("pension.law", start)
    used.append(law_v)

    # contributions
    hist = list(history) if history is not None else None
    if hist:
        for h in hist:
            check_int(h.months, "history.months", minimum=0)
            check_int(h.income, "history.income", minimum=0)
            if h.months > 12:
                raise RuleError(
                    RuleErrorCode.PENSION_BAD_INPUT, f"year {h.year} has more than 12 months", field="history"
                )
        total_months = sum(h.months for h in hist)
        if total_months == 0:
            raise RuleError(
                RuleErrorCode.PENSION_BAD_INPUT, "history has no contribution months", field="history"
            )
        rev = p.parameter("pension.revaluation_vsi")
        table: dict[int, Fraction] = {}
        if rev.in_force(start):
            rv = rev.at(start)
            used.append(rv)
            table = {int(k): Fraction(c) for k, c in rv.value.items()}
        else:
            assumptions.append("no revaluation table in force on the pension start; incomes not revalued")
        last_year = max(table) if table else None
        late = sorted({h.year for h in hist if last_year is not None and h.year > last_year})
        if late:
            assumptions.append(
                f"years {', '.join(map(str, late))} revalued with coefficient 1 "
                f"(after the last year of the table)"
            )
        num = Fraction(0)
        for h in hist:
            coef = Fraction(1)
            if table:
                coef = table.get(h.year) or (table[min(table)] if h.year < min(table) else Fraction(1))
            num += Fraction(h.income) * h.months * coef
        avg_exact = num / total_months
        months_before_2014 = sum(h.months for h in hist if h.year < 2014)
    else:
        if years is None or average_income is None:
            raise RuleError(
                RuleErrorCode.PENSION_BAD_INPUT,
                "give a contribution history, or years and an average income",
                field="years",
            )
        check_int(years, "years", minimum=0)
        check_int(months, "months", minimum=0)
        check_int(average_income, "average_income", minimum=0)
        total_months = years * 12 + months
        avg_exact = Fraction(average_income)
        months_before_2014 = 0
        assumptions.append("the average income given is already revalued")
        assumptions.append("all years counted as contributed from 2014 for the lump sum")
    if total_months <= 0:
        raise RuleError(RuleErrorCode.PENSION_BAD_INPUT, "no contribution months", field="years")

    min_v = p.get("pension.min_years", start)
    rate_v = p.get(f"pension.rate.{sex_key}", start)
    lump_v = p.get("pension.lump_sum", start)
    used += [min_v, rate_v]
    counted = years_counted(total_months)
    eligible = total_months >= min_v.value * 12
    rate = pension_rate(rate_v.value, counted) if eligible else Fraction(0)
    monthly = round_vnd(rate * avg_exact)

    used.append(lump_v)
    per_before, per_from = Fraction(lump_v.value["before_2014"]), Fraction(lump_v.value["from_2014"])
    lump_exact = avg_exact * (
        per_before * years_counted(months_before_2014)
        + per_from * years_counted(total_months - months_before_2014)
    )
    support_received = check_int(support_received, "support_received", minimum=0)
    lump = max(0, round_vnd(lump_exact) - support_received)
    assumptions.append("lump sum: state support received is deducted (unconfirmed)")
    assumptions.append("lump sum allowed here only when the minimum years are not met at retirement age")
    return PensionEstimate(
        str(law_v.value),
        sex_key,
        born_d,
        ret,
        start,
        total_months,
        counted,
        min_v.value,
        eligible,
        rate,
        round_vnd(avg_exact),
        monthly,
        lump,
        not eligible,
        tuple(assumptions),
        tuple(used),
    )
