"""Health-insurance cards: one per coverage span, with the signed token its QR code carries."""

from __future__ import annotations

from django.db import models

from ansinh.core.models import AuditAction


class Card(models.Model):
    coverage = models.OneToOneField("enrollment.HICoverage", on_delete=models.PROTECT, related_name="card")
    number = models.CharField(max_length=10, db_index=True)  # the SI number printed on the card
    token = models.TextField()  # what the QR code carries: payload + Ed25519 signature
    key_id = models.CharField(max_length=16)
    # The QR code's modules, drawn once when the card is issued (a pure function of the token): printing a
    # whole event's cards then costs no QR encoding. Empty for cards issued before this was kept.
    qr_modules = models.PositiveSmallIntegerField(default=0)
    qr_path = models.TextField(blank=True)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    issued_at = models.DateTimeField(auto_now_add=True)
    printed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.number


class Audit(AuditAction):
    """The audit events this app records."""

    CARD_ISSUE = "card_issue"
    CARD_PRINT = "card_print"
