"""Typed errors of the rules package.

`RuleError` is what a formula raises on bad input or on a date outside the law's dated values; the doors map
it to exit code 2 (CLI) or 422 (API) with ``{code, message, field}``. `ParameterError` is raised by the
loader when a parameter file is malformed; it names the file and the line.
"""

from __future__ import annotations

from enum import StrEnum


class RuleErrorCode(StrEnum):
    PARAMETER_UNKNOWN = "parameter.unknown"
    PARAMETER_NOT_IN_FORCE = "parameter.not_in_force"
    PARAMETER_ENDED = "parameter.ended"
    HI_UNKNOWN_GROUP = "hi.unknown_group"
    HI_GROUP_NOT_IN_FORCE = "hi.group_not_in_force"
    HI_PERIOD_NOT_ALLOWED = "hi.period_not_allowed"
    HI_NO_MEMBERS = "hi.no_members"
    HI_TOO_MANY_MEMBERS = "hi.too_many_members"
    VSI_UNKNOWN_GROUP = "vsi.unknown_group"
    VSI_INCOME_BELOW_FLOOR = "vsi.income_below_floor"
    VSI_INCOME_ABOVE_CEILING = "vsi.income_above_ceiling"
    VSI_MODE_NOT_ALLOWED = "vsi.mode_not_allowed"
    VSI_ADVANCE_TOO_LONG = "vsi.advance_too_long"
    VSI_BAD_MONTHS = "vsi.bad_months"
    VSI_MISSING_YEARS_NOT_AT_AGE = "vsi.missing_years_not_at_retirement_age"
    VSI_MISSING_YEARS_TOO_MANY = "vsi.missing_years_too_many"
    VSI_MISSING_YEARS_NONE = "vsi.missing_years_none"
    CARD_BAD_MONTHS = "card.bad_months"
    CARD_BAD_DATES = "card.bad_dates"
    CARD_ALREADY_COVERED = "card.already_covered"
    PENSION_BAD_INPUT = "pension.bad_input"
    BAD_INPUT = "input.invalid"
    DATE_OUT_OF_RANGE = "input.date_out_of_range"


class RuleError(ValueError):
    """A rule refused its input: ``code`` is stable, ``message`` names the rule and the limit."""

    def __init__(
        self, code: RuleErrorCode | str, message: str, field: str | None = None, limit: object | None = None
    ) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.field = field
        self.limit = limit

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message, "field": self.field}
        if self.limit is not None:
            out["limit"] = self.limit if isinstance(self.limit, int | str) else str(self.limit)
        return out

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ParameterError(Exception):
    """A parameter file is malformed. The message starts with ``file:line:``."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")
