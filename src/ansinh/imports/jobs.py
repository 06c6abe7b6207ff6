"""An import as a background job (ADR 0014): the file is kept under VAR_DIR, the job's row in ``ImportRun`` says
how far it got, and the work is committed a chunk of units at a time (a unit is a household's rows, one row, or
a chunk of card rows: what succeeds or fails whole). Between chunks the job reads its own row: "stopping" ends it
as "stopped"; a resume starts at ``units_done``, so nothing is done twice and a killed job loses only the chunk it
was writing. The rejected rows are kept on the row as they come, and the error report is written at the end.

``ansinh import worker`` runs waiting jobs; ``ansinh import persons FILE --job`` runs its job at once with a
progress bar; the page polls the job's progress."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.core.access import SystemActor, require
from ansinh.core.audit import audit_record
from ansinh.core.bulk import statistics_refresh
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.enrollment.models import HICoverage, VSIContribution
from ansinh.registry.models import CoveragePeriod, Household, Membership, Person

from .models import Audit, ImportRun, JobStatus, Kind, RejectedRow, SourceLink
from .reports import write_error_report
from .services import PLANS, Plan, Row, file_open

BUSY_RETRIES, BUSY_WAIT = 40, 0.25  # SQLite's one writer: a thread's job waits for the lock and goes on
STALE_AFTER = dt.timedelta(minutes=5)  # a running job silent this long is taken as killed: it may be resumed
CAPABILITY: dict[str, str] = {
    Kind.PERSONS: "registry.edit",
    Kind.PENSIONS: "registry.edit",
    Kind.CARDS: "enrollment.create",
    Kind.VSI: "enrollment.create",
    Kind.POPULATION: "areas.edit",
}


def jobs_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports" / "jobs"


def _plan(run: ImportRun, actor) -> Plan:
    return PLANS[run.kind](
        actor=actor,
        path=Path(run.stored_path),
        encoding=run.encoding_asked,
        mapping=run.mapping or None,
        source=run.source,
        edited=run.columns or None,
    )


def _actor_of(run: ImportRun):
    return run.created_by if run.created_by_id else SystemActor()


def import_job_create(
    *,
    actor,
    kind: str,
    path: Path,
    encoding: str = "auto",
    mapping: str | None = None,
    source: str | None = None,
    file_name: str | None = None,
    columns: dict[str, str] | None = None,
) -> ImportRun:
    """A waiting job for a file. The file is read and its columns checked now (a file the import cannot read is
    refused here, not later in the worker) and kept under VAR_DIR until the job is done. Its rows are parsed and
    checked when the job runs, once."""
    if kind not in PLANS:
        raise ApplicationError(
            ErrorCode.INVALID, _("Unknown kind of file: %(kind)s.") % {"kind": kind}, field="kind"
        )
    require(actor, CAPABILITY[kind])
    name = file_name or path.name
    source_name, table, _columns = file_open(
        actor=actor,
        capability=CAPABILITY[kind],
        kind=kind,
        path=path,
        encoding=encoding,
        mapping=mapping,
        source=source or Path(name).stem,
        edited=columns or None,
    )
    jobs_dir().mkdir(parents=True, exist_ok=True)
    stored = jobs_dir() / f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:8]}"
    shutil.copyfile(path, stored)
    with transaction.atomic():
        run = ImportRun.objects.create(
            kind=kind,
            source=source_name,
            file_name=name[:300],
            file_sha256=hashlib.sha256(stored.read_bytes()).hexdigest(),
            encoding=table.encoding,
            encoding_asked=encoding,
            columns=columns or {},
            mapping=mapping or "",
            created_by=actor if getattr(actor, "pk", None) else None,
            status=JobStatus.QUEUED,
            stored_path=str(stored),
            rows_total=len(table.rows) + len(table.problems),
        )
        audit_record(
            actor=actor,
            action=Audit.IMPORT_JOB_CREATE,
            obj=run,
            after={"kind": kind, "source": run.source, "file_name": run.file_name, "rows": run.rows_total},
        )
    return run


def _job_for(actor, job_id: int) -> ImportRun:
    from .selectors import import_job_get

    run = import_job_get(user=actor, job_id=job_id)
    require(actor, CAPABILITY[run.kind])
    return run


@transaction.atomic
def import_job_stop(*, actor, job_id: int) -> ImportRun:
    """A waiting job stops at once; a running one after the chunk it is writing."""
    run = _job_for(actor, job_id)
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status == JobStatus.QUEUED:
        run.status = JobStatus.STOPPED
    elif run.status == JobStatus.RUNNING:
        run.status = JobStatus.STOPPING
    else:
        raise ApplicationError(ErrorCode.CONFLICT, _("This import is not running."), field="status")
    run.save(update_fields=["status"])
    audit_record(actor=actor, action=Audit.IMPORT_JOB_STOP, obj=run, after={"status": run.status})
    return run


@transaction.atomic
def import_job_resume(*, actor, job_id: int, now: dt.datetime | None = None) -> ImportRun:
    """A stopped or failed job waits again, to go on from where it stopped; so does a running job that has been
    silent for STALE_AFTER (its process was killed)."""
    run = _job_for(actor, job_id)
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    now = now or timezone.now()
    stale = run.status in (JobStatus.RUNNING, JobStatus.STOPPING) and (
        run.heartbeat_at is None or now - run.heartbeat_at >= STALE_AFTER
    )
    if run.status not in (JobStatus.STOPPED, JobStatus.FAILED) and not stale:
        raise ApplicationError(
            ErrorCode.CONFLICT, _("Only a stopped or failed import can be resumed."), field="status"
        )
    run.status, run.message = JobStatus.QUEUED, ""
    run.save(update_fields=["status", "message"])
    audit_record(actor=actor, action=Audit.IMPORT_JOB_RESUME, obj=run, after={"units_done": run.units_done})
    return run


def _claim(job_id: int) -> bool:
    return bool(
        ImportRun.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, heartbeat_at=timezone.now()
        )
    )


def _keep_rejected(run: ImportRun, rows: list[Row]) -> None:
    RejectedRow.objects.bulk_create(
        [
            RejectedRow(run=run, line=r.line, cells=list(r.cells), column=r.column, reason=r.reason)
            for r in rows
        ]
    )


# A job's lookups (source keys, IDs, households, the cards a person holds, their coverage periods) are planned by
# PostgreSQL from its statistics of the tables: after STATISTICS_FIRST rows written, and each time the rows written
# double, the job refreshes them (a first import of a million rows: 8 times; ANALYZE reads a sample of each table,
# not the whole, so a table the kind does not write costs little).
STATISTICS_FIRST = 5_000
GROWN = (Person, Household, Membership, SourceLink, HICoverage, VSIContribution, CoveragePeriod)


def import_job_run(
    *, job_id: int, chunk_units: int | None = None, on_progress: Callable[[ImportRun], None] | None = None
) -> ImportRun:
    """Runs a waiting job (claimed by a conditional update, so two workers never run the same job) from where it
    stopped, a chunk per transaction; returns the job as it ended (done, stopped or failed)."""
    if not _claim(job_id):
        raise ApplicationError(ErrorCode.CONFLICT, _("This import is not waiting to run."), field="status")
    run = ImportRun.objects.get(pk=job_id)
    actor = _actor_of(run)
    try:
        plan = _plan(run, actor)
    except ApplicationError as e:
        ImportRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED, message=e.message[:500])
        run.refresh_from_db()
        return run
    if run.units_done == 0 and not run.started_at:
        with transaction.atomic():
            _keep_rejected(run, plan.rejected)
            ImportRun.objects.filter(pk=run.pk).update(
                started_at=timezone.now(), rejected=len(plan.rejected), rows_done=len(plan.rejected)
            )
    units = plan.units
    start = run.units_done
    chunk_units = chunk_units or plan.chunk_units
    refresh_at = STATISTICS_FIRST
    for first in range(start, len(units), chunk_units):
        chunk = units[first : first + chunk_units]
        with transaction.atomic():
            run = ImportRun.objects.select_for_update().get(pk=job_id)
            if run.status == JobStatus.STOPPING:
                run.status = JobStatus.STOPPED
                run.save(update_fields=["status"])
                return run
            plan.write(chunk, run)
            rows = [r for unit in chunk for r in unit]
            rejected = [r for r in rows if r.result == "rejected"]
            run.created += sum(1 for r in rows if r.result == "created")
            run.updated += sum(1 for r in rows if r.result == "updated")
            run.unchanged += sum(1 for r in rows if r.result == "unchanged")
            run.rejected += len(rejected)
            _keep_rejected(run, rejected)
            run.units_done = first + len(chunk)
            run.rows_done += len(rows)
            run.heartbeat_at = timezone.now()
            run.save(
                update_fields=[
                    "created",
                    "updated",
                    "unchanged",
                    "rejected",
                    "units_done",
                    "rows_done",
                    "heartbeat_at",
                ]
            )
        if (
            run.created + run.updated >= refresh_at
        ):  # the tables have doubled, or so, since the planner looked
            statistics_refresh(GROWN)
            refresh_at = 2 * (run.created + run.updated)
        if on_progress is not None:
            on_progress(run)
    return _job_finish(job_id, plan, actor)


@transaction.atomic
def _job_finish(job_id: int, plan: Plan, actor) -> ImportRun:
    run = ImportRun.objects.select_for_update().get(pk=job_id)
    rows = [
        SimpleNamespace(line=r.line, cells=r.cells, column=r.column, reason=r.reason)
        for r in run.rejected_rows.order_by("line", "pk")
    ]
    if rows:
        run.errors_file = str(
            write_error_report(
                header=plan.table.header,
                columns=plan.columns,
                rows=rows,
                directory=Path(settings.VAR_DIR) / "imports",
                stem=Path(run.file_name).stem,
            )
        )
    run.rows = run.rows_total
    run.rows_done = run.rows_total
    run.status = JobStatus.DONE
    run.finished_at = timezone.now()
    run.save()
    audit_record(actor=actor, action=Audit.IMPORT_RUN, obj=run, after=job_json(run))
    return run


def import_jobs_work(*, limit: int | None = None, on_progress=None) -> list[ImportRun]:
    """Runs the waiting jobs, oldest first (what ``ansinh import worker`` does on each pass)."""
    done: list[ImportRun] = []
    for job_id in (
        ImportRun.objects.filter(status=JobStatus.QUEUED).order_by("pk").values_list("pk", flat=True)
    ):
        if limit is not None and len(done) >= limit:
            break
        try:
            done.append(import_job_run(job_id=job_id, on_progress=on_progress))
        except ApplicationError:
            continue  # claimed by another worker meanwhile
    return done


def job_json(run: ImportRun) -> dict[str, Any]:
    """A job as the CLI, the API and the page show it; the counts are those of ``import`` --json."""
    return {
        "id": run.pk,
        "import_id": run.pk,
        "kind": run.kind,
        "source": run.source,
        "file_name": run.file_name,
        "status": run.status,
        "rows": run.rows_total or run.rows,
        "rows_done": run.rows_done,
        "percent": int(100 * run.rows_done / run.rows_total) if run.rows_total else 100,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "rejected": run.rejected,
        "errors_file": run.errors_file or None,
        "message": run.message,
        "first_rejected": [
            {"line": r.line, "column": r.column, "reason": r.reason}
            for r in run.rejected_rows.order_by("line", "pk")[:10]
        ],
    }


def job_start_in_background(job_id: int) -> None:
    """Starts a waiting job in a thread of this process when ``IMPORTS_RUN_IN_THREAD`` (the default: an office's
    one server needs no separate worker). Off, the job waits for ``ansinh import worker``. Either way a job that
    dies with its process is resumed from its last chunk (ADR 0014)."""
    import contextlib
    import threading
    import time

    from django.db import OperationalError, connection

    if not getattr(settings, "IMPORTS_RUN_IN_THREAD", True):
        return

    def work() -> None:
        try:
            for _attempt in range(BUSY_RETRIES):
                try:
                    import_job_run(job_id=job_id)
                    return
                except ApplicationError:
                    return  # claimed by a worker meanwhile
                except OperationalError:  # SQLite busy: the chunk was rolled back; go on from units_done
                    time.sleep(BUSY_WAIT)
                    with contextlib.suppress(OperationalError):
                        ImportRun.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
                            status=JobStatus.QUEUED
                        )
            ImportRun.objects.filter(pk=job_id).update(
                status=JobStatus.FAILED, message="the database stayed busy; resume the import"
            )
        except Exception as e:  # the job says why, the page shows it
            ImportRun.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=str(e)[:500])
            raise
        finally:
            connection.close()

    transaction.on_commit(lambda: threading.Thread(target=work, name=f"import-{job_id}", daemon=True).start())
