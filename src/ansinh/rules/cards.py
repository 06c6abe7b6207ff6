"""Health-insurance card validity (household scheme and children under 6).

Legal basis: Law on Health Insurance 25/2008/QH12 as amended by Law 46/2014/QH13, Art. 16(3), kept by Law
51/2024/QH15: a first-time participant, or one back after a gap of 3 months or more, is covered 30 days after
payment; a renewal paid before the old card expires follows on from it; one paid within 3 months after expiry
is valid from the payment date. A child under 6 is covered to the end of the month it turns 72 months, and to
30 September of that year if it turns 72 months before the school year starts.

Rule names (``rule`` in the output): ``first_time_30_days``, ``gap_30_days``, ``continuous_renewal``,
``renewal_within_gap``, ``child_under_6``.

The gap is counted from the first uncovered day (``previous_valid_to`` + 1): a payment made less than
``gap_months`` months after it is a renewal within the gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ._util import add_months, as_date, check_int, end_of_month
from .errors import RuleError, RuleErrorCode
from .params import Parameters, Value, params_or_default, references_json

MAX_MONTHS = 60


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
    if not 1 <= months <= MAX_MONTHS:
        raise RuleError(
            RuleErrorCode.CARD_BAD_MONTHS,
            f"card period must be between 1 and {MAX_MONTHS} months, got {months}",
            field="months",
            limit=MAX_MONTHS,
        )
    p = params_or_default(params)
    used: list[Value] = []

    if born_d is not None:
        if born_d > paid_on:
            raise RuleError(RuleErrorCode.CARD_BAD_DATES, "born is after paid_on", field="born")
        child = p.get("cards.rules.child_months", paid_on)
        turns = add_months(born_d, child.value)
        if paid_on < turns:
            school = p.get("cards.rules.child_school_start", paid_on)
            used += [child, school]
            mm, dd = (int(x) for x in school.value.split("-"))
            valid_to = max(end_of_month(turns), date(turns.year, mm, dd))
            return CardValidity(paid_on, valid_to, "child_under_6", tuple(used))

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
