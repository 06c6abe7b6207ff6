"""Cards over JSON (mounted at /api/v1/cards). Verification is public: anyone holding a card may check it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from ansinh.api.files import file_answer
from ansinh.api.types import Day
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.documents.pdf import pdf_response
from ansinh.payments.selectors import point_get

from . import pdf, selectors, services
from .models import Card
from .signing import REASONS

router = Router(tags=["cards"])


def reason_message(reason: str) -> str:
    messages = {
        "malformed": _("The text is not a card code."),
        "unsupported_version": _("The card code has a format this version does not know."),
        "unknown_key": _("The card was signed with a key this office does not know."),
        "bad_signature": _("The signature does not match: the card was altered or forged."),
        "revoked": _("The card was cancelled (its payment was voided)."),
        "outside_certificate": _(
            "The card was signed by a field kit outside the days its key was certified for."
        ),
        "revoked_kit": _("The card was signed by a field kit after the kit was revoked."),
    }
    return messages.get(reason, REASONS.get(reason, reason))


class VerifyOut(Schema):
    valid: bool
    reason: str | None = None
    message: str | None = None
    number: str | None = None
    name: str | None = None
    birth_date: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    key_id: str | None = None
    in_force_today: bool | None = None
    state: str | None = Field(
        None,
        description="in_force, not_yet_in_force, expired, void (cancelled), tampered (signature, key, format)",
    )
    state_since: str | None = Field(
        None, description="not yet in force: from this day; expired: since this day"
    )
    facility_code: str | None = Field(None, description="the registered primary-care facility (in the QR)")
    facility_name: str | None = Field(None, description="its name, where this server knows the facility")


class FacilityOut(Schema):
    code: str
    name: str


class CardOut(Schema):
    id: int
    number: str
    coverage_id: int
    person_id: int
    full_name: str
    birth_date: str
    sex: str
    valid_from: str
    valid_to: str
    key_id: str
    token: str
    issued_at: str
    printed: int
    facility: FacilityOut | None = None


def _facility_json(facility) -> dict | None:
    return None if facility is None else {"code": facility.code, "name": facility.name}


def card_json(card: Card) -> dict:
    person = card.coverage.person
    return {
        "id": card.pk,
        "number": card.number,
        "coverage_id": card.coverage_id,
        "person_id": person.pk,
        "full_name": person.full_name,
        "birth_date": person.birth_date_iso,
        "sex": person.sex,
        "valid_from": card.coverage.valid_from.isoformat(),
        "valid_to": card.coverage.valid_to.isoformat(),
        "facility": _facility_json(card.coverage.facility),
        "key_id": card.key_id,
        "token": card.token,
        "issued_at": card.issued_at.isoformat(),
        "printed": card.printed,
    }


def verify_json(token: str) -> dict:
    result = selectors.card_verify(token=token)
    if not result["valid"]:
        result["message"] = reason_message(result["reason"])
    return result


@router.get("/verify", auth=None, response=VerifyOut, summary="Verify a card's QR token (public)")
def verify(request, token: str = ""):
    return verify_json(token)


@router.get(
    "/batch/pdf",
    summary="The cards of a point, day or activity on A4 sheets (10 a page)",
    openapi_extra=file_answer("The cards as a PDF, A4"),
)
def batch_pdf(request, point_id: int | None = None, day: Day | None = None, activity_id: int | None = None):
    if point_id is None and day is None and activity_id is None:
        raise ApplicationError(
            ErrorCode.INVALID, _("Choose a collection point, a day or an activity."), field="day"
        )
    point = point_get(user=request.user, point_id=point_id) if point_id is not None else None
    cards = list(selectors.cards_for_batch(user=request.user, point=point, day=day, activity_id=activity_id))
    if not cards:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No cards to print."), status=404)
    content = pdf.cards_pdf_a4(cards)
    services.card_mark_printed(actor=request.user, cards=cards)
    return pdf_response(content, f"the-bhyt-{len(cards)}.pdf")


@router.get("/{card_id}", response=CardOut, summary="A card")
def card_detail(request, card_id: int):
    return card_json(selectors.card_get(user=request.user, card_id=card_id))


@router.get(
    "/{card_id}/pdf", summary="A card as a bank-card-size PDF", openapi_extra=file_answer("The card as a PDF")
)
def card_pdf(request, card_id: int):
    card = selectors.card_get(user=request.user, card_id=card_id)
    content = pdf.card_pdf([card])
    services.card_mark_printed(actor=request.user, cards=[card])
    return pdf_response(content, f"the-bhyt-{card.number}.pdf")
