"""Every read of cards, scoped to the acting user's areas through the card holder (house rule 3)."""

from __future__ import annotations

import datetime as dt

from django.db import DatabaseError
from django.db.models import QuerySet
from django.utils import timezone

from ansinh.core.access import not_found, require, scope_for
from ansinh.rules import cards as card_rules

from . import signing
from .models import Card

# A token whose signature, key or format does not check out: altered, forged, or not a card code at all.
TAMPERED = "tampered"


def cards_for_user(*, user) -> QuerySet[Card]:
    return Card.objects.filter(scope_for(user).residents_q(prefix="coverage__person__")).select_related(
        "coverage", "coverage__person"
    )


def card_get(*, user, card_id: int) -> Card:
    """A card of a person in the user's areas; 'missing' and 'not yours' are the same answer."""
    require(user, "registry.view")
    card = cards_for_user(user=user).filter(pk=card_id).first()
    if card is None:
        raise not_found()
    return card


def cards_for_batch(
    *,
    user,
    point=None,
    day: dt.date | None = None,
    activity_id: int | None = None,
    enrollment_id: int | None = None,
) -> QuerySet[Card]:
    """The cards to print together at the end of an event: issued through enrollments at a collection point,
    on a payment day, or at a campaign activity (any combination), in the order they were issued."""
    require(user, "registry.view")
    cards = cards_for_user(user=user).filter(coverage__is_void=False)
    if point is not None:
        cards = cards.filter(coverage__enrollment__point=point)
    if day is not None:
        cards = cards.filter(coverage__enrollment__paid_on=day)
    if activity_id is not None:
        cards = cards.filter(coverage__enrollment__activity_id=activity_id)
    if enrollment_id is not None:
        cards = cards.filter(coverage__enrollment_id=enrollment_id)
    return cards.order_by("issued_at", "pk")


def card_verify(*, token) -> dict:
    """A token checked offline (signature and key), then against the cards issued here: a card whose coverage
    was cancelled (its receipt voided) is refused as "revoked". Public: reveals only what the token carries."""
    result = signing.verify_token(token)
    if not result["valid"]:
        return {**result, "state": TAMPERED}
    try:  # offline verification (no database here) still answers from the signature alone
        issued = list(
            Card.objects.filter(number=result["number"], key_id=result["key_id"]).select_related("coverage")
        )
    except DatabaseError:
        issued = []
    void = any(c.token == token.strip() and c.coverage.is_void for c in issued)
    kit = result.get("kit")
    # a revoked kit's card is valid only if it reached this office (synced); any other was signed after, or lost
    if (
        kit is not None
        and _kit_revoked(kit, result["key_id"])
        and not any(c.token == token.strip() for c in issued)
    ):
        facts = {k: v for k, v in result.items() if k != "valid"}
        return {**facts, "valid": False, "reason": "revoked_kit", "state": TAMPERED}
    day = timezone.localdate()
    state = card_rules.coverage_state(result["valid_from"], result["valid_to"], day, void=void)
    if state == card_rules.VOID:
        facts = {k: v for k, v in result.items() if k != "valid"}
        return {"valid": False, "reason": "revoked", "state": state, **facts}
    result["state"] = state
    result["in_force_today"] = state == card_rules.IN_FORCE
    result["facility_name"] = _facility_name(result.get("facility_code"))
    if state == card_rules.NOT_YET:
        result["state_since"] = result["valid_from"]
    elif state == card_rules.EXPIRED:
        result["state_since"] = (dt.date.fromisoformat(result["valid_to"]) + dt.timedelta(days=1)).isoformat()
    return result


def _kit_revoked(kit: int, key_id: str) -> bool:
    """Whether this office revoked the field kit's key (a database here; offline, nothing is known)."""
    from .models import KitKey

    try:
        return KitKey.objects.filter(kit=kit, key_id=key_id, revoked_at__isnull=False).exists()
    except DatabaseError:
        return False


def _facility_name(code: str | None) -> str | None:
    """The facility's name from the register, where this server has it (the QR carries only the code)."""
    if not code:
        return None
    from ansinh.areas.models import HealthFacility

    try:
        return HealthFacility.objects.filter(code=code).values_list("name", flat=True).first()
    except DatabaseError:
        return None
