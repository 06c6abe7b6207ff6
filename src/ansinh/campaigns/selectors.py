"""Reads of campaigns and activities, scoped to the user's areas."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ansinh.areas.models import Area, Level
from ansinh.areas.selectors import ancestor_paths, subtree_q
from ansinh.core.access import not_found, require, scope_for

from .models import Activity, Campaign


def _visible_area_q(user, prefix: str) -> Q:
    """An area the user works in, or one above it (a province-wide campaign is visible from its communes)."""
    scope = scope_for(user)
    return scope.areas_q(prefix=prefix) | Q(**{f"{prefix}path__in": ancestor_paths(scope.paths)})


# Campaigns and activities are read by whoever may see campaigns (every role today): decided here, for every door.
VIEW = "campaigns.view"


def campaigns_for_user(*, user) -> QuerySet[Campaign]:
    require(user, VIEW)
    return Campaign.objects.filter(_visible_area_q(user, "areas__")).distinct().order_by("-starts_on", "-pk")


def campaigns_in(*, user, area: Area | None = None, start=None, end=None) -> QuerySet[Campaign]:
    """The user's campaigns held in or over an area (a unit before July 2025: in or over the current communes it
    became) and running on at least one day from ``start`` to ``end`` (either may be left open)."""
    campaigns = campaigns_for_user(user=user)
    if start is not None:
        campaigns = campaigns.filter(ends_on__gte=start)
    if end is not None:
        campaigns = campaigns.filter(starts_on__lte=end)
    if area is not None:
        if area.is_legacy:  # campaigns are held in provinces and communes: over the communes it became
            communes = Area.objects.filter(
                level=Level.COMMUNE, predecessors__legacy__in=Area.objects.filter(subtree_q(area.path))
            )
            held = Q(
                areas__path__in=ancestor_paths(tuple(communes.values_list("path", flat=True).distinct()))
            )
        else:
            held = Q(areas__path__startswith=area.path) | Q(areas__path__in=ancestor_paths((area.path,)))
        campaigns = campaigns.filter(held).distinct()
    return campaigns


def campaign_get(*, user, campaign_id: int) -> Campaign:
    campaign = campaigns_for_user(user=user).filter(pk=campaign_id).first()
    if campaign is None:
        raise not_found()
    return campaign


def activities_for_user(*, user) -> QuerySet[Activity]:
    require(user, VIEW)
    return Activity.objects.filter(_visible_area_q(user, "area__")).select_related("campaign", "area")


def activity_get(*, user, activity_id: int) -> Activity:
    activity = activities_for_user(user=user).filter(pk=activity_id).first()
    if activity is None:
        raise not_found()
    return activity


def current_activities(*, user, on) -> QuerySet[Activity]:
    """Activities running on a day in the user's areas: what the desk offers to work at."""
    return (
        activities_for_user(user=user)
        .filter(starts_on__lte=on, ends_on__gte=on)
        .order_by("starts_on", "title")
    )


def campaign_area_choices(*, user) -> list[Area]:
    """The provinces and communes a user may give a campaign (their own areas and what lies under them)."""
    return list(
        Area.objects.filter(scope_for(user).areas_q(), level__in=[Level.PROVINCE, Level.COMMUNE]).order_by(
            "level", "name_folded"
        )
    )


def activity_area_choices(*, user, campaign: Campaign) -> list[Area]:
    """Where an activity of the campaign may take place: inside both the campaign's and the user's areas."""
    inside: Q = Q(pk__in=[])
    for area in campaign.areas.all():
        inside |= subtree_q(area.path)
    return list(
        Area.objects.filter(inside, scope_for(user).areas_q(), level__in=[Level.PROVINCE, Level.COMMUNE])
        .order_by("level", "name_folded")
        .only("code", "name", "level")
    )
