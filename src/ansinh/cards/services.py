"""Every write about cards (house rule 1): issuing a card for a coverage span, and counting its printings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.core.access import not_found, require, scope_for
from ansinh.core.audit import audit_record, snapshot
from ansinh.core.errors import ApplicationError, ErrorCode

from . import signing
from .models import Audit, Card, KitKey

# A card prints a health-insurance coverage span (``enrollment.HICoverage``, the target of ``Card.coverage``). The
# desk creates the spans and calls down into this app to issue their cards, so cards never imports the enrollment
# (docs/architecture.md, Floors): a coverage is whatever object the caller hands over, with the span's fields.
Coverage = Any


def _card_number(actor, coverage: Coverage) -> str:
    """The number printed on the card is the person's 10-digit SI number (Decision 1666/QĐ-BHXH); a person
    enrolled here for the first time is given one."""
    person = coverage.person
    if not person.si_number:
        from ansinh.registry.services import si_number_assign

        person = si_number_assign(actor=actor, person=person)
        coverage.person = person
    return str(person.si_number)


@transaction.atomic
def card_issue(*, actor, coverage: Coverage) -> Card:
    """The card of a health-insurance coverage span, with its signed token. Idempotent: a coverage has one
    card, and a second call returns it unchanged (the coverage row is locked, so two desks cannot make two)."""
    require(actor, "registry.edit")
    coverage = (
        Card._meta.get_field("coverage")
        .related_model._default_manager.select_for_update(of=("self",))
        .select_related("person", "person__commune", "facility")
        .get(pk=coverage.pk)
    )
    if not scope_for(actor).covers_area(coverage.person.commune):
        raise not_found()
    existing = Card.objects.filter(coverage=coverage).first()
    if existing is not None:
        return existing
    if coverage.is_void:
        raise ApplicationError(ErrorCode.CONFLICT, _("This coverage was cancelled; no card can be issued."))
    number = _card_number(actor, coverage)
    card = _new_card(coverage, number)
    card.save(force_insert=True)
    audit_record(
        actor=actor, action=Audit.CARD_ISSUE, obj=card, after=snapshot(card, ["coverage", "number", "key_id"])
    )
    return card


@transaction.atomic(savepoint=False)  # joins the caller's transaction; its own when called alone
def cards_issue_new(*, actor, coverages: list[Coverage]) -> list[Card]:
    """The cards of coverage spans the caller has just created in its own transaction (the enrollment desk), in
    one INSERT. No other transaction can see those rows yet, so there is no card to look for and nothing to lock
    (card_issue does both for coverage that already existed). Each ``coverage.person`` already has its SI number
    and was checked against the actor's areas by the caller."""
    require(actor, "registry.edit")
    cards = [_new_card(coverage, str(coverage.person.si_number)) for coverage in coverages]
    Card.objects.bulk_create(cards)
    for card in cards:
        audit_record(
            actor=actor,
            action=Audit.CARD_ISSUE,
            obj=card,
            after=snapshot(card, ["coverage", "number", "key_id"]),
        )
    return cards


def _new_card(coverage: Coverage, number: str) -> Card:
    """The card row, unsaved: its signed token, and the token's QR code drawn once for every later printing."""
    from ansinh.documents.pdf import qr_path

    person = coverage.person
    try:
        private_key, key_id = signing.signing_key()
    except FileNotFoundError:  # production never makes a key by itself (settings.production)
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _(
                "This office has no card-signing key yet: the administrator installs it (ansinh keys init). "
                "Nothing was recorded."
            ),
            status=503,
        ) from None
    token = signing.sign_card(
        signing.card_payload(
            number=number,
            name=person.full_name,
            birth_date=person.birth_date_display,
            valid_from=coverage.valid_from.isoformat(),
            valid_to=coverage.valid_to.isoformat(),
            facility=coverage.facility.code if coverage.facility is not None else None,
        ),
        private_key=private_key,
        certificate=signing.kit_certificate(),  # a field kit's key carries the office's certificate (ADR 0027)
        signed_on=timezone.localdate().isoformat(),
    )
    modules, path = qr_path(token)
    return Card(
        coverage=coverage,
        number=number,
        token=token,
        key_id=key_id,
        province_code=coverage.province_code,
        qr_modules=modules,
        qr_path=path,
    )


@transaction.atomic
def card_mark_printed(*, actor, cards: Iterable[Card]) -> int:
    """Count one more printing of each card (a reprint shows on the card's history). Returns how many."""
    require(actor, "registry.view")
    ids = [c.pk for c in cards]
    if not ids:
        return 0
    from .selectors import cards_for_user

    allowed = list(cards_for_user(user=actor).filter(pk__in=ids))
    if len(allowed) != len(set(ids)):
        raise not_found()
    Card.objects.filter(pk__in=ids).update(printed=F("printed") + 1)
    for card in allowed:
        audit_record(
            actor=actor,
            action=Audit.CARD_PRINT,
            obj=card,
            before={"printed": card.printed},
            after={"printed": card.printed + 1},
        )
    return len(allowed)


@transaction.atomic
def kit_key_certify(*, actor, kit: int, public_key: str, areas: list[str], valid_from, valid_to) -> KitKey:
    """Certifies a field kit's public key with the office key (ADR 0027): the kit signs cards offline, and they
    verify anywhere with the office's public key. A kit has one key: certifying it again replaces the first."""
    require(actor, "payments.manage")
    try:
        private_key, _key_id = signing.signing_key()
        certificate = signing.certify(
            kit=kit,
            public_key=public_key,
            areas=areas,
            valid_from=valid_from.isoformat(),
            valid_to=valid_to.isoformat(),
            private_key=private_key,
        )
    except FileNotFoundError:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("This office has no card-signing key yet: the administrator installs it (ansinh keys init)."),
            status=503,
        ) from None
    except ValueError:
        raise ApplicationError(
            ErrorCode.INVALID, _("This is not a kit's public key."), field="public_key"
        ) from None
    key_id = signing.key_id_of(signing.Ed25519PublicKey.from_public_bytes(signing._b64d(public_key)))
    row, _created = KitKey.objects.update_or_create(
        kit=kit,
        defaults={
            "key_id": key_id,
            "public_key": public_key,
            "areas": list(areas),
            "valid_from": valid_from,
            "valid_to": valid_to,
            "certificate": certificate,
            "revoked_at": None,
        },
    )
    audit_record(
        actor=actor,
        action=Audit.KIT_KEY_CERTIFY,
        obj=row,
        after={"kit": kit, "key_id": key_id, "valid_to": valid_to.isoformat()},
    )
    return row


@transaction.atomic
def kit_key_revoke(*, actor, kit: int) -> KitKey | None:
    """From now on, a card the kit signed is valid only if it reached this office before (ADR 0027)."""
    require(actor, "payments.manage")
    row = KitKey.objects.select_for_update().filter(kit=kit).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=Audit.KIT_KEY_REVOKE, obj=row, after={"kit": kit})
    return row


@transaction.atomic(
    savepoint=False
)  # joins the caller's transaction (a kit's enrollment applied at the office)
def cards_keep_kit_tokens(*, actor, cards: list[Card], tokens: list[str], kit: int) -> int:
    """The cards a field kit printed offline are the cards people hold (ADR 0027): each card the office has just
    made for the same coverage takes the kit's token, if that token is the kit's own (its certified key) and says
    what the office's card says (number, name, birth date, validity, facility). Otherwise the office's token stays,
    and the card shows as one to reprint. Returns how many cards took the kit's token."""
    require(actor, "registry.edit")
    from ansinh.documents.pdf import qr_path

    by_number = {}
    for token in tokens:
        checked = signing.verify_token(token)
        if checked.get("valid") and checked.get("kit") == kit:
            by_number[checked["number"]] = (token, checked)
    kept = 0
    for card in cards:
        found = by_number.get(card.number)
        ours = signing.verify_token(card.token)
        if found is None or not ours.get("valid"):
            continue
        token, theirs = found
        facts = ("number", "name", "birth_date", "valid_from", "valid_to", "facility_code")
        if any(theirs.get(k) != ours.get(k) for k in facts):
            continue
        card.token, card.key_id = token, theirs["key_id"]
        card.qr_modules, card.qr_path = qr_path(token)
        card.save(update_fields=["token", "key_id", "qr_modules", "qr_path"])
        kept += 1
    return kept
