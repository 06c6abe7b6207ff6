"""Target lists (who to visit), their teams and door outcomes; the reminders outbox; the worker's schedule.

Every row carries the province code (the distribution key at national scale, docs/architecture.md, "Scale").
Writes go through services.py (lists, doors), reminders.py (the daily job) and outbox.py (delivery).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ansinh.core.models import AuditAction


class Criterion(models.TextChoices):
    """Why a person is on a target list. The order of ``PRIORITY`` (below) decides who is visited first."""

    UNINSURED = "uninsured", _("no valid health-insurance card")
    LAPSED = "lapsed", _("card lapsed more than N days ago")
    EXPIRING = "expiring", _("card expires within N days")
    VSI_DUE = "vsi_due", _("voluntary SI payment due or overdue")
    CASH_PENSION = "cash_pension", _("pension paid in cash")


# Household priority, best first (docs/user-guide/en/outreach.md): a household where some members hold a valid
# card and others do not is the easiest to win (it already trusts the scheme, and the household premium falls
# with each member), then people whose card lapsed long ago, then the never/recently uninsured, then renewals
# before they lapse, then voluntary-SI payments, then cash pensioners.
MIXED = "mixed"
PRIORITY = {
    MIXED: 1,
    Criterion.LAPSED: 2,
    Criterion.UNINSURED: 3,
    Criterion.EXPIRING: 4,
    Criterion.VSI_DUE: 5,
    Criterion.CASH_PENSION: 6,
}
PRIORITY_LABELS = {
    1: _("mixed household: some members insured, others not"),
    2: _("card lapsed"),
    3: _("uninsured"),
    4: _("card expiring"),
    5: _("voluntary SI due"),
    6: _("cash pension"),
}


class TargetList(models.Model):
    name = models.CharField(_("name"), max_length=200)
    on = models.DateField(_("date"))
    criteria = models.JSONField(default=list)
    lapsed_days = models.PositiveIntegerField(default=30)
    expiring_days = models.PositiveIntegerField(default=30)
    areas = models.ManyToManyField("areas.Area", related_name="+", verbose_name=_("areas"))
    activity = models.ForeignKey(
        "campaigns.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    province_code = models.CharField(max_length=16, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("target list")
        verbose_name_plural = _("target lists")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    target_list = models.ForeignKey(TargetList, on_delete=models.CASCADE, related_name="teams")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    province_code = models.CharField(max_length=16, db_index=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["target_list", "number"], name="outreach_team_number")]

    def __str__(self) -> str:
        return self.name


class DoorStatus(models.TextChoices):
    PENDING = "pending", _("not visited yet")
    VISITED = "visited", _("visited")
    NOT_HOME = "not_home", _("not at home")
    CONSULTED = "consulted", _("consulted")
    ENROLLED = "enrolled", _("enrolled")
    REFUSED = "refused", _("refused")
    FOLLOW_UP = "follow_up", _("follow-up promised")


class TargetHousehold(models.Model):
    """One row per household (or per person without a household) with the members to win and what to offer."""

    target_list = models.ForeignKey(TargetList, on_delete=models.CASCADE, related_name="households")
    position = models.PositiveIntegerField()  # in priority order
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    commune = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(max_length=300, blank=True)
    label = models.CharField(max_length=200)  # household code and head, or the person's name
    priority = models.PositiveSmallIntegerField()
    offers = models.JSONField(default=list)  # [{"kind", "person_ids", "total_payable", "members": [...]}]
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="households"
    )
    status = models.CharField(max_length=16, choices=DoorStatus.choices, default=DoorStatus.PENDING)
    follow_up_on = models.DateField(null=True, blank=True)
    province_code = models.CharField(max_length=16, db_index=True)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["target_list", "team"], name="outreach_th_team_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def priority_label(self) -> str:
        return str(PRIORITY_LABELS.get(self.priority, ""))


class TargetMember(models.Model):
    target_household = models.ForeignKey(TargetHousehold, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField(default=list)
    card_valid_to = models.DateField(null=True, blank=True)  # the latest card's end, if any
    do_not_contact = models.BooleanField(default=False)  # shown on the walk list: visit, never message
    province_code = models.CharField(max_length=16, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.person_id}: {', '.join(self.reasons)}"


class DoorOutcome(models.Model):
    """What happened at a door. Recorded again and again as a team returns; the household keeps the latest."""

    target_household = models.ForeignKey(TargetHousehold, on_delete=models.CASCADE, related_name="outcomes")
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=DoorStatus.choices)
    on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    campaign_outcomes = models.JSONField(default=list)  # ids of campaigns.Outcome rows it produced
    province_code = models.CharField(max_length=16, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.target_household_id}: {self.status}"


class MessageKind(models.TextChoices):
    HI_EXPIRY = "hi_expiry", _("health-insurance card expiring")
    VSI_DUE = "vsi_due", _("voluntary SI payment due")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS / Zalo (by phone number)")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will retry")
    GIVING_UP = "giving_up", _("given up")


class OutboxMessage(models.Model):
    """A reminder waiting to be, or already, delivered. Unique per (person, kind, due date): nobody is reminded
    twice for the same due date, however often the daily job runs."""

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.SMS)
    recipient = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    due_date = models.DateField()
    body = models.TextField()
    amount = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    adapter = models.CharField(max_length=20, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    province_code = models.CharField(max_length=16, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "due_date"], name="outbox_once_per_due_date")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.due_date} ({self.status})"


class JobRun(models.Model):
    """The worker's schedule, kept in the database so that a restart neither skips nor repeats a daily job."""

    name = models.CharField(max_length=40, unique=True)
    last_run_on = models.DateField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.last_run_on}"


class Audit(AuditAction):
    """The audit events this app records."""

    DOOR_OUTCOME_RECORDED = "door_outcome_recorded"
    OUTBOX_RETRY = "outbox_retry"
    TARGET_LIST_CREATED = "target_list_created"
    TARGET_LIST_SPLIT = "target_list_split"
