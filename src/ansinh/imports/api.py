"""Imports over JSON: /api/v1/imports (issue 13's contract, docs/api.md). A dry run answers at once with the counts
of ``ansinh import KIND --dry-run --json``; a real import is a background job (ADR 0014) whose progress is read
until its status is done, stopped or failed."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from ansinh.api.files import file_answer
from ansinh.api.types import In
from ansinh.core.access import require
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.spreadsheets import XLSX_CONTENT_TYPE

from . import jobs, services
from .encodings import CHOICES
from .headers import STANDARD
from .models import Kind
from .selectors import (
    file_preview,
    import_job_get,
    import_runs_for_user,
    mappings_for_kind,
    may_import,
    report_path,
)

router = Router(tags=["imports"])


def _kind(kind: str) -> str:
    if kind not in STANDARD:
        raise ApplicationError(
            ErrorCode.INVALID, _("Unknown kind of file: %(kind)s.") % {"kind": kind}, field="kind"
        )
    return kind


def _encoding(encoding: str) -> str:
    if encoding not in CHOICES:
        raise ApplicationError(ErrorCode.INVALID, _("Unknown encoding."), field="encoding")
    return encoding


def _columns(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ApplicationError(
            ErrorCode.INVALID, _("columns is a JSON object: file header -> field."), field="columns"
        )
    return {k: v for k, v in value.items() if v}


def _saved_upload(upload: UploadedFile) -> Path:
    suffix = Path(upload.name or "").suffix.lower()[:8]
    directory = Path(settings.VAR_DIR) / "imports" / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, suffix=suffix, delete=False) as f:
        for chunk in upload.chunks():
            f.write(chunk)
    return Path(f.name)


def _need_import(user) -> None:
    if not may_import(user):
        require(user, "registry.edit")


class RejectedRowOut(Schema):
    line: int
    column: str
    reason: str


class DryRunOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors_file: str | None = Field(description="the error report's name for GET /imports/reports/{name}")
    encoding: str
    source: str
    dry_run: bool
    import_id: int | None
    first_rejected: list[RejectedRowOut]


class ImportJobOut(Schema):
    id: int
    import_id: int
    kind: str
    source: str
    file_name: str
    status: str
    rows: int
    rows_done: int
    percent: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors_file: str | None = Field(description="the error report's name, once there is one")
    message: str
    first_rejected: list[RejectedRowOut]


@router.post("/imports", response={200: DryRunOut, 202: ImportJobOut})
def import_start(
    request,
    file: UploadedFile = File(...),  # noqa: B008
    kind: str = Form(...),
    encoding: str = Form("auto"),
    mapping: str | None = Form(None),
    source: str | None = Form(None),
    columns: str | None = Form(None),
    dry_run: bool = Form(False),
):
    """A dry run (counts, first rejected rows, the error report's name) or a job (202, its progress)."""
    _need_import(request.user)
    kind, encoding = _kind(kind), _encoding(encoding)
    path = _saved_upload(file)
    source = source or Path(file.name or "tep").stem
    try:
        if dry_run:
            outcome = services.IMPORTS[kind](
                actor=request.user,
                path=path,
                encoding=encoding,
                mapping=mapping or None,
                source=source,
                dry_run=True,
                columns=_columns(columns),
            )
            data = outcome.as_dict()
            data["errors_file"] = Path(outcome.errors_file).name if outcome.errors_file else None
            return Status(200, data)
        run = jobs.import_job_create(
            actor=request.user,
            kind=kind,
            path=path,
            encoding=encoding,
            mapping=mapping or None,
            source=source,
            file_name=file.name,
            columns=_columns(columns),
        )
    finally:
        path.unlink(missing_ok=True)
    jobs.job_start_in_background(run.pk)
    return Status(202, _job(run))


def _job(run) -> dict[str, Any]:
    data = jobs.job_json(run)
    data["errors_file"] = Path(run.errors_file).name if run.errors_file else None
    return data


class PreviewColumnOut(Schema):
    header: str
    field: str = Field(description="the standard field the column is taken for; empty for none")
    example: str


class PreviewOut(Schema):
    encoding: str
    rows: int
    columns: list[PreviewColumnOut]
    fields: list[str]
    required: list[str]
    sample: list[list[str]] = Field(description="the first rows' cells")


@router.post("/imports/preview", response=PreviewOut)
def import_preview(
    request,
    file: UploadedFile = File(...),  # noqa: B008
    kind: str = Form(...),
    encoding: str = Form("auto"),
    mapping: str | None = Form(None),
):
    """The file's columns and the field each is taken for, before a dry run."""
    _need_import(request.user)
    path = _saved_upload(file)
    try:
        return file_preview(
            path=path, kind=_kind(kind), encoding=_encoding(encoding), mapping=mapping or None
        )
    finally:
        path.unlink(missing_ok=True)


@router.get("/imports", response=list[ImportJobOut])
def import_list(request):
    _need_import(request.user)
    return [_job(r) for r in import_runs_for_user(user=request.user)[:50]]


class MappingOut(Schema):
    name: str
    kind: str
    columns: dict[str, str] = Field(description="file header -> standard field")


@router.get("/imports/mappings", response=list[MappingOut])
def mapping_list(request, kind: str = Kind.PERSONS):
    _need_import(request.user)
    return [
        {"name": m.name, "kind": m.kind, "columns": m.columns} for m in mappings_for_kind(kind=_kind(kind))
    ]


@router.get("/imports/{job_id}", response=ImportJobOut)
def import_get(request, job_id: int):
    return _job(import_job_get(user=request.user, job_id=job_id))


@router.post("/imports/{job_id}/stop", response=ImportJobOut)
def import_stop(request, job_id: int):
    return _job(jobs.import_job_stop(actor=request.user, job_id=job_id))


@router.post("/imports/{job_id}/resume", response=ImportJobOut)
def import_resume(request, job_id: int):
    run = jobs.import_job_resume(actor=request.user, job_id=job_id)
    jobs.job_start_in_background(run.pk)
    return _job(run)


@router.get(
    "/imports/{job_id}/errors.xlsx", openapi_extra=file_answer("The error report (XLSX)", XLSX_CONTENT_TYPE)
)
def import_errors(request, job_id: int):
    run = import_job_get(user=request.user, job_id=job_id)
    if not run.errors_file or not Path(run.errors_file).exists():
        raise ApplicationError(ErrorCode.NOT_FOUND, _("This import rejected no row."), status=404)
    return FileResponse(open(run.errors_file, "rb"), as_attachment=True, filename=Path(run.errors_file).name)


@router.get(
    "/imports/reports/{name}", openapi_extra=file_answer("A dry run's error report (XLSX)", XLSX_CONTENT_TYPE)
)
def import_report(request, name: str):
    """A dry run's error report, by the name the dry run gave."""
    _need_import(request.user)
    return report_response(name)


def report_response(name: str) -> FileResponse:
    path = report_path(name)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name)


@router.get(
    "/imports/templates/{kind}.xlsx",
    openapi_extra=file_answer("The template with example rows (XLSX)", XLSX_CONTENT_TYPE),
)
def import_template(request, kind: str):
    from .reports import write_template

    _need_import(request.user)
    directory = Path(settings.VAR_DIR) / "imports" / "templates"
    path = write_template(kind=_kind(kind), path=directory / f"mau-{kind}.xlsx", examples=True)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


class MappingIn(In):
    name: str
    kind: str
    columns: dict[str, str]


@router.post("/imports/mappings", response=MappingOut)
def mapping_save(request, payload: MappingIn):
    saved = services.mapping_save(
        actor=request.user, name=payload.name, kind=payload.kind, columns=payload.columns
    )
    return {"name": saved.name, "kind": saved.kind, "columns": saved.columns}


# --- the same person twice: /api/v1/dedup -------------------------------------------------------------------------


class DedupRunIn(In):
    area: str
    auto_merge: bool = False


class MergeIn(In):
    keep: int


class PersonsMergeIn(In):
    keep: int
    drop: int


class DedupRunOut(Schema):
    candidates: int
    auto_merged: int
    to_review: int


class PairSideOut(Schema):
    id: int
    ma_nguon: str | None = Field(description="the person's key in the source file, if imported")
    full_name: str
    birth_date: str
    sex: str
    personal_id: str | None
    si_number: str | None
    phone: str
    commune: str


class PairEvidenceOut(Schema):
    rule: str
    levels: dict[str, str] = Field(description="field -> how well the two agree")


class PairOut(Schema):
    id: int
    a: PairSideOut
    b: PairSideOut
    probability: float
    evidence: PairEvidenceOut
    status: str
    merge_id: int | None


class MergeOut(Schema):
    merge_id: int
    kept: int
    dropped: int
    moved: dict[str, list[int]] = Field(
        description="model.field -> the ids of the rows moved to the kept person"
    )


class UnmergeOut(Schema):
    merge_id: int
    kept: int
    dropped: int
    undone: bool


@router.post("/dedup/run", response=DedupRunOut)
def dedup_run(request, payload: DedupRunIn):
    from .dedup import dedup_run as run

    return run(actor=request.user, area_code=payload.area, auto_merge=payload.auto_merge or None)


@router.get("/dedup/pairs", response=list[PairOut])
def dedup_pairs(request, area: str):
    from .dedup import dedup_pairs as pairs
    from .dedup import pair_json

    require(request.user, "registry.edit")
    return [pair_json(p) for p in pairs(user=request.user, area_code=area)]


@router.post("/dedup/pairs/{pair_id}/merge", response=MergeOut)
def dedup_pair_merge(request, pair_id: int, payload: MergeIn):
    from .dedup import dedup_pair_merge as merge

    done = merge(actor=request.user, pair_id=pair_id, keep_id=payload.keep)
    return {"merge_id": done.pk, "kept": done.kept_id, "dropped": done.dropped_id, "moved": done.moved}


@router.post("/dedup/pairs/{pair_id}/not-same", response=PairOut)
def dedup_pair_not_same(request, pair_id: int):
    from .dedup import dedup_pair_not_same as not_same
    from .dedup import pair_json

    return pair_json(not_same(actor=request.user, pair_id=pair_id))


@router.post("/dedup/merges", response=MergeOut)
def dedup_merge(request, payload: PersonsMergeIn):
    from .dedup import persons_merge

    done = persons_merge(actor=request.user, keep_id=payload.keep, drop_id=payload.drop)
    return {"merge_id": done.pk, "kept": done.kept_id, "dropped": done.dropped_id, "moved": done.moved}


@router.post("/dedup/merges/{merge_id}/undo", response=UnmergeOut)
def dedup_merge_undo(request, merge_id: int):
    from .dedup import persons_unmerge

    done = persons_unmerge(actor=request.user, merge_id=merge_id)
    return {"merge_id": done.pk, "kept": done.kept_id, "dropped": done.dropped_id, "undone": True}
