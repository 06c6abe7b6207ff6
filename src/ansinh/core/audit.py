"""Audit events are written by services, inside their transaction (house rule 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from .models import AuditEvent


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe picture of a model's concrete fields (foreign keys by id)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(obj, field.attname)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        data[field.name] = value
    return data


def audit_record(
    *, actor, action: str, obj: models.Model, before: dict | None = None, after: dict | None = None
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        province_code=getattr(obj, "province_code", "") or "",
        before=before,
        after=after,
    )


def history_for(obj: models.Model):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related(
        "actor"
    )
