"""Reading the field kits and their conflicts, in the reader's areas (managers: payments.manage)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ansinh.core.access import require, scope_for
from ansinh.core.errors import ApplicationError, ErrorCode

from .models import Conflict, ConflictStatus, Kit


def kits_for_user(*, user) -> QuerySet[Kit]:
    require(user, "payments.manage")
    return Kit.objects.filter(scope_for(user).areas_q("point__area__")).order_by("-created_at")


def kit_get(*, user, kit_id: int) -> Kit:
    kit = kits_for_user(user=user).filter(pk=kit_id).first()
    if kit is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    return kit


def conflicts_for_user(*, user, status: str | None = ConflictStatus.OPEN) -> QuerySet[Conflict]:
    require(user, "payments.manage")
    rows = Conflict.objects.filter(scope_for(user).areas_q("kit__point__area__")).select_related("kit")
    if status in ConflictStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("created_at", "pk")


def conflict_get(*, user, conflict_id: int) -> Conflict:
    conflict = conflicts_for_user(user=user, status=None).filter(pk=conflict_id).first()
    if conflict is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    return conflict
