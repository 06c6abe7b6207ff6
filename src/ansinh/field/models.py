"""Field kits (ADR 0027).

Office side: ``Kit`` (issued to a point for some communes, with its receipt book, its block of SI numbers, its
account and its certified key), ``FieldOp`` (every operation a kit sent, once, with its first result) and
``Conflict`` (an operation the office could not apply as the kit did: shown to a manager, never dropped).

Kit side: ``KitState`` (which office, which kit, when it last synced) and ``JournalEntry`` (every write made on
the kit, in order, with a UUID the kit made, until the office has it).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ansinh.core.models import AuditAction


class Kit(models.Model):
    name = models.CharField(_("name"), max_length=100)
    areas = models.ManyToManyField("areas.Area", related_name="+", verbose_name=_("areas"))
    point = models.ForeignKey("payments.CollectionPoint", on_delete=models.PROTECT, related_name="+")
    book = models.OneToOneField(
        "payments.ReceiptBook", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The kit's own account at the office: the operations it sends are applied as this account, in its areas.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_kit"
    )
    si_first = models.PositiveBigIntegerField(
        default=0
    )  # the SI serials reserved for people new in the field
    si_last = models.PositiveBigIntegerField(default=0)
    valid_from = models.DateField()
    valid_to = models.DateField()
    checkout_digest = models.CharField(max_length=64, unique=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(
        null=True, blank=True
    )  # checked in: its unused receipt numbers given back
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("field kit")

    def __str__(self) -> str:
        return f"{self.pk}: {self.name}"


class ConflictKind(models.TextChoices):
    OVERLAP = "overlap", _("already covered at the office")
    DUPLICATE = "duplicate_person", _("registered twice")
    QUOTE = "quote", _("amount differs from the office's rules")
    VOIDED = "voided", _("changed at the office meanwhile")
    REFUSED = "refused", _("refused by the office's rules")
    DEPENDS = "depends", _("depends on an operation in conflict")
    CARD = "card", _("card printed in the field differs")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("to decide")
    RESOLVED = "resolved", _("decided")


class FieldOp(models.Model):
    """One operation a kit sent, applied once: a repeat answers with ``result`` as it was the first time."""

    kit = models.ForeignKey(Kit, on_delete=models.PROTECT, related_name="ops")
    op_id = models.UUIDField(unique=True)
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=40)
    by = models.CharField(max_length=150, blank=True)  # the agent who worked on the kit
    clock = models.DateTimeField()  # the kit's clock when it was written
    rules_version = models.CharField(max_length=40, blank=True)
    payload = models.JSONField()
    result = models.JSONField(default=dict)
    applied_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.op_id}"


class Conflict(models.Model):
    kit = models.ForeignKey(Kit, on_delete=models.PROTECT, related_name="conflicts")
    op = models.ForeignKey(FieldOp, on_delete=models.PROTECT, related_name="conflicts")
    kind = models.CharField(max_length=20, choices=ConflictKind.choices)
    message = models.TextField()
    field_side = models.JSONField(default=dict)
    office_side = models.JSONField(default=dict)
    amount = models.BigIntegerField(default=0)  # money the kit took for it
    receipt = models.CharField(max_length=40, blank=True)  # its receipt's number in the kit's book
    status = models.CharField(max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN)
    resolution = models.CharField(max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} ({self.kit_id})"


class KitState(models.Model):
    """On a kit only, one row: the office it belongs to and how far it has synced."""

    server = models.CharField(max_length=300)
    kit = models.PositiveIntegerField()
    name = models.CharField(max_length=100, blank=True)
    token = models.CharField(max_length=100)  # the kit account's API token at the office
    book = models.PositiveIntegerField(null=True)
    si_last = models.PositiveBigIntegerField(default=0)
    key_valid_to = models.DateField()
    checked_out_at = models.DateTimeField()
    last_sync_at = models.DateTimeField(null=True, blank=True)
    cursor = models.PositiveBigIntegerField(default=0)
    backup_dir = models.CharField(max_length=500, blank=True)  # a second drive: a copy after every operation

    def __str__(self) -> str:
        return f"kit {self.kit} of {self.server}"


OPERATIONS = {
    "person.create": _("person registered"),
    "person.update": _("person corrected"),
    "household.create": _("household made"),
    "household.add_member": _("member added to a household"),
    "household.move_member": _("member moved to another household"),
    "enrollment.create": _("payment taken, receipt and cards"),
    "enrollment.outcomes": _("VssID or cashless ticked"),
    "receipt.void": _("receipt voided"),
    "outcome.record": _("campaign outcome"),
    "dayclose.create": _("day closed"),
}


class JournalEntry(models.Model):
    """On a kit only: a write made here, to be applied at the office. ``id`` is the order."""

    op_id = models.UUIDField(unique=True, default=uuid.uuid4)
    kind = models.CharField(max_length=40)
    obj_id = models.BigIntegerField(null=True)  # the row the operation wrote here (its refs point at it)
    payload = models.JSONField()
    by = models.CharField(max_length=150, blank=True)
    clock = models.DateTimeField()
    rules_version = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "obj_id"], name="journal_kind_obj_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.op_id}"

    @property
    def label(self) -> str:
        return str(OPERATIONS.get(self.kind, self.kind))


class Audit(AuditAction):
    KIT_CREATE = "kit_create"
    KIT_CHECKOUT = "kit_checkout"
    KIT_REVOKE = "kit_revoke"
    KIT_RETURN = "kit_return"
    KIT_SYNC = "kit_sync"
    CONFLICT_RESOLVE = "conflict_resolve"
