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


class KitKey(models.Model):
    """A field kit's card-signing key, certified by this office (ADR 0027). Cards the kit signs carry the
    certificate and verify anywhere with the office's public key; once the kit is revoked, only the cards it signed
    that reached this office (synced) stay valid here."""

    kit = models.PositiveIntegerField(unique=True)  # the kit's number (field.Kit), known to cards as a number
    key_id = models.CharField(max_length=16, db_index=True)
    public_key = models.CharField(max_length=64)  # raw 32 bytes, base64url
    areas = models.JSONField(default=list)
    valid_from = models.DateField()
    valid_to = models.DateField()
    certificate = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"kit {self.kit} ({self.key_id})"


class Audit(AuditAction):
    """The audit events this app records."""

    CARD_ISSUE = "card_issue"
    CARD_PRINT = "card_print"
    KIT_KEY_CERTIFY = "kit_key_certify"
    KIT_KEY_REVOKE = "kit_key_revoke"
