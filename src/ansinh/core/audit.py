"""Audit events are written by services, inside their transaction (house rule 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from operator import attrgetter
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .bulk import rows_insert
from .models import AuditAction, AuditEvent

# The events of an open audit_batch(), or None: recorded ones wait there, as the rows to write, and are written
# together. An import's batch records hundreds of thousands: a plain row costs a fifth of a model instance.
_batch: ContextVar[list[dict[str, Any]] | None] = ContextVar("ansinh_audit_batch", default=None)


@cache
def _pictured(model: type[models.Model]) -> tuple[tuple[str, ...], attrgetter, tuple[str, ...]]:
    """A model's concrete fields by name, a getter of their values (by attname) all at once, and the names of its
    date and date-time fields."""
    concrete = model._meta.concrete_fields
    dates = tuple(f.name for f in concrete if isinstance(f, models.DateField))  # a DateTimeField is one too
    return tuple(f.name for f in concrete), attrgetter(*(f.attname for f in concrete)), dates


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe picture of a model's concrete fields (foreign keys by id, dates in ISO form)."""
    names, read, dates = _pictured(type(obj))
    data = dict(zip(names, read(obj) if len(names) > 1 else (read(obj),), strict=True))
    for name in dates:
        if isinstance(data[name], dt.date):
            data[name] = data[name].isoformat()
    if fields is None:
        return data
    return {name: value for name, value in data.items() if name in fields}


def audit_record(
    *, actor, action: AuditAction, obj: models.Model, before: dict | None = None, after: dict | None = None
) -> None:
    row = {
        "actor_id": actor.pk if getattr(actor, "pk", None) else None,
        "action": str(action),
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "province_code": getattr(obj, "province_code", "") or "",
        "before": before,
        "after": after,
    }
    batch = _batch.get()
    if batch is None:
        AuditEvent(**row).save(force_insert=True)
    else:
        batch.append(row)


@contextmanager
def audit_batch() -> Iterator[None]:
    """The audit events recorded inside the block are written together, in one INSERT, when it ends without an
    error. It must run inside the service's transaction, so house rule 2 holds as before: the events commit with
    the changes they describe, or neither does. Used where one service call records several events (the desk:
    enrollment, SI number, card, receipt). Nested blocks join the outer one."""
    if _batch.get() is not None:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_batch() must run inside a transaction")
    events: list[dict[str, Any]] = []
    token = _batch.set(events)
    try:
        yield
    finally:
        _batch.reset(token)
    if len(events) < 100:  # the desk's few events: one INSERT (a COPY costs more round trips)
        AuditEvent.objects.bulk_create([AuditEvent(**row) for row in events])
        return
    at = timezone.now()  # the moment the batch is written, as auto_now_add gives each event written alone
    for row in events:
        row["at"] = at
    rows_insert(AuditEvent, events)


def history_for(obj: models.Model):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related(
        "actor"
    )
