"""Enrollments (one payment for one scheme, for one or more people), their frozen quotes, and what they
create: health-insurance coverage spans and voluntary-SI contribution months."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ansinh.core.errors import Code
from ansinh.core.models import AuditAction


class Scheme(models.TextChoices):
    HI_HOUSEHOLD = "hi_household", _("household health insurance")
    HI_GROUP = "hi_group", _("health insurance for a subsidised group")
    VSI = "vsi", _("voluntary social insurance")


class Status(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("waiting for payment")
    COMPLETED = "completed", _("paid")
    VOID = "void", _("void")


class Quote(models.Model):
    """A quote shown to a person at the desk. It is valid for a short time; paying against it freezes it."""

    id = models.UUIDField(primary_key=True)
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    request = models.JSONField()
    result = models.JSONField()
    total_payable = models.BigIntegerField()
    province_code = models.CharField(max_length=16, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.id)


class Enrollment(models.Model):
    idempotency_key = models.CharField(max_length=100, unique=True)
    fingerprint = models.CharField(
        max_length=64
    )  # of the request: a reused key with other content is refused
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    point = models.ForeignKey(
        "payments.CollectionPoint", on_delete=models.PROTECT, related_name="enrollments"
    )
    activity_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # campaigns: where it happened
    paid_on = models.DateField()
    backdated = models.BooleanField(default=False)
    months = models.PositiveSmallIntegerField()
    group = models.CharField(max_length=40, blank=True)
    income = models.BigIntegerField(null=True, blank=True)
    quote = models.JSONField()  # frozen at payment: a later change of law does not re-price it
    total_payable = models.BigIntegerField()
    vssid_install_assisted = models.BooleanField(default=False)
    cashless_switched = models.BooleanField(default=False)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["province_code", "paid_on"], name="enrollment_day_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.scheme}"


class EnrollmentMember(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="enrollments")
    position = models.PositiveSmallIntegerField()
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    group = models.CharField(max_length=40)
    premium = models.BigIntegerField()
    support = models.BigIntegerField()
    payable = models.BigIntegerField()
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    # The 90 days before the payment that decide "new" or "renewal" (docs/domain.md, "What the numbers mean"):
    # fixed by the payment date, kept here so that reports compare dates in SQL on every database.
    paid_on = models.DateField()
    lookback_from = models.DateField()  # paid_on - 90 days
    lookback_to = models.DateField()  # paid_on - 1 day
    lookback_from_month = models.DateField()  # first day of lookback_from's month (VSI months)
    # New (True) or renewal (False) by that window, stored so that reports do not redo the look-back (ADR 0008).
    # It depends on the person's *other* coverage, so services.participation_flags_refresh recomputes it whenever
    # coverage or contribution months are created or voided; None only until the first refresh (a member row of
    # an enrollment still waiting for its payment, or rows just loaded in bulk).
    is_new = models.BooleanField(null=True)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["person", "paid_on"], name="member_person_day_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} in #{self.enrollment_id}"


class CoverageSource(models.TextChoices):
    """Where a coverage span came from: sold at ansinh's desk (with its enrollment), or recorded from outside —
    a card list of the SI agency imported by an office, or a group list (state-paid groups, employers) — without
    a payment in ansinh."""

    DESK = "desk", _("Desk")
    IMPORT = "import", _("Imported file")
    LIST = "list", _("Group list of the SI agency")


class HICoverage(models.Model):
    """A health-insurance coverage span. The 15-character card code (Decision 1351/QĐ-BHXH) is kept
    internally; cards since 2021 print only the 10-digit SI number (Decision 1666/QĐ-BHXH)."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="hi_coverage")
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="hi_coverage"
    )
    valid_from = models.DateField()
    valid_to = models.DateField()
    group = models.CharField(max_length=40)
    group_code = models.CharField(max_length=2)
    benefit_level = models.PositiveSmallIntegerField()
    card_code = models.CharField(max_length=15)
    rule = models.CharField(max_length=40)  # which card-validity rule gave valid_from
    # The registered primary-care facility (nơi đăng ký KCB ban đầu): printed on the card, carried in its QR.
    facility = models.ForeignKey(
        "areas.HealthFacility", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_void = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=CoverageSource.choices, default=CoverageSource.DESK)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["person", "valid_to"], name="hi_person_idx"),
            models.Index(fields=["province_code", "valid_from", "valid_to"], name="hi_area_dates_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.card_code} {self.valid_from}–{self.valid_to}"


class VSIContribution(models.Model):
    """A run of voluntary-SI contribution months paid at once (first month to first_month + months - 1): paid at
    ansinh's desk (with its enrollment), or recorded from an office's earlier records by an import (no enrollment,
    ``source`` import; enrollment.external)."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="vsi_contributions")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="vsi_contributions", null=True, blank=True
    )
    source = models.CharField(max_length=10, choices=CoverageSource.choices, default=CoverageSource.DESK)
    paid_on = models.DateField(null=True, blank=True)  # an imported run's payment day (the desk's is its enrollment's)
    first_month = models.DateField()  # the first day of the first month
    months = models.PositiveSmallIntegerField()
    last_month = models.DateField()  # the first day of the last month
    monthly_income = models.BigIntegerField()
    monthly_contribution = models.BigIntegerField()
    monthly_support = models.BigIntegerField()
    supported_months = models.PositiveSmallIntegerField()
    total_payable = models.BigIntegerField()
    is_void = models.BooleanField(default=False)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["person", "last_month"], name="vsi_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.first_month}+{self.months}"


class Audit(AuditAction):
    """The audit events this app records."""

    CONTRIBUTION_RECORD_EXTERNAL = "contribution_record_external"
    COVERAGE_RECORD_EXTERNAL = "coverage_record_external"
    ENROLLMENT_COMPLETE = "enrollment_complete"
    ENROLLMENT_CREATE = "enrollment_create"
    ENROLLMENT_OUTCOMES = "enrollment_outcomes"
    ENROLLMENT_VOID = "enrollment_void"
    PAYMENT_CONFIRMED = "payment_confirmed"


class Error(Code):
    """The enrollment's own error codes (beside ``core.errors.ErrorCode``): a refusal by the eligibility rule,
    ``eligibility.<reason>`` with the reasons of ``ansinh.rules.eligibility``, and the facility's."""

    ELIGIBILITY_DECEASED = "eligibility.deceased"
    ELIGIBILITY_EMPLOYEE = "eligibility.employee"
    ELIGIBILITY_PENSION_RECIPIENT = "eligibility.pension_recipient"
    ELIGIBILITY_STATE_PAID_GROUP = "eligibility.state_paid_group"
    ELIGIBILITY_STATE_SUPPORTED_GROUP = "eligibility.state_supported_group"
    ELIGIBILITY_NOT_IN_GROUP = "eligibility.not_in_group"
    ELIGIBILITY_TOO_YOUNG = "eligibility.too_young"
    ELIGIBILITY_NOT_IN_FORCE = "eligibility.not_in_force"
    FACILITY_UNKNOWN = "facility.unknown"
    FACILITY_CHANGE_NOT_ALLOWED = "facility.change_not_allowed"
