"""Health-insurance card validity (household scheme and children under 6).

Legal basis: Law on Health Insurance 25/2008/QH12 as amended by Law 46/2014/QH13, Art. 16(3), kept by Law
51/2024/QH15: a first-time participant, or one back after a gap of 3 months or more, is covered 30 days after
payment; a renewal paid before the old card expires follows on from it; one paid within 3 months after expiry
is valid from the payment date. A child under 6 is covered to the day it reaches 72 months of age ("đến ngày
trẻ đủ 72 tháng tuổi"), and to 30 September of that year if it reaches 72 months before the school year starts
(that is, on or before 30 September).

A card is bought for one of the periods of ``hi.payment_periods`` on the payment date (3, 6 or 12 months);
any other number of months is refused (``hi.period_not_allowed``), as in the quote.

A new span never overlaps a valid previous one: when ``previous_valid_to`` is on or after the payment day the
new span starts the day after it (a child's card too), and a child's span that would lie entirely inside the
previous one is refused (``card.already_covered``, ``limit`` = the previous end date).

Rule names (``rule`` in the output): ``first_time_30_days``, ``gap_30_days``, ``continuous_renewal``,
``renewal_within_gap``, ``child_under_6``.

The gap is counted from the first uncovered day (``previous_valid_to`` + 1): a payment made less than
``gap_months`` months after it is a renewal within the gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ._util import add_months, as_date, check_int
from .errors import RuleError, RuleErrorCode
from .params import Parameters, Value, params_or_default, references_json


@dataclass(frozen=True)
class CardValidity:
    valid_from: date
    valid_to: date
    rule: str
    references: tuple[Value, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
            "rule": self.rule,
            "unconfirmed": any(v.unconfirmed for v in self.references),
            "references": references_json(self.references),
        }


def _period_end(start: date, months: int) -> date:
    return add_months(start, months) - timedelta(days=1)


def child_card_end(born: date, child_months: int, school_start: str) -> date:
    """Last day of a child's card: the day the child reaches ``child_months`` months of age, or the school-start
    day ("MM-DD", 30 September) of that year when the child reaches that age on or before it."""
    turns = add_months(born, child_months)
    mm, dd = (int(x) for x in school_start.split("-"))
    return max(turns, date(turns.year, mm, dd))


def card_validity(
    paid_on: date | str,
    months: int,
    previous_valid_to: date | str | None = None,
    born: date | str | None = None,
    params: Parameters | None = None,
) -> CardValidity:
    """Validity of the card bought on ``paid_on`` for ``months`` months."""
    paid_on = as_date(paid_on, "paid_on")
    prev = as_date(previous_valid_to, "previous_valid_to") if previous_valid_to is not None else None
    born_d = as_date(born, "born") if born is not None else None
    months = check_int(months, "months")
    p = params_or_default(params)
    periods = p.get("hi.payment_periods", paid_on)
    used: list[Value] = [periods]
    if months not in periods.value:
        raise RuleError(
            RuleErrorCode.HI_PERIOD_NOT_ALLOWED,
            f"HI card period of {months} months is not allowed on {paid_on.isoformat()}: allowed "
            f"{', '.join(map(str, periods.value))} months ({periods.references[0].title})",
            field="months",
            limit=",".join(map(str, periods.value)),
        )

    if born_d is not None:
        if born_d > paid_on:
            raise RuleError(RuleErrorCode.CARD_BAD_DATES, "born is after paid_on", field="born")
        child = p.get("cards.rules.child_months", paid_on)
        turns = add_months(born_d, child.value)
        if paid_on < turns:
            school = p.get("cards.rules.child_school_start", paid_on)
            used += [child, school]
            valid_to = child_card_end(born_d, child.value, school.value)
            start = paid_on if prev is None or prev < paid_on else prev + timedelta(days=1)
            if start > valid_to:
                assert prev is not None
                raise RuleError(
                    RuleErrorCode.CARD_ALREADY_COVERED,
                    f"the child is covered until {prev.isoformat()}, after the child card would end "
                    f"({valid_to.isoformat()}): a new span would lie inside the current one",
                    field="previous_valid_to",
                    limit=prev.isoformat(),
                )
            return CardValidity(start, valid_to, "child_under_6", tuple(used))

    waiting = p.get("cards.rules.waiting_days", paid_on)
    if prev is None:
        used.append(waiting)
        start = paid_on + timedelta(days=waiting.value)
        return CardValidity(start, _period_end(start, months), "first_time_30_days", tuple(used))
    if paid_on <= prev:
        start = prev + timedelta(days=1)
        return CardValidity(start, _period_end(start, months), "continuous_renewal", tuple(used))
    gap = p.get("cards.rules.gap_months", paid_on)
    used.append(gap)
    if paid_on < add_months(prev + timedelta(days=1), gap.value):
        return CardValidity(paid_on, _period_end(paid_on, months), "renewal_within_gap", tuple(used))
    used.append(waiting)
    start = paid_on + timedelta(days=waiting.value)
    return CardValidity(start, _period_end(start, months), "gap_30_days", tuple(used))


# The state of a coverage span (a card) on a day: one definition for /verify, the person's record and the API.
IN_FORCE = "in_force"
NOT_YET = "not_yet_in_force"
EXPIRED = "expired"
VOID = "void"


def coverage_state(valid_from: date | str, valid_to: date | str, on: date | str, *, void: bool = False) -> str:
    """``void`` (its receipt voided), ``not_yet_in_force`` (starts after ``on``: a first card waits 30 days),
    ``expired`` (ended before ``on``) or ``in_force``."""
    if void:
        return VOID
    start, end, day = as_date(valid_from, "valid_from"), as_date(valid_to, "valid_to"), as_date(on, "on")
    if day < start:
        return NOT_YET
    if day > end:
        return EXPIRED
    return IN_FORCE


def facility_change_allowed(on: date | str, params: Parameters | None = None) -> tuple[bool, Value]:
    """Whether a participant may move to another primary-care facility on ``on`` (the start of a quarter: Law on HI
    Art. 26(1)), with the parameter value used."""
    p = params_or_default(params)
    months = p.get("hi.facility_change_months", as_date(on))
    return as_date(on).month in months.value, months


def child_months(on: date | str, params: Parameters | None = None) -> int:
    """The age in months under which a child is in the state-paid children's group (72: "under 6")."""
    return int(params_or_default(params).get("cards.rules.child_months", as_date(on)).value)


def full_card_code(
    group: str, province_code: str, si_number: str, on: date | str, params: Parameters | None = None
) -> tuple[str, int, str]:
    """The group code, the benefit level and the 15-character card code: code + level + the province's 2 digits +
    the 10-digit SI number (Decision 1351/QĐ-BHXH)."""
    code, level = card_code(group, on, params)
    return code, level, f"{code}{level}{province_code[-2:].zfill(2)}{si_number}"


def card_code(group: str, on: date | str, params: Parameters | None = None) -> tuple[str, int]:
    """The group's two-letter code and benefit level printed in the card code on ``on`` (``cards.card_codes``;
    a group without its own code takes ``other``'s)."""
    p = params_or_default(params)
    name = f"cards.card_codes.{group}" if p.has(f"cards.card_codes.{group}") else "cards.card_codes.other"
    value = p.get(name, as_date(on)).value
    return str(value["code"]), int(value["level"])
