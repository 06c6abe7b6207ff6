"""An import as a background job: progress stored, stopped between chunks, killed mid-chunk and resumed from
where it got to, with the same counts and records as a run at once; the CLI's --job, status, stop and resume."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.utils import timezone

from ansinh.cli import cli
from ansinh.core.errors import ApplicationError
from ansinh.core.models import AuditEvent
from ansinh.imports import jobs
from ansinh.imports.headers import PERSONS
from ansinh.imports.models import ImportRun, JobStatus, SourceLink
from ansinh.registry.models import Household, Person
from factories import make_user

pytestmark = pytest.mark.usefixtures("vietnamese")  # tests/conftest.py


@pytest.fixture
def manager(communes):
    return make_user(role="manager", areas=["15"])


def big_file(tmp_path: Path, commune, households: int = 12) -> Path:
    """Households of two (head and child), one bad row in the middle."""
    lines = [",".join(PERSONS)]
    for h in range(households):
        lines.append(f"H{h}-1,Nguyễn Văn Hộ {h},1970,nam,,,,{commune.code},,H{h},chủ hộ,Kinh")
        lines.append(f"H{h}-2,Nguyễn Thị Con {h},2001,nữ,,,,{commune.code},,H{h},con,Kinh")
    lines.append(f"X1,Người Lỗi,31/02/1990,nam,,,,{commune.code},,,,Kinh")
    path = tmp_path / "ds-lon.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Killed(BaseException):
    """The process dying mid-job (not an Exception: nothing in the job catches it)."""


def test_a_job_keeps_its_progress_and_ends_with_the_counts_and_error_report(
    tmp_path, manager, communes, settings
):
    settings.VAR_DIR = tmp_path
    job = jobs.import_job_create(actor=manager, kind="persons", path=big_file(tmp_path, communes["a"]))
    assert job.status == JobStatus.QUEUED and job.rows_total == 25
    seen: list[int] = []
    run = jobs.import_job_run(job_id=job.pk, chunk_units=5, on_progress=lambda r: seen.append(r.rows_done))
    assert seen == sorted(seen) and len(seen) == 3  # 13 units (12 households, 1 row) in chunks of 5
    assert run.status == JobStatus.DONE and run.rows_done == 25
    assert (run.created, run.rejected) == (24, 1)
    assert Path(run.errors_file).exists()
    assert Household.objects.count() == 12
    event = AuditEvent.objects.get(action="import_run", object_id=str(run.pk))
    assert event.after["created"] == 24
    assert AuditEvent.objects.filter(action="person_import", after__import_id=run.pk).count() == 24


def test_a_killed_job_resumes_where_it_stopped_and_does_nothing_twice(tmp_path, manager, communes, settings):
    settings.VAR_DIR = tmp_path
    job = jobs.import_job_create(actor=manager, kind="persons", path=big_file(tmp_path, communes["a"]))
    calls = {"n": 0}

    def die_after_two_chunks(run):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed

    with pytest.raises(Killed):
        jobs.import_job_run(job_id=job.pk, chunk_units=4, on_progress=die_after_two_chunks)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.units_done == 8
    assert Person.objects.count() == 16  # two chunks of four households committed
    with pytest.raises(ApplicationError):  # still looks alive: not resumable yet
        jobs.import_job_resume(actor=manager, job_id=job.pk)
    later = timezone.now() + jobs.STALE_AFTER + dt.timedelta(seconds=1)
    jobs.import_job_resume(actor=manager, job_id=job.pk, now=later)
    run = jobs.import_job_run(job_id=job.pk, chunk_units=4)
    assert run.status == JobStatus.DONE
    assert (run.created, run.unchanged, run.rejected) == (24, 0, 1)
    assert Person.objects.count() == 24 and SourceLink.objects.filter(entity="person").count() == 24


def test_a_stopped_job_stops_between_chunks_and_resumes(tmp_path, manager, communes, settings):
    settings.VAR_DIR = tmp_path
    job = jobs.import_job_create(actor=manager, kind="persons", path=big_file(tmp_path, communes["a"]))

    def stop_after_first(run):
        if run.units_done == 5:
            jobs.import_job_stop(actor=manager, job_id=run.pk)

    run = jobs.import_job_run(job_id=job.pk, chunk_units=5, on_progress=stop_after_first)
    assert run.status == JobStatus.STOPPED and run.units_done == 5
    assert Person.objects.count() == 10
    with pytest.raises(ApplicationError):
        jobs.import_job_run(job_id=job.pk)  # not waiting: a stopped job runs only once resumed
    jobs.import_job_resume(actor=manager, job_id=job.pk)
    done = jobs.import_jobs_work()
    assert [r.status for r in done] == [JobStatus.DONE]
    assert done[0].created == 24 and Person.objects.count() == 24


def test_a_file_the_import_cannot_read_is_refused_when_the_job_is_made(tmp_path, manager, settings):
    settings.VAR_DIR = tmp_path
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ApplicationError) as e:
        jobs.import_job_create(actor=manager, kind="persons", path=bad)
    assert e.value.field == "ma_nguon"
    assert not ImportRun.objects.exists()
    viewer = make_user(role="viewer", areas=["15"])
    with pytest.raises(ApplicationError):
        jobs.import_job_create(actor=viewer, kind="population", path=bad)


def test_cli_job_with_progress_status_and_resume(tmp_path, communes, settings):
    settings.VAR_DIR = tmp_path
    path = big_file(tmp_path, communes["a"])
    result = CliRunner().invoke(cli, ["import", "persons", str(path), "--job", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["status"], data["rows"], data["rows_done"], data["created"]) == ("done", 25, 25, 24)
    assert data["first_rejected"][0]["column"] == "ngay_sinh"
    status = CliRunner().invoke(cli, ["import", "status", str(data["id"]), "--json"])
    assert json.loads(status.stdout)["percent"] == 100
    again = CliRunner().invoke(cli, ["import", "resume", str(data["id"])])
    assert again.exit_code == 2 and again.stderr.startswith("error:")


def test_a_job_refreshes_the_planners_statistics_as_its_tables_grow(tmp_path, manager, communes, settings):
    """On PostgreSQL a job that has written many rows ANALYZEs the tables it looks up, so that its next chunks are
    not planned as if they were empty (the same 200,000 rows again: 18.6 s before, 9.8 s after); SQLite has no such
    statistics, and the job runs the same."""
    from django.db import connection

    settings.VAR_DIR = tmp_path
    job = jobs.import_job_create(actor=manager, kind="persons", path=big_file(tmp_path, communes["a"]))

    def estimate() -> float | None:
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_person'")
            return cursor.fetchone()[0]

    before = estimate()
    jobs.STATISTICS_FIRST, first = 10, jobs.STATISTICS_FIRST
    try:
        run = jobs.import_job_run(job_id=job.pk, chunk_units=5)  # 10, 20, then 4 rows written per chunk
    finally:
        jobs.STATISTICS_FIRST = first
    assert run.status == JobStatus.DONE and run.created == 24
    if connection.vendor == "postgresql":  # refreshed at 10 rows written, then at 20 (twice 10), not at 24
        assert before != estimate() == 20 and Person.objects.count() == 24
