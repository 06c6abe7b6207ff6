"""The office's side of the field kits (ADR 0027): issuing a kit, its check-out, applying what it sends exactly
once, revoking it, and deciding its conflicts. Every write here goes through the apps' own services."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.areas.models import Area
from ansinh.cards import signing
from ansinh.cards.services import kit_key_certify, kit_key_revoke
from ansinh.core.access import require, scope_for
from ansinh.core.audit import audit_record
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.models import ApiToken, Role, User
from ansinh.core.services import token_create
from ansinh.imports.dedup import persons_merge
from ansinh.payments.models import CollectionPoint
from ansinh.payments.services import (
    RECEIPT_NUMBER_MAX,
    book_close,
    book_create,
    point_assign_agent,
    receipt_number_hold,
)
from ansinh.registry.services import si_serials_reserve

from . import apply
from .models import Audit, Conflict, ConflictKind, ConflictStatus, FieldOp, Kit
from .replica import as_sent, replica_changes, replica_count, replica_rows

MAX_VALID_DAYS = 60
SI_NUMBERS_PER_RECEIPT = 8  # a household's receipt may carry several new people


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def kit_create(
    *, actor, name: str, area_codes: list[str], point_id: int, receipts: int, valid_days: int
) -> tuple[Kit, str]:
    """Issues a kit to a collection point for some of its areas: its account, a receipt book of ``receipts``
    numbers, a block of SI numbers and a one-time check-out token (returned; only its digest is kept)."""
    require(actor, "payments.manage")
    scope = scope_for(actor)
    name = (name or "").strip()
    if not 2 <= len(name) <= 100:
        raise ApplicationError(ErrorCode.INVALID, _("Give the kit a name."), field="name")
    point = CollectionPoint.objects.filter(pk=point_id, is_active=True).select_related("area").first()
    if point is None or not scope.covers_area(point.area):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Collection point not found."), field="point_id")
    codes = [str(c).strip() for c in area_codes or [] if str(c).strip()]
    areas = list(Area.objects.filter(code__in=codes))
    if not codes or len(areas) != len(set(codes)) or not all(scope.covers_area(a) for a in areas):
        raise ApplicationError(
            ErrorCode.INVALID, _("Choose the communes the kit works in."), field="area_codes"
        )
    if not isinstance(receipts, int) or not 1 <= receipts <= 5000:
        raise ApplicationError(
            ErrorCode.INVALID, _("A kit takes 1 to 5,000 receipt numbers."), field="receipts"
        )
    if not isinstance(valid_days, int) or not 1 <= valid_days <= MAX_VALID_DAYS:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("A kit is issued for 1 to %(n)s days.") % {"n": MAX_VALID_DAYS},
            field="valid_days",
        )
    token = "kit_" + secrets.token_urlsafe(24)
    account = User(username=f"kit-{uuid.uuid4().hex[:10]}", role=Role.FIELD_KIT, first_name=name[:150])
    account.set_unusable_password()
    account.save()
    account.areas.set(areas)
    start = today()
    kit = Kit.objects.create(
        name=name,
        point=point,
        account=account,
        valid_from=start,
        valid_to=start + dt.timedelta(days=valid_days),
        checkout_digest=_digest(token),
        province_code=point.province_code,
        created_by=actor,
    )
    kit.areas.set(areas)
    if receipts > RECEIPT_NUMBER_MAX:
        raise ApplicationError(ErrorCode.INVALID, _("Too many receipt numbers."), field="receipts")
    kit.book = book_create(
        actor=actor,
        point=point,
        series=f"TK{kit.pk}",
        first_number=1,
        last_number=receipts,
        held_by_kit=kit.pk,
    )
    kit.si_first, kit.si_last = si_serials_reserve(
        actor=actor, province_code=point.province_code, count=receipts * SI_NUMBERS_PER_RECEIPT
    )
    kit.save(update_fields=["book", "si_first", "si_last"])
    point_assign_agent(actor=actor, point=point, agent=account)
    audit_record(
        actor=actor,
        action=Audit.KIT_CREATE,
        obj=kit,
        after={
            "name": name,
            "areas": codes,
            "point": point.code,
            "receipts": receipts,
            "valid_to": str(kit.valid_to),
        },
    )
    return kit, token


@transaction.atomic
def kit_checkout(*, token: str, public_key: str) -> dict:
    """The laptop's check-out with the one-time token: its key certified, its API token, its replica."""
    kit = (
        Kit.objects.select_for_update(of=("self",))
        .select_related("account", "point", "book", "created_by")
        .filter(checkout_digest=_digest(token or ""), checked_out_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if kit is None or kit.valid_to < today():
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("This check-out code is not valid (used, revoked or expired)."), status=404
        )
    areas = sorted(kit.areas.values_list("code", flat=True))
    key = kit_key_certify(
        actor=kit.created_by,
        kit=kit.pk,
        public_key=public_key,
        areas=areas,
        valid_from=kit.valid_from,
        valid_to=kit.valid_to,
    )
    _row, api_token = token_create(actor=None, user=kit.account, name=f"field kit {kit.pk}")
    kit.checked_out_at = timezone.now()
    kit.checkout_digest = _digest(secrets.token_urlsafe(24))  # the code works once
    kit.save(update_fields=["checked_out_at", "checkout_digest"])
    rows = as_sent(replica_rows(kit))
    audit_record(
        actor=kit.created_by,
        action=Audit.KIT_CHECKOUT,
        obj=kit,
        after={"rows": replica_count(rows), "key": key.key_id},
    )
    office_keys = {key_id: signing.public_pem(pub).decode() for key_id, pub in signing.public_keys().items()}
    return {
        "kit": kit.pk,
        "name": kit.name,
        "token": api_token,
        "certificate": key.certificate,
        "office_keys": office_keys,
        "book": kit.book_id,
        "si_last": kit.si_last,
        "valid_to": kit.valid_to.isoformat(),
        "checked_out_at": kit.checked_out_at.isoformat(),
        "rows": rows,
    }


def kit_of(user) -> Kit:
    """The kit whose account is calling (sync), refused when revoked."""
    kit = Kit.objects.select_related("point", "book", "account").filter(account=user).first()
    if kit is None or kit.revoked_at is not None:
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("This field kit was revoked."), status=403)
    return kit


def kit_changes(*, kit: Kit, digests: dict) -> dict:
    """What changed for the kit since its last pull: the ranges of rows whose digests differ (replica.py)."""
    changes = replica_changes(kit, digests if isinstance(digests, dict) else {})
    Kit.objects.filter(pk=kit.pk).update(last_sync_at=timezone.now())
    return {**changes, "book": kit.book_id, "si_last": kit.si_last}


def kit_replica(*, kit: Kit) -> dict:
    rows = as_sent(replica_rows(kit))
    Kit.objects.filter(pk=kit.pk).update(last_sync_at=timezone.now())
    return {"rows": rows, "book": kit.book_id, "si_last": kit.si_last}


@transaction.atomic
def kit_revoke(*, actor, kit: Kit) -> Kit:
    """A lost or stolen kit: its account and token stop working, and cards its key signs from now on are refused."""
    require(actor, "payments.manage")
    kit = Kit.objects.select_for_update(of=("self",)).select_related("point__area", "account").get(pk=kit.pk)
    if not scope_for(actor).covers_area(kit.point.area):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    if kit.revoked_at is None:
        kit.revoked_at = timezone.now()
        kit.save(update_fields=["revoked_at"])
        ApiToken.objects.filter(user=kit.account, revoked_at__isnull=True).update(revoked_at=kit.revoked_at)
        User.objects.filter(pk=kit.account_id).update(is_active=False)
        kit_key_revoke(actor=actor, kit=kit.pk)
        audit_record(
            actor=actor, action=Audit.KIT_REVOKE, obj=kit, after={"revoked_at": kit.revoked_at.isoformat()}
        )
    return kit


def journal_import(*, actor, kit: Kit, document: dict) -> list[dict]:
    """A kit's exported journal (client.export), brought by a manager from a laptop that will not sync: checked
    against the key this office certified for the kit, then applied like a sync (each operation once)."""
    require(actor, "payments.manage")
    from ansinh.cards.models import KitKey

    refused = ApplicationError(
        ErrorCode.INVALID, _("The file is not this kit's journal, or it was changed."), field="file"
    )
    if not isinstance(document, dict) or document.get("format") != "ansinh-field-journal/1":
        raise refused
    certificate = signing.certificate_read(str(document.get("certificate") or ""), signing.public_keys())
    on_record = KitKey.objects.filter(kit=kit.pk).first()
    if certificate is None or certificate["kit"] != kit.pk or on_record is None:
        raise refused
    if signing.key_id_of(certificate["key"]) != on_record.key_id:
        raise refused
    body = str(document.get("body") or "")
    try:
        certificate["key"].verify(signing.b64d(str(document.get("signature") or "")), body.encode("utf-8"))
        content = json.loads(body)
    except (signing.InvalidSignature, ValueError):
        raise refused from None
    if content.get("kit") != kit.pk or not isinstance(content.get("ops"), list):
        raise refused
    if kit.revoked_at is not None:
        raise ApplicationError(ErrorCode.CONFLICT, _("This field kit was revoked."), field="file")
    return ops_apply(kit=kit, ops=content["ops"])


@transaction.atomic
def kit_return(*, kit: Kit) -> dict:
    """The kit is back (checked in after its last sync): its receipt book is closed, so the numbers it did not use
    are given back and never used by anyone; its account, token and key stop (cards it signed that reached the
    office stay valid). Called by the kit itself, or by a manager. Twice changes nothing."""
    kit = (
        Kit.objects.select_for_update(of=("self",))
        .select_related("book", "point__area", "created_by")
        .get(pk=kit.pk)
    )
    book = kit.book
    if book is None:
        raise ApplicationError(ErrorCode.CONFLICT, _("This kit has no receipt book."))
    summary = {
        "receipts_used": book.next_number - book.first_number,
        "returned_from": book.next_number if book.next_number <= book.last_number else None,
        "returned_to": book.last_number if book.next_number <= book.last_number else None,
    }
    if kit.returned_at is not None:
        return summary
    book_close(actor=kit.created_by, book=book)
    kit.returned_at = timezone.now()
    kit.save(update_fields=["returned_at"])
    ApiToken.objects.filter(user=kit.account, revoked_at__isnull=True).update(revoked_at=kit.returned_at)
    User.objects.filter(pk=kit.account_id).update(is_active=False)
    kit_key_revoke(actor=kit.created_by, kit=kit.pk)
    audit_record(actor=kit.account, action=Audit.KIT_RETURN, obj=kit, after=summary)
    return summary


def ops_apply(*, kit: Kit, ops: list[dict]) -> list[dict]:
    """Applies a kit's operations in their order, each once: an operation already applied answers with its first
    result (``replayed``); one the office's rules refuse becomes a conflict. A batch is one transaction (one commit
    for up to 100 operations, the kit's row locked so that two syncs of a kit take turns), each operation in its
    own savepoint with its ``FieldOp`` row: the batch is recorded whole or not at all, and an answer the kit did
    not receive is given again as ``replayed``."""
    ids = []
    for op in ops:
        try:
            ids.append(uuid.UUID(str(op["op_id"])))
        except (KeyError, ValueError):
            raise ApplicationError(
                ErrorCode.INVALID, _("The kit sent an operation the office cannot read.")
            ) from None
    with transaction.atomic():
        list(Kit.objects.select_for_update(of=("self",)).filter(pk=kit.pk).values_list("pk", flat=True))
        # one read for the batch: the operations of it already applied (a sync sent again after a cut)
        done = {row.op_id: row for row in FieldOp.objects.filter(op_id__in=ids)}
        results = [_op_apply(kit, op, op_id, done.get(op_id)) for op, op_id in zip(ops, ids, strict=True)]
        Kit.objects.filter(pk=kit.pk).update(last_sync_at=timezone.now())
    return results


def _op_apply(kit: Kit, op: dict, op_id: uuid.UUID, done: FieldOp | None) -> dict:
    for attempt in range(2):
        if attempt:
            done = FieldOp.objects.filter(op_id=op_id).first()
        if done is not None:
            if done.kit_id != kit.pk:
                raise ApplicationError(
                    ErrorCode.CONFLICT, _("This operation belongs to another kit."), field="op_id"
                )
            return {"op_id": str(op_id), **done.result, "replayed": True}
        try:
            with transaction.atomic():  # a savepoint in the batch's transaction
                row = FieldOp.objects.create(
                    kit=kit,
                    op_id=op_id,
                    seq=int(op.get("seq") or 0),
                    kind=str(op["kind"])[:40],
                    by=str(op.get("by") or "")[:150],
                    clock=dt.datetime.fromisoformat(str(op["clock"])),
                    rules_version=str(op.get("rules_version") or "")[:40],
                    payload=op.get("payload") or {},
                )
                try:
                    with transaction.atomic():
                        result = {"status": "applied", **apply.apply(kit, row)}
                except ApplicationError as e:
                    conflict = _conflict(kit, row, e)
                    result = {
                        "status": "conflict",
                        "conflict": conflict.pk,
                        "kind": conflict.kind,
                        "message": e.message,
                    }
                # rows for a manager made while it was applied (a likely duplicate, a card to reprint) count too
                result["conflicts"] = 1 if result["status"] == "conflict" else getattr(row, "asked", 0)
                row.result = result
                row.save(update_fields=["result"])
            return {"op_id": str(op_id), **result, "replayed": False}
        except IntegrityError:
            continue  # the same operation committed by a concurrent sync of this kit: answer with its result
    raise ApplicationError(ErrorCode.CONFLICT, _("The request could not be completed; try again."))


def _conflict(kit: Kit, op: FieldOp, error: ApplicationError) -> Conflict:
    payload = op.payload or {}
    if isinstance(error, apply.Depends):
        kind = ConflictKind.DEPENDS
    elif op.kind == "person.create" and error.field == "personal_id":
        kind = ConflictKind.DUPLICATE
    elif error.field == "payment.amount":
        kind = ConflictKind.QUOTE
    elif error.code == ErrorCode.CONFLICT and error.field == "person_ids":
        kind = ConflictKind.OVERLAP
    else:
        kind = ConflictKind.REFUSED
    receipt = payload.get("receipt") or {}
    if receipt and kit.book is not None:
        receipt_number_hold(actor=kit.account, book=kit.book, number=int(receipt["number"]))
    return Conflict.objects.create(
        kit=kit,
        op=op,
        kind=kind,
        message=error.message,
        field_side={"kind": op.kind, "by": op.by, "clock": op.clock.isoformat(), **payload},
        office_side=apply.office_side(kit, op),
        amount=int(payload.get("amount") or 0) if op.kind == "enrollment.create" else 0,
        receipt=f"{kit.book.series}-{int(receipt['number']):07d}" if receipt and kit.book else "",
        province_code=kit.province_code,
    )


@transaction.atomic
def conflict_resolve(*, actor, conflict: Conflict, action: str, note: str = "") -> Conflict:
    """A manager's decision on a conflict: ``retry`` applies the kit's operation again as it was (after the office
    changed what stood in its way: a duplicate enrollment voided, a record merged); ``close`` records what was
    done outside (money refunded, a person told) with a note. Nothing is deleted."""
    require(actor, "payments.manage")
    conflict = (
        Conflict.objects.select_for_update(of=("self",))
        .select_related("kit__point__area", "kit__book", "op")
        .get(pk=conflict.pk)
    )
    if not scope_for(actor).covers_area(conflict.kit.point.area):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    if conflict.status == ConflictStatus.RESOLVED:
        return conflict
    note = (note or "").strip()[:300]
    if action == "retry":
        try:
            with transaction.atomic():
                result = apply.apply(conflict.kit, conflict.op)
        except ApplicationError as e:
            raise ApplicationError(
                ErrorCode.CONFLICT, _("Still refused: %(why)s") % {"why": e.message}, field="action"
            ) from None
        conflict.op.result = {"status": "applied", **result, "after_conflict": conflict.pk}
        conflict.op.save(update_fields=["result"])
        conflict.resolution = note or _("Applied after review.")
    elif action == "merge":  # a person registered twice: the field's record goes into the office's
        field_person = (conflict.field_side.get("person") or {}).get("id") or (conflict.op.result or {}).get(
            "id"
        )
        office_person = (conflict.office_side.get("person") or {}).get("id")
        if conflict.kind != ConflictKind.DUPLICATE or not field_person or not office_person:
            raise ApplicationError(
                ErrorCode.INVALID, _("Only two records of one person are merged."), field="action"
            )
        if field_person != office_person:
            persons_merge(
                actor=actor, keep_id=office_person, drop_id=field_person, reason=note or conflict.message
            )
        conflict.resolution = note or _("Merged with the office's record.")
    elif action == "close":
        if len(note) < 3:
            raise ApplicationError(ErrorCode.INVALID, _("Write what was done."), field="note")
        conflict.resolution = note
    else:
        raise ApplicationError(ErrorCode.INVALID, _("Unknown action."), field="action")
    conflict.status = ConflictStatus.RESOLVED
    conflict.resolved_by = actor
    conflict.resolved_at = timezone.now()
    conflict.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    audit_record(
        actor=actor,
        action=Audit.CONFLICT_RESOLVE,
        obj=conflict,
        after={"action": action, "resolution": conflict.resolution},
    )
    return conflict
