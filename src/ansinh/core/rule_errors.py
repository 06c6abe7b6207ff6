"""A rule's refusal in plain words, in the user's language: what every door shows (the desk's services, the
calculator pages, the API's 422 body). The pure ``ansinh.rules`` package raises ``RuleError`` with its own
English text naming the legal source (kept as the detail); the text a person reads is made here."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from ansinh.rules.errors import RuleError, RuleErrorCode

from .dates import format_date
from .errors import ApplicationError, ErrorCode
from .money import format_vnd


def _vnd(x: object) -> str:
    try:
        return format_vnd(int(x))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(x)


def _day(x: object) -> str:
    try:
        return format_date(dt.date.fromisoformat(str(x)))
    except ValueError:
        return str(x)


def or_list(limit: object) -> str:
    """ "3,6,12" -> "3, 6 or 12"."""
    items = [x.strip() for x in str(limit).split(",") if x.strip()]
    if len(items) < 2:
        return ", ".join(items)
    return _("%(some)s or %(last)s") % {"some": ", ".join(items[:-1]), "last": items[-1]}


def rule_error_message(e: RuleError) -> str:
    """What to tell a person at the desk when a rule refuses the input (translated, plain words)."""
    limit = e.limit
    code = e.code
    if code == RuleErrorCode.PARAMETER_NOT_IN_FORCE:
        return _(
            "ansinh knows no legal figures for this date: the earliest date it can quote is %(day)s."
        ) % {"day": _day(limit)}
    if code == RuleErrorCode.PARAMETER_ENDED:
        return _("This rule ended on %(day)s and does not apply on this date.") % {"day": _day(limit)}
    if code in (RuleErrorCode.HI_UNKNOWN_GROUP, RuleErrorCode.VSI_UNKNOWN_GROUP):
        return _("Unknown group. Choose one from the list.")
    if code == RuleErrorCode.HI_GROUP_NOT_IN_FORCE:
        return _("This group has no state support on this date (it starts on %(day)s).") % {
            "day": _day(limit)
        }
    if code == RuleErrorCode.HI_PERIOD_NOT_ALLOWED:
        return _("A health-insurance card is bought for %(months)s months.") % {"months": or_list(limit)}
    if code == RuleErrorCode.HI_NO_MEMBERS:
        return _("Add at least one person.")
    if code == RuleErrorCode.VSI_INCOME_BELOW_FLOOR:
        return _("The income must be at least %(amount)s (the rural poverty line on this date).") % {
            "amount": _vnd(limit)
        }
    if code == RuleErrorCode.VSI_INCOME_ABOVE_CEILING:
        return _("The income can be at most %(amount)s (the ceiling on this date).") % {"amount": _vnd(limit)}
    if code == RuleErrorCode.VSI_MODE_NOT_ALLOWED:
        return _("Voluntary social insurance is paid for %(months)s months at a time.") % {
            "months": or_list(limit)
        }
    if code == RuleErrorCode.VSI_ADVANCE_TOO_LONG:
        return _("Payment in advance is limited to %(years)s years.") % {"years": limit}
    if code == RuleErrorCode.VSI_BAD_MONTHS:
        return _("Choose payment in advance or back-payment, not both.")
    if code == RuleErrorCode.CARD_BAD_MONTHS:
        return _("A card is bought for 1 to %(months)s months.") % {"months": limit}
    if code == RuleErrorCode.CARD_ALREADY_COVERED:
        return _(
            "This person is already covered until %(day)s; a new card cannot lie inside the current one."
        ) % {"day": _day(limit)}
    if code == RuleErrorCode.HI_TOO_MANY_MEMBERS:
        return _("A quote covers at most %(count)s people.") % {"count": limit}
    if code == RuleErrorCode.VSI_MISSING_YEARS_NOT_AT_AGE:
        return _(
            "Only a person at the retirement age may pay the missing years at once; this person may pay them "
            "from %(day)s."
        ) % {"day": _day(limit)}
    if code == RuleErrorCode.VSI_MISSING_YEARS_TOO_MANY:
        return _(
            "The missing years can be paid at once only when at most %(years)s years are missing; pay month by "
            "month instead."
        ) % {"years": limit}
    if code == RuleErrorCode.VSI_MISSING_YEARS_NONE:
        return _("This person has already paid the years needed for a pension: nothing is missing.")
    if code == RuleErrorCode.CARD_BAD_DATES:
        return _("The date of birth is after the payment date.")
    if code == RuleErrorCode.DATE_OUT_OF_RANGE:
        first, _sep, last = str(limit or "1900-2200").partition("-")
        return _("Enter a date between the years %(first)s and %(last)s.") % {"first": first, "last": last}
    if code == RuleErrorCode.BAD_INPUT and limit is not None:
        return _("Enter a whole number of at least %(limit)s.") % {"limit": limit}
    return _("This value cannot be used: %(detail)s") % {"detail": e.message}


def application_error(e: RuleError) -> ApplicationError:
    """The refusal as the services raise errors: invalid, on the rule's field, in plain words."""
    return ApplicationError(ErrorCode.INVALID, rule_error_message(e), field=e.field)


def eligibility_message(
    name: str, scheme: str, reason: str | None, covered_by: str | None = None, limit: object = None
) -> str:
    """Why ``name`` may not join ``scheme`` (hi_household, hi_group, vsi), in the agent's language, from the reason
    codes of ``ansinh.rules.eligibility``."""
    from .group_names import hi_group_label

    who = {"name": name}
    if reason == "deceased":
        return _("%(name)s is recorded as deceased.") % who
    if reason == "employee":
        if scheme == "vsi":
            return _("%(name)s works with a labour contract and is in compulsory social insurance; voluntary SI is "
                     "not for them.") % who
        return _("%(name)s works with a labour contract: the employer pays their health insurance (the law's "
                 "first group), so they do not buy a card here.") % who
    if reason == "pension_recipient":
        if scheme == "vsi":
            return _("%(name)s receives a pension or a monthly SI benefit and cannot join voluntary SI.") % who
        return _("%(name)s receives a pension or SI benefit: the social insurance fund pays their health "
                 "insurance, so they do not buy a card here.") % who
    if reason == "state_paid_group":
        return _("%(name)s is in the group “%(group)s”: the state pays their card. Sell it through that "
                 "group, not as a household card.") % {**who, "group": hi_group_label(covered_by or "")}
    if reason == "state_supported_group":
        return _("%(name)s is in the group “%(group)s”, which the state supports and which comes before "
                 "the household scheme: sell the card through that group.") % {
            **who, "group": hi_group_label(covered_by or "")}
    if reason == "not_in_group":
        if covered_by:
            return _("%(name)s joins through the group “%(group)s”, which comes first in the law's "
                     "order; choose that group.") % {**who, "group": hi_group_label(covered_by)}
        return _("%(name)s is in no group the state supports; sell a household card.") % who
    if reason == "too_young":
        return _("%(name)s is too young: voluntary SI starts at %(age)s years of age.") % {**who, "age": limit}
    if reason == "not_in_force":
        return _("ansinh knows no rules of this scheme on this date.")
    return _("%(name)s cannot join this scheme on this date.") % who
