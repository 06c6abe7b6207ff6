"""Who may join which scheme on a date: one rule for quotes, enrollments, lists, imports, the field kit and the
demo (they all reach it through ``ansinh.enrollment.selectors.eligibility``).

Health insurance (Law on HI 25/2008/QH12 Art. 12 as amended by Law 46/2014/QH13 and Law 51/2024/QH15; the
groups of Decree 146/2018/ND-CP, Decree 75/2023/ND-CP and Decree 188/2025/ND-CP): a person who belongs to
several groups joins through the FIRST group in the law's order (Art. 12, last paragraph):

1. employees with a labour contract (the employer and the employee pay; compulsory SI);
2. pension and SI benefit recipients (the SI fund pays);
3. groups the state budget pays for in full (children under 6, poor households, social assistance, ...);
4. groups the state supports in part (near-poor households, pupils and students, agricultural households of
   average living standard, ...);
5. households (the household scheme, with its reduction for further members).

So the household scheme is only for a person in none of groups 1-4, and a subsidised group only for a person in
neither group 1 nor 2, through the first of their groups (state-paid before state-supported).

Voluntary SI (Law 58/2014/QH13 Art. 2(4); Law 41/2024/QH15 Art. 2(4)): a person from ``vsi.min_age`` years of
age who is not in compulsory SI and does not receive a pension or monthly SI benefit.

Reason codes (stable; the doors put them in words): ``deceased``, ``employee``, ``pension_recipient``,
``state_paid_group``, ``state_supported_group``, ``not_in_group``, ``too_young``, ``not_in_force``; and
``already_covered``, which the caller decides (office policy: a card that runs beyond the renewal window).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from ._util import as_date
from .hi import subsidised_groups
from .params import Parameters, Value, params_or_default, references_json

DECEASED = "deceased"
EMPLOYEE = "employee"
PENSION_RECIPIENT = "pension_recipient"
STATE_PAID_GROUP = "state_paid_group"
STATE_SUPPORTED_GROUP = "state_supported_group"
NOT_IN_GROUP = "not_in_group"
TOO_YOUNG = "too_young"
NOT_IN_FORCE = "not_in_force"  # no rule of the scheme on the date
ALREADY_COVERED = (
    "already_covered"  # office policy, decided by the caller: a card runs beyond the renewal window
)

# A group that rests on papers but only for a person the register already puts in another group.
PAPER_GROUP_NEEDS = {"near_poor_poor_commune": "near_poor"}


@dataclass(frozen=True)
class Facts:
    """What the rule needs to know of a person on the date.

    ``register_groups``: the subsidised HI groups the register puts the person in on the date;
    ``register_tellable``: every group the register can tell, in the register's order (the most supported
    first: the order that decides a person's first group among groups of the same tier); a group outside it rests
    on papers the agent sees, e.g. a village health worker's appointment."""

    born: date
    died_on: date | None = None
    compulsory_si: bool = False
    pension_recipient: bool = False
    register_groups: frozenset[str] = frozenset()
    register_tellable: tuple[str, ...] = ()  # ordered: a set's order changes from one process to the next


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str | None = None
    covered_by: str | None = (
        None  # the group that covers the person instead (a group code, employee, pension)
    )
    limit: int | None = None  # e.g. the youngest age for too_young

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"allowed": self.allowed, "reason_code": self.reason}
        if self.covered_by is not None:
            out["covered_by"] = self.covered_by
        if self.limit is not None:
            out["limit"] = self.limit
        return out


@dataclass(frozen=True)
class Eligibility:
    on: date
    hi_household: Decision
    hi_group: Decision
    hi_groups: tuple[str, ...]  # the groups the person may buy a subsidised card through, first one first
    vsi: Decision
    references: tuple[Value, ...] = field(default=(), repr=False)
    covered_until: date | None = None  # the end of the person's latest card, where the caller read it

    def allows(self, scheme: str, group: str | None = None) -> Decision:
        """The decision for a scheme code of the desk (hi_household, hi_group with its group, vsi)."""
        if scheme == "hi_household":
            return self.hi_household
        if scheme == "vsi":
            return self.vsi
        if not self.hi_group.allowed or group is None or group in self.hi_groups:
            return self.hi_group
        first = self.hi_groups[0] if self.hi_groups else None
        return Decision(False, NOT_IN_GROUP, first)

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "covered_until": self.covered_until.isoformat() if self.covered_until else None,
            "schemes": {
                "hi_household": self.hi_household.to_json(),
                "hi_group": {**self.hi_group.to_json(), "groups": list(self.hi_groups)},
                "vsi": self.vsi.to_json(),
            },
            "references": references_json(self.references),
        }


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _state_share(p: Parameters, group: str, on: date, used: list[Value]) -> Fraction:
    v = p.get(f"hi.state_support.{group}", on)
    used.append(v)
    return Fraction(v.value)


def decide(facts: Facts, on: date | str, params: Parameters | None = None) -> Eligibility:
    on = as_date(on)
    p = params_or_default(params)
    used: list[Value] = []
    if facts.died_on is not None and facts.died_on <= on:
        no = Decision(False, DECEASED)
        return Eligibility(on, no, no, (), no)

    in_force = subsidised_groups(p, on)
    # state-paid (tier 3) before state-supported (tier 4); the register's groups in the register's order, then
    # the groups that rest on papers
    mine = [g for g in facts.register_groups if g in in_force]
    shares = {g: _state_share(p, g, on, used) for g in mine}
    mine.sort(key=lambda g: (shares[g] < 1, _position(g, facts.register_tellable)))
    papers = [
        g
        for g in in_force
        if g not in facts.register_tellable and PAPER_GROUP_NEEDS.get(g, g) in (g, *facts.register_groups)
    ]

    if facts.compulsory_si:
        hi_household = hi_group = Decision(False, EMPLOYEE, EMPLOYEE)
        groups: tuple[str, ...] = ()
    elif facts.pension_recipient:
        hi_household = hi_group = Decision(False, PENSION_RECIPIENT, PENSION_RECIPIENT)
        groups = ()
    elif mine:
        first = mine[0]
        tier_paid = shares[first] >= 1
        hi_household = Decision(False, STATE_PAID_GROUP if tier_paid else STATE_SUPPORTED_GROUP, first)
        # the register's groups of the first tier, then groups on papers that come no later in the order
        same_tier = [g for g in mine if (shares[g] >= 1) == tier_paid]
        paper_ok = [g for g in papers if not tier_paid or _state_share(p, g, on, used) >= 1]
        groups = tuple(same_tier + paper_ok)
        hi_group = Decision(True)
    else:
        hi_household = Decision(True)
        groups = tuple(papers)
        hi_group = Decision(bool(groups), None if groups else NOT_IN_GROUP)

    min_age = p.get("vsi.min_age", on) if p.parameter("vsi.min_age").in_force(on) else None
    if min_age is not None:
        used.append(min_age)
    if min_age is None:  # before voluntary SI as ansinh knows it (Law 58/2014, from 2016)
        vsi = Decision(False, NOT_IN_FORCE)
    elif facts.compulsory_si:
        vsi = Decision(False, EMPLOYEE, EMPLOYEE)
    elif facts.pension_recipient:
        vsi = Decision(False, PENSION_RECIPIENT, PENSION_RECIPIENT)
    elif age_on(facts.born, on) < min_age.value:
        vsi = Decision(False, TOO_YOUNG, limit=min_age.value)
    else:
        vsi = Decision(True)
    return Eligibility(on, hi_household, hi_group, groups, vsi, tuple(used))


def _position(group: str, order: Iterable[str]) -> int:
    order = list(order)
    return order.index(group) if group in order else len(order)
