"""``ansinh worker``: runs the daily reminder job once a day, the daily backup where a backup folder is set
(ANSINH_BACKUP_DIR, from ANSINH_BACKUP_HOUR, keeping the ANSINH_BACKUP_KEEP newest), and sends the outbox every
minute.

The schedule lives in the database (``JobRun``), so a restarted or second worker neither skips nor repeats a
day; the reminder job may run twice at the same moment without harm (the outbox's unique constraint). See
docs/adr/0006-background-work.md for why this is a plain loop rather than django-tasks.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from .models import JobRun
from .outbox import outbox_send
from .reminders import reminders_run

log = logging.getLogger(__name__)
REMINDERS = "reminders"
BACKUP = "backup"
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
    backup_folder = os.environ.get("ANSINH_BACKUP_DIR", "")
    if backup_folder:
        backup = _daily_backup(Path(backup_folder), now=now, respect_hour=respect_hour)
        if backup is not None:
            result[BACKUP] = backup
    result["outbox"] = outbox_send(adapter=adapter, now=now)
    return result


def _daily_backup(folder: Path, *, now: dt.datetime, respect_hour: bool) -> dict | None:
    """The database backed up into ``folder`` once a day (core.backup), then only the newest kept."""
    from ansinh.cards.signing import keys_dir
    from ansinh.core.backup import BackupError, backup, backups_prune

    local = timezone.localtime(now)
    day = local.date()
    job, _created = JobRun.objects.get_or_create(name=BACKUP)
    hour = int(os.environ.get("ANSINH_BACKUP_HOUR", "2"))
    if job.last_run_on == day or (respect_hour and local.hour < hour):
        return None
    JobRun.objects.filter(pk=job.pk).update(last_started_at=now)
    try:
        path = backup(folder, keys=keys_dir())
    except (BackupError, OSError) as e:  # told in the log and the job's result; tried again at the next pass
        log.error("the daily backup failed: %s", e)
        return {"error": str(e)}
    removed = backups_prune(folder, int(os.environ.get("ANSINH_BACKUP_KEEP", "14")))
    summary = {"file": path.name, "bytes": path.stat().st_size, "removed": [p.name for p in removed]}
    JobRun.objects.filter(pk=job.pk).update(
        last_run_on=day, last_finished_at=timezone.now(), last_result=summary
    )
    return summary


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
