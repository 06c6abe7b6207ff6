"""The kit's journal (ADR 0027): every write the desk makes on a kit, described so that the office can make the
same write with its own services. Recorded in the write's own transaction (core.journal calls ``record``).

An operation names the rows it works on by reference: ``{"id": n}`` for a row the office sent (it has the same
id there), ``{"op": uuid}`` for a row an earlier operation of this kit made (the office finds what that
operation made). Rows made here have ids from ``replica.LOCAL_BASE`` up, which tells the two apart.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.payments.models import Method

from .models import JournalEntry
from .replica import LOCAL_BASE

logger = logging.getLogger(__name__)

CREATED_BY = {"person": "person.create", "household": "household.create", "enrollment": "enrollment.create"}


@cache
def rules_version() -> str:
    """The legal parameters this machine quotes with: a digest of the parameter files (the office compares it)."""
    from ansinh import rules

    root = Path(rules.__file__).parent / "parameters"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ref(kind: str, pk: int | None) -> dict | None:
    if pk is None:
        return None
    if pk < LOCAL_BASE:
        return {"id": pk}
    entry = JournalEntry.objects.filter(kind=CREATED_BY[kind], obj_id=pk).order_by("-pk").first()
    if entry is None:  # cannot happen: every row made here was journaled in its own transaction
        raise LookupError(f"{kind} {pk} was made on this kit but not journaled")
    return {"op": str(entry.op_id)}


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _describe(kind: str, obj, details: dict) -> dict:
    if kind == "person.create":
        return {"data": details["data"]}
    if kind == "person.update":
        return {"person": ref("person", obj.pk), "data": details["data"]}
    if kind == "household.create":
        return {
            "head": ref("person", details["head"]),
            "address": details.get("address") or "",
            "on": details.get("on"),
        }
    if kind in ("household.add_member", "household.move_member"):
        return {
            "household": ref("household", obj.household_id),
            "person": ref("person", obj.person_id),
            "relation": obj.relation,
            "on": details.get("on"),
        }
    if kind == "enrollment.create":
        return _enrollment(obj)
    if kind == "enrollment.outcomes":
        return {
            "enrollment": ref("enrollment", obj.pk),
            "vssid": details.get("vssid"),
            "cashless": details.get("cashless"),
        }
    if kind == "receipt.void":
        return {"enrollment": ref("enrollment", obj.enrollment_id), "reason": details["reason"]}
    if kind == "outcome.record":
        return {
            "activity": obj.activity_id,
            "person": ref("person", obj.person_id),
            "kind": obj.kind,
            "on": obj.on,
            "follow_up_on": obj.follow_up_on,
            "note": obj.note,
        }
    if kind == "dayclose.create":
        return {
            "day": obj.day,
            "cash_counted": obj.cash_counted,
            "received_by": obj.received_by,
            "note": obj.note,
        }
    raise ValueError(f"no journal description for {kind}")


def _enrollment(enrollment) -> dict:
    from ansinh.cards.models import Card
    from ansinh.payments.models import Receipt

    members = list(enrollment.members.select_related("person").order_by("position"))
    receipt = Receipt.objects.filter(enrollment=enrollment).first()
    return {
        "scheme": enrollment.scheme,
        "persons": [ref("person", m.person_id) for m in members],
        "si_numbers": [m.person.si_number for m in members],
        "months": enrollment.months,
        "group": enrollment.group or None,
        "income": enrollment.income,
        "paid_on": enrollment.paid_on,
        "activity_id": enrollment.activity_id,
        "method": enrollment.payment.method,
        "amount": enrollment.total_payable,
        "tendered": receipt.tendered if receipt else None,
        "facility_code": (enrollment.quote or {}).get("facility_code"),
        "vssid": enrollment.vssid_install_assisted,
        "cashless": enrollment.cashless_switched,
        "receipt": None if receipt is None else {"book": receipt.book_id, "number": receipt.number},
        "cards": list(Card.objects.filter(coverage__enrollment=enrollment).values_list("token", flat=True)),
    }


def record(kind: str, obj, actor, details: dict) -> None:
    if kind == "enrollment.create" and obj.total_payable > 0 and obj.payment.method != Method.CASH:
        # a transfer is confirmed against the bank's statement, which a kit without a network cannot see
        raise ApplicationError(
            ErrorCode.INVALID,
            _("A field kit takes cash only: a bank transfer is paid at the office."),
            field="payment.method",
        )
    payload = _describe(kind, obj, details)
    by = actor.get_username() if getattr(actor, "pk", None) else ""
    JournalEntry.objects.create(
        kind=kind,
        obj_id=obj.pk if kind in CREATED_BY.values() else None,
        payload=_plain(payload),
        by=by,
        clock=timezone.now(),
        rules_version=rules_version(),
    )
    transaction.on_commit(backup_after_commit)


def copy_kit_folder(target: Path) -> Path:
    """The kit's folder again on the second drive: its database (a complete copy, SQLite's online backup) and its
    keys. That folder is a kit itself: ``ansinh field export --dir`` or ``sync --dir`` work from it."""
    import shutil

    from ansinh.cards import signing
    from ansinh.core.backup import backup_sqlite_to

    keys = target / "keys"
    if not (keys / signing.CERTIFICATE_NAME).exists():
        shutil.copytree(signing.keys_dir(), keys, dirs_exist_ok=True)
    return backup_sqlite_to(target / "ansinh.sqlite3")


def backup_after_commit() -> None:
    """After every operation, the kit's whole database is copied to its second drive when it has one (a laptop
    that dies keeps the day on the USB stick). A copy that fails is told in the log; the work is not refused."""
    from ansinh.core.backup import BackupError

    from .models import KitState

    state = KitState.objects.only("kit", "backup_dir").first()
    if state is None or not state.backup_dir:
        return
    try:
        copy_kit_folder(Path(state.backup_dir))
    except (OSError, BackupError):
        logger.exception("the kit's copy on %s could not be written", state.backup_dir)
