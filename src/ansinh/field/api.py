"""Field kits over JSON, under /api/v1/field (ADR 0027, docs/api.md). Managers issue and revoke kits and read the
conflict queue; a kit checks out with its one-time code and syncs with its own token."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from ansinh.api.auth import BearerToken
from ansinh.api.types import Day, In
from ansinh.core.errors import ApplicationError, ErrorCode

from . import selectors, services

router = Router(tags=["field"])
KIT_AUTH = [BearerToken()]  # a kit syncs with its token only (no session, so no CSRF cookie to miss)

MAX_OPS_PER_PUSH = 500


class KitIn(In):
    name: str
    area_codes: list[str]
    point_id: int
    receipts: int = 200
    valid_days: int = 14


class KitCreated(Schema):
    id: int
    checkout_token: str


class KitOut(Schema):
    id: int
    name: str
    point_id: int
    valid_from: Day
    valid_to: Day
    checked_out_at: dt.datetime | None
    last_sync_at: dt.datetime | None
    revoked_at: dt.datetime | None
    returned_at: dt.datetime | None


class CheckoutIn(In):
    token: str
    public_key: str


class CheckoutOut(Schema):
    kit: int
    name: str
    token: str
    certificate: str
    office_keys: dict[str, str]
    book: int | None
    si_last: int
    valid_to: str
    checked_out_at: str
    rows: dict[str, list[dict[str, Any]]]


class OpIn(In):
    op_id: uuid.UUID
    seq: int
    kind: str
    payload: dict[str, Any]
    by: str = ""
    clock: dt.datetime
    rules_version: str = ""


class PushIn(In):
    ops: list[OpIn]


class OpResult(Schema):
    op_id: str
    status: str
    replayed: bool
    id: int | None = None
    conflict: int | None = None
    kind: str | None = None
    message: str | None = None
    conflicts: int = 0  # rows this operation put in the conflict queue


class PushOut(Schema):
    results: list[OpResult]
    applied: int
    replayed: int
    conflicts: int


class ReplicaOut(Schema):
    rows: dict[str, list[dict[str, Any]]]
    book: int | None
    si_last: int


class ConflictOut(Schema):
    id: int
    kit_id: int
    kind: str
    status: str
    message: str
    amount: int
    receipt: str
    field_side: dict[str, Any]
    office_side: dict[str, Any]
    resolution: str
    created_at: dt.datetime


class ResolveIn(In):
    action: str
    note: str = ""


@router.post(
    "/field/kits", response={201: KitCreated}, summary="Issue a field kit (its one-time check-out code)"
)
def kit_create(request, body: KitIn):
    kit, token = services.kit_create(actor=request.user, **body.dict())
    return Status(201, {"id": kit.pk, "checkout_token": token})


@router.get("/field/kits", response=list[KitOut], summary="The field kits of my areas")
def kits(request):
    return list(selectors.kits_for_user(user=request.user))


@router.post("/field/kits/{kit_id}/revoke", response=KitOut, summary="Revoke a lost or stolen kit")
def kit_revoke(request, kit_id: int):
    return services.kit_revoke(actor=request.user, kit=selectors.kit_get(user=request.user, kit_id=kit_id))


@router.post(
    "/field/checkout", auth=None, response=CheckoutOut, summary="A kit's check-out with its one-time code"
)
def checkout(request, body: CheckoutIn):
    return services.kit_checkout(token=body.token, public_key=body.public_key)


def _kit(request):
    return services.kit_of(request.user)


@router.post(
    "/field/sync/push",
    auth=KIT_AUTH,
    response=PushOut,
    summary="A kit sends its journal (each operation applied once)",
)
def push(request, body: PushIn):
    kit = _kit(request)
    if len(body.ops) > MAX_OPS_PER_PUSH:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("Send at most %(n)s operations at a time.") % {"n": MAX_OPS_PER_PUSH},
            field="ops",
        )
    return _counts(services.ops_apply(kit=kit, ops=[op.dict() for op in body.ops]))


@router.get(
    "/field/sync/replica",
    auth=KIT_AUTH,
    response=ReplicaOut,
    summary="What the kit carries, as the office has it now",
)
def replica(request):
    return services.kit_replica(kit=_kit(request))


class JournalFileIn(In):
    format: str
    body: str
    signature: str
    certificate: str


@router.post(
    "/field/kits/{kit_id}/import",
    response=PushOut,
    summary="A kit's exported journal, from a laptop that cannot sync",
)
def journal_import(request, kit_id: int, body: JournalFileIn):
    kit = selectors.kit_get(user=request.user, kit_id=kit_id)
    return _counts(services.journal_import(actor=request.user, kit=kit, document=body.dict()))


def _counts(results: list[dict]) -> dict:
    return {
        "results": results,
        "applied": sum(1 for r in results if r["status"] == "applied" and not r["replayed"]),
        "replayed": sum(1 for r in results if r["replayed"]),
        "conflicts": sum(r.get("conflicts", 0) for r in results if not r["replayed"]),
    }


class ReturnOut(Schema):
    receipts_used: int
    returned_from: int | None
    returned_to: int | None


@router.post(
    "/field/sync/return", auth=KIT_AUTH, response=ReturnOut, summary="A kit checks in after its last sync"
)
def kit_return(request):
    return services.kit_return(kit=_kit(request))


@router.post("/field/kits/{kit_id}/return", response=ReturnOut, summary="Check a kit in (a manager)")
def kit_return_by_manager(request, kit_id: int):
    return services.kit_return(kit=selectors.kit_get(user=request.user, kit_id=kit_id))


class ChangesIn(In):
    digests: dict[str, dict[str, str]]


class ChangesOut(Schema):
    rows: dict[str, list[dict[str, Any]]]
    ranges: dict[str, list[str]]
    book: int | None
    si_last: int


@router.post(
    "/field/sync/changes",
    auth=KIT_AUTH,
    response=ChangesOut,
    summary="What changed for the kit since its last pull (the ranges whose digests differ)",
)
def changes(request, body: ChangesIn):
    return services.kit_changes(kit=_kit(request), digests=body.digests)


@router.get("/field/conflicts", response=list[ConflictOut], summary="The conflict queue of my areas")
def conflicts(request, status: str = "open"):
    return list(selectors.conflicts_for_user(user=request.user, status=status))


@router.post("/field/conflicts/{conflict_id}/resolve", response=ConflictOut, summary="Decide a conflict")
def resolve(request, conflict_id: int, body: ResolveIn):
    conflict = selectors.conflict_get(user=request.user, conflict_id=conflict_id)
    return services.conflict_resolve(
        actor=request.user, conflict=conflict, action=body.action, note=body.note
    )
