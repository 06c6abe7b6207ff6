"""Where money is taken (collection points and their agents), the receipt books whose numbers are never
reused, receipts, payments, and the agent's day close."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ansinh.core.models import AuditAction


class PointKind(models.TextChoices):
    SI_OFFICE = "si_office", _("SI office desk")
    POST_OFFICE = "post_office", _("post office")
    COMMUNE_AGENT = "commune_agent", _("commune agent")
    EVENT_DESK = "event_desk", _("event desk")


class CollectionPoint(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PointKind.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    agents = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="collection_points")
    # Where bank transfers go (VietQR): the office's collection account.
    bank_bin = models.CharField(_("bank BIN"), max_length=6, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=19, blank=True)
    bank_account_name = models.CharField(_("account name"), max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("collection point")

    def __str__(self) -> str:
        return self.name


class ReceiptBook(models.Model):
    """A range of receipt numbers assigned to a point. ``next_number`` is taken under a row lock, so numbers
    are gap-free and never reused; a failed enrollment rolls the increment back with everything else."""

    point = models.ForeignKey(CollectionPoint, on_delete=models.PROTECT, related_name="books")
    series = models.CharField(_("series"), max_length=20)
    first_number = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField()
    next_number = models.PositiveIntegerField()
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Issued to a field kit (ADR 0027): the kit numbers its receipts from it offline, and the office's desk never
    # takes a number from it; the kit's receipts are written here with the numbers the kit gave them.
    held_by_kit = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("receipt book")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_number__lte=models.F("last_number")), name="book_range_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.first_number}–{self.last_number}"


class Method(models.TextChoices):
    CASH = "cash", _("cash")
    BANK_TRANSFER = "bank_transfer", _("bank transfer")


class Receipt(models.Model):
    book = models.ForeignKey(ReceiptBook, on_delete=models.PROTECT, related_name="receipts")
    series = models.CharField(max_length=20)
    number = models.PositiveIntegerField()
    point = models.ForeignKey(CollectionPoint, on_delete=models.PROTECT, related_name="receipts")
    enrollment = models.OneToOneField(
        "enrollment.Enrollment", on_delete=models.PROTECT, related_name="receipt"
    )
    amount = models.BigIntegerField()
    # Cash handed over at the table, when the agent typed it: the change given back is tendered - amount.
    tendered = models.BigIntegerField(null=True, blank=True)
    method = models.CharField(max_length=20, choices=Method.choices)
    paid_on = models.DateField()
    payer_name = models.CharField(max_length=150)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["book", "number"], name="receipt_number_unique")]
        indexes = [models.Index(fields=["point", "paid_on"], name="receipt_point_day_idx")]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.series}-{self.number:07d}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None

    @property
    def change(self) -> int | None:
        return None if self.tendered is None else self.tendered - self.amount


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the transfer")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")


class Payment(models.Model):
    enrollment = models.OneToOneField(
        "enrollment.Enrollment", on_delete=models.CASCADE, related_name="payment"
    )
    method = models.CharField(max_length=20, choices=Method.choices)
    amount = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=PaymentStatus.choices)
    # The transfer's purpose text in the VietQR code; the office matches bank statements on it.
    reference = models.CharField(max_length=25, unique=True)
    qr_payload = models.TextField(blank=True)
    bank_reference = models.CharField(max_length=60, blank=True)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.reference


class DayClose(models.Model):
    """An agent's end of day at a point: the cash counted against the receipts, signed by both sides."""

    point = models.ForeignKey(CollectionPoint, on_delete=models.PROTECT, related_name="day_closes")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    receipts = models.PositiveIntegerField()
    voided = models.PositiveIntegerField()
    cash_expected = models.BigIntegerField()
    cash_counted = models.BigIntegerField()
    transfers = models.BigIntegerField()
    received_by = models.CharField(_("received by"), max_length=150)
    note = models.CharField(max_length=300, blank=True)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["point", "agent", "day"], name="one_close_per_day")]

    def __str__(self) -> str:
        return f"{self.point} {self.day}"

    @property
    def difference(self) -> int:
        return self.cash_counted - self.cash_expected


class Audit(AuditAction):
    """The audit events this app records."""

    BOOK_CLOSE = "book_close"
    BOOK_NUMBER_HOLD = "book_number_hold"  # a field kit's number held by a conflict (ADR 0027)
    BOOK_CREATE = "book_create"
    DAY_CLOSE = "day_close"
    POINT_ASSIGN_AGENT = "point_assign_agent"
    POINT_CREATE = "point_create"
    RECEIPT_ISSUE = "receipt_issue"
    RECEIPT_VOID = "receipt_void"
