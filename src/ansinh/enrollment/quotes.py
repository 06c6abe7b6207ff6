"""Quoting at the desk: who is quoted (the people read and checked), the one eligibility rule applied
(check_eligible), the household rank, and the quote from the rules as the desk shows it and as a payment freezes
it. The payment itself is services.py; new-or-renewal flags participation.py; voids voids.py."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.core.access import has_capability, require
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.rule_errors import application_error, eligibility_message
from ansinh.registry.models import Person
from ansinh.registry.selectors import statuses_on
from ansinh.rules import hi, vsi
from ansinh.rules.errors import RuleError

from . import selectors
from .models import Error, HICoverage, Quote, Scheme, VSIContribution
from .policy import QUOTE_VALIDITY

HOUSEHOLD = "household"


def _persons(actor, person_ids: list[int], *, lock: bool = False) -> list[Person]:
    """The people, in the order given, each visible to the actor and alive. With ``lock`` they are read with a row
    lock taken in id order (SELECT … FOR UPDATE): a concurrent enrollment of any of them waits here, then reads
    the coverage the other one committed."""
    from ansinh.registry.selectors import persons_for_user

    if not person_ids:
        raise ApplicationError(ErrorCode.INVALID, _("Choose at least one person."), field="person_ids")
    if len(set(person_ids)) != len(person_ids):
        raise ApplicationError(ErrorCode.INVALID, _("A person is listed twice."), field="person_ids")
    if lock:
        rows = persons_for_user(user=actor, details=False).filter(pk__in=person_ids)
        rows = rows.order_by("pk").select_for_update()
    else:
        rows = persons_for_user(user=actor).filter(pk__in=person_ids)
    found = {p.pk: p for p in rows}
    people = []
    for pid in person_ids:
        person = found.get(pid)
        if person is None:  # missing, or outside the actor's areas: the same answer
            raise ApplicationError(
                ErrorCode.NOT_FOUND, _("Person %(id)s is not found.") % {"id": pid}, field="person_ids"
            )
        if person.died_on:
            raise ApplicationError(
                ErrorCode.INVALID,
                _("%(name)s is recorded as deceased.") % {"name": person.full_name},
                field="person_ids",
            )
        people.append(person)
    return people


class Quotable(Protocol):
    """What a quote reads of a person: a Person, or a lighter record read in bulk (a target list's candidates)."""

    @property
    def pk(self) -> int: ...
    @property
    def full_name(self) -> str: ...
    @property
    def province_code(self) -> str: ...
    @property
    def ethnicity(self) -> str: ...
    @property
    def poverty(self) -> str: ...
    @property
    def island_commune(self) -> bool: ...
    @property
    def statuses_since(self) -> dt.date | None: ...


def _household_rank_offset(persons: Sequence[Quotable], on: dt.date) -> int:
    """Household members already enrolled through the household scheme this year count before these ones
    (docs/domain.md, "The rules in brief": the reduction counts household-scheme members of one fiscal year): the
    holders ``household_rank_offsets`` finds in the first person's household, other than these people. (The desk's
    payment reads the same set in the same query as the coverage ends: ``_coverage_before``.)"""
    from ansinh.registry.models import Membership

    membership = Membership.objects.filter(person_id=persons[0].pk, ended_on__isnull=True).first()
    if membership is None:
        return 0
    holders = household_rank_offsets(households=[membership.household_id], on=on).get(membership.household_id)
    return len((holders or set()) - {p.pk for p in persons})


def household_rank_offsets(*, households: list[int], on: dt.date) -> dict[int, set[int]]:
    """Who already holds a household-scheme card paid in ``on``'s year, by household, for many households at once:
    the people who count before new members (_household_rank_offset). One query: the cards joined to their
    holders' current memberships."""
    out: dict[int, set[int]] = defaultdict(set)
    for household_id, person_id in (
        HICoverage.objects.filter(
            person__memberships__household_id__any=households,
            person__memberships__ended_on__isnull=True,
            group=HOUSEHOLD,
            is_void=False,
            enrollment__paid_on__year=on.year,
        )
        .values_list("person__memberships__household_id", "person_id")
        .distinct()
    ):
        out[household_id].add(person_id)
    return out


def vsi_groups_of(person: Quotable, on: dt.date) -> list[str]:
    """The voluntary-SI support groups of a person on the payment day, from their statuses of that day."""
    statuses = statuses_on(person, on)
    groups = ["other"]
    if statuses.poverty == "poor":
        groups.append("poor")
    if statuses.poverty == "near_poor":
        groups.append("near_poor")
    if person.ethnicity != "01":
        groups.append("ethnic_minority")
    if statuses.island_commune:
        groups.append("island")
    return groups


def supported_months_so_far(person: Quotable) -> int:
    from django.db.models import Sum

    rows = VSIContribution.objects.filter(person_id=person.pk, is_void=False)
    return rows.aggregate(s=Sum("supported_months"))["s"] or 0


def check_eligible(
    persons: Sequence[Person],
    scheme: str,
    group: str | None,
    on: dt.date,
    ends: dict[int, dt.date] | None = None,
) -> None:
    """Refuses a quote or a payment for anyone the law places elsewhere (selectors.eligibility, the one rule):
    422 ``eligibility.<reason>`` in the agent's words. A card running beyond the renewal window stays a 409
    conflict ("already covered until …", _hi_plan), which the payment checks under the people's locks."""
    for person in persons:
        coverage_end = ends.get(person.pk) if ends is not None else None
        decision = selectors.eligibility(person=person, on=on, coverage_end=coverage_end).allows(
            scheme, group
        )
        if not decision.allowed and decision.reason != "already_covered":
            raise ApplicationError(
                Error(f"eligibility.{decision.reason}"),
                eligibility_message(
                    person.full_name, scheme, decision.reason, decision.covered_by, decision.limit
                ),
                field="person_ids",
                status=422,
            )


def compute_quote(
    *,
    scheme: str,
    persons: Sequence[Quotable],
    months: int,
    on: dt.date,
    group: str | None = None,
    income: int | None = None,
    rank_offset: int | None = None,
    supported_so_far: int | None = None,
) -> dict[str, Any]:
    """The quote for these people, from the rules, as the desk shows it and as it is frozen at payment.
    ``rank_offset`` / ``supported_so_far`` may be given by a caller that has read them for many households at once
    (household_rank_offsets); otherwise they are read here."""
    province = persons[0].province_code
    try:
        if scheme in (Scheme.HI_HOUSEHOLD, Scheme.HI_GROUP):
            if scheme == Scheme.HI_HOUSEHOLD:
                offset = _household_rank_offset(persons, on) if rank_offset is None else rank_offset
                result = hi.quote(on, [HOUSEHOLD] * (offset + len(persons)), months, province).to_json()
                result["members"] = result["members"][offset:]
            else:
                if not group:
                    raise ApplicationError(ErrorCode.INVALID, _("Choose the group."), field="group")
                result = hi.quote(on, [group] * len(persons), months, province).to_json()
            members = [
                {"person_id": p.pk, "full_name": p.full_name, **m}
                for p, m in zip(persons, result["members"], strict=True)
            ]
            total = sum(m["payable"] for m in members)
        elif scheme == Scheme.VSI:
            if len(persons) != 1:
                raise ApplicationError(
                    ErrorCode.INVALID, _("Voluntary SI is for one person at a time."), field="person_ids"
                )
            if income is None:
                raise ApplicationError(
                    ErrorCode.INVALID, _("Enter the chosen monthly income."), field="income"
                )
            person = persons[0]
            groups = [group] if group else vsi_groups_of(person, on)
            result = vsi.quote(
                on,
                income,
                groups,
                months,
                supported_months_so_far=(
                    supported_months_so_far(person) if supported_so_far is None else supported_so_far
                ),
                province=province,
            ).to_json()
            members = [
                {
                    "person_id": person.pk,
                    "full_name": person.full_name,
                    "rank": None,
                    "group": result.get("group"),
                    "monthly_premium": result["monthly_contribution"],
                    "premium": result.get("total_contribution", result["monthly_contribution"] * months),
                    "support": result.get("total_support", 0),
                    "payable": result["total_payable"],
                }
            ]
            total = result["total_payable"]
        else:
            raise ApplicationError(
                ErrorCode.INVALID, _("Unknown scheme %(s)s.") % {"s": scheme}, field="scheme"
            )
    except RuleError as e:
        raise application_error(e) from None
    return {
        "scheme": scheme,
        "on": on.isoformat(),
        "months": months,
        "group": group,
        "income": income,
        "members": members,
        "total_payable": total,
        "rules": result,
    }


def _paid_on(actor, paid_on: dt.date | None) -> tuple[dt.date, bool]:
    day = today()
    if paid_on is None or paid_on == day:
        return day, False
    if paid_on > day:
        raise ApplicationError(
            ErrorCode.INVALID, _("A payment date cannot be in the future."), field="paid_on"
        )
    if not has_capability(actor, "enrollment.backdate"):
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED,
            _("You may not record a payment made on an earlier day."),
            field="paid_on",
        )
    return paid_on, True


@transaction.atomic
def quote_create(
    *,
    actor,
    scheme: str,
    person_ids: list[int],
    months: int = 12,
    group: str | None = None,
    income: int | None = None,
    on: dt.date | None = None,
) -> Quote:
    require(actor, "enrollment.create")
    on, _backdated = _paid_on(actor, on)
    persons = _persons(actor, person_ids)
    check_eligible(persons, scheme, group, on)
    result = compute_quote(scheme=scheme, persons=persons, months=months, on=on, group=group, income=income)
    return Quote.objects.create(
        id=uuid.uuid4(),
        scheme=scheme,
        result=result,
        total_payable=result["total_payable"],
        request={
            "scheme": scheme,
            "person_ids": person_ids,
            "months": months,
            "group": group,
            "income": income,
            "on": on.isoformat(),
        },
        province_code=persons[0].province_code,
        created_by=actor if getattr(actor, "pk", None) else None,
        expires_at=timezone.now() + QUOTE_VALIDITY,
    )
