"""Campaigns, their activities (one model with a kind and kind-specific reach figures), partners, goals and
outcomes recorded at activities. The figures reported are defined once, in reports/campaign_figures.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ansinh.core.models import AuditAction


class CampaignKind(models.TextChoices):
    MONTH_OF_PROMOTION = "month_of_promotion", _("month of promotion")
    SMALL_GROUP = "small_group", _("small-group campaign")
    LAUNCH_WEEK = "launch_week", _("launch week")
    OTHER = "other", _("other campaign")


class Partner(models.Model):
    class Kind(models.TextChoices):
        CULTURE_CENTRE = "culture_centre", _("culture and film centre")
        TRADE_UNION = "trade_union", _("trade-union federation")
        POST_OFFICE = "post_office", _("post office")
        MASS_ORGANISATION = "mass_organisation", _("mass organisation")
        PRESS = "press", _("press, radio, TV")
        SCHOOL = "school", _("school")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    province_code = models.CharField(max_length=16, db_index=True)

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=CampaignKind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    description = models.TextField(_("description"), blank=True)
    areas = models.ManyToManyField("areas.Area", related_name="+", verbose_name=_("areas"))
    partners = models.ManyToManyField(Partner, blank=True, related_name="campaigns")
    province_code = models.CharField(max_length=16, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Goal(models.Model):
    """A target for one figure of the report, for the whole campaign (area empty) or one area."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="goals")
    figure = models.CharField(max_length=40)
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "figure", "area"], name="goal_unique"),
            models.UniqueConstraint(
                fields=["campaign", "figure"], condition=models.Q(area__isnull=True), name="goal_unique_whole"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.target}"


class ActivityKind(models.TextChoices):
    BANNER = "banner", _("banners and slogans")
    ART_PERFORMANCE = "art_performance", _("art performance")
    SMALL_GROUP_VISIT = "small_group_visit", _("small-group visit")
    JOB_FAIR_BOOTH = "job_fair_booth", _("job-fair booth")
    LIVESTREAM = "livestream", _("livestream")
    CONFERENCE = "conference", _("conference or dialogue")
    PRESS = "press", _("press, radio or TV piece")
    POST_OFFICE_LAUNCH = "post_office_launch", _("post-office launch")
    OTHER = "other", _("other")


# The figures a campaign reports and may set goals for (computed in reports/campaign_figures.py).
FIGURES = (
    "new_voluntary_si",
    "new_health_insurance",
    "renewals_health_insurance",
    "renewals_voluntary_si",
    "vssid_installs",
    "cashless_switches",
    "consulted",
)

# Reach figures an activity may report (all whole numbers, never negative).
REACH_KEYS = (
    "views",
    "interactions",
    "shares",
    "visitors",
    "audience",
    "banners",
    "participants",
    "organisations",
)


class Activity(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=30, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    platform = models.CharField(_("platform"), max_length=60, blank=True)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="activities")
    cost = models.BigIntegerField(_("cost (VND)"), null=True, blank=True)
    reach = models.JSONField(default=dict, blank=True)
    province_code = models.CharField(max_length=16, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title


class OutcomeKind(models.TextChoices):
    CONSULTED = "consulted", _("consulted")
    VSSID_INSTALL_ASSISTED = "vssid_install_assisted", _("helped install VssID")
    CASHLESS_SWITCHED = "cashless_switched", _("pension switched to an account")
    FOLLOW_UP = "follow_up", _("follow-up promised")


class Outcome(models.Model):
    """What happened with a person at an activity, with or without a payment."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="outcomes")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="outcomes")
    kind = models.CharField(max_length=30, choices=OutcomeKind.choices)
    on = models.DateField()
    follow_up_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    province_code = models.CharField(max_length=16, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Recording the same outcome twice (a double click, a second sync) keeps one row.
            models.UniqueConstraint(fields=["activity", "person", "kind"], name="outcome_once_per_activity"),
        ]
        indexes = [models.Index(fields=["kind", "on"], name="outcome_kind_day_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id}"


class Audit(AuditAction):
    """The audit events this app records."""

    ACTIVITY_CREATE = "activity_create"
    ACTIVITY_REACH = "activity_reach"
    CAMPAIGN_CREATE = "campaign_create"
    GOALS_SET = "goals_set"
    OUTCOME_RECORD = "outcome_record"
    PAYOUT_SWITCHED = "payout_switched"
