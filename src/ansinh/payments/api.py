"""Receipts, collection points, the day close and transfer reconciliation over JSON."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema, Status

from ansinh.api.files import file_answer
from ansinh.api.types import Day, In
from ansinh.areas.selectors import area_get_for_user
from ansinh.enrollment import services as enrollment_services

from . import selectors, services

router = Router(tags=["payments"])


class VoidIn(In):
    reason: str


class ReceiptDetailOut(Schema):  # not ReceiptOut: records/api.py has one (OpenAPI names schemas by class)
    id: int
    number: str
    series: str
    sequence: int
    amount: int
    method: str
    paid_on: str
    payer_name: str
    point_id: int
    enrollment_id: int
    void: bool
    void_reason: str | None


@router.get("/receipts/{receipt_id}", response=ReceiptDetailOut)
def receipt_detail(request, receipt_id: int):
    return selectors.receipt_json(selectors.receipt_get(user=request.user, receipt_id=receipt_id))


@router.post("/receipts/{receipt_id}/void", response=ReceiptDetailOut)
def receipt_void(request, receipt_id: int, payload: VoidIn):
    receipt = selectors.receipt_get(user=request.user, receipt_id=receipt_id)
    return selectors.receipt_json(
        enrollment_services.receipt_void(actor=request.user, receipt=receipt, reason=payload.reason)
    )


@router.get("/receipts/{receipt_id}/pdf", openapi_extra=file_answer("The receipt as a PDF"))
def receipt_pdf(request, receipt_id: int, paper: Literal["a5", "a6", "80mm"] = "a5"):
    from ansinh.documents.pdf import pdf_response

    from .pdf import receipt_pdf as render

    receipt = selectors.receipt_get(user=request.user, receipt_id=receipt_id)
    return pdf_response(render(receipt, paper=paper), f"bien-lai-{receipt.display_number}.pdf")


class PointIn(In):
    code: str
    name: str
    kind: Literal["si_office", "post_office", "commune_agent", "event_desk"]
    area_code: str
    bank_bin: str = ""
    bank_account: str = ""
    bank_account_name: str = ""


class BookOut(Schema):
    id: int
    series: str
    first_number: int
    last_number: int
    next_number: int
    closed: bool


class PointOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    area_code: str
    agents: list[str] = Field(description="the agents' usernames")
    books: list[BookOut]


def point_json(point) -> dict:
    return {
        "id": point.pk,
        "code": point.code,
        "name": point.name,
        "kind": point.kind,
        "area_code": point.area.code,
        "agents": list(point.agents.values_list("username", flat=True)),
        "books": [
            {
                "id": b.pk,
                "series": b.series,
                "first_number": b.first_number,
                "last_number": b.last_number,
                "next_number": b.next_number,
                "closed": b.closed_at is not None,
            }
            for b in point.books.all()
        ],
    }


@router.get("/collection-points", response=list[PointOut])
def point_list(request):
    points = selectors.points_for_user(user=request.user) | selectors.my_points(user=request.user)
    return [point_json(p) for p in points.distinct().order_by("code")]


@router.post("/collection-points", response={201: PointOut})
def point_create(request, payload: PointIn):
    area = area_get_for_user(user=request.user, code=payload.area_code)
    data = payload.dict(exclude={"area_code"})
    return Status(201, point_json(services.point_create(actor=request.user, area=area, **data)))


class BookIn(In):
    series: str
    first_number: int
    last_number: int


@router.post("/collection-points/{point_id}/books", response={201: PointOut})
def book_create(request, point_id: int, payload: BookIn):
    point = selectors.point_get(user=request.user, point_id=point_id)
    services.book_create(actor=request.user, point=point, **payload.dict())
    return Status(201, point_json(point))


class AgentIn(In):
    username: str


@router.post("/collection-points/{point_id}/agents", response=PointOut)
def point_agent(request, point_id: int, payload: AgentIn):
    point = selectors.point_get(user=request.user, point_id=point_id)
    agent = selectors.agent_for_point(user=request.user, point=point, username=payload.username)
    return point_json(services.point_assign_agent(actor=request.user, point=point, agent=agent))


class DayCloseIn(In):
    point_id: int
    day: Day | None = None
    cash_counted: int
    received_by: str
    note: str = ""


class DayCloseOut(Schema):
    id: int
    point_id: int
    day: str
    receipts: int
    voided: int
    cash_expected: int
    cash_counted: int
    difference: int
    transfers: int
    received_by: str


def day_close_json(close) -> dict:
    return {
        "id": close.pk,
        "point_id": close.point_id,
        "day": close.day.isoformat(),
        "receipts": close.receipts,
        "voided": close.voided,
        "cash_expected": close.cash_expected,
        "cash_counted": close.cash_counted,
        "difference": close.difference,
        "transfers": close.transfers,
        "received_by": close.received_by,
    }


@router.post("/day-close", response={201: DayCloseOut})
def day_close(request, payload: DayCloseIn):
    point = selectors.point_get(user=request.user, point_id=payload.point_id)
    close = services.day_close_create(
        actor=request.user,
        point=point,
        day=payload.day,
        cash_counted=payload.cash_counted,
        received_by=payload.received_by,
        note=payload.note,
    )
    return Status(201, day_close_json(close))


@router.get("/day-close/{close_id}/pdf", openapi_extra=file_answer("The day's handover sheet as a PDF"))
def day_close_pdf(request, close_id: int):
    from ansinh.documents.pdf import pdf_response

    from .pdf import handover_pdf

    close = selectors.day_close_get(user=request.user, close_id=close_id)
    return pdf_response(handover_pdf(close), f"ban-giao-{close.day.isoformat()}.pdf")


class StatementLine(In):
    reference: str
    amount: int
    bank_reference: str = ""


class ReconcileIn(In):
    lines: list[StatementLine]


class UnknownLineOut(Schema):
    reference: str
    amount: int
    bank_reference: str


class MismatchedLineOut(UnknownLineOut):
    expected: int = Field(description="the amount of the payment with this reference")
    message: str


class MatchedLineOut(UnknownLineOut):
    enrollment_id: int
    status: str
    already_confirmed: bool


class ReconcileOut(Schema):
    matched: list[MatchedLineOut]
    mismatched: list[MismatchedLineOut]
    unknown: list[UnknownLineOut]


@router.post("/transfers/reconcile", response=ReconcileOut)
def reconcile(request, payload: ReconcileIn):
    return selectors.transfers_reconcile(user=request.user, lines=[line.dict() for line in payload.lines])
