"""Writes for outreach: target lists, their split among teams, and what happened at each door.

Building lists needs ``outreach.manage`` (communication officers, managers, administrators); recording at a door
needs ``outreach.record`` (the same people and collection agents).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.areas.models import Area, Level
from ansinh.areas.selectors import normalize_code
from ansinh.core.access import require, scope_for
from ansinh.core.audit import audit_record, snapshot
from ansinh.core.bulk import rows_insert
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.enrollment.models import Scheme, VSIContribution
from ansinh.enrollment.selectors import eligibility
from ansinh.enrollment.services import compute_quote, household_rank_offsets, vsi_groups_of

from .models import (
    Audit,
    Criterion,
    DoorOutcome,
    DoorStatus,
    MessageStatus,
    OutboxMessage,
    TargetHousehold,
    TargetList,
    TargetMember,
    Team,
)
from .selectors import MANAGE, RECORD, CandidateRow, target_candidates

MAX_TEAMS = 50
MAX_DAYS = 3650
HI_MONTHS = 12  # what a walk list offers: a year's household card, as the desk does by default


def _validate_date(on: dt.date | None, field: str = "on") -> dt.date:
    day = today()
    on = on or day
    if abs((on - day).days) > 366:
        raise ApplicationError(ErrorCode.INVALID, _("Choose a date within a year of today."), field=field)
    return on


def _areas(actor, area_codes: list[str]) -> list[Area]:
    """Communes and villages the actor works in; anything else is 'not found', like a missing code."""
    if not area_codes:
        raise ApplicationError(
            ErrorCode.INVALID, _("Choose at least one commune or village."), field="area_codes"
        )
    scope = scope_for(actor)
    found = {a.code: a for a in Area.objects.filter(code__in=[normalize_code(c) for c in area_codes])}
    areas = []
    for code in area_codes:
        area = found.get(normalize_code(code))
        if area is None or not scope.covers_area(area):
            raise ApplicationError(
                ErrorCode.NOT_FOUND,
                _("There is no area with code %(code)s.") % {"code": code},
                field="area_codes",
            )
        if area.level not in (Level.COMMUNE, Level.VILLAGE):
            raise ApplicationError(
                ErrorCode.INVALID, _("A target list is built from communes and villages."), field="area_codes"
            )
        areas.append(area)
    if len({a.province_code for a in areas}) > 1:
        raise ApplicationError(
            ErrorCode.INVALID, _("A target list covers one province at a time."), field="area_codes"
        )
    return areas


def _activity(actor, activity_id: int | None):
    if activity_id is None:
        return None
    from ansinh.campaigns.selectors import activities_for_user

    activity = activities_for_user(user=actor).filter(pk=activity_id).first()
    if activity is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("The activity is not found."), field="activity_id")
    return activity


class _Quotes:
    """``compute_quote`` once per household *shape* on one date. A quote depends on the scheme, the period, the
    province, the number of people and their rank offset (household HI), or the payer's groups, income and
    supported months so far (voluntary SI) — never on who the people are — so households of the same shape
    share it: each person gets the amount of their position in it. A quote that would read the database (no
    ``rank_offset`` / ``supported_so_far`` given) is not shared."""

    def __init__(self, on: dt.date):
        self.on = on
        self._memo: dict[tuple, tuple[int, list[int]] | str] = {}

    def _shape(self, persons, kwargs: dict) -> tuple | None:
        scheme = kwargs.get("scheme")
        if scheme == Scheme.HI_HOUSEHOLD and kwargs.get("rank_offset") is None:
            return None
        if scheme == Scheme.VSI and kwargs.get("supported_so_far") is None:
            return None
        groups = (
            tuple(vsi_groups_of(persons[0], self.on)) if scheme == Scheme.VSI and len(persons) == 1 else ()
        )
        return (persons[0].province_code, len(persons), groups, tuple(sorted(kwargs.items())))

    def price(self, persons, **kwargs) -> tuple[int, list[int]] | str:
        """(total payable, each person's payable) or the message of the rules' refusal."""
        key = self._shape(persons, kwargs)
        found = self._memo.get(key) if key is not None else None
        if found is None:
            try:
                quote = compute_quote(persons=persons, on=self.on, **kwargs)
                found = (quote["total_payable"], [m["payable"] for m in quote["members"]])
            except ApplicationError as e:  # the rules cannot price it (missing parameter, income too low…)
                found = e.message
            if key is not None:
                self._memo[key] = found
        return found


def _quote_offer(kind: str, persons, quotes: _Quotes, **kwargs) -> dict:
    offer = {"kind": kind, "person_ids": [p.pk for p in persons], "months": kwargs.get("months", HI_MONTHS)}
    priced = quotes.price(persons, **{"months": HI_MONTHS, **kwargs})
    if isinstance(priced, str):
        return {**offer, "total_payable": None, "error": priced}
    total, payable = priced
    offer["total_payable"] = total
    offer["members"] = [
        {"person_id": p.pk, "full_name": p.full_name, "payable": amount}
        for p, amount in zip(persons, payable, strict=True)
    ]
    if kwargs.get("income") is not None:
        offer["income"] = kwargs["income"]
    return offer


@dataclass
class _Prefetched:
    """What pricing many households needs, read in a few queries: household-scheme holders this year by
    household, and each voluntary-SI payer's last contribution and supported months; and the quotes already
    computed, by household shape."""

    holders: dict[int, set[int]]
    last_vsi: dict[int, VSIContribution]
    supported: dict[int, int]
    quotes: _Quotes


def _prefetch(rows: list[CandidateRow], on: dt.date) -> _Prefetched:
    hi = (Criterion.UNINSURED, Criterion.EXPIRING)  # the offers priced with the household's rank offset
    households = [
        r.household.pk
        for r in rows
        if r.household is not None and any(c in reasons for reasons in r.reasons.values() for c in hi)
    ]
    vsi_people = [p.pk for r in rows for p in r.persons if Criterion.VSI_DUE in r.reasons[p.pk]]
    last: dict[int, VSIContribution] = {}
    supported: dict[int, int] = defaultdict(int)
    for c in VSIContribution.objects.filter(person_id__any=vsi_people, is_void=False).order_by(
        "last_month", "pk"
    ):
        last[c.person_id] = c  # ordered: the last one wins
        supported[c.person_id] += c.supported_months
    return _Prefetched(household_rank_offsets(households=households, on=on), last, supported, _Quotes(on))


def offers_for(row: CandidateRow, on: dt.date, pre: _Prefetched | None = None) -> list[dict]:
    """What to offer a household, priced by the rules for the date: household HI for the uninsured members
    (one quote, so the household reduction applies), renewal for cards about to end, the next voluntary-SI
    payment at the last income and period, and a cashless pension."""
    pre = pre or _prefetch([row], on)
    holders = pre.holders.get(row.household.pk, set()) if row.household is not None else set()

    def having(reason):
        return [p for p in row.persons if reason in row.reasons[p.pk]]

    def offset(persons) -> int:
        return len(holders - {p.pk for p in persons})

    offers = []
    # The one rule (enrollment.selectors.eligibility): the household card only for those the law lets buy it; a
    # member in a state-paid or state-supported group is offered that group; an employee or a pensioner nothing.
    decided = {p.pk: eligibility(person=p, on=on, coverage_end=None) for p in row.persons}

    def household_ok(persons):
        return [p for p in persons if decided[p.pk].hi_household.allowed]

    def by_group(persons) -> dict[str, list]:
        groups: dict[str, list] = {}
        for p in persons:
            d = decided[p.pk]
            if not d.hi_household.allowed and d.hi_group.allowed and d.hi_groups:
                groups.setdefault(d.hi_groups[0], []).append(p)
        return groups

    if uninsured := having(Criterion.UNINSURED):
        if buyers := household_ok(uninsured):
            offers.append(
                _quote_offer(
                    "hi_household", buyers, pre.quotes, scheme=Scheme.HI_HOUSEHOLD, rank_offset=offset(buyers)
                )
            )
        for group, members in sorted(by_group(uninsured).items()):
            offers.append(_quote_offer("hi_group", members, pre.quotes, scheme=Scheme.HI_GROUP, group=group))
    if expiring := having(Criterion.EXPIRING):
        if renewing := household_ok(expiring):
            offers.append(
                _quote_offer(
                    "hi_renewal",
                    renewing,
                    pre.quotes,
                    scheme=Scheme.HI_HOUSEHOLD,
                    rank_offset=offset(renewing),
                )
            )
        for group, members in sorted(by_group(expiring).items()):
            offers.append(_quote_offer("hi_group", members, pre.quotes, scheme=Scheme.HI_GROUP, group=group))
    for person in having(Criterion.VSI_DUE):
        if not decided[person.pk].vsi.allowed:  # began a pension, or a job with compulsory SI, since
            continue
        last = pre.last_vsi[person.pk]  # VSI_DUE comes from this person's non-void contributions
        offers.append(
            _quote_offer(
                "vsi",
                [person],
                pre.quotes,
                scheme=Scheme.VSI,
                months=last.months,
                income=last.monthly_income,
                supported_so_far=pre.supported[person.pk],
            )
        )
    if cash := having(Criterion.CASH_PENSION):
        offers.append({"kind": "cashless", "person_ids": [p.pk for p in cash], "total_payable": None})
    return offers


def price_rows(rows: list[CandidateRow], on: dt.date) -> list[tuple[CandidateRow, list[dict]]]:
    """Each row with its offers: what pricing needs is read once for all rows, and each household shape is
    quoted once (_Quotes)."""
    pre = _prefetch(rows, on)
    return [(row, offers_for(row, on, pre)) for row in rows]


def split_plan(villages: list[tuple[object, int]], teams: int) -> list[list[tuple[object, int]]]:
    """Shares villages (key, number of households) among teams: whole villages when that keeps the teams
    balanced (no team more than a quarter, and at least one household, above an even share); otherwise households
    are dealt in village order, so a village is cut at most once, between two neighbouring teams.

    Returns, per team, the (village key, households taken from it) pieces."""
    total = sum(n for _k, n in villages)
    fair = math.ceil(total / teams) if total else 0
    loads = [0] * teams
    whole: list[list[tuple[object, int]]] = [[] for _ in range(teams)]
    for key, n in sorted(villages, key=lambda v: -v[1]):  # largest first, to the lightest team
        i = min(range(teams), key=lambda t: (loads[t], t))
        whole[i].append((key, n))
        loads[i] += n
    empty = sum(1 for load in loads if load == 0)
    if max(loads, default=0) <= fair + max(1, fair // 4) and empty <= max(0, teams - total):
        order = {k: i for i, (k, _n) in enumerate(villages)}
        return [sorted(pieces, key=lambda p: order[p[0]]) for pieces in whole]
    quotas = [total // teams + (1 if t < total % teams else 0) for t in range(teams)]
    dealt: list[list[tuple[object, int]]] = [[] for _ in range(teams)]
    t = 0
    for key, n in villages:
        while n:
            while t < teams - 1 and quotas[t] == 0:
                t += 1
            take = min(n, quotas[t]) if t < teams - 1 else n
            dealt[t].append((key, take))
            quotas[t] -= take
            n -= take
    return dealt


def _create_teams(target_list: TargetList, teams: int, names: list[str] | None = None) -> list[Team]:
    return [
        Team.objects.create(
            target_list=target_list,
            number=i + 1,
            name=(
                names[i] if names and i < len(names) and names[i].strip() else _("Team %(n)s") % {"n": i + 1}
            ),
            province_code=target_list.province_code,
        )
        for i in range(teams)
    ]


def _deal(rows: list[tuple[int, str, int, int | None]], teams: int) -> list[list[int]]:
    """Each team's rows, given each row as (position, village name, commune id, village id): villages in name
    order (rows without a village by commune), each village's rows in list order, shared by ``split_plan``.
    Returns the positions of each team's rows."""
    by_village: OrderedDict[object, list[int]] = OrderedDict()
    for position, _name, commune_id, village_id in sorted(rows, key=lambda r: (r[1], r[2], r[3] or 0, r[0])):
        by_village.setdefault(village_id or f"c{commune_id}", []).append(position)
    plan = split_plan([(k, len(v)) for k, v in by_village.items()], teams)
    dealt = []
    for pieces in plan:
        mine: list[int] = []
        for key, n in pieces:
            mine += by_village[key][:n]
            del by_village[key][:n]
        dealt.append(mine)
    return dealt


def _assign_teams(target_list: TargetList, teams: int, names: list[str] | None = None) -> list[Team]:
    """Shares a saved list's households among new teams (the old teams are deleted)."""
    target_list.teams.all().delete()
    created = _create_teams(target_list, teams, names)
    rows = list(target_list.households.select_related("village").order_by("position"))
    ids = {r.position: r.pk for r in rows}
    dealt = _deal(
        [
            (r.position, r.village.name if r.village is not None else "", r.commune_id, r.village_id)
            for r in rows
        ],
        teams,
    )
    for team, positions in zip(created, dealt, strict=True):
        TargetHousehold.objects.filter(pk__in=[ids[p] for p in positions]).update(team=team)
    return created


def target_list_create(
    *,
    actor,
    name: str,
    area_codes: list[str],
    criteria: list[str],
    on: dt.date | None = None,
    lapsed_days: int = 30,
    expiring_days: int = 30,
    teams: int = 1,
    activity_id: int | None = None,
) -> TargetList:
    """Builds a target list: who in these communes and villages meets the chosen criteria on the date, one row
    per household with its members and what to offer them (priced), in priority order, split among teams."""
    require(actor, MANAGE)
    if not (name or "").strip():
        raise ApplicationError(ErrorCode.INVALID, _("Give the list a name."), field="name")
    criteria = list(dict.fromkeys(criteria or []))
    if not criteria:
        raise ApplicationError(ErrorCode.INVALID, _("Choose at least one criterion."), field="criteria")
    for c in criteria:
        if c not in Criterion.values:
            raise ApplicationError(
                ErrorCode.INVALID, _("Unknown criterion %(c)s.") % {"c": c}, field="criteria"
            )
    for value, field in ((lapsed_days, "lapsed_days"), (expiring_days, "expiring_days")):
        if not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
            raise ApplicationError(
                ErrorCode.INVALID, _("Give a number of days from 0 to %(n)s.") % {"n": MAX_DAYS}, field=field
            )
    if not isinstance(teams, int) or not 1 <= teams <= MAX_TEAMS:
        raise ApplicationError(
            ErrorCode.INVALID, _("Give a number of teams from 1 to %(n)s.") % {"n": MAX_TEAMS}, field="teams"
        )
    on = _validate_date(on)
    areas = _areas(actor, area_codes)
    activity = _activity(actor, activity_id)

    rows = target_candidates(
        commune_ids=[a.pk for a in areas if a.level == Level.COMMUNE],
        village_ids=[a.pk for a in areas if a.level == Level.VILLAGE],
        on=on,
        criteria=criteria,
        lapsed_days=lapsed_days,
        expiring_days=expiring_days,
    )
    priced = price_rows(rows, on)

    with transaction.atomic():
        target_list = TargetList.objects.create(
            name=name.strip()[:200],
            on=on,
            criteria=criteria,
            lapsed_days=lapsed_days,
            expiring_days=expiring_days,
            activity=activity,
            province_code=areas[0].province_code,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        target_list.areas.set(areas)
        province_code = target_list.province_code
        households: list[dict[str, Any]] = []
        for position, (row, offers) in enumerate(priced, start=1):
            first = row.persons[0]
            household = row.household
            label = (
                f"{household.code} · {row.head_name}"
                if household is not None and row.head_name is not None
                else (household.code if household else first.full_name)
            )
            households.append(
                {
                    "target_list_id": target_list.pk,
                    "position": position,
                    "household_id": household.pk if household else None,
                    "commune_id": household.commune_id if household else first.commune_id,
                    "village_id": household.village_id if household else first.village_id,
                    "address": household.address if household else "",
                    "label": label[:200],
                    "priority": row.priority,
                    "offers": offers,
                    "team_id": None,
                    "status": DoorStatus.PENDING.value,
                    "follow_up_on": None,
                    "province_code": province_code,
                }
            )
        # Teams are dealt before the rows are written, so that each row is written once, with its team.
        created = _create_teams(target_list, teams)
        names = dict(
            Area.objects.filter(pk__in={h["village_id"] for h in households if h["village_id"]}).values_list(
                "pk", "name"
            )
        )
        dealt = _deal(
            [
                (h["position"], names.get(h["village_id"], ""), h["commune_id"], h["village_id"])
                for h in households
            ],
            teams,
        )
        for team, positions in zip(created, dealt, strict=True):
            for position in positions:
                households[position - 1]["team_id"] = team.pk
        rows_insert(TargetHousehold, households)
        ids = dict(target_list.households.values_list("position", "pk"))
        rows_insert(
            TargetMember,
            [
                {
                    "target_household_id": ids[position],
                    "person_id": p.pk,
                    "reasons": row.reasons[p.pk],
                    "card_valid_to": row.facts[p.pk].last_end,
                    "do_not_contact": p.do_not_contact,
                    "province_code": p.province_code,
                }
                for position, (row, _offers) in enumerate(priced, start=1)
                for p in row.persons
            ],
        )
        audit_record(
            actor=actor,
            action=Audit.TARGET_LIST_CREATED,
            obj=target_list,
            after={**snapshot(target_list), "area_codes": [a.code for a in areas], "households": len(priced)},
        )
    return target_list


def _check_list(actor, target_list: TargetList) -> None:
    scope = scope_for(actor)
    if not all(scope.covers_area(a) for a in target_list.areas.all()):
        from ansinh.core.access import not_found

        raise not_found()


def target_list_split(
    *, actor, target_list: TargetList, teams: int, names: list[str] | None = None
) -> TargetList:
    """Shares the households among ``teams`` teams again (balanced by households, villages kept together where
    possible). Door outcomes stay with the households."""
    require(actor, MANAGE)
    _check_list(actor, target_list)
    if not isinstance(teams, int) or not 1 <= teams <= MAX_TEAMS:
        raise ApplicationError(
            ErrorCode.INVALID, _("Give a number of teams from 1 to %(n)s.") % {"n": MAX_TEAMS}, field="teams"
        )
    with transaction.atomic():
        before = target_list.teams.count()
        _assign_teams(target_list, teams, names)
        audit_record(
            actor=actor,
            action=Audit.TARGET_LIST_SPLIT,
            obj=target_list,
            before={"teams": before},
            after={"teams": teams},
        )
    return target_list


# Door statuses that count as a campaign outcome when the list belongs to an activity. The enrollment itself is
# counted by the desk (the agent opens the desk flow at the same activity), so here it is "consulted".
_CAMPAIGN_KINDS: dict[str, list[str]] = {
    DoorStatus.CONSULTED: ["consulted"],
    DoorStatus.ENROLLED: ["consulted"],
    DoorStatus.FOLLOW_UP: ["consulted", "follow_up"],
}


def door_outcome_record(
    *,
    actor,
    row: TargetHousehold,
    status: str,
    on: dt.date | None = None,
    person_id: int | None = None,
    reason: str = "",
    follow_up_on: dt.date | None = None,
    note: str = "",
) -> DoorOutcome:
    """Records what happened at a household's door. When the list belongs to a campaign activity and the day is
    within the campaign, 'consulted', 'follow-up' and 'enrolled' also become campaign outcomes for the members
    concerned (``campaigns.services.outcome_record``: each person counts once per figure)."""
    require(actor, RECORD)
    target_list = row.target_list
    _check_list(actor, target_list)
    if status not in DoorStatus.values or status == DoorStatus.PENDING:
        raise ApplicationError(ErrorCode.INVALID, _("Choose what happened at the door."), field="status")
    day = today()
    on = on or day
    if on > day:
        raise ApplicationError(ErrorCode.INVALID, _("The date cannot be in the future."), field="on")
    reason = (reason or "").strip()
    if status == DoorStatus.REFUSED and not reason:
        raise ApplicationError(ErrorCode.INVALID, _("Give the reason for the refusal."), field="reason")
    if status == DoorStatus.FOLLOW_UP and follow_up_on is None:
        raise ApplicationError(
            ErrorCode.INVALID, _("Give the date of the promised follow-up."), field="follow_up_on"
        )
    if follow_up_on is not None and follow_up_on < on:
        raise ApplicationError(
            ErrorCode.INVALID, _("The follow-up date cannot be before the visit."), field="follow_up_on"
        )
    members = {m.person_id: m.person for m in row.members.select_related("person", "person__commune")}
    if person_id is not None and person_id not in members:
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("This person is not on this household's row."), field="person_id"
        )
    if person_id is not None:
        concerned = [members[person_id]]
    else:  # the whole household: members who have since moved out of the actor's areas are not theirs to count
        scope = scope_for(actor)
        concerned = [p for p in members.values() if scope.covers_resident(p)]

    with transaction.atomic():
        before = {
            "status": row.status,
            "follow_up_on": row.follow_up_on.isoformat() if row.follow_up_on else None,
        }
        outcome = DoorOutcome.objects.create(
            target_household=row,
            person_id=person_id,
            status=status,
            on=on,
            reason=reason[:300],
            follow_up_on=follow_up_on,
            note=(note or "")[:300],
            province_code=row.province_code,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        activity = target_list.activity
        ids = []
        if activity is not None and activity.campaign.starts_on <= on <= activity.campaign.ends_on:
            from ansinh.campaigns.services import outcome_record

            for person in concerned:
                for kind in _CAMPAIGN_KINDS.get(status, []):
                    recorded, _created = outcome_record(
                        actor=actor,
                        activity=activity,
                        person=person,
                        kind=kind,
                        on=on,
                        follow_up_on=follow_up_on if kind == "follow_up" else None,
                        note=reason or note,
                    )
                    ids.append(recorded.pk)
        if ids:
            outcome.campaign_outcomes = ids
            outcome.save(update_fields=["campaign_outcomes"])
        row.status = status
        row.follow_up_on = follow_up_on
        row.save(update_fields=["status", "follow_up_on"])
        audit_record(
            actor=actor,
            action=Audit.DOOR_OUTCOME_RECORDED,
            obj=row,
            before=before,
            after={
                "status": status,
                "on": on.isoformat(),
                "person_id": person_id,
                "reason": reason,
                "follow_up_on": follow_up_on.isoformat() if follow_up_on else None,
                "campaign_outcomes": ids,
            },
        )
    return outcome


def outbox_retry(*, actor, message: OutboxMessage) -> OutboxMessage:
    """Puts a failed or abandoned message back in the queue, due now, with its attempts counted afresh."""
    require(actor, MANAGE)
    if message.status == MessageStatus.SENT:
        raise ApplicationError(ErrorCode.CONFLICT, _("This message has already been sent."), field="status")
    if message.person.do_not_contact or message.person.died_on:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("This person must not be messaged (asked not to be contacted, or deceased)."),
            field="status",
        )
    with transaction.atomic():
        before = {"status": message.status, "attempts": message.attempts}
        message.status = MessageStatus.QUEUED
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit_record(
            actor=actor,
            action=Audit.OUTBOX_RETRY,
            obj=message,
            before=before,
            after={"status": message.status, "attempts": 0},
        )
    return message
