"""Household and subsidised health insurance (BHYT hộ gia đình / nhóm được ngân sách hỗ trợ).

Legal basis: Law on Health Insurance; Decree 146/2018/ND-CP Art. 7(1)(e) (household premium 4.5 % of the base
salary, persons 2-4 pay 70/60/50 %, persons 5+ 40 % of person 1); Decree 146/2018, Decree 75/2023/ND-CP (from
2023-12-03) and Decree 188/2025/ND-CP (from 2025-08-15; students from 2025-07-01) for the state's share by
group; provincial top-ups as dated parameters ``provinces.hi_topup.<code>``.

Meaning of the amounts (per member):

- ``monthly_premium``: the premium for one month (after the household reduction for household-scheme members);
- ``premium``: ``monthly_premium x months``, the premium for the whole period;
- ``state_support`` / ``provincial_support``: what the state budget / the province pays, for the whole period;
- ``support``: ``state_support + provincial_support`` (whole period, never more than ``premium``);
- ``payable``: ``premium - support``, what the person or family pays for the whole period.

``total_payable`` is the sum of the members' ``payable``. Only ``household``-group members are ranked for the
household reduction (rank 1, 2, ...); members of a subsidised group have ``rank`` null and pay on the full
4.5 % premium minus their group's support.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from ._util import add_months, as_date, check_int, pct
from .errors import RuleError, RuleErrorCode
from .params import Parameters, Value, params_or_default, references_json
from .rounding import round_vnd

HOUSEHOLD = "household"
# Not a legal figure: a bound on one quote, so that a request cannot ask for millions of rows.
MAX_MEMBERS = 50


def subsidised_groups(params: Parameters | None = None, on: date | None = None) -> list[str]:
    """Codes of the subsidised groups (on ``on`` if given; else every group the parameters know)."""
    p = params_or_default(params)
    names = p.family("hi.state_support")
    if on is None:
        return names
    return [g for g in names if p.parameter(f"hi.state_support.{g}").in_force(on)]


def all_groups(params: Parameters | None = None) -> list[str]:
    return [HOUSEHOLD, *subsidised_groups(params)]


def order_factor(factors: dict[int, Fraction], rank: int) -> Fraction:
    """Share of person 1's premium paid by the ``rank``-th household member (the last key covers the rest)."""
    last = max(factors)
    return Fraction(factors[min(rank, last)])


def province_key(code: str | int | None) -> str | None:
    if code is None or code == "":
        return None
    s = str(code).strip()
    return s.zfill(2) if s.isdigit() else s


def provincial_share(
    p: Parameters, kind: str, province: str | int | None, group: str, on: date, used: list[Value]
) -> Fraction:
    """The share a province adds for ``group`` on ``on`` (0 when it adds nothing or has no parameter)."""
    key = province_key(province)
    if key is None:
        return Fraction(0)
    name = f"provinces.{kind}.{key}"
    if not p.has(name) or not p.parameter(name).in_force(on):
        return Fraction(0)
    v = p.get(name, on)
    share = v.value.get(group) if isinstance(v.value, dict) else None
    if share is None:
        return Fraction(0)
    used.append(v)
    return Fraction(share)


@dataclass(frozen=True)
class HIMemberQuote:
    rank: int | None
    group: str
    monthly_premium: int
    premium: int
    state_share: Fraction
    provincial_share: Fraction
    state_support: int
    provincial_support: int
    support: int
    payable: int

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "group": self.group,
            "monthly_premium": self.monthly_premium,
            "premium": self.premium,
            "state_share": pct(self.state_share),
            "provincial_share": pct(self.provincial_share),
            "state_support": self.state_support,
            "provincial_support": self.provincial_support,
            "support": self.support,
            "payable": self.payable,
        }


@dataclass(frozen=True)
class HIQuote:
    on: date
    months: int
    base_salary: int
    province: str | None
    members: tuple[HIMemberQuote, ...]
    references: tuple[Value, ...] = field(default=(), repr=False)

    @property
    def total_payable(self) -> int:
        return sum(m.payable for m in self.members)

    @property
    def total_premium(self) -> int:
        return sum(m.premium for m in self.members)

    @property
    def total_support(self) -> int:
        return sum(m.support for m in self.members)

    @property
    def unconfirmed(self) -> bool:
        return any(v.unconfirmed for v in self.references)

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "months": self.months,
            "base_salary": self.base_salary,
            "province": self.province,
            "members": [m.to_json() for m in self.members],
            "total_premium": self.total_premium,
            "total_support": self.total_support,
            "total_payable": self.total_payable,
            "unconfirmed": self.unconfirmed,
            "references": references_json(self.references),
        }


def member_amounts(
    monthly_premium: int, months: int, state: Fraction, provincial: Fraction
) -> tuple[int, int, int, int, int]:
    """(premium, state_support, provincial_support, support, payable) for one member — the one formula
    that batch.py reproduces on arrays."""
    premium = monthly_premium * months
    state_support = round_vnd(premium * state.numerator, state.denominator)
    provincial_support = min(
        round_vnd(premium * provincial.numerator, provincial.denominator), premium - state_support
    )
    support = state_support + provincial_support
    return premium, state_support, provincial_support, support, premium - support


def quote(
    on: date | str,
    groups: Sequence[str],
    months: int = 12,
    province: str | int | None = None,
    params: Parameters | None = None,
) -> HIQuote:
    """Quote HI for a household's members, in order, each with a group code (``household`` or a subsidised
    group), for a period of ``months`` paid on ``on``.

    The base salary on the payment date applies to the whole period (a prepaid period is not re-priced).
    """
    on = as_date(on)
    p = params_or_default(params)
    months = check_int(months, "months")
    if not groups:
        raise RuleError(RuleErrorCode.HI_NO_MEMBERS, "a quote needs at least one member", field="members")
    _check_count(len(groups))
    used: list[Value] = []
    periods = p.get("hi.payment_periods", on)
    if months not in periods.value:
        raise RuleError(
            RuleErrorCode.HI_PERIOD_NOT_ALLOWED,
            f"HI period of {months} months is not allowed on {on.isoformat()}: allowed "
            f"{', '.join(map(str, periods.value))} months ({periods.references[0].title})",
            field="months",
            limit=",".join(map(str, periods.value)),
        )
    base = p.get("base_salary", on)
    rate = p.get("hi.rate", on)
    used += [base, rate, periods]
    full_monthly = round_vnd(base.value * rate.value.numerator, rate.value.denominator)
    known = set(subsidised_groups(p))
    factors: Value | None = None
    rank = 0
    out = []
    for g in groups:
        if g == HOUSEHOLD:
            if factors is None:
                factors = p.get("hi.order_factors", on)
                used.append(factors)
            rank += 1
            f = order_factor(factors.value, rank)
            monthly = round_vnd(
                base.value * rate.value.numerator * f.numerator, rate.value.denominator * f.denominator
            )
            state = Fraction(0)
            member_rank: int | None = rank
        elif g in known:
            sp = p.parameter(f"hi.state_support.{g}")
            try:
                sv = sp.at(on)
            except RuleError as e:
                first = sp.first_date()
                raise RuleError(
                    RuleErrorCode.HI_GROUP_NOT_IN_FORCE,
                    f"HI group {g!r} is not a subsidised group on {on.isoformat()} "
                    f"(in force from {first.isoformat() if first else '?'}): {e.message}",
                    field="group",
                    limit=first.isoformat() if first else None,
                ) from None
            used.append(sv)
            state = Fraction(sv.value)
            monthly = full_monthly
            member_rank = None
        else:
            raise RuleError(
                RuleErrorCode.HI_UNKNOWN_GROUP,
                f"unknown HI group {g!r}; known groups: {', '.join(all_groups(p))}",
                field="group",
            )
        prov = provincial_share(p, "hi_topup", province, g, on, used)
        premium, st, pr, sup, pay = member_amounts(monthly, months, state, min(prov, 1 - state))
        out.append(
            HIMemberQuote(member_rank, g, monthly, premium, state, min(prov, 1 - state), st, pr, sup, pay)
        )
    return HIQuote(on, months, base.value, province_key(province), tuple(out), tuple(used))


def _check_count(n: int, field: str = "members") -> None:
    if n > MAX_MEMBERS:
        raise RuleError(
            RuleErrorCode.HI_TOO_MANY_MEMBERS,
            f"a quote covers at most {MAX_MEMBERS} people, got {n}",
            field=field,
            limit=MAX_MEMBERS,
        )


def quote_mixed(
    on: date | str,
    counts: Mapping[str, int] | Sequence[tuple[str, int]],
    months: int = 12,
    province: str | int | None = None,
    params: Parameters | None = None,
) -> HIQuote:
    """A mixed household in one call: ``counts`` gives, in order, each group and how many members are in it
    (``{"household": 3, "student": 1}`` or ``[("household", 3), ("student", 1)]``). Household-scheme members are
    ranked in that order; at most MAX_MEMBERS people in all."""
    pairs = list(counts.items()) if isinstance(counts, Mapping) else list(counts)
    total = 0
    for _group, n in pairs:
        total += check_int(n, "count", minimum=0)
        _check_count(total)
    groups = [g for g, n in pairs for _ in range(n)]
    return quote(on, groups, months, province, params)


@dataclass(frozen=True)
class GroupMembership:
    """Whether a person who entered a time-limited group on ``since`` is still in it on ``on``."""

    group: str
    since: date
    on: date
    in_group: bool
    ends_on: date | None  # last day in the group; None when the group has no time limit
    references: tuple[Value, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "since": self.since.isoformat(),
            "on": self.on.isoformat(),
            "in_group": self.in_group,
            "ends_on": self.ends_on.isoformat() if self.ends_on else None,
            "unconfirmed": any(v.unconfirmed for v in self.references),
            "references": references_json(self.references),
        }


def group_membership(
    group: str, since: date | str, on: date | str, params: Parameters | None = None
) -> GroupMembership:
    """Is a person still in ``group`` on ``on``, having entered it on ``since``?

    ``since`` is the day the commune left the list (``ethnic_minority_left_list``) or the day the person was
    identified as a victim (``trafficking_victim``). A group with a limit ``hi.group_time_limit.<group>`` of N
    months lasts from ``since`` to the day before ``since`` + N months; the limit in force on ``on`` applies
    (or, before it, the one in force on ``since``). A group without a limit lasts from ``since`` on."""
    p = params_or_default(params)
    since_d, on_d = as_date(since, "since"), as_date(on, "on")
    if group not in all_groups(p):
        raise RuleError(
            RuleErrorCode.HI_UNKNOWN_GROUP,
            f"unknown HI group {group!r}; known groups: {', '.join(all_groups(p))}",
            field="group",
        )
    name = f"hi.group_time_limit.{group}"
    used: list[Value] = []
    ends: date | None = None
    if p.has(name):
        param = p.parameter(name)
        at = on_d if param.in_force(on_d) else since_d if param.in_force(since_d) else None
        if at is not None:
            v = param.at(at)
            used.append(v)
            ends = add_months(since_d, v.value) - timedelta(days=1)
    in_group = since_d <= on_d and (ends is None or on_d <= ends)
    return GroupMembership(group, since_d, on_d, in_group, ends, tuple(used))


def quote_household(
    on: date | str,
    members: int,
    months: int = 12,
    province: str | int | None = None,
    params: Parameters | None = None,
) -> HIQuote:
    """``members`` household-scheme members (ranked 1..n)."""
    members = check_int(members, "members", minimum=1)
    _check_count(members)
    return quote(on, [HOUSEHOLD] * members, months, province, params)


def quote_group(
    on: date | str,
    group: str,
    months: int = 12,
    province: str | int | None = None,
    params: Parameters | None = None,
) -> HIQuote:
    """One member of ``group``."""
    return quote(on, [group], months, province, params)


def payment_periods(on: date | str, params: Parameters | None = None) -> list[int]:
    """The numbers of months a card may be bought for on ``on`` (``hi.payment_periods``)."""
    return list(params_or_default(params).get("hi.payment_periods", as_date(on)).value)


def targets(on: date | str, params: Parameters | None = None) -> tuple[Fraction, Fraction]:
    """The national targets in force on ``on``: (HI coverage of the population, VSI share of the labour force)."""
    p = params_or_default(params)
    day = as_date(on)
    return Fraction(p.get("targets.hi_population", day).value), Fraction(p.get("targets.vsi_labour_force", day).value)


def group_first_date(group: str, params: Parameters | None = None) -> date | None:
    """The first day a subsidised group has a state share (None for a group the parameters do not know)."""
    p = params_or_default(params)
    name = f"hi.state_support.{group}"
    return p.parameter(name).first_date() if p.has(name) else None
