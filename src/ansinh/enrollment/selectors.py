"""Reads of enrollments and coverage, scoped to the user's areas."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.db import connection
from django.db.models import Q, QuerySet

from ansinh.core.access import not_found, scope_for
from ansinh.registry.selectors import statuses_on

from .models import Enrollment, HICoverage

# The subsidised health-insurance groups the register can tell, the most supported first (the state pays all
# for the first five).
REGISTER_HI_GROUPS = (
    "child_under_6",
    "poor",
    "social_assistance",
    "atk_commune",
    "ethnic_minority_listed_commune",
    "near_poor",
    "student",
    "agricultural_average",
)


def hi_groups_of(*, person, on: dt.date, statuses=None) -> set[str]:
    """The subsidised groups among REGISTER_HI_GROUPS that the registry's statuses on the date
    (``registry.selectors.statuses_on``; ``statuses`` if the caller has read them) put a person in. A child is
    one until the age of ``cards.rules.child_months`` (72 months, the law's "under 6"); a pupil or student is one
    by the register's status (the school or university's list), whatever the age."""
    from ansinh.rules import cards as card_rules
    from ansinh.rules._util import add_months

    s = statuses if statuses is not None else statuses_on(person, on)
    child_months = card_rules.child_months(on)
    found = {
        "child_under_6": add_months(person.birth_date, child_months) > on,
        "poor": s.poverty == "poor",
        "social_assistance": s.social_assistance,
        "atk_commune": s.atk_commune,
        "ethnic_minority_listed_commune": s.ethnic_minority_listed_commune,
        "near_poor": s.poverty == "near_poor",
        "student": s.is_student,
        "agricultural_average": s.agricultural_household,
    }
    return {group for group, yes in found.items() if yes}


def eligibility(*, person, on: dt.date, coverage_end: dt.date | None | bool = False):
    """Which schemes the law lets ``person`` join on ``on`` (``ansinh.rules.eligibility``: the law's order of
    groups), from the register's statuses on that day (ADR 0031), and — office policy — not while a card runs
    more than RENEWAL_WINDOW_DAYS beyond ``on`` (a renewal continues after the current card; a purchase inside it
    is refused with its end date). ``coverage_end``: the latest card end if the caller has read it (None: no card);
    otherwise it is read here. The one rule the desk, the API, quotes, lists, imports, the field kit and the demo
    call."""
    from ansinh.rules import eligibility as rule

    from .policy import RENEWAL_WINDOW_DAYS

    statuses = statuses_on(person, on)
    facts = rule.Facts(
        born=person.birth_date,
        died_on=person.died_on,
        compulsory_si=statuses.employment == "formal",
        pension_recipient=statuses.pension_recipient,
        register_groups=frozenset(hi_groups_of(person=person, on=on, statuses=statuses)),
        register_tellable=REGISTER_HI_GROUPS,
    )
    decided = rule.decide(facts, on)
    if coverage_end is False:
        coverage_end = (
            HICoverage.objects.filter(person=person, is_void=False)
            .order_by("-valid_to")
            .values_list("valid_to", flat=True)
            .first()
        )
    if not isinstance(coverage_end, dt.date):
        return decided
    if (coverage_end - on).days > RENEWAL_WINDOW_DAYS:
        covered = rule.Decision(False, rule.ALREADY_COVERED)
        hi_household = covered if decided.hi_household.allowed else decided.hi_household
        hi_group = covered if decided.hi_group.allowed else decided.hi_group
        return replace(decided, hi_household=hi_household, hi_group=hi_group, covered_until=coverage_end)
    return replace(decided, covered_until=coverage_end)


def eligibility_json(*, user, person_id: int, on: dt.date) -> dict:
    """A person's eligibility on a date as the API and the CLI show it: each scheme with its reason in the
    reader's language. The person is read like any other (not found = not permitted)."""
    from ansinh.core.rule_errors import eligibility_message
    from ansinh.registry.selectors import person_get

    person = person_get(user=user, person_id=person_id)
    out = eligibility(person=person, on=on).to_json()
    for scheme, decision in out["schemes"].items():
        decision["message"] = (
            None
            if decision["allowed"]
            else eligibility_message(
                person.full_name,
                scheme,
                decision["reason_code"],
                decision.get("covered_by"),
                decision.get("limit"),
            )
        )
        if decision["reason_code"] == "already_covered":
            decision["message"] = _already_covered_message(person.full_name, out["covered_until"])
    out["person_id"] = person.pk
    return out


def _already_covered_message(name: str, until: str | None) -> str:
    from django.utils.translation import gettext as _

    from ansinh.core.dates import format_date

    from .policy import RENEWAL_WINDOW_DAYS

    day = format_date(dt.date.fromisoformat(until)) if until else ""
    return _("%(name)s is already covered until %(date)s; renewal opens %(days)s days before that.") % {
        "name": name,
        "date": day,
        "days": RENEWAL_WINDOW_DAYS,
    }


def vsi_income_floor(*, on: dt.date) -> int:
    """The lowest monthly income voluntary SI takes on a date (the rural poverty line): the desk's hint."""
    from ansinh.rules import vsi

    return vsi.income_floor(on)


def payment_months(*, on: dt.date) -> list[tuple[int, bool]]:
    """The numbers of months the desk offers on a date, longest first, each with whether only voluntary SI is
    paid for it: the union of ``hi.payment_periods`` and ``vsi.payment_modes`` (the rules refuse the others)."""
    from ansinh.rules import hi, vsi

    hi_periods = set(hi.payment_periods(on))
    vsi_modes = set(vsi.payment_modes(on))
    return [(n, n not in hi_periods) for n in sorted(hi_periods | vsi_modes, reverse=True)]


def hi_group_suggested(*, person, on: dt.date) -> str | None:
    """The group the desk preselects and the demo enrolls: the most supported of the person's groups, or None.
    A suggestion only: the agent chooses, and a group the register can tell is checked for every person quoted
    (enrollment.services.compute_quote)."""
    mine = hi_groups_of(person=person, on=on)
    return next((g for g in REGISTER_HI_GROUPS if g in mine), None)


def enrollments_for_user(*, user) -> QuerySet[Enrollment]:
    scope = scope_for(user)
    q = scope.areas_q(prefix="point__area__")
    if getattr(user, "pk", None):
        q |= Q(created_by=user)
    return Enrollment.objects.filter(q).select_related("point", "payment")


def enrollment_get(*, user, enrollment_id: int) -> Enrollment:
    enrollment = enrollments_for_user(user=user).filter(pk=enrollment_id).first()
    if enrollment is None:
        raise not_found()
    return enrollment


def coverage_of(*, person) -> QuerySet[HICoverage]:
    return HICoverage.objects.filter(person=person).select_related("enrollment").order_by("-valid_to")


def current_coverage(*, person, on: dt.date) -> HICoverage | None:
    return (
        HICoverage.objects.filter(person=person, is_void=False, valid_from__lte=on, valid_to__gte=on)
        .order_by("-valid_to")
        .first()
    )


def coverage_facts(*, person_ids: list[int], household_year: int | None) -> list[tuple]:
    """(person id, valid to, group, paid on, facility id, facility code, facility name) of every
    non-void coverage span of these persons and, with
    ``household_year``, of the household-scheme spans paid in that year by the other current members of the first
    person's household: what the desk checks once the people are locked (latest card end, household rank).

    Plain SQL (portable: SQLite and PostgreSQL): it runs in every enrollment, and the ORM took a millisecond of
    CPU to build it, over ten times what the database then spends on it (ADR 0009). The household's members are
    read first, so that the coverage is read by person through its index, one row per card each ever held: the
    read stays small whatever the size of the database. (Written as one statement with an OR between the persons
    and the household's payments, PostgreSQL read the whole coverage table for every enrollment: 14 ms a payment
    in a 10,000-person province with its history, growing with the table.)"""
    from ansinh.areas.models import HealthFacility
    from ansinh.registry.models import Membership

    from .models import Enrollment

    qn = connection.ops.quote_name
    coverage, enrollment = qn(HICoverage._meta.db_table), qn(Enrollment._meta.db_table)
    membership = qn(Membership._meta.db_table)
    facility = qn(HealthFacility._meta.db_table)
    with connection.cursor() as cursor:
        others: list[int] = []
        if household_year is not None:
            cursor.execute(
                f"SELECT m.person_id FROM {membership} m WHERE m.ended_on IS NULL AND m.household_id ="  # noqa: S608
                f" (SELECT h.household_id FROM {membership} h WHERE h.person_id = %s AND h.ended_on IS NULL"
                " LIMIT 1)",
                [person_ids[0]],
            )
            own = set(person_ids)
            others = [pid for (pid,) in cursor.fetchall() if pid not in own]
        everyone = [*person_ids, *others]
        sql = (
            f"SELECT c.person_id, c.valid_to, c.{qn('group')}, e.paid_on, f.id, f.code, f.name"  # noqa: S608
            f" FROM {coverage} c LEFT JOIN {enrollment} e ON e.id = c.enrollment_id"
            f" LEFT JOIN {facility} f ON f.id = c.facility_id"
            f" WHERE c.is_void = %s AND c.person_id IN ({', '.join(['%s'] * len(everyone))})"
        )
        params: list = [False, *everyone]
        if others and household_year is not None:  # other members: only their household cards of that year
            sql += (
                f" AND (c.person_id IN ({', '.join(['%s'] * len(person_ids))})"
                f" OR (c.{qn('group')} = %s AND e.paid_on BETWEEN %s AND %s))"
            )
            params += [
                *person_ids,
                "household",
                dt.date(household_year, 1, 1),
                dt.date(household_year, 12, 31),
            ]
        cursor.execute(sql, params)
        return cursor.fetchall()


def renewal_status(*, persons, on: dt.date) -> list[dict]:
    """Each person's latest card and whether the desk can sell them one now (the renewal window of
    enrollment_create: a card with more than RENEWAL_WINDOW_DAYS left cannot be renewed yet)."""
    from .policy import RENEWAL_WINDOW_DAYS

    rows = []
    for person in persons:
        cover = coverage_of(person=person).filter(is_void=False).first()
        renew_from = cover.valid_to - dt.timedelta(days=RENEWAL_WINDOW_DAYS) if cover else None
        rows.append(
            {
                "person": person,
                "cover": cover,
                "covered_now": bool(cover and cover.valid_from <= on <= cover.valid_to),
                "blocked": bool(renew_from and on < renew_from),
                "renew_from": renew_from,
            }
        )
    return rows


def remember_written(enrollment: Enrollment, *, receipt, hi_coverage: list, vsi_contributions: list) -> None:
    """Keeps on the enrollment the rows a service has just written for it (the receipt or None, the coverage
    spans with their cards, the contribution months), so that enrollment_json answers without reading them back."""
    enrollment._written = {  # type: ignore[attr-defined]
        "receipt": receipt,
        "hi_coverage": hi_coverage,
        "vsi_contributions": vsi_contributions,
    }


def facility_json(facility) -> dict | None:
    return None if facility is None else {"code": facility.code, "name": facility.name}


def enrollment_json(enrollment: Enrollment) -> dict:
    from ansinh.payments.models import Receipt

    payment = getattr(enrollment, "payment", None)  # no query when the service has just written it
    written = getattr(enrollment, "_written", None)
    if written is not None:
        receipt, coverage, vsi = written["receipt"], written["hi_coverage"], written["vsi_contributions"]
    else:
        receipt = Receipt.objects.filter(enrollment=enrollment).first()
        coverage = list(enrollment.hi_coverage.select_related("card", "facility").order_by("pk"))
        vsi = list(enrollment.vsi_contributions.order_by("pk"))
    return {
        "id": enrollment.pk,
        "status": enrollment.status,
        "scheme": enrollment.scheme,
        "paid_on": enrollment.paid_on.isoformat(),
        "backdated": enrollment.backdated,
        "months": enrollment.months,
        "point_id": enrollment.point_id,
        "activity_id": enrollment.activity_id,
        "total_payable": enrollment.total_payable,
        "members": [
            {
                k: m.get(k)
                for k in (
                    "person_id",
                    "full_name",
                    "rank",
                    "group",
                    "monthly_premium",
                    "premium",
                    "support",
                    "payable",
                )
            }
            for m in enrollment.quote["members"]
        ],
        "payment": None
        if payment is None
        else {
            "method": payment.method,
            "status": payment.status,
            "amount": payment.amount,
            "reference": payment.reference,
            "vietqr": payment.qr_payload or None,
        },
        "receipt": None
        if receipt is None
        else {
            "id": receipt.pk,
            "number": receipt.display_number,
            "amount": receipt.amount,
            "tendered": receipt.tendered,
            "change": receipt.change,
            "method": receipt.method,
            "paid_on": receipt.paid_on.isoformat(),
            "void": receipt.is_void,
        },
        "coverage": [
            {
                "person_id": c.person_id,
                "valid_from": c.valid_from.isoformat(),
                "valid_to": c.valid_to.isoformat(),
                "group": c.group,
                "benefit_level": c.benefit_level,
                "rule": c.rule,
                "facility": facility_json(c.facility),
                "void": c.is_void,
                "card_id": getattr(getattr(c, "card", None), "pk", None),
            }
            for c in coverage
        ],
        "vsi": [
            {
                "person_id": v.person_id,
                "first_month": v.first_month.isoformat()[:7],
                "last_month": v.last_month.isoformat()[:7],
                "months": v.months,
                "monthly_contribution": v.monthly_contribution,
                "monthly_support": v.monthly_support,
                "void": v.is_void,
            }
            for v in vsi
        ],
        "cards": [
            {"id": c.card.pk, "number": c.card.number, "person_id": c.person_id}
            for c in coverage
            if getattr(c, "card", None) is not None
        ],
        "vssid_install_assisted": enrollment.vssid_install_assisted,
        "cashless_switched": enrollment.cashless_switched,
    }
