"""``ansinh worker``: runs the daily reminder job once a day and sends the outbox every minute.

The schedule lives in the database (``JobRun``), so a restarted or second worker neither skips nor repeats a
day; the reminder job may run twice at the same moment without harm (the outbox's unique constraint). See
docs/adr/0006-background-work.md for why this is a plain loop rather than django-tasks.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading

from django.db.models import Q
from django.utils import timezone

from .models import JobRun
from .outbox import outbox_send
from .reminders import reminders_run

log = logging.getLogger(__name__)
REMINDERS = "reminders"
INTERVAL = 60  # seconds between two passes


def remind_hour() -> int:
    """Reminders are written from this local hour on (texts are not sent in the night)."""
    return int(os.environ.get("ANSINH_REMIND_HOUR", "7"))


def run_due_jobs(*, now: dt.datetime | None = None, adapter=None, respect_hour: bool = True) -> dict:
    now = now or timezone.now()
    local = timezone.localtime(now)
    day = local.date()
    result: dict = {}
    job, _created = JobRun.objects.get_or_create(name=REMINDERS)
    if job.last_run_on != day and (not respect_hour or local.hour >= remind_hour()):
        JobRun.objects.filter(pk=job.pk).update(last_started_at=now)
        summary = reminders_run(on=day)
        # Marked done only after it ran: a crash mid-job means it runs again (harmless, see above).
        JobRun.objects.filter(pk=job.pk).filter(Q(last_run_on__isnull=True) | ~Q(last_run_on=day)).update(
            last_run_on=day,
            last_finished_at=timezone.now(),
            last_result={k: v for k, v in summary.items() if k != "messages"},
        )
        result[REMINDERS] = {k: v for k, v in summary.items() if k != "messages"}
    result["outbox"] = outbox_send(adapter=adapter, now=now)
    return result


def run_forever(*, stop: threading.Event, interval: float = INTERVAL, adapter=None, on_pass=None) -> None:
    while not stop.is_set():
        try:
            result = run_due_jobs(adapter=adapter)
        except Exception:  # a database hiccup must not end the worker; the next pass tries again
            log.exception("worker pass failed")
        else:
            if on_pass:
                on_pass(result)
        stop.wait(interval)
