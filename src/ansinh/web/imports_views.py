"""The /imports/ pages (issue 13): upload a file and pick its kind, check and change the column mapping (and save
it by name), a dry run with its counts and first rejected rows, then the import as a background job with a
progress bar that polls (htmx), stop and resume, and the error report. Thin: the imports app decides."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ansinh.core.access import require
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.imports import jobs, services
from ansinh.imports.encodings import CHOICES
from ansinh.imports.headers import STANDARD
from ansinh.imports.models import JobStatus, Kind
from ansinh.imports.reports import write_template
from ansinh.imports.selectors import (
    file_preview,
    import_job_get,
    import_runs_for_user,
    mappings_for_kind,
    may_import,
    report_path,
)

from .views import page

UPLOAD = re.compile(r"^[0-9a-f]{32}(\.(csv|txt|xlsx|xlsm|ods))?$")
RUNNING = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.STOPPING)


def _uploads() -> Path:
    return Path(settings.VAR_DIR) / "imports" / "uploads"


def _need(user) -> None:
    if not may_import(user):
        require(user, "registry.edit")


def _upload_path(token: str) -> Path:
    path = _uploads() / token
    if not UPLOAD.match(token or "") or not path.is_file():
        raise ApplicationError(
            ErrorCode.INVALID, _("The uploaded file is no longer here; upload it again."), field="file"
        )
    return path


def _form_values(request) -> dict:
    kind = request.POST.get("kind", Kind.PERSONS)
    if kind not in STANDARD:
        raise ApplicationError(
            ErrorCode.INVALID, _("Unknown kind of file: %(kind)s.") % {"kind": kind}, field="kind"
        )
    encoding = request.POST.get("encoding", "auto")
    if encoding not in CHOICES:
        raise ApplicationError(ErrorCode.INVALID, _("Unknown encoding."), field="encoding")
    return {
        "kind": kind,
        "encoding": encoding,
        "mapping": request.POST.get("mapping", "").strip(),
        "source": request.POST.get("source", "").strip(),
        "file_name": request.POST.get("file_name", "")[:300],
    }


def _edited_columns(request, preview: dict) -> dict[str, str]:
    """The mapping as the user left it: each column's select (col_0, col_1, ...)."""
    out: dict[str, str] = {}
    for i, column in enumerate(preview["columns"]):
        field = request.POST.get(f"col_{i}", column["field"])
        if field and field in preview["fields"]:
            out[column["header"]] = field
            column["field"] = field
        elif not field:
            column["field"] = ""
    return out


def _context(request, **extra) -> dict:
    return {
        "kinds": Kind.choices,
        "encodings": CHOICES,
        "runs": import_runs_for_user(user=request.user)[:15],
        "mappings": {k: [m.name for m in mappings_for_kind(kind=k)] for k in STANDARD},
        **extra,
    }


@page
def imports_home(request):
    _need(request.user)
    if request.method != "POST":
        return render(request, "imports/home.html", _context(request))
    action = request.POST.get("action", "upload")
    values = _form_values(request)
    if action == "upload":
        upload = request.FILES.get("file")
        if upload is None:
            return render(
                request,
                "imports/home.html",
                _context(request, error=_("Choose a file to upload."), values=values),
            )
        _uploads().mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex + Path(upload.name).suffix.lower()[:5]
        if not UPLOAD.match(token):
            token = uuid.uuid4().hex
        with (_uploads() / token).open("wb") as f:
            for chunk in upload.chunks():
                f.write(chunk)
        values["file_name"] = upload.name[:300]
        values["source"] = values["source"] or Path(upload.name).stem
    else:
        token = request.POST.get("token", "")
    path = _upload_path(token)
    try:
        preview = file_preview(
            path=path, kind=values["kind"], encoding=values["encoding"], mapping=values["mapping"] or None
        )
    except ApplicationError as e:
        return render(request, "imports/home.html", _context(request, error=e.message, values=values))
    columns = _edited_columns(request, preview) if action != "upload" else None
    context = _context(request, values=values, token=token, preview=preview)
    try:
        if action == "save_mapping":
            name = request.POST.get("mapping_name", "").strip()
            saved = services.mapping_save(
                actor=request.user, name=name, kind=values["kind"], columns=columns or {}
            )
            values["mapping"] = saved.name
            context["saved"] = saved.name
            context["mappings"] = {k: [m.name for m in mappings_for_kind(kind=k)] for k in STANDARD}
        elif action == "dry_run":
            outcome = services.IMPORTS[values["kind"]](
                actor=request.user,
                path=path,
                encoding=values["encoding"],
                mapping=values["mapping"] or None,
                source=values["source"] or None,
                dry_run=True,
                columns=columns or None,
            )
            context["outcome"] = outcome.as_dict()
            context["report"] = Path(outcome.errors_file).name if outcome.errors_file else None
        elif action == "start":
            run = jobs.import_job_create(
                actor=request.user,
                kind=values["kind"],
                path=path,
                encoding=values["encoding"],
                mapping=values["mapping"] or None,
                source=values["source"] or None,
                file_name=values["file_name"] or None,
                columns=columns or None,
            )
            path.unlink(missing_ok=True)
            jobs.job_start_in_background(run.pk)
            return redirect("web:import_job", job_id=run.pk)
    except ApplicationError as e:
        context["error"] = e.message
    return render(request, "imports/home.html", context)


@page
def import_job(request, job_id: int):
    run = import_job_get(user=request.user, job_id=job_id)
    context = {"run": run, "job": jobs.job_json(run), "running": run.status in RUNNING}
    if request.headers.get("HX-Request"):
        return render(request, "imports/_progress.html", context)
    return render(request, "imports/job.html", context)


@page
@require_POST
def import_job_stop(request, job_id: int):
    jobs.import_job_stop(actor=request.user, job_id=job_id)
    return redirect("web:import_job", job_id=job_id)


@page
@require_POST
def import_job_resume(request, job_id: int):
    run = jobs.import_job_resume(actor=request.user, job_id=job_id)
    jobs.job_start_in_background(run.pk)
    return redirect("web:import_job", job_id=job_id)


@page
def import_job_errors(request, job_id: int):
    run = import_job_get(user=request.user, job_id=job_id)
    if not run.errors_file or not Path(run.errors_file).is_file():
        raise Http404(_("This import rejected no row."))
    return FileResponse(open(run.errors_file, "rb"), as_attachment=True, filename=Path(run.errors_file).name)


@page
def import_report(request, name: str):
    _need(request.user)
    path = report_path(name)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


@page
def import_template(request, kind: str):
    _need(request.user)
    if kind not in STANDARD:
        raise Http404
    path = write_template(
        kind=kind, path=Path(settings.VAR_DIR) / "imports" / "templates" / f"mau-{kind}.xlsx", examples=True
    )
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


def _evidence_words(levels: dict[str, str]) -> list[str]:
    """A pair's evidence in the reader's words: 'Name: the same without Thị/Văn'."""
    fields = {
        "name": _("Name"),
        "birth": _("Date of birth"),
        "sex": _("Sex"),
        "commune": _("Commune"),
        "village": _("Village"),
        "household": _("Household"),
        "phone": _("Phone"),
        "personal_id": _("Personal ID"),
        "si_number": _("SI number"),
    }
    words = {
        "exact": _("the same"),
        "same": _("the same"),
        "same_folded": _("the same letters (tone marks, case or a space differ)"),
        "same_without_middle": _("the same without Thị/Văn"),
        "family_and_given": _("the same family and given name (a middle name left out)"),
        "close": _("one letter apart"),
        "close_unusual": _("one letter apart, a word nobody else in the area is called (a typing slip)"),
        "similar": _("similar"),
        "different": _("different"),
        "day_month_swapped": _("day and month swapped"),
        "same_year_partial": _("the same year (one date is partial)"),
        "same_year": _("the same year only"),
        "unknown": _("not known on both"),
    }
    return [f"{fields.get(f, f)}: {words.get(level, level)}" for f, level in levels.items()]


@page
def dedup_review(request):
    """The review queue of an area: each pair side by side with its evidence and probability; merge (keeping
    either record) or "not the same"; and a new run."""
    from ansinh.imports import dedup

    require(request.user, "registry.edit")
    area = (request.POST.get("area") or request.GET.get("area") or "").strip()
    context: dict = {"area": area}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "run":
                context["run"] = dedup.dedup_run(actor=request.user, area_code=area)
            elif action == "merge":
                merge = dedup.dedup_pair_merge(
                    actor=request.user,
                    pair_id=int(request.POST.get("pair", "0") or 0),
                    keep_id=int(request.POST.get("keep", "0") or 0),
                )
                context["merged"] = merge
            elif action == "not_same":
                dedup.dedup_pair_not_same(actor=request.user, pair_id=int(request.POST.get("pair", "0") or 0))
            elif action == "undo":
                dedup.persons_unmerge(actor=request.user, merge_id=int(request.POST.get("merge", "0") or 0))
        except (ApplicationError, ValueError) as e:
            context["error"] = getattr(e, "message", str(e))
    if area:
        try:
            context["pairs"] = [
                {**dedup.pair_json(p), "words": _evidence_words(p.evidence.get("levels", {}))}
                for p in dedup.dedup_pairs(user=request.user, area_code=area)[:50]
            ]
        except ApplicationError as e:
            context["error"] = e.message
    return render(request, "imports/dedup.html", context)
