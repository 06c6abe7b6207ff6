"""Sending the outbox: claim due messages, hand each to the adapter, and only then mark it sent.

Nothing is lost: a message is written (queued) in one transaction and sent in another. A claim moves the
message's next attempt a lease ahead (``LEASE``) and commits before the network call; if the process dies
between the claim and the adapter's answer, the message is still queued and is sent again once the lease ends.
A message is marked sent only after the adapter returned. On PostgreSQL claims use ``SELECT ... FOR UPDATE SKIP
LOCKED`` so several workers share the queue; each claim is also a conditional update, which keeps a second
claimer out on SQLite, where writes are serialised anyway.

Failures are retried with exponential backoff (``backoff``); after ``MAX_ATTEMPTS`` tries, or an error the
adapter calls permanent, the message is 'giving_up' and waits for a person to retry it.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .adapters import DeliveryError, adapter_from_settings
from .models import MessageStatus, OutboxMessage

LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
BATCH = 100
SENDABLE = (MessageStatus.QUEUED, MessageStatus.FAILED)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd, 4th ... failure, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_CAP)


def outbox_claim(*, now: dt.datetime, limit: int = BATCH) -> list[int]:
    with transaction.atomic():
        due = OutboxMessage.objects.filter(status__in=SENDABLE, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "pk"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        candidates = list(due.values_list("pk", flat=True)[:limit])
        claimed = [
            pk
            for pk in candidates
            if OutboxMessage.objects.filter(pk=pk, status__in=SENDABLE, next_attempt_at__lte=now).update(
                next_attempt_at=now + LEASE, attempts=F("attempts") + 1
            )
        ]
    return claimed


def outbox_send(*, adapter=None, now: dt.datetime | None = None, limit: int = BATCH) -> dict:
    """Sends what is due. Returns counts: claimed, sent, failed (will retry), giving_up."""
    adapter = adapter or adapter_from_settings()
    now = now or timezone.now()
    counts = {"claimed": 0, "sent": 0, "failed": 0, "giving_up": 0}
    for pk in outbox_claim(now=now, limit=limit):
        counts["claimed"] += 1
        message = OutboxMessage.objects.select_related("person").get(pk=pk)
        person = message.person
        if person.do_not_contact or person.died_on:  # opted out (or died) after the message was written
            _finish(message, MessageStatus.GIVING_UP, "person must not be messaged", None)
            counts["giving_up"] += 1
            continue
        try:
            adapter.send(message)
        except DeliveryError as e:
            counts[_failed(message, e, now)] += 1
        except Exception as e:  # an adapter bug or an unexpected answer: keep the message, try again later
            counts[_failed(message, DeliveryError(f"{type(e).__name__}: {e}"), now)] += 1
        else:
            OutboxMessage.objects.filter(pk=pk).update(
                status=MessageStatus.SENT, sent_at=timezone.now(), adapter=adapter.name, last_error=""
            )
            counts["sent"] += 1
    return counts


def _failed(message: OutboxMessage, error: DeliveryError, now: dt.datetime) -> str:
    if error.permanent or message.attempts >= MAX_ATTEMPTS:
        _finish(message, MessageStatus.GIVING_UP, error.message, None)
        return "giving_up"
    _finish(message, MessageStatus.FAILED, error.message, now + backoff(message.attempts))
    return "failed"


def _finish(message, status, error: str, next_attempt_at) -> None:
    fields = {"status": status, "last_error": error[:500]}
    if next_attempt_at is not None:
        fields["next_attempt_at"] = next_attempt_at
    OutboxMessage.objects.filter(pk=message.pk).update(**fields)
