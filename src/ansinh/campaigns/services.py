"""Writes for campaigns, activities, goals and outcomes (house rule 1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ansinh.areas.models import Area, Level
from ansinh.areas.selectors import normalize_code
from ansinh.core.access import require, scope_for
from ansinh.core.audit import audit_record, snapshot
from ansinh.core.dates import format_date
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.journal import journal
from ansinh.core.money import MAX_VND, format_vnd
from ansinh.core.text import has_invisible
from ansinh.registry.models import Payout, Person

from .models import (
    FIGURES,
    REACH_KEYS,
    Activity,
    ActivityKind,
    Audit,
    Campaign,
    CampaignKind,
    Goal,
    Outcome,
    OutcomeKind,
    Partner,
)


def _areas(actor, codes: list[str]) -> list[Area]:
    if not codes:
        raise ApplicationError(
            ErrorCode.INVALID, _("A campaign covers at least one area."), field="area_codes"
        )
    areas = []
    scope = scope_for(actor)
    for code in codes:
        area = Area.objects.filter(
            code=normalize_code(code), level__in=[Level.PROVINCE, Level.COMMUNE]
        ).first()
        if area is None or not scope.covers_area(area):
            raise ApplicationError(
                ErrorCode.INVALID,
                _("%(code)s is not a province or commune in your areas.") % {"code": code},
                field="area_codes",
            )
        areas.append(area)
    return areas


MAX_DAYS = 366  # a campaign, or an activity, lasts at most a year (its report has a row per day)
MAX_COUNT = 10**9  # a goal or a reach figure: far above any province's, within every database's integers


TITLE_MAX = 200  # a campaign's name, an activity's title (their columns)
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a campaign's dates: no year 0001 or 9999


def _check_title(text: str | None, *, field: str, empty: str) -> None:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(ErrorCode.INVALID, empty, field=field)
    if len(text) > TITLE_MAX:
        raise ApplicationError(
            ErrorCode.INVALID, _("Write at most %(n)s characters.") % {"n": TITLE_MAX}, field=field
        )
    if has_invisible(text):
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The text holds invisible or control characters; type it again."),
            field=field,
        )


def _dates(starts_on: dt.date, ends_on: dt.date) -> None:
    for day, field in ((starts_on, "starts_on"), (ends_on, "ends_on")):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ApplicationError(
                ErrorCode.INVALID,
                _("Choose a date between the years %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
                field=field,
            )
    if ends_on < starts_on:
        raise ApplicationError(
            ErrorCode.INVALID, _("The end date is before the start date."), field="ends_on"
        )
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise ApplicationError(
            ErrorCode.INVALID, _("The end can be at most a year after the start."), field="ends_on"
        )


def _goal_rows(campaign: Campaign, goals: Any, areas: list[Area]) -> list[Goal]:
    """Goals as {"figure": target} for the whole campaign, or a list of {"figure", "target", "area_code"}."""
    items = (
        [{"figure": k, "target": v} for k, v in goals.items()]
        if isinstance(goals, dict)
        else list(goals or [])
    )
    rows = []
    for item in items:
        figure, target = item.get("figure"), item.get("target")
        if figure not in FIGURES:
            raise ApplicationError(
                ErrorCode.INVALID,
                _("%(figure)s is not a figure of the report; use one of: %(known)s.")
                % {"figure": figure, "known": ", ".join(FIGURES)},
                field="goals",
            )
        if not isinstance(target, int) or isinstance(target, bool) or not 0 <= target <= MAX_COUNT:
            raise ApplicationError(
                ErrorCode.INVALID, _("A goal is a whole number, not negative."), field="goals"
            )
        area = None
        if item.get("area_code"):
            area = Area.objects.filter(code=normalize_code(item["area_code"])).first()
            if area is None or not any(area.path.startswith(a.path) for a in areas):
                raise ApplicationError(
                    ErrorCode.INVALID, _("A goal's area must be inside the campaign's areas."), field="goals"
                )
        rows.append(Goal(campaign=campaign, figure=figure, area=area, target=target))
    keys = [(g.figure, g.area_id) for g in rows]
    if len(keys) != len(set(keys)):
        raise ApplicationError(ErrorCode.INVALID, _("A goal is given twice."), field="goals")
    return rows


@transaction.atomic
def campaign_create(
    *,
    actor,
    name: str,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    area_codes: list[str],
    goals: Any = None,
    description: str = "",
    partner_names: list[str] | None = None,
) -> Campaign:
    require(actor, "campaigns.manage")
    _check_title(name, field="name", empty=_("Give the campaign a name."))
    if kind not in CampaignKind.values:
        raise ApplicationError(ErrorCode.INVALID, _("Choose the kind of campaign."), field="kind")
    _dates(starts_on, ends_on)
    areas = _areas(actor, area_codes)
    campaign = Campaign.objects.create(
        name=name.strip()[:200],
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        description=description,
        province_code=areas[0].province_code,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    campaign.areas.set(areas)
    Goal.objects.bulk_create(_goal_rows(campaign, goals, areas))
    for partner_name in partner_names or []:
        partner, _created = Partner.objects.get_or_create(
            name=partner_name.strip()[:200], province_code=campaign.province_code
        )
        campaign.partners.add(partner)
    audit_record(
        actor=actor,
        action=Audit.CAMPAIGN_CREATE,
        obj=campaign,
        after={**snapshot(campaign), "areas": area_codes, "goals": goals},
    )
    return campaign


def _check_writes(actor, areas) -> None:
    """A campaign or activity is changed only by someone whose areas cover all of it: a commune's officer sees
    the province's campaign (it runs in their commune) but does not set its goals."""
    scope = scope_for(actor)
    if not all(scope.covers_area(a) for a in areas):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("The campaign is not found."))


@transaction.atomic
def goals_set(*, actor, campaign: Campaign, goals: Any) -> Campaign:
    require(actor, "campaigns.manage")
    _check_writes(actor, campaign.areas.all())
    rows = _goal_rows(campaign, goals, list(campaign.areas.all()))
    before = list(campaign.goals.values("figure", "area_id", "target"))
    campaign.goals.all().delete()
    Goal.objects.bulk_create(rows)
    audit_record(
        actor=actor, action=Audit.GOALS_SET, obj=campaign, before={"goals": before}, after={"goals": goals}
    )
    return campaign


def _clean_reach(reach: dict | None) -> dict[str, int]:
    clean: dict[str, int] = {}
    for key, value in (reach or {}).items():
        if key not in REACH_KEYS:
            raise ApplicationError(
                ErrorCode.INVALID,
                _("Unknown reach figure %(key)s; use one of: %(known)s.")
                % {"key": key, "known": ", ".join(REACH_KEYS)},
                field=f"reach.{key}",
            )
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
            raise ApplicationError(
                ErrorCode.INVALID, _("Reach figures are whole numbers, not negative."), field=f"reach.{key}"
            )
        clean[key] = value
    return clean


@transaction.atomic
def activity_create(
    *,
    actor,
    campaign: Campaign,
    kind: str,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    area_code: str,
    reach: dict | None = None,
    venue: str = "",
    platform: str = "",
    partner_name: str = "",
    cost: int | None = None,
) -> Activity:
    """An activity of a campaign, inside the campaign's dates and areas."""
    require(actor, "campaigns.manage")
    if kind not in ActivityKind.values:
        raise ApplicationError(ErrorCode.INVALID, _("Unknown kind of activity."), field="kind")
    _check_title(title, field="title", empty=_("Give the activity a title."))
    _dates(starts_on, ends_on)
    if starts_on < campaign.starts_on or ends_on > campaign.ends_on:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The activity must take place within the campaign's dates (%(a)s – %(b)s).")
            % {"a": format_date(campaign.starts_on), "b": format_date(campaign.ends_on)},
            field="starts_on",
        )
    area = Area.objects.filter(code=normalize_code(area_code)).first()
    if area is None or not scope_for(actor).covers_area(area):
        raise ApplicationError(ErrorCode.INVALID, _("Choose an area in your areas."), field="area_code")
    if not any(area.path.startswith(a.path) for a in campaign.areas.all()):
        raise ApplicationError(
            ErrorCode.INVALID, _("The activity must be in the campaign's areas."), field="area_code"
        )
    if cost is not None and not 0 <= cost <= MAX_VND:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("Enter the cost in đồng, from 0 up to %(max)s.") % {"max": format_vnd(MAX_VND)},
            field="cost",
        )
    partner = None
    if partner_name.strip():
        partner, _created = Partner.objects.get_or_create(
            name=partner_name.strip()[:200], province_code=campaign.province_code
        )
        campaign.partners.add(partner)
    activity = Activity.objects.create(
        campaign=campaign,
        kind=kind,
        title=title.strip()[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        area=area,
        venue=venue[:200],
        platform=platform[:60],
        partner=partner,
        cost=cost,
        reach=_clean_reach(reach),
        province_code=area.province_code,
    )
    audit_record(actor=actor, action=Audit.ACTIVITY_CREATE, obj=activity, after=snapshot(activity))
    return activity


@transaction.atomic
def activity_update_reach(*, actor, activity: Activity, reach: dict) -> Activity:
    """Reach figures entered during or after an activity; the keys given replace the old values."""
    require(actor, "campaigns.manage")
    activity = Activity.objects.select_for_update().select_related("area").get(pk=activity.pk)
    _check_writes(actor, [activity.area])
    before = dict(activity.reach)
    activity.reach = {**before, **_clean_reach(reach)}
    activity.save(update_fields=["reach"])
    audit_record(actor=actor, action=Audit.ACTIVITY_REACH, obj=activity, before=before, after=activity.reach)
    return activity


@transaction.atomic
def outcome_record(
    *,
    actor,
    activity: Activity,
    person: Person,
    kind: str,
    on: dt.date,
    follow_up_on: dt.date | None = None,
    note: str = "",
) -> tuple[Outcome, bool]:
    """Records what happened with a person at an activity. Recording the same outcome again returns the first
    one (each person counts once per figure). A cashless switch also changes the person's payout to an account."""
    require(actor, "outcomes.record")
    if kind not in OutcomeKind.values:
        raise ApplicationError(ErrorCode.INVALID, _("Unknown kind of outcome."), field="kind")
    scope = scope_for(actor)
    if not scope.covers_resident(person):
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("Person %(id)s is not found.") % {"id": person.pk}, field="person_id"
        )
    campaign = activity.campaign
    if not (campaign.starts_on <= on <= campaign.ends_on):
        raise ApplicationError(ErrorCode.INVALID, _("The date is outside the campaign's dates."), field="on")
    if kind == OutcomeKind.FOLLOW_UP and (follow_up_on is None or follow_up_on < on):
        raise ApplicationError(
            ErrorCode.INVALID, _("Give the date of the promised follow-up."), field="follow_up_on"
        )
    if kind == OutcomeKind.CASHLESS_SWITCHED and not person.pension_recipient:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("%(name)s does not receive a pension or benefit.") % {"name": person.full_name},
            field="person_id",
        )
    existing = Outcome.objects.filter(activity=activity, person=person, kind=kind).first()
    if existing is not None:
        return existing, False
    if kind == OutcomeKind.CASHLESS_SWITCHED and person.payout_method == Payout.ACCOUNT:
        # docs/domain.md counts those whose payout changed from cash to an account: nothing changes here
        raise ApplicationError(
            ErrorCode.INVALID,
            _("%(name)s is already paid to an account.") % {"name": person.full_name},
            field="person_id",
        )
    try:
        with transaction.atomic():
            outcome = Outcome.objects.create(
                activity=activity,
                person=person,
                kind=kind,
                on=on,
                follow_up_on=follow_up_on,
                note=note[:300],
                province_code=person.province_code,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:  # recorded at the same moment by a second click or sync
        return Outcome.objects.get(activity=activity, person=person, kind=kind), False
    if kind == OutcomeKind.CASHLESS_SWITCHED and person.payout_method != Payout.ACCOUNT:
        before = person.payout_method
        Person.objects.filter(pk=person.pk).update(payout_method=Payout.ACCOUNT)
        audit_record(
            actor=actor,
            action=Audit.PAYOUT_SWITCHED,
            obj=person,
            before={"payout_method": before},
            after={"payout_method": Payout.ACCOUNT},
        )
    audit_record(
        actor=actor,
        action=Audit.OUTCOME_RECORD,
        obj=outcome,
        after={"kind": kind, "person_id": person.pk, "activity_id": activity.pk, "on": on.isoformat()},
    )
    journal("outcome.record", outcome, actor=actor)
    return outcome, True
