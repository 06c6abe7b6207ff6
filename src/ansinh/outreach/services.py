"""Writes for outreach: target lists, their split among teams, and what happened at each door.

Building lists needs ``outreach.manage`` (communication officers, managers, administrators); recording at a door
needs ``outreach.record`` (the same people and collection agents).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.areas.models import Area, Level
from ansinh.areas.selectors import normalize_code
from ansinh.core.access import require, scope_for
from ansinh.core.audit import audit_record, snapshot
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.enrollment.models import Scheme, VSIContribution
from ansinh.enrollment.services import compute_quote, household_rank_offsets

from .models import (
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
from .selectors import CandidateRow, target_candidates

MANAGE = "outreach.manage"
RECORD = "outreach.record"
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


def _quote_offer(kind: str, persons, on: dt.date, **kwargs) -> dict:
    offer = {"kind": kind, "person_ids": [p.pk for p in persons], "months": kwargs.get("months", HI_MONTHS)}
    try:
        quote = compute_quote(persons=persons, on=on, **{"months": HI_MONTHS, **kwargs})
    except ApplicationError as e:  # the rules cannot price it (missing parameter, income below the floor...)
        return {**offer, "total_payable": None, "error": e.message}
    offer["total_payable"] = quote["total_payable"]
    offer["members"] = [
        {"person_id": m["person_id"], "full_name": m["full_name"], "payable": m["payable"]}
        for m in quote["members"]
    ]
    if kwargs.get("income") is not None:
        offer["income"] = kwargs["income"]
    return offer


@dataclass
class _Prefetched:
    """What pricing many households needs, read in a few queries: household-scheme holders this year by
    household, and each voluntary-SI payer's last contribution and supported months."""

    holders: dict[int, set[int]]
    last_vsi: dict[int, VSIContribution]
    supported: dict[int, int]


def _prefetch(rows: list[CandidateRow], on: dt.date) -> _Prefetched:
    households = [r.household.pk for r in rows if r.household is not None]
    vsi_people = [p.pk for r in rows for p in r.persons if Criterion.VSI_DUE in r.reasons[p.pk]]
    last: dict[int, VSIContribution] = {}
    supported: dict[int, int] = defaultdict(int)
    for c in VSIContribution.objects.filter(person_id__in=vsi_people, is_void=False).order_by(
        "last_month", "pk"
    ):
        last[c.person_id] = c  # ordered: the last one wins
        supported[c.person_id] += c.supported_months
    return _Prefetched(household_rank_offsets(households=households, on=on), last, supported)


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
    if uninsured := having(Criterion.UNINSURED):
        offers.append(
            _quote_offer(
                "hi_household", uninsured, on, scheme=Scheme.HI_HOUSEHOLD, rank_offset=offset(uninsured)
            )
        )
    if expiring := having(Criterion.EXPIRING):
        offers.append(
            _quote_offer("hi_renewal", expiring, on, scheme=Scheme.HI_HOUSEHOLD, rank_offset=offset(expiring))
        )
    for person in having(Criterion.VSI_DUE):
        last = pre.last_vsi[person.pk]  # VSI_DUE comes from this person's non-void contributions
        offers.append(
            _quote_offer(
                "vsi",
                [person],
                on,
                scheme=Scheme.VSI,
                months=last.months,
                income=last.monthly_income,
                supported_so_far=pre.supported[person.pk],
            )
        )
    if cash := having(Criterion.CASH_PENSION):
        offers.append({"kind": "cashless", "person_ids": [p.pk for p in cash], "total_payable": None})
    return offers


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


def _assign_teams(target_list: TargetList, teams: int, names: list[str] | None = None) -> list[Team]:
    target_list.teams.all().delete()
    created = [
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
    rows = list(target_list.households.select_related("village").order_by("position"))
    by_village: OrderedDict[object, list[TargetHousehold]] = OrderedDict()
    for row in sorted(
        rows, key=lambda r: (r.village.name if r.village is not None else "", r.commune_id, r.village_id or 0)
    ):
        by_village.setdefault(row.village_id or f"c{row.commune_id}", []).append(row)
    for village_rows in by_village.values():
        village_rows.sort(key=lambda r: r.position)
    plan = split_plan([(k, len(v)) for k, v in by_village.items()], teams)
    for team, pieces in zip(created, plan, strict=True):
        ids = []
        for key, n in pieces:
            ids += [r.pk for r in by_village[key][:n]]
            del by_village[key][:n]
        TargetHousehold.objects.filter(pk__in=ids).update(team=team)
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
    pre = _prefetch(rows, on)
    priced = [(row, offers_for(row, on, pre)) for row in rows]

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
        households = []
        for position, (row, offers) in enumerate(priced, start=1):
            first = row.persons[0]
            household = row.household
            head = household.head if household and household.head_id else None
            label = (
                f"{household.code} · {head.full_name}"
                if household is not None and head is not None
                else (household.code if household else first.full_name)
            )
            households.append(
                TargetHousehold(
                    target_list=target_list,
                    position=position,
                    household=household,
                    commune_id=household.commune_id if household else first.commune_id,
                    village_id=household.village_id if household else first.village_id,
                    address=household.address if household else "",
                    label=label[:200],
                    priority=row.priority,
                    offers=offers,
                    province_code=target_list.province_code,
                )
            )
        TargetHousehold.objects.bulk_create(households, batch_size=1000)
        TargetMember.objects.bulk_create(
            (
                TargetMember(
                    target_household=th,
                    person=p,
                    reasons=row.reasons[p.pk],
                    card_valid_to=row.facts[p.pk].last_end,
                    do_not_contact=p.do_not_contact,
                    province_code=p.province_code,
                )
                for th, (row, _offers) in zip(households, priced, strict=True)
                for p in row.persons
            ),
            batch_size=2000,
        )
        _assign_teams(target_list, teams)
        audit_record(
            actor=actor,
            action="target_list_created",
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
            action="target_list_split",
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
    concerned = [members[person_id]] if person_id is not None else list(members.values())

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
            action="door_outcome_recorded",
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
            action="outbox_retry",
            obj=message,
            before=before,
            after={"status": message.status, "attempts": 0},
        )
    return message
