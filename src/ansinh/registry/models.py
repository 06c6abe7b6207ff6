"""People, households and memberships.

Every row carries the province code (the distribution key at national scale, see docs/architecture.md, "Scale")
and is indexed by it. Writes go through services.py; reads through selectors.py.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ansinh.core.models import AuditAction

from .ethnicities import ETHNICITIES


class Sex(models.TextChoices):
    MALE = "m", _("male")
    FEMALE = "f", _("female")


class BirthDatePrecision(models.TextChoices):
    """Rural records often know only the year, or the month and year, of birth."""

    YEAR = "y", _("year only")
    MONTH = "m", _("month and year")
    DAY = "d", _("full date")


class Employment(models.TextChoices):
    UNKNOWN = "", _("unknown")
    FORMAL = "formal", _("employed with a contract (compulsory SI)")
    INFORMAL = "informal", _("informal worker / self-employed")
    FARMER = "farmer", _("farmer, forestry, fishery or salt worker")
    STUDENT = "student", _("pupil or student")
    UNEMPLOYED = "unemployed", _("without work")
    RETIRED = "retired", _("retired")
    CHILD = "child", _("child")


class Poverty(models.TextChoices):
    NONE = "", _("neither")
    POOR = "poor", _("poor household")
    NEAR_POOR = "near_poor", _("near-poor household")


class Payout(models.TextChoices):
    NONE = "", _("not a recipient")
    CASH = "cash", _("cash")
    ACCOUNT = "account", _("bank account")


class Household(models.Model):
    code = models.CharField(_("household code"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    commune = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    village = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village"),
    )
    head = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("head of household"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.code


class Person(models.Model):
    full_name = models.CharField(_("full name"), max_length=150)
    name_folded = models.CharField(max_length=150, db_index=True, editable=False)
    birth_date = models.DateField(_("date of birth"))
    birth_date_precision = models.CharField(
        max_length=1, choices=BirthDatePrecision.choices, default=BirthDatePrecision.DAY
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, default="01")
    personal_id = models.CharField(_("personal ID"), max_length=12, null=True, blank=True, unique=True)
    si_number = models.CharField(_("SI number"), max_length=10, null=True, blank=True, unique=True)
    phone = models.CharField(_("phone"), max_length=10, blank=True, db_index=True)

    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    commune = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    village = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village"),
    )

    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    employment = models.CharField(_("employment"), max_length=16, choices=Employment.choices, blank=True)
    poverty = models.CharField(_("poverty status"), max_length=16, choices=Poverty.choices, blank=True)
    poverty_year = models.PositiveSmallIntegerField(_("year certified"), null=True, blank=True)
    # Statuses that bring state support (docs/domain.md, The rules in brief, 3 and 5).
    is_student = models.BooleanField(_("pupil or student"), default=False)
    ethnic_minority_listed_commune = models.BooleanField(
        _("ethnic minority in a listed difficult commune"), default=False
    )
    social_assistance = models.BooleanField(_("social-assistance beneficiary"), default=False)
    atk_commune = models.BooleanField(_("resident of a revolutionary safe-zone (ATK) commune"), default=False)
    agricultural_household = models.BooleanField(
        _("agricultural, forestry, fishery or salt household of average living standard"), default=False
    )
    island_commune = models.BooleanField(_("resident of an island commune or special zone"), default=False)
    pension_recipient = models.BooleanField(_("receives a pension or SI benefit"), default=False)
    payout_method = models.CharField(_("payout method"), max_length=8, choices=Payout.choices, blank=True)
    do_not_contact = models.BooleanField(_("asked not to be contacted"), default=False)
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    # The latest day a recorded change of a status took effect (StatusChange); None if none was recorded. On any
    # day from it on, the fields above are the person's statuses (registry.selectors.statuses_on, ADR 0031).
    statuses_since = models.DateField(null=True, blank=True, editable=False)
    # Set when this record was found to be the same person as another and merged into it (PersonMerge); such a
    # record holds nothing any more and is left out of the registry's reads.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [models.Index(fields=["province_code", "commune"], name="person_area_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def birth_date_display(self) -> str:
        d = self.birth_date
        if self.birth_date_precision == BirthDatePrecision.YEAR:
            return f"{d.year}"
        if self.birth_date_precision == BirthDatePrecision.MONTH:
            return f"{d.month:02d}/{d.year}"
        return d.strftime("%d/%m/%Y")

    @property
    def birth_date_iso(self) -> str:
        d = self.birth_date
        if self.birth_date_precision == BirthDatePrecision.YEAR:
            return f"{d.year:04d}"
        if self.birth_date_precision == BirthDatePrecision.MONTH:
            return f"{d.year:04d}-{d.month:02d}"
        return d.isoformat()

    def age_on(self, on: dt.date) -> int:
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


# What the eligibility rule and the voluntary-SI quote read of a person that changes in life on a date (ADR 0031).
STATUS_FIELDS = (
    "employment",
    "poverty",
    "is_student",
    "social_assistance",
    "atk_commune",
    "ethnic_minority_listed_commune",
    "island_commune",
    "agricultural_household",
    "pension_recipient",
)


class StatusChange(models.Model):
    """A change in a person's life that takes effect on a day (poverty certified or lifted, a labour contract
    signed, school finished): the value of one status before and after. A correction of the record writes none
    (ADR 0031)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="status_changes")
    field = models.CharField(max_length=40)
    before = models.JSONField()
    after = models.JSONField()
    effective_on = models.DateField(_("from"))
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["person", "effective_on"], name="status_change_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.field} {self.effective_on}"


class Relation(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")
    GRANDCHILD = "grandchild", _("grandchild")
    GRANDPARENT = "grandparent", _("grandparent")
    SIBLING = "sibling", _("sibling")
    OTHER = "other", _("other relative")


class Membership(models.Model):
    """A person's membership of a household. One open membership per person; a move closes it (history)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(_("relation to the head"), max_length=16, choices=Relation.choices)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_on__isnull=True), name="one_open_household_per_person"
            )
        ]
        indexes = [models.Index(fields=["household", "ended_on"], name="membership_household_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.household_id} ({self.relation})"


class SINumberSequence(models.Model):
    """The next SI number of a province, taken under a row lock (a person keeps theirs for life)."""

    province_code = models.CharField(max_length=16, primary_key=True)
    next_serial = models.PositiveBigIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.province_code}: {self.next_serial}"


class PeriodScheme(models.TextChoices):
    HI = "hi", "health insurance"
    VSI = "vsi", "voluntary social insurance"


class CoveragePeriod(models.Model):
    """A person's continuous coverage under one scheme: the non-void health-insurance spans (or voluntary-SI
    contribution months, from the first day of the first month to the last day of the last) merged where they
    overlap or touch (``span_from``–``span_to``), cut to the days the person was alive (``valid_from``–
    ``valid_to``; both empty when the person was alive on none of them), and placed where the person lives now.

    It is derived, never edited (ADR 0010): the enrollment rebuilds a person's periods from their spans
    (``enrollment.periods``) in the same transaction as every service that creates or voids coverage or
    contribution months, and the registry re-cuts and re-places them (``periods_follow_person``) when a person
    moves, or their birth or death is recorded — without reading the spans, so the registry never calls up into
    the desk. One person's periods of a scheme never overlap, so "insured on a date" is a plain count of the
    periods containing it — no DISTINCT, and no join to the persons. The coverage figures read it
    (``reports/coverage.py``)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    scheme = models.CharField(max_length=3, choices=PeriodScheme.choices)
    span_from = models.DateField()
    span_to = models.DateField()
    valid_from = models.DateField(null=True)
    valid_to = models.DateField(null=True)
    province_code = models.CharField(max_length=16)
    commune = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    village = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        db_table = "reports_coverageperiod"  # made by the reports app, moved here with its rows (ADR 0010)
        indexes = [
            models.Index(fields=["province_code", "valid_to", "valid_from"], name="period_area_dates_idx"),
            models.Index(fields=["commune", "valid_to"], name="period_commune_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.scheme} {self.valid_from}–{self.valid_to}"


class Audit(AuditAction):
    """The audit events this app records."""

    DEMO_GENERATE = "demo_generate"
    HOUSEHOLD_ADD_MEMBER = "household_add_member"
    HOUSEHOLD_CREATE = "household_create"
    HOUSEHOLD_HEAD_CLEAR = "household_head_clear"
    HOUSEHOLD_JOIN = "household_join"
    HOUSEHOLD_LEAVE = "household_leave"
    PERSON_CREATE = "person_create"
    PERSON_MERGE = "person_merge"
    PERSON_MERGE_UNDO = "person_merge_undo"
    PERSON_STATUS_HISTORY = "person_status_history"
    PERSON_UPDATE = "person_update"
    SI_NUMBER_ASSIGN = "si_number_assign"


class PersonMerge(models.Model):
    """Two records of the same person made one (issue 13): every row that pointed at ``dropped`` was moved to
    ``kept``; ``moved`` lists them (model label -> primary keys) and ``before`` the identifiers the two held, so
    that ``person_merge_undo`` puts everything back. ``aliases``: the dropped record's name and identifiers."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    dropped = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    moved = models.JSONField(default=dict)
    before = models.JSONField(default=dict)
    aliases = models.JSONField(default=dict)
    reason = models.CharField(max_length=200, blank=True)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.dropped_id} -> {self.kept_id}"
