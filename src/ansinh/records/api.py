"""A person's whole participation record over JSON: GET /api/v1/persons/{id}/history and its printed PDF (a
contract, docs/api.md; ADR 0025)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

from ansinh.api.files import file_answer
from ansinh.api.types import Day
from ansinh.cards.api import FacilityOut

from . import history

router = Router(tags=["records"])


class HistoryPerson(Schema):
    id: int
    full_name: str
    birth_date: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD")
    sex: str
    personal_id: str | None = Field(description="masked for viewers")
    si_number: str | None
    area_code: str
    household_id: int | None


class SpanOut(Schema):
    id: int
    group: str
    group_name: str = Field(description="the group in words, in the user's language")
    group_code: str
    benefit_level: int
    valid_from: Day
    valid_to: Day
    card_code: str = Field(description="the 15-character card code kept internally")
    card_number: str | None = Field(description="the SI number printed on the card")
    card_id: int | None
    card_pdf: str | None = Field(description="null for a void card")
    state: Literal["in_force", "not_yet_in_force", "expired", "void"]
    state_name: str
    void: bool
    enrollment_id: int | None
    paid_on: Day | None
    facility: FacilityOut | None = Field(description="the primary-care facility (null until recorded)")


class PaymentOut(Schema):
    enrollment_id: int
    scheme: str
    scheme_name: str
    paid_on: Day
    months: int
    status: str = Field(description="the enrollment's: pending_payment, completed or void")
    method: str
    payment_status: str | None
    amount: int = Field(description="the whole payment, VND")
    share: int = Field(description="this person's part of it, VND")
    reference: str | None
    point: str
    receipt_id: int | None
    receipt_number: str | None
    void: bool


class ReceiptOut(Schema):
    id: int
    number: str
    paid_on: Day
    amount: int
    method: str
    payer_name: str
    scheme: str
    enrollment_id: int
    void: bool
    void_reason: str | None
    voided_on: Day | None
    pdf: str | None = Field(
        description="null where the receipt's collection point is outside the user's areas"
    )
    card_pdf: str | None = Field(description="the card this payment gave the person; null once void")


class VSIMonthsOut(Schema):
    id: int
    first_month: str = Field(description="YYYY-MM")
    last_month: str = Field(description="YYYY-MM")
    months: int
    monthly_income: int
    monthly_contribution: int
    monthly_support: int
    supported_months: int
    total_payable: int
    void: bool
    enrollment_id: int
    paid_on: Day


class OutcomeOut(Schema):
    source: Literal["campaign", "door", "desk"]
    kind: str
    kind_name: str
    on: Day
    campaign: str
    activity: str
    follow_up_on: Day | None
    note: str


class HistoryOut(Schema):
    on: Day
    person: HistoryPerson
    current: SpanOut | None = Field(description="the span that speaks for the person on the day, if any")
    spans: list[SpanOut]
    payments: list[PaymentOut]
    receipts: list[ReceiptOut]
    vsi_months: list[VSIMonthsOut]
    vsi_months_paid: int
    vsi_support_months_used: int
    vsi_support_months_limit: int | None
    outcomes: list[OutcomeOut]


def _card_pdf(card_id: int | None) -> str | None:
    return None if card_id is None else f"/api/v1/cards/{card_id}/pdf"


def _span_out(span: dict) -> dict:
    # a void card is not printed again: its PDF link is null
    return {**span, "card_pdf": None if span["void"] else _card_pdf(span["card_id"])}


def history_json(record: dict, user) -> dict:
    """The record of records.history.person_history as the API answers it (a contract, docs/api.md)."""
    from ansinh.core.access import mask_personal_id

    person = record["person"]
    return {
        "on": record["on"],
        "person": {
            "id": person.pk,
            "full_name": person.full_name,
            "birth_date": person.birth_date_iso,
            "sex": person.sex,
            "personal_id": mask_personal_id(user, person.personal_id),
            "si_number": person.si_number,
            "area_code": person.commune.code,
            "household_id": getattr(person, "household_id", None),
        },
        "current": None if record["current"] is None else _span_out(record["current"]),
        "spans": [_span_out(s) for s in record["spans"]],
        "payments": record["payments"],
        "receipts": [
            {
                **r,
                "pdf": f"/api/v1/receipts/{r['id']}/pdf" if r["pdf_allowed"] else None,
                "card_pdf": None if r["void"] else _card_pdf(r["card_id"]),
            }
            for r in record["receipts"]
        ],
        "vsi_months": [
            {
                **v,
                "first_month": v["first_month"].isoformat()[:7],
                "last_month": v["last_month"].isoformat()[:7],
            }
            for v in record["vsi_months"]
        ],
        "vsi_months_paid": record["vsi_months_paid"],
        "vsi_support_months_used": record["vsi_support_months_used"],
        "vsi_support_months_limit": record["vsi_support_months_limit"],
        "outcomes": record["outcomes"],
    }


@router.get(
    "/persons/{person_id}/history", response=HistoryOut, summary="A person's whole participation record"
)
def person_history(request, person_id: int, on: Day | None = None):
    """Every health-insurance span with its state on ``on`` (today by default), every payment and receipt, the
    voluntary-SI months and the months of state support used, and the campaign outcomes. 404 outside the
    user's areas; 403 without the permission to read participation records."""
    return history_json(history.person_history(user=request.user, person_id=person_id, on=on), request.user)


@router.get(
    "/persons/{person_id}/history/pdf",
    summary="The participation history as a printable PDF (A4, Vietnamese)",
    openapi_extra=file_answer("The participation history as a PDF"),
)
def person_history_pdf(request, person_id: int):
    from ansinh.core.dates import today
    from ansinh.documents.pdf import pdf_response

    from .pdf import history_pdf

    record = history.person_history(user=request.user, person_id=person_id)
    content = history_pdf(record, user=request.user, printed_on=today())
    return pdf_response(content, f"qua-trinh-tham-gia-{person_id}.pdf")
