"""Reads of the imports app: import runs and jobs. An administrator sees every import; anyone else who may import
sees the imports they started."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ansinh.core.access import has_capability, not_found

from .models import ImportRun, SavedMapping

IMPORT_CAPABILITIES = ("registry.edit", "areas.edit", "enrollment.create")


def may_import(user) -> bool:
    return any(has_capability(user, c) for c in IMPORT_CAPABILITIES)


def import_runs_for_user(*, user) -> QuerySet[ImportRun]:
    if not may_import(user):
        return ImportRun.objects.none()
    runs = ImportRun.objects.select_related("created_by").order_by("-pk")
    if getattr(user, "is_system", False) or getattr(user, "role", "") == "administrator":
        return runs
    return runs.filter(created_by_id=user.pk)


def import_job_get(*, user, job_id: int) -> ImportRun:
    run = import_runs_for_user(user=user).filter(pk=job_id).first()
    if run is None:
        raise not_found(_("No such import."))
    return run


def mappings_for_kind(*, kind: str) -> QuerySet[SavedMapping]:
    return SavedMapping.objects.filter(kind=kind).order_by("name")


def file_preview(*, path, kind: str, encoding: str = "auto", mapping: str | None = None) -> dict:
    """What the page shows before a dry run: the encoding found, the file's columns with the field each is taken
    for (from the saved mapping, else the standard names), the standard fields and the first rows."""
    from pathlib import Path

    from ansinh.core.errors import ApplicationError, ErrorCode

    from .headers import REQUIRED, STANDARD, guess_columns
    from .readers import read_table

    if kind not in STANDARD:
        raise ApplicationError(
            ErrorCode.INVALID, _("Unknown kind of file: %(kind)s.") % {"kind": kind}, field="kind"
        )
    saved = None
    if mapping:
        found = SavedMapping.objects.filter(name=mapping, kind=kind).first()
        if found is None:
            raise ApplicationError(
                ErrorCode.NOT_FOUND,
                _("There is no saved mapping called %(name)s.") % {"name": mapping},
                field="mapping",
            )
        saved = dict(found.columns)
    table = read_table(Path(path), encoding=encoding)
    fields = guess_columns(table.header, kind=kind, saved=saved)
    first = table.rows[0][1] if table.rows else []
    return {
        "encoding": table.encoding,
        "rows": len(table.rows) + len(table.problems),
        "columns": [
            {"header": h, "field": f, "example": first[i] if i < len(first) else ""}
            for i, (h, f) in enumerate(zip(table.header, fields, strict=True))
        ],
        "fields": list(STANDARD[kind]),
        "required": list(REQUIRED[kind]),
        "sample": [cells for _line, cells in table.rows[:3]],
    }


def report_path(name: str):
    """A dry run's error report under VAR_DIR/imports, by the bare name the dry run gave (never a path)."""
    import re
    from pathlib import Path

    from django.conf import settings

    path = Path(settings.VAR_DIR) / "imports" / name
    if not re.match(r"^loi-[\w.\-]+\.xlsx$", name) or not path.is_file():
        raise not_found(_("No such report."))
    return path
