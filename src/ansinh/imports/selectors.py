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
