"""Users with roles and areas, personal API tokens, and the audit log."""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("administrator")
    MANAGER = "manager", _("manager")
    COMMUNICATION_OFFICER = "communication_officer", _("communication officer")
    COLLECTION_AGENT = "collection_agent", _("collection agent")
    VIEWER = "viewer", _("viewer")
    FIELD_KIT = "field_kit", _("field kit")  # a kit's own account: the office applies its operations as it


# The roles a person is given; a field kit's account is made only when the kit is issued (field.services).
PERSON_ROLES = [(value, label) for value, label in Role.choices if value != Role.FIELD_KIT]


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.VIEWER)
    areas = models.ManyToManyField("areas.Area", blank=True, related_name="users", verbose_name=_("areas"))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once, at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class AuditAction(StrEnum):
    """The name of an audit event. Each app lists its own in ``<app>/models.py`` as a subclass ``Audit``, so an
    action is a name the app declared (``core.audit.audit_record`` takes nothing else, mypy checks it) and the
    log's vocabulary can be read in one place per app."""


class AuditEvent(models.Model):
    """Who did what to which record, with the record's fields before and after (house rule 2)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    province_code = models.CharField(max_length=16, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"

    def changes(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class Audit(AuditAction):
    """The audit events this app records."""

    TOKEN_CREATE = "token_create"
    TOKEN_REVOKE = "token_revoke"
    USER_CREATE = "user_create"
    USER_UPDATE = "user_update"
    SECOND_FACTOR_ENROL = "second_factor_enrol"
    SECOND_FACTOR_RESET = "second_factor_reset"
