"""The kit's side of check-out and sync (ADR 0027), run on the laptop with its own database (``ansinh field``).

Sync sends the journal's unsent operations in order, in batches; an operation is marked sent only when the
office's answer for it arrives, so a connection cut at any byte leaves it unsent and the next sync sends it again
(the office answers a repeat with its first result). Only when nothing is left unsent does the kit replace its
replica with the office's rows (what the kit did is then there under the office's ids, with what others did).
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.cards import signing
from ansinh.core.errors import ApplicationError, ErrorCode

from .journal import backup_after_commit
from .models import JournalEntry, KitState
from .replica import kit_digests, replica_apply, replica_count, replica_load

logger = logging.getLogger(__name__)

BATCH = 100
TIMEOUT = 60


class SyncError(ApplicationError):
    """The office could not be reached or refused: nothing on the kit is lost; sync again later."""


def _call(server: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    if not server.startswith(("http://", "https://")):
        raise SyncError(
            ErrorCode.INVALID, _("The office's address starts with https:// (or http://)."), field="server"
        )
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    url = server.rstrip("/") + "/api/v1" + path
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http(s) only, checked above)
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept-Language", "vi")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (the office's URL)
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        if e.code == 401:
            raise SyncError(
                ErrorCode.PERMISSION_DENIED,
                _(
                    "The office no longer accepts this kit (revoked, or checked in). "
                    "Call the office; keep the kit as it is."
                ),
            ) from None
        try:
            error = json.loads(e.read().decode("utf-8"))
            message = error.get("message") or str(e)
        except (ValueError, OSError):
            message = str(e)
        raise SyncError(ErrorCode.CONFLICT, _("The office refused: %(why)s") % {"why": message}) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:  # no network, a cut
        logger.warning("the office at %s cannot be reached: %s", server, e)
        raise SyncError(
            ErrorCode.CONFLICT,
            _("The office cannot be reached. Nothing is lost: sync again when there is a network."),
        ) from None


def checkout(*, server: str, token: str, backup_dir: str = "") -> dict:
    """Makes this machine the kit: a new signing key, certified by the office, and the replica of its areas."""
    if KitState.objects.exists():
        raise ApplicationError(ErrorCode.CONFLICT, _("This folder is already a kit's."), field="dir")
    directory = signing.keys_dir()
    signing.keys_init(directory, force=(directory / signing.PRIVATE_NAME).exists())
    key, _key_id = signing.signing_key(create=False)
    answer = _call(
        server,
        "POST",
        "/field/checkout",
        {"token": token, "public_key": signing.raw_public_key(key.public_key())},
    )
    for key_id, pem in answer["office_keys"].items():
        (directory / f"office-{key_id}.pub").write_text(pem)
    (directory / signing.CERTIFICATE_NAME).write_text(answer["certificate"])
    with transaction.atomic():
        pulled = replica_load(answer["rows"])
        state = KitState.objects.create(
            server=server.rstrip("/"),
            kit=answer["kit"],
            name=answer["name"],
            token=answer["token"],
            book=answer["book"],
            si_last=answer["si_last"],
            key_valid_to=answer["valid_to"],
            checked_out_at=answer["checked_out_at"],
            last_sync_at=timezone.now(),
            backup_dir=backup_dir,
        )
    if backup_dir:
        from .journal import copy_kit_folder

        copy_kit_folder(Path(backup_dir))
    return {"kit": state.kit, "name": state.name, "pulled": pulled, **status()}


def kit_state() -> KitState:
    return _state()


def journal_recent(limit: int = 20) -> list[JournalEntry]:
    """The kit's latest operations, newest first, with whether the office has them."""
    return list(JournalEntry.objects.order_by("-pk")[:limit])


def last_result() -> dict:
    """What the office answered to the kit's operations so far: how many are conflicts for a manager."""
    sent = JournalEntry.objects.filter(sent_at__isnull=False)
    return {
        "sent": sent.count(),
        "conflicts": sum(
            1
            for r in sent.values_list("result", flat=True)
            if (r or {}).get("status") == "conflict" or (r or {}).get("conflicts")
        ),
    }


def _state() -> KitState:
    state = KitState.objects.first()
    if state is None:
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("This folder is not a field kit: check it out first."), field="dir"
        )
    return state


def _op(entry: JournalEntry) -> dict:
    return {
        "op_id": str(entry.op_id),
        "seq": entry.pk,
        "kind": entry.kind,
        "payload": entry.payload,
        "by": entry.by,
        "clock": entry.clock.isoformat(),
        "rules_version": entry.rules_version,
    }


def sync() -> dict:
    """Sends what is unsent, then takes the office's rows. Raises SyncError when the office cannot be reached;
    what was acknowledged before stays acknowledged."""
    state = _state()
    counts = {"pushed": 0, "applied": 0, "replayed": 0, "conflicts": 0, "pulled": 0}
    while True:
        entries = list(JournalEntry.objects.filter(sent_at__isnull=True).order_by("pk")[:BATCH])
        if not entries:
            break
        answer = _call(
            state.server, "POST", "/field/sync/push", {"ops": [_op(e) for e in entries]}, state.token
        )
        by_id = {r["op_id"]: r for r in answer["results"]}
        if not any(str(e.op_id) in by_id for e in entries):  # an answer about none of them: do not loop on it
            raise SyncError(ErrorCode.CONFLICT, _("The office's answer was not understood. Nothing is lost."))
        now = timezone.now()
        with transaction.atomic():
            for entry in entries:
                result = by_id.get(str(entry.op_id))
                if result is None:
                    continue
                JournalEntry.objects.filter(pk=entry.pk).update(sent_at=now, result=result)
                counts["pushed"] += 1
        counts["applied"] += answer["applied"]
        counts["replayed"] += answer["replayed"]
        counts["conflicts"] += answer["conflicts"]
    answer = _call(state.server, "POST", "/field/sync/changes", {"digests": kit_digests()}, state.token)
    with transaction.atomic():
        if not JournalEntry.objects.filter(sent_at__isnull=True).exists():  # written meanwhile: next time
            counts["pulled"] = replica_apply(answer)
            KitState.objects.filter(pk=state.pk).update(
                last_sync_at=timezone.now(), cursor=replica_count(answer["rows"])
            )
    backup_after_commit()  # the second drive holds the synced kit too
    return counts


def status() -> dict:
    from ansinh.payments.models import ReceiptBook

    state = _state()
    book = ReceiptBook.objects.filter(pk=state.book).first() if state.book else None
    return {
        "pending": JournalEntry.objects.filter(sent_at__isnull=True).count(),
        "last_sync": state.last_sync_at.isoformat() if state.last_sync_at else None,
        "receipts_left": max(0, book.last_number - book.next_number + 1) if book else 0,
        "key_valid_to": str(state.key_valid_to),
    }


def backup_dir_set(directory: str) -> None:
    """Where the kit keeps its second copy (a USB stick); a first copy is made at once."""
    from .journal import copy_kit_folder

    KitState.objects.filter(pk=_state().pk).update(backup_dir=directory)
    if directory:
        copy_kit_folder(Path(directory))


def export(out: Path) -> dict:
    """The operations not yet sent, in a file signed with the kit's key and carrying its certificate: for a
    laptop that will not see a network again, another machine takes the file to the office (``field import``)."""
    state = _state()
    entries = list(JournalEntry.objects.filter(sent_at__isnull=True).order_by("pk"))
    body = json.dumps(
        {
            "kit": state.kit,
            "server": state.server,
            "exported_at": timezone.now().isoformat(),
            "ops": [_op(e) for e in entries],
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    key, _key_id = signing.signing_key(create=False)
    document = {
        "format": "ansinh-field-journal/1",
        "body": body,
        "signature": signing.b64e(key.sign(body.encode("utf-8"))),
        "certificate": signing.kit_certificate(),
    }
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    partial.replace(out)
    return {"kit": state.kit, "ops": len(entries), "file": str(out)}


def send_export(*, path: Path, server: str, token: str) -> dict:
    """Takes an exported journal to the office with a manager's token (any machine with a network)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        kit = json.loads(document["body"])["kit"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ApplicationError(
            ErrorCode.INVALID, _("This is not a kit's exported journal."), field="file"
        ) from None
    return _call(server, "POST", f"/field/kits/{int(kit)}/import", document, token)


def checkin() -> dict:
    """The kit's last sync, then its check-in: the office closes its receipt book (the unused numbers are given
    back) and stops its key. Refused while anything is left unsent."""
    counts = sync()
    if JournalEntry.objects.filter(sent_at__isnull=True).exists():
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("Operations were written during the sync: sync again, then check in."),
            field="dir",
        )
    state = _state()
    returned = _call(state.server, "POST", "/field/sync/return", {}, state.token)
    return {**counts, **returned}
