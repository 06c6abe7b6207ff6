"""The rules over JSON: quotes, card validity, pension estimates and the dated legal parameters.

A thin door onto the pure ``ansinh.rules`` package: the quote bodies are exactly the ``to_json()`` of the
rules (the same JSON as ``ansinh quote hi --json`` and friends). A `RuleError` becomes a 422 with
``{code, message, field, limit, detail}`` (handler in api/main.py, text from `rule_error_message`).
"""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from ansinh.api.types import Day
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.rule_errors import rule_error_message
from ansinh.rules import cards, hi, pension, vsi
from ansinh.rules.errors import RuleError
from ansinh.rules.params import Parameter, default, value_json

router = Router(tags=["rules"])


# ------------------------------------------------------------------------------------------------------
# errors and parameters as JSON


def rule_error_json(e: RuleError) -> dict[str, Any]:
    out: dict[str, Any] = {"code": e.code, "message": rule_error_message(e), "field": e.field}
    if e.limit is not None:
        out["limit"] = e.limit if isinstance(e.limit, int | str) else str(e.limit)
    out["detail"] = e.message  # the rule's own words, naming the legal source and the limit
    return out


def parameter_json(p: Parameter) -> dict[str, Any]:
    return {
        "name": p.name,
        "description": p.description,
        "unit": p.unit,
        "last_checked": p.last_checked.isoformat(),
        "note": p.note,
        "unconfirmed": any(v.unconfirmed for v in p.values),
        "values": [
            {
                "since": v.since.isoformat(),
                "value": value_json(v.value, p.unit),
                "ends": v.value is None,
                "references": [{"title": r.title, "href": r.href} for r in v.references],
                "unconfirmed": v.unconfirmed,
                "note": v.note,
            }
            for v in p.values
        ],
    }


def parameters_json() -> list[dict[str, Any]]:
    params = default()
    return [parameter_json(params.parameter(n)) for n in params.names()]


# ------------------------------------------------------------------------------------------------------
# the answers' schemas: the keys of the rules' to_json() (docs/api.md, "Rules")


class RuleReferenceOut(Schema):
    """A legal value an answer used (``rules.params.Value.reference_json``)."""

    parameter: str
    since: str
    title: str
    unconfirmed: bool
    href: str | list[str] | None = Field(
        None, description="the source's link (a list if several); left out if none"
    )
    note: str | None = Field(None, description="left out when there is none")


class HIMemberQuoteOut(Schema):
    rank: int | None = Field(description="household rank; null for a member of a subsidised group")
    group: str
    monthly_premium: int
    premium: int
    state_share: str = Field(description="a percent string")
    provincial_share: str = Field(description="a percent string")
    state_support: int
    provincial_support: int
    support: int
    payable: int


class HIQuoteOut(Schema):
    on: str
    months: int
    base_salary: int
    province: str | None
    members: list[HIMemberQuoteOut]
    total_premium: int
    total_support: int
    total_payable: int
    unconfirmed: bool
    references: list[RuleReferenceOut]


class VSIQuoteOut(Schema):
    on: str
    income: int
    group: str
    mode: str
    monthly_contribution: int
    state_monthly_support: int
    provincial_monthly_support: int
    monthly_support: int
    monthly_payable: int
    months: int
    supported_months: int
    total_contribution: int
    total_support: int
    total_payable: int
    investment_return: str | None = Field(
        description="the monthly rate as a percent string, where one applies"
    )
    assumptions: list[str]
    unconfirmed: bool
    references: list[RuleReferenceOut]


class GroupMembershipOut(Schema):
    group: str
    since: str
    on: str
    in_group: bool
    ends_on: str | None = Field(description="null for a group without a time limit")
    unconfirmed: bool
    references: list[RuleReferenceOut]


class CardValidityOut(Schema):
    valid_from: str
    valid_to: str
    rule: str
    unconfirmed: bool
    references: list[RuleReferenceOut]


class PensionOut(Schema):
    estimate: bool = Field(description="always true")
    law: str
    sex: str
    born: str | None
    retirement_date: str | None
    pension_start: str
    contribution_months: int
    years_counted: int | str = Field(description='a whole number, or an exact fraction as a string ("61/4")')
    min_years: int
    eligible: bool
    rate: str = Field(description="a percent string")
    average_income: int
    monthly_pension: int
    lump_sum_alternative: int
    lump_sum_allowed: bool
    assumptions: list[str]
    unconfirmed: bool
    references: list[RuleReferenceOut]


class ParameterReferenceOut(Schema):
    title: str
    href: str | None


# A parameter's value as JSON (rules.params.value_json): an integer, a percent or decimal string, a list, a table
# (an object of such values) or null (the parameter ended): its shape is the parameter's own.
ParameterValue = bool | int | str | list[Any] | dict[str, Any] | None


class ParameterValueOut(Schema):
    since: str
    value: ParameterValue = Field(
        description="integers stay integers; shares are percent strings; tables objects"
    )
    ends: bool
    references: list[ParameterReferenceOut]
    unconfirmed: bool
    note: str | None


class ParameterOut(Schema):
    name: str
    description: str
    unit: str
    last_checked: str
    note: str | None
    unconfirmed: bool
    values: list[ParameterValueOut]


# ------------------------------------------------------------------------------------------------------
# endpoints (response bodies are the rules' to_json(): a contract shared with the CLI)
# (exclude_unset: a reference leaves out href and note when it has none, as to_json() does)


def parse_mix(items: list[str]) -> list[tuple[str, int]]:
    """``["household:2,student:1", "poor:1"]`` -> ``[("household", 2), ("student", 1), ("poor", 1)]``; a group
    without a count counts once."""
    out: list[tuple[str, int]] = []
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            name, _sep, count = part.partition(":")
            try:
                n = int(count) if count.strip() else 1
            except ValueError:
                raise ApplicationError(
                    ErrorCode.INVALID,
                    _("Write each group as GROUP:COUNT, for example household:2."),
                    field="mix",
                ) from None
            out.append((name.strip(), n))
    return out


@router.get(
    "/quote/hi",
    response=HIQuoteOut,
    exclude_unset=True,
    summary="Quote household or subsidised health insurance",
)
def quote_hi(
    request,
    on: Day | None = None,
    members: int | None = None,
    months: int = 12,
    province: str | None = None,
    group: list[str] = Query(None),  # noqa: B008 - ninja's way of declaring a repeated query parameter
    mix: list[str] = Query(None),  # noqa: B008
) -> dict[str, Any]:
    """``members=N`` household-scheme members, or ``group=G`` one member of a group; repeat ``group`` for a
    household whose members are in different groups (in order; ``household`` members are ranked); or
    ``mix=household:3,student:1,poor:2`` (or ``mix`` repeated) for a mixed household by counts, in order.
    At most 50 people in one quote."""
    day = on or today()
    groups = [g for g in (group or []) if g]
    mixed = [m for m in (mix or []) if m]
    if (groups and members not in (None, len(groups))) or (mixed and (groups or members is not None)):
        raise ApplicationError(
            ErrorCode.INVALID,
            _("Give the number of members, the groups or the mix of groups, not two of them."),
            field="mix" if mixed else "group",
        )
    if mixed:
        try:
            return hi.quote_mixed(day, parse_mix(mixed), months, province).to_json()
        except RuleError as e:
            if e.field in ("members", "count", "group"):
                e.field = "mix"
            raise
    if groups:
        return hi.quote(day, groups, months, province).to_json()
    return hi.quote_household(day, members if members is not None else 1, months, province).to_json()


@router.get(
    "/group-membership",
    response=GroupMembershipOut,
    exclude_unset=True,
    summary="Whether a person is still in a time-limited HI group on a date",
)
def group_membership(request, group: str, since: Day, on: Day | None = None) -> dict[str, Any]:
    """``since``: the day the commune left the list (ethnic_minority_left_list) or the person was identified
    as a trafficking victim (trafficking_victim)."""
    return hi.group_membership(group, since, on or today()).to_json()


@router.get(
    "/quote/vsi", response=VSIQuoteOut, exclude_unset=True, summary="Quote voluntary social insurance"
)
def quote_vsi(
    request,
    income: int,
    on: Day | None = None,
    months: int = 1,
    advance_years: int | None = None,
    back_months: int | None = None,
    group: list[str] = Query(None),  # noqa: B008
    supported_months_so_far: int = 0,
    province: str | None = None,
    missing_years: bool = False,
    sex: Literal["m", "f"] | None = None,
    born: Day | None = None,
    paid_months: int | None = None,
) -> dict[str, Any]:
    """``missing_years=true`` with ``sex``, ``born`` and ``paid_months`` (months already paid) quotes the
    one-time payment for the missing years; it is refused before the retirement age or beyond the law's limit."""
    groups = [g for g in (group or []) if g] or ["other"]
    if missing_years:
        for name, given in (("sex", sex), ("born", born), ("paid_months", paid_months)):
            if given is None:
                raise ApplicationError(
                    ErrorCode.INVALID,
                    _(
                        "To pay the missing years, give the sex, the date of birth and the months already paid."
                    ),
                    field=name,
                )
        assert sex is not None and born is not None and paid_months is not None
        return vsi.quote_missing_years(
            on or today(), income, sex, born, paid_months, groups, province
        ).to_json()
    return vsi.quote(
        on or today(), income, groups, months, advance_years, back_months, supported_months_so_far, province
    ).to_json()


@router.get(
    "/card-validity",
    response=CardValidityOut,
    exclude_unset=True,
    summary="Validity of a household health-insurance card",
)
def card_validity(
    request,
    paid_on: Day,
    months: int,
    previous_valid_to: Day | None = None,
    born: Day | None = None,
) -> dict[str, Any]:
    return cards.card_validity(paid_on, months, previous_valid_to, born).to_json()


@router.get(
    "/pension",
    response=PensionOut,
    exclude_unset=True,
    summary="Estimate a voluntary-SI pension (always an estimate)",
)
def pension_estimate(
    request,
    sex: Literal["m", "f"],
    years: int,
    average_income: int,
    extra_months: int = 0,
    law: Literal["2014", "2024"] | None = None,
    born: Day | None = None,
    on: Day | None = None,
    support_received: int = 0,
) -> dict[str, Any]:
    return pension.estimate(
        sex,
        born=born,
        years=years,
        months=extra_months,
        average_income=average_income,
        law=law,
        on=on or today(),
        support_received=support_received,
    ).to_json()


@router.get(
    "/parameters",
    response=list[ParameterOut],
    summary="Every legal parameter with its dated values and references",
)
def parameter_list(request) -> list[dict[str, Any]]:
    return parameters_json()


@router.get(
    "/parameters/{name}",
    response=ParameterOut,
    summary="One legal parameter with its dated values and references",
)
def parameter_detail(request, name: str) -> dict[str, Any]:
    params = default()
    if not params.has(name):
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("No legal parameter is called %(name)s.") % {"name": name}
        )
    return parameter_json(params.parameter(name))
