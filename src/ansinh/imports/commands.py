"""``ansinh import``: files in, from the command line (issue 13's contract). `register(cli_group)` adds the
``import`` group to the ``ansinh`` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .encodings import CHOICES


def _fail(message: str, field: str | None = None) -> None:
    click.echo(f"error: {message}" + (f" [{field}]" if field else ""), err=True)
    sys.exit(2)


@click.group(
    "import",
    help="Bring an office's data in from CSV or XLSX files: persons and households, HI cards, pension "
    "recipients, official population.",
)
def import_group() -> None:
    pass


def _import_command(kind: str, help_text: str):
    @import_group.command(kind, help=help_text)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--encoding", type=click.Choice(CHOICES), default="auto", show_default=True)
    @click.option("--mapping", default=None, help="A saved column mapping (ansinh import mapping save).")
    @click.option(
        "--source", default=None, help="The source's name (default: the mapping's, else the file's name)."
    )
    @click.option("--dry-run", is_flag=True, help="Count what would happen; write nothing.")
    @click.option("--errors-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.option(
        "--job",
        is_flag=True,
        help="Run as a background job, committed a chunk at a time, with a progress bar: Ctrl-C stops it and "
        "'ansinh import resume ID' goes on from there.",
    )
    def command(
        file: Path,
        encoding: str,
        mapping: str | None,
        source: str | None,
        dry_run: bool,
        errors_dir: Path | None,
        as_json: bool,
        job: bool,
    ) -> None:
        from ansinh.core.commandline import setup_django as _setup

        _setup()
        from ansinh.core.access import SystemActor
        from ansinh.core.errors import ApplicationError

        from . import services

        if job and not dry_run:
            from .jobs import import_job_create

            try:
                created = import_job_create(
                    actor=SystemActor(),
                    kind=kind,
                    path=file,
                    encoding=encoding,
                    mapping=mapping,
                    source=source,
                )
            except ApplicationError as e:
                _fail(e.message, e.field)
                return
            _run_job(created.pk, as_json)
            return

        run = services.IMPORTS[kind]
        try:
            outcome = run(
                actor=SystemActor(),
                path=file,
                encoding=encoding,
                mapping=mapping,
                source=source,
                dry_run=dry_run,
                errors_dir=errors_dir,
            )
        except ApplicationError as e:
            _fail(e.message, e.field)
            return
        data = outcome.as_dict()
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        click.echo(
            ("dry run: " if dry_run else "")
            + f"{data['rows']} rows ({outcome.encoding}): {data['created']} created, {data['updated']} updated, "
            f"{data['unchanged']} unchanged, {data['rejected']} rejected"
        )
        for r in outcome.rejected_rows[:10]:
            click.echo(f"  line {r['line']}: {r['column']}: {r['reason']}")
        if data["errors_file"]:
            click.echo(f"rejected rows: {data['errors_file']}")

    return command


def _run_job(job_id: int, as_json: bool) -> None:
    """Runs a waiting job here with a progress bar (on a terminal), and prints it as it ended."""
    from ansinh.core.errors import ApplicationError

    from .jobs import import_job_run, job_json
    from .models import ImportRun, JobStatus

    total = ImportRun.objects.get(pk=job_id).rows_total
    bar = click.progressbar(length=total, label=f"import {job_id}", show_pos=True, file=sys.stderr)
    shown = {"n": ImportRun.objects.get(pk=job_id).rows_done}
    bar.update(shown["n"])

    def progress(run) -> None:
        bar.update(run.rows_done - shown["n"])
        shown["n"] = run.rows_done

    try:
        with bar:
            run = import_job_run(job_id=job_id, on_progress=progress)
    except KeyboardInterrupt:
        ImportRun.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(status=JobStatus.STOPPED)
        click.echo(f"stopped; go on with: ansinh import resume {job_id}", err=True)
        sys.exit(130)
    except ApplicationError as e:
        _fail(e.message, e.field)
        return
    _print_job(job_json(run), as_json)


def _print_job(data: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"import {data['id']} ({data['kind']}, {data['status']}): {data['rows_done']}/{data['rows']} rows, "
        f"{data['created']} created, {data['updated']} updated, {data['unchanged']} unchanged, "
        f"{data['rejected']} rejected"
    )
    for r in data["first_rejected"]:
        click.echo(f"  line {r['line']}: {r['column']}: {r['reason']}")
    if data["errors_file"]:
        click.echo(f"rejected rows: {data['errors_file']}")
    if data["message"]:
        click.echo(data["message"])


JSON_HELP = (
    "JSON: rows, created, updated, unchanged, rejected, errors_file (an XLSX of the rejected rows, or null)."
)
persons = _import_command(
    "persons",
    "Persons and households from FILE (CSV in UTF-8, Windows-1258, TCVN3 or VNI, or XLSX). Each row keeps its "
    "source and key (ma_nguon): the same file again changes nothing.\n\n" + JSON_HELP,
)
cards = _import_command(
    "cards",
    "Health-insurance cards from FILE (ma_nguon, so_dinh_danh or ma_so_bhxh or ma_nguon_nguoi, ma_the, nhom, "
    "gia_tri_tu, gia_tri_den, noi_kcb), recorded as coverage from outside the desk; an overlapping card is "
    "rejected with the card it meets.\n\n" + JSON_HELP,
)
vsi = _import_command(
    "vsi",
    "Voluntary-SI contributions from FILE, one payment a row (ma_nguon, so_dinh_danh or ma_so_bhxh or "
    "ma_nguon_nguoi, tu_thang mm/yyyy, so_thang, muc_thu_nhap, so_tien, ngay_nop), priced by the rules of the "
    "payment day: a month paid twice, a person the law places elsewhere or an amount that differs from the rules' "
    "is rejected with the reason.\n\n" + JSON_HELP,
)
pensions = _import_command(
    "pensions",
    "Pension and benefit recipients and their payout method from FILE (ma_nguon, so_dinh_danh or ma_so_bhxh, "
    "huong_luong_huu, hinh_thuc_nhan).\n\n" + JSON_HELP,
)
population = _import_command(
    "population",
    "Official population by commune or village and date from FILE (ma_xa, thon, ngay, dan_so, nguon): the "
    "coverage figures divide by it where loaded.\n\n" + JSON_HELP,
)


@import_group.command(
    "template", help="Write the template file with the standard headers (XLSX, or CSV by name)."
)
@click.argument("kind", type=click.Choice(["persons", "cards", "vsi", "pensions", "population"]))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Default: mau-KIND.xlsx.",
)
@click.option("--examples", is_flag=True, help="Add two example rows.")
def template(kind: str, output: Path | None, examples: bool) -> None:
    from ansinh.core.commandline import setup_django as _setup

    _setup()
    from .reports import write_template

    path = write_template(kind=kind, path=output or Path(f"mau-{kind}.xlsx"), examples=examples)
    click.echo(str(path))


@import_group.group("mapping", help="Column mappings saved by name for next month's file.")
def mapping() -> None:
    pass


@mapping.command("save", help="Save a mapping: --column 'Header in the file=standard_field' (repeat).")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(["persons", "cards", "vsi", "pensions", "population"]),
    default="persons",
    show_default=True,
)
@click.option("--column", "columns", multiple=True, required=True)
def mapping_save_cmd(name: str, kind: str, columns: tuple[str, ...]) -> None:
    from ansinh.core.commandline import setup_django as _setup

    _setup()
    from ansinh.core.access import SystemActor
    from ansinh.core.errors import ApplicationError

    from .services import mapping_save

    pairs: dict[str, str] = {}
    for item in columns:
        header, sep, field = item.rpartition("=")
        if not sep:
            _fail(f"--column {item!r}: write 'Header=field'", "columns")
            return
        pairs[header] = field.strip()
    try:
        saved = mapping_save(actor=SystemActor(), name=name, kind=kind, columns=pairs)
    except ApplicationError as e:
        _fail(e.message, e.field)
        return
    click.echo(f"saved {saved.name}: {len(saved.columns)} columns")


@import_group.command("jobs", help="The latest imports and jobs with their progress.")
@click.option("--json", "as_json", is_flag=True)
def jobs_cmd(as_json: bool) -> None:
    from ansinh.core.commandline import setup_django as _setup

    _setup()
    from ansinh.core.access import SystemActor

    from .jobs import job_json
    from .selectors import import_runs_for_user

    data = [job_json(r) for r in import_runs_for_user(user=SystemActor())[:20]]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for d in data:
        click.echo(
            f"{d['id']:>6} {d['kind']:<10} {d['status'] or 'done':<9} {d['rows_done']:>8}/{d['rows']:<8} "
            f"{d['file_name']}"
        )


def _job_command(name: str, help_text: str):
    @import_group.command(name, help=help_text)
    @click.argument("job_id", type=int)
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--run", "run_now", is_flag=True, help="(resume) Run it here now, with a progress bar.")
    def command(job_id: int, as_json: bool, run_now: bool) -> None:
        from ansinh.core.commandline import setup_django as _setup

        _setup()
        from ansinh.core.access import SystemActor
        from ansinh.core.errors import ApplicationError

        from . import jobs
        from .selectors import import_job_get

        actor = SystemActor()
        try:
            if name == "stop":
                run = jobs.import_job_stop(actor=actor, job_id=job_id)
            elif name == "resume":
                run = jobs.import_job_resume(actor=actor, job_id=job_id)
                if run_now:
                    _run_job(run.pk, as_json)
                    return
            else:
                run = import_job_get(user=actor, job_id=job_id)
        except ApplicationError as e:
            _fail(e.message, e.field)
            return
        _print_job(jobs.job_json(run), as_json)

    return command


status_cmd = _job_command("status", "An import job's progress and counts.")
stop_cmd = _job_command("stop", "Stop an import job (after the chunk it is writing).")
resume_cmd = _job_command("resume", "Resume a stopped, failed or killed import job from where it stopped.")


@import_group.command("worker", help="Run waiting import jobs (the page's imports); --once for one pass.")
@click.option("--once", is_flag=True)
@click.option("--interval", type=int, default=5, show_default=True, help="Seconds between passes.")
def worker_cmd(once: bool, interval: int) -> None:
    import time

    from ansinh.core.commandline import setup_django as _setup

    _setup()
    from .jobs import import_jobs_work

    while True:
        for run in import_jobs_work():
            click.echo(f"import {run.pk}: {run.status} ({run.rows_done}/{run.rows_total} rows)")
        if once:
            return
        time.sleep(interval)


@click.group("dedup", help="The same person twice: candidate pairs of an area, the review queue.")
def dedup_group() -> None:
    pass


@dedup_group.command("run", help="Find the candidate pairs of an area and queue them for review.")
@click.option("--area", "area", required=True, help="Area code (province or commune).")
@click.option("--auto-merge", is_flag=True, help="Merge the clear pairs at once (probability >= 0.999).")
@click.option("--json", "as_json", is_flag=True)
def dedup_run_cmd(area: str, auto_merge: bool, as_json: bool) -> None:
    from ansinh.core.commandline import setup_django as _setup

    _setup()
    from ansinh.core.access import SystemActor
    from ansinh.core.errors import ApplicationError

    from .dedup import dedup_run

    try:
        out = dedup_run(actor=SystemActor(), area_code=area, auto_merge=auto_merge or None)
    except ApplicationError as e:
        _fail(e.message, e.field)
        return
    click.echo(
        json.dumps(out)
        if as_json
        else f"{out['candidates']} candidate pairs, {out['auto_merged']} merged, {out['to_review']} to review"
    )


@dedup_group.command("pairs", help="The pairs of an area waiting for review, the most likely first.")
@click.option("--area", "area", required=True)
@click.option("--json", "as_json", is_flag=True)
def dedup_pairs_cmd(area: str, as_json: bool) -> None:
    from ansinh.core.commandline import setup_django as _setup

    _setup()
    from ansinh.core.access import SystemActor
    from ansinh.core.errors import ApplicationError

    from .dedup import dedup_pairs, pair_json

    try:
        data = [pair_json(p) for p in dedup_pairs(user=SystemActor(), area_code=area)]
    except ApplicationError as e:
        _fail(e.message, e.field)
        return
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for d in data:
        click.echo(
            f"{d['id']:>6} {d['probability']:.3f}  {d['a']['id']} {d['a']['full_name']} {d['a']['birth_date']}  ~  "
            f"{d['b']['id']} {d['b']['full_name']} {d['b']['birth_date']}"
        )


@click.command(
    "merge", help="Merge DROP_ID into KEEP_ID (every row moves to the kept record); undo with unmerge."
)
@click.argument("keep_id", type=int)
@click.argument("drop_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def person_merge_cmd(keep_id: int, drop_id: int, as_json: bool) -> None:
    from ansinh.core.commandline import setup_django as _setup

    _setup()
    from ansinh.core.access import SystemActor
    from ansinh.core.errors import ApplicationError

    from .dedup import persons_merge

    try:
        merge = persons_merge(actor=SystemActor(), keep_id=keep_id, drop_id=drop_id, reason="command line")
    except ApplicationError as e:
        _fail(e.message, e.field)
        return
    data = {"merge_id": merge.pk, "kept": merge.kept_id, "dropped": merge.dropped_id, "moved": merge.moved}
    click.echo(json.dumps(data) if as_json else f"merge {merge.pk}: {drop_id} -> {keep_id}")


@click.command("unmerge", help="Undo a merge: every row it moved goes back.")
@click.argument("merge_id", type=int)
def person_unmerge_cmd(merge_id: int) -> None:
    from ansinh.core.commandline import setup_django as _setup

    _setup()
    from ansinh.core.access import SystemActor
    from ansinh.core.errors import ApplicationError

    from .dedup import persons_unmerge

    try:
        merge = persons_unmerge(actor=SystemActor(), merge_id=merge_id)
    except ApplicationError as e:
        _fail(e.message, e.field)
        return
    click.echo(f"merge {merge.pk} undone: {merge.dropped_id} is a record of its own again")


def register(cli: click.Group) -> None:
    cli.add_command(import_group)
    cli.add_command(dedup_group)
    person = cli.commands.get("person")
    if isinstance(person, click.Group):  # ansinh person merge / unmerge beside person find
        person.add_command(person_merge_cmd)
        person.add_command(person_unmerge_cmd)
