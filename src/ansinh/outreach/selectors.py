"""Reads for outreach, scoped to the acting user's areas (house rule 3).

``target_candidates`` is the heart of a target list: who, in the chosen communes and villages, meets which
criterion on a date, grouped one row per household, in priority order. It reads in a handful of queries
(persons with their household and last contribution, coverage grouped by person, households, and members living
elsewhere where a household's mix is in doubt) whatever the size of the area.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)

from ansinh.core.access import not_found, require, scope_for
from ansinh.core.spreadsheets import formula_safe
from ansinh.enrollment.models import HICoverage, VSIContribution
from ansinh.registry.models import CoveragePeriod, Household, Membership, Payout, PeriodScheme, Person

from .models import (
    MIXED,
    PRIORITY,
    Criterion,
    DoorOutcome,
    DoorStatus,
    OutboxMessage,
    TargetHousehold,
    TargetList,
    Team,
)


@dataclass(slots=True)
class PersonFacts:
    valid: bool = False  # a card valid on the date
    future: bool = False  # a card bought that starts after the date
    last_end: dt.date | None = None  # the end of the latest card, whenever it starts
    past_end: dt.date | None = None  # the end of the latest card that started on or before the date
    vsi_last_month: dt.date | None = None


class HouseholdRef(NamedTuple):
    """What a target list needs of a household (read as values: a model instance per row cost more than the
    rest of the row)."""

    pk: int
    code: str
    address: str
    commune_id: int
    village_id: int | None
    head_id: int | None


@dataclass
class CandidateRow:
    key: str  # "h<household id>" or "p<person id>" for a person without a household
    household: HouseholdRef | None
    persons: list[Candidate]
    reasons: dict[int, list[str]]
    facts: dict[int, PersonFacts]
    priority: int
    mixed: bool = False  # worked out where it counts: for households with an uninsured member on the row
    extra: dict = field(default_factory=dict)
    head_name: str | None = None  # the household head's full name, if the household has a head


def coverage_facts(*, person_ids, on: dt.date) -> dict[int, PersonFacts]:
    """Health-insurance and voluntary-SI facts of people on a date (void coverage never counts)."""
    return _coverage_facts(Q(person_id__in=person_ids), on=on)


def _coverage_facts(people: Q, *, on: dt.date, vsi: bool = True) -> dict[int, PersonFacts]:
    """The facts of the people ``people`` (a condition on coverage rows, e.g. on ``person__…``) selects: one
    grouped query of health-insurance spans, and (``vsi``) one of voluntary-SI contributions."""
    facts: dict[int, PersonFacts] = defaultdict(PersonFacts)
    rows = (
        HICoverage.objects.filter(people, is_void=False)
        .values("person_id")
        .annotate(
            valid=Max(
                Case(
                    When(valid_from__lte=on, valid_to__gte=on, then=1), default=0, output_field=IntegerField()
                )
            ),
            future=Max(Case(When(valid_from__gt=on, then=1), default=0, output_field=IntegerField())),
            last_end=Max("valid_to"),
            past_end=Max(Case(When(valid_from__lte=on, then="valid_to"))),
        )
        .order_by()
        .values_list("person_id", "valid", "future", "last_end", "past_end")
    )
    for person_id, valid, future, last_end, past_end in rows:
        facts[person_id] = PersonFacts(bool(valid), bool(future), last_end, past_end)
    if vsi:
        contributions = (
            VSIContribution.objects.filter(people, is_void=False)
            .values("person_id")
            .annotate(last=Max("last_month"))
            .order_by()
            .values_list("person_id", "last")
        )
        for person_id, last in contributions:
            facts[person_id].vsi_last_month = last
    return facts


class Candidate(NamedTuple):
    """A living person of a target list's area as the list reads them: what the criteria, the labels, the quotes
    (``enrollment.services.Quotable``) and the list's rows need, with their household and last voluntary-SI
    month. Read as values for every person of the area who may meet a criterion: a Person instance per row cost
    more than the rest of the read."""

    pk: int
    full_name: str
    province_code: str
    commune_id: int
    village_id: int | None
    ethnicity: str
    poverty: str
    island_commune: bool
    pension_recipient: bool
    payout_method: str
    do_not_contact: bool
    household_id: int | None
    vsi_last_month: dt.date | None
    # what eligibility (enrollment.selectors.eligibility, the one rule) reads of a person
    birth_date: dt.date
    died_on: dt.date | None
    employment: str
    social_assistance: bool
    atk_commune: bool
    ethnic_minority_listed_commune: bool
    is_student: bool
    agricultural_household: bool
    statuses_since: dt.date | None  # statuses changed after the list's day are read as of that day (ADR 0031)


def reasons_of(
    person: Person | Candidate,
    f: PersonFacts,
    *,
    on: dt.date,
    lapsed_days: int,
    expiring_days: int,
) -> list[str]:
    """Every criterion a person meets on a date (the list keeps those the officer chose).

    - uninsured: no card valid on the date and none bought to start later (lapsed people are uninsured too);
    - lapsed: uninsured, and the latest card ended more than ``lapsed_days`` days before the date;
    - expiring: a valid card, and no card (this one or a renewal) runs beyond ``expiring_days`` days;
    - vsi_due: has paid voluntary SI, and the last paid month is the current month or earlier;
    - cash_pension: receives a pension or benefit in cash."""
    reasons = []
    if not f.valid and not f.future:
        reasons.append(Criterion.UNINSURED.value)
        if f.past_end is not None and (on - f.past_end).days > lapsed_days:
            reasons.append(Criterion.LAPSED.value)
    if f.valid and f.last_end is not None and f.last_end <= on + dt.timedelta(days=expiring_days):
        reasons.append(Criterion.EXPIRING.value)
    if f.vsi_last_month is not None and f.vsi_last_month <= on.replace(day=1):
        reasons.append(Criterion.VSI_DUE.value)
    if person.pension_recipient and person.payout_method == Payout.CASH:
        reasons.append(Criterion.CASH_PENSION.value)
    return reasons


def target_candidates(
    *,
    commune_ids: list[int],
    village_ids: list[int],
    on: dt.date,
    criteria: list[str],
    lapsed_days: int,
    expiring_days: int,
) -> list[CandidateRow]:
    """People meeting the chosen criteria in these communes and villages, one row per household, best first.

    Deceased people never appear (whatever the date of death), nor do they count in a household's mix.

    Reads, whatever the size of the area, in four or five queries: the area's living people who may meet a
    criterion (the columns the list needs, with their household and last voluntary-SI month; people covered
    beyond the expiry window by their coverage period are left out unless due for voluntary SI or paid a pension
    in cash), their health-insurance facts (grouped by
    person), the households on the list, and, for the households whose mix is still in doubt, whether a member
    living elsewhere holds a valid card."""
    area = Q(commune_id__in=commune_ids) | Q(village_id__in=village_ids)
    open_membership = Membership.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    # The last voluntary-SI month, read from vsi_person_idx for each person (cheaper than grouping the table).
    last_vsi = VSIContribution.objects.filter(person=OuterRef("pk"), is_void=False).order_by("-last_month")
    # Someone covered on the date by a period that runs past the expiry window meets no health-insurance
    # criterion; unless they are due for voluntary SI or paid a pension in cash they cannot be on the list, and
    # are not read. (Their card still counts for their household's mix: see ``insured_elsewhere`` below.)
    covered_beyond = CoveragePeriod.objects.filter(
        person=OuterRef("pk"),
        scheme=PeriodScheme.HI,
        valid_from__lte=on,
        valid_to__gt=on + dt.timedelta(days=expiring_days),
    )
    month = on.replace(day=1)
    people = (
        Person.objects.filter(area, died_on__isnull=True, merged_into__isnull=True)
        .annotate(
            household_id=Subquery(open_membership.values("household_id")[:1]),
            vsi_last_month=Subquery(last_vsi.values("last_month")[:1]),
        )
        .filter(
            ~Exists(covered_beyond)
            | Q(vsi_last_month__lte=month)
            | Q(pension_recipient=True, payout_method=Payout.CASH)
        )
        .order_by("pk")
    )
    residents = list(map(Candidate._make, people.values_list(*Candidate._fields)))
    facts = _coverage_facts(Q(person_id__any=[r.pk for r in residents]), on=on, vsi=False)
    for r in residents:
        if r.vsi_last_month is not None:
            facts[r.pk].vsi_last_month = r.vsi_last_month
    chosen = set(criteria)
    rows: dict[str, CandidateRow] = {}
    for r in residents:
        all_reasons = reasons_of(r, facts[r.pk], on=on, lapsed_days=lapsed_days, expiring_days=expiring_days)
        reasons = [c for c in all_reasons if c in chosen]
        if not reasons:
            continue
        key = f"h{r.household_id}" if r.household_id else f"p{r.pk}"
        row = rows.get(key)
        if row is None:
            row = rows[key] = CandidateRow(
                key=key, household=None, persons=[], reasons={}, facts={}, priority=99
            )
        row.persons.append(r)
        row.reasons[r.pk] = reasons
        row.facts[r.pk] = facts[r.pk]

    household_ids = [int(k[1:]) for k in rows if k.startswith("h")]
    households = {
        h[0]: HouseholdRef(*h)
        for h in Household.objects.filter(pk__any=household_ids).values_list(*HouseholdRef._fields)
    }
    names = {r.pk: r.full_name for r in residents}
    heads = {h.head_id for h in households.values() if h.head_id is not None}
    if heads - names.keys():  # a head living outside the area, or deceased
        names.update(Person.objects.filter(pk__any=heads - names.keys()).values_list("pk", "full_name"))
    # A household is mixed when some of its living members hold a valid card and others do not. That changes
    # the priority of a row with an uninsured member only, and such a row already has a member without a card:
    # it is mixed as soon as one living member holds a valid card. A member living in the area is known from
    # the facts above; the members living elsewhere are read only for the households still in doubt.
    uninsured_rows = {
        int(row.key[1:]): row
        for row in rows.values()
        if row.key.startswith("h") and any(Criterion.UNINSURED in r for r in row.reasons.values())
    }
    insured_here = {
        r.household_id for r in residents if r.household_id in uninsured_rows and facts[r.pk].valid
    }
    in_doubt = [hid for hid in uninsured_rows if hid not in insured_here]
    insured_elsewhere = set(
        Membership.objects.filter(
            household_id__any=in_doubt,
            ended_on__isnull=True,
            person__died_on__isnull=True,
            person__hi_coverage__is_void=False,
            person__hi_coverage__valid_from__lte=on,
            person__hi_coverage__valid_to__gte=on,
        ).values_list("household_id", flat=True)
        if in_doubt
        else []
    )
    for hid, row in uninsured_rows.items():
        row.mixed = hid in insured_here or hid in insured_elsewhere

    for row in rows.values():
        if row.key.startswith("h"):
            row.household = households.get(int(row.key[1:]))
            if row.household is not None and row.household.head_id is not None:
                row.head_name = names.get(row.household.head_id)
        uninsured = any(Criterion.UNINSURED in r for r in row.reasons.values())
        best = min(PRIORITY[r] for rs in row.reasons.values() for r in rs)
        row.priority = PRIORITY[MIXED] if row.mixed and uninsured else best
    return sorted(rows.values(), key=_row_order)


def _row_order(row: CandidateRow):
    first = row.persons[0]
    village = row.household.village_id if row.household else first.village_id
    address = row.household.address if row.household else ""
    return (row.priority, village or 0, address, row.key)


# Who may read what (decided here for every door, as the services decide for writes): the lists and their
# households by those who record door outcomes; the reminders' outbox by those who manage outreach.
MANAGE = "outreach.manage"
RECORD = "outreach.record"


def target_lists_for_user(*, user) -> QuerySet[TargetList]:
    """Lists whose every area lies within the user's areas (a list over another office's villages is hidden)."""
    require(user, RECORD)
    scope = scope_for(user)
    if scope.empty:
        return TargetList.objects.none()
    from ansinh.areas.models import Area

    outside = Area.objects.exclude(scope.areas_q())
    return (
        TargetList.objects.exclude(areas__in=outside)
        .filter(province_code__in=_provinces(scope))
        .select_related("activity", "activity__campaign")
        .prefetch_related("areas")
        .distinct()
    )


def target_lists_counted(*, user) -> QuerySet[TargetList]:
    """The user's lists as a page shows them: with their number of households and their teams' (``household_count``),
    counted in the same queries."""
    teams = Team.objects.annotate(household_count=Count("households"))
    return (
        target_lists_for_user(user=user)
        .annotate(household_count=Count("households"))
        .prefetch_related(Prefetch("teams", teams))
    )


def _provinces(scope) -> set[str]:
    return {p.strip("/").split("/")[0] for p in scope.paths}


def target_list_get(*, user, list_id: int) -> TargetList:
    found = target_lists_for_user(user=user).filter(pk=list_id).first()
    if found is None:
        raise not_found()
    return found


def target_households(
    *, target_list: TargetList, team_number: int | None = None
) -> QuerySet[TargetHousehold]:
    rows = (
        target_list.households.select_related("household", "household__head", "commune", "village", "team")
        .prefetch_related("members__person")
        .order_by("position")
    )
    if team_number is not None:
        rows = rows.filter(team__number=team_number)
    return rows


def walk_order(rows) -> list[TargetHousehold]:
    """A walk list goes village by village; within a village, best priority first, then by address."""
    return sorted(
        rows, key=lambda r: (r.village.name if r.village else "", r.priority, r.address, r.position)
    )


@dataclass
class TeamProgress:
    """A team as the list page shows it: its households and how many were visited."""

    name: str
    number: int
    rows: list[TargetHousehold]
    done: int


def team_progress(*, target_list: TargetList, rows: list[TargetHousehold]) -> list[TeamProgress]:
    """Each team of the list with its share of ``rows`` (the list's households, already read)."""
    teams = []
    for team in target_list.teams.all():
        team_rows = [r for r in rows if r.team_id == team.pk]
        done = sum(1 for r in team_rows if r.status != DoorStatus.PENDING)
        teams.append(TeamProgress(name=team.name, number=team.number, rows=team_rows, done=done))
    return teams


def target_household_get(*, user, list_id: int, row_id: int) -> TargetHousehold:
    target_list = target_list_get(user=user, list_id=list_id)
    row = target_households(target_list=target_list).filter(pk=row_id).first()
    if row is None:
        raise not_found()
    return row


def door_outcomes(*, target_list: TargetList) -> QuerySet[DoorOutcome]:
    """The door outcomes recorded on a list (read through ``target_list_get``, which checked the reader)."""
    return DoorOutcome.objects.filter(target_household__target_list=target_list).order_by("pk")


def outbox_for_user(*, user) -> QuerySet[OutboxMessage]:
    require(user, MANAGE)
    return OutboxMessage.objects.filter(scope_for(user).residents_q("person__")).select_related("person")


def outbox_get(*, user, message_id: int) -> OutboxMessage:
    message = outbox_for_user(user=user).filter(pk=message_id).first()
    if message is None:
        raise not_found()
    return message


def household_count(obj: TargetList | Team) -> int:
    """A list's or a team's number of households: as counted when read through ``target_lists_counted``, else
    counted now."""
    counted = getattr(obj, "household_count", None)
    return obj.households.count() if counted is None else counted


def target_list_json(target_list: TargetList, *, with_households: bool = False) -> dict:
    data = {
        "id": target_list.pk,
        "name": target_list.name,
        "on": target_list.on.isoformat(),
        "criteria": target_list.criteria,
        "lapsed_days": target_list.lapsed_days,
        "expiring_days": target_list.expiring_days,
        "area_codes": sorted(a.code for a in target_list.areas.all()),
        "activity_id": target_list.activity_id,
        "teams": [
            {"number": t.number, "name": t.name, "households": household_count(t)}
            for t in target_list.teams.all()
        ],
        "household_count": household_count(target_list),
    }
    if with_households:
        data["households"] = [target_household_json(r) for r in target_households(target_list=target_list)]
    return data


def target_household_json(row: TargetHousehold) -> dict:
    return {
        "id": row.pk,
        "position": row.position,
        "household_id": row.household_id,
        "label": row.label,
        "commune_code": row.commune.code,
        "village": row.village.name if row.village is not None else None,
        "address": row.address,
        "priority": row.priority,
        "priority_label": row.priority_label,
        "team": row.team.number if row.team is not None else None,
        "status": row.status,
        "follow_up_on": row.follow_up_on.isoformat() if row.follow_up_on else None,
        "members": [
            {
                "person_id": m.person_id,
                "full_name": m.person.full_name,
                "birth_date": m.person.birth_date_iso,
                "reasons": m.reasons,
                "card_valid_to": m.card_valid_to.isoformat() if m.card_valid_to else None,
                "do_not_contact": m.do_not_contact,
            }
            for m in row.members.all()
        ],
        "offers": row.offers,
    }


def outbox_json(message: OutboxMessage) -> dict:
    return {
        "id": message.pk,
        "person_id": message.person_id,
        "channel": message.channel,
        "recipient": message.recipient,
        "kind": message.kind,
        "due_date": message.due_date.isoformat(),
        "body": message.body,
        "amount": message.amount,
        "status": message.status,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at.isoformat() if message.next_attempt_at else None,
        "last_error": message.last_error,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
    }


EXPORT_COLUMNS = [
    "position",
    "team",
    "priority",
    "commune_code",
    "village",
    "household_code",
    "address",
    "person_id",
    "full_name",
    "birth_date",
    "phone",
    "reasons",
    "do_not_contact",
    "offers",
    "status",
    "follow_up_on",
]


def export_rows(target_list: TargetList, offer_words: dict[str, str] | None = None):
    """One line per target member (the household's offers repeated), for spreadsheets; the offers by their code,
    or in ``offer_words``."""
    from ansinh.core.money import format_vnd

    words = offer_words or {}
    for row in target_households(target_list=target_list):
        offers = "; ".join(
            f"{words.get(o['kind'], o['kind'])}"
            f"{': ' + format_vnd(o['total_payable']) if o.get('total_payable') is not None else ''}"
            for o in row.offers
        )
        for m in row.members.all():
            yield {
                "position": row.position,
                "team": row.team.number if row.team is not None else "",
                "priority": row.priority,
                "commune_code": row.commune.code,
                "village": row.village.name if row.village is not None else "",
                "household_code": row.household.code if row.household is not None else "",
                "address": row.address,
                "person_id": m.person_id,
                "full_name": m.person.full_name,
                "birth_date": m.person.birth_date_iso,
                "phone": m.person.phone,
                "reasons": " ".join(m.reasons),
                "do_not_contact": "yes" if m.do_not_contact else "",
                "offers": offers,
                "status": row.status,
                "follow_up_on": row.follow_up_on.isoformat() if row.follow_up_on else "",
            }


def export_csv(target_list: TargetList) -> str:
    import csv
    import io

    from ansinh.core.dates import format_date

    from .words import CSV_HEADERS, OFFERS, PRIORITIES, REASONS, STATUSES

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([CSV_HEADERS[c] for c in EXPORT_COLUMNS])  # in Vietnamese, codes in words, dates dd/mm/yyyy
    for row in export_rows(target_list, offer_words=OFFERS):
        row = dict(row)
        row["priority"] = PRIORITIES.get(row["priority"], row["priority"])
        row["reasons"] = ", ".join(REASONS.get(r, r) for r in row["reasons"].split())
        row["do_not_contact"] = "có" if row["do_not_contact"] else ""
        row["status"] = STATUSES.get(row["status"], row["status"])
        for key in ("birth_date", "follow_up_on"):
            with contextlib.suppress(ValueError):  # a birth year alone stays as it is
                row[key] = format_date(dt.date.fromisoformat(row[key])) if row[key] else ""
        writer.writerow([formula_safe(row[c]) for c in EXPORT_COLUMNS])  # "=..." is text, not a formula
    return out.getvalue()
