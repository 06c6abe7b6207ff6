"""The desk over JSON: quotes, enrollments (idempotent), payment confirmation. A contract for integrations
such as the post office's counter software (docs/api.md)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from ansinh.api.rules import HIQuoteOut, VSIQuoteOut
from ansinh.api.types import Day, In
from ansinh.cards.api import FacilityOut
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.payments.models import CollectionPoint
from ansinh.payments.selectors import point_get

from . import selectors, services

router = Router(tags=["enrollment"])


class QuoteIn(In):
    scheme: Literal["hi_household", "hi_group", "vsi"]
    person_ids: list[int]
    months: int = 12
    group: str | None = None
    income: int | None = None
    on: Day | None = None


class DecisionOut(Schema):
    allowed: bool
    reason_code: str | None = Field(None, description="eligibility reason (deceased, employee, ...)")
    message: str | None = Field(None, description="why not, in the reader's language")
    covered_by: str | None = Field(None, description="the group that covers the person instead")
    limit: int | None = None


class GroupDecisionOut(DecisionOut):
    groups: list[str] = Field(description="groups the person may buy a subsidised card through, first first")


class SchemesOut(Schema):
    hi_household: DecisionOut
    hi_group: GroupDecisionOut
    vsi: DecisionOut


class EligibilityOut(Schema):
    person_id: int
    on: Day
    covered_until: Day | None = Field(None, description="the end of the person's latest card")
    schemes: SchemesOut


@router.get("/persons/{person_id}/eligibility", response=EligibilityOut)
def person_eligibility(request, person_id: int, on: Day | None = None):
    """Which schemes the law lets the person join on ``on`` (default today), in the law's order of groups."""
    from ansinh.core.dates import today

    return selectors.eligibility_json(user=request.user, person_id=person_id, on=on or today())


class QuoteMemberOut(Schema):
    person_id: int
    full_name: str
    rank: int | None = Field(description="household rank (household scheme), else null")
    group: str | None
    monthly_premium: int
    premium: int
    state_share: str | None = Field(None, description="health insurance only: a percent string")
    provincial_share: str | None = Field(None, description="health insurance only: a percent string")
    state_support: int | None = Field(None, description="health insurance only")
    provincial_support: int | None = Field(None, description="health insurance only")
    support: int
    payable: int


class QuoteOut(Schema):
    id: str
    expires_at: str
    scheme: str
    on: str
    months: int
    group: str | None
    income: int | None
    members: list[QuoteMemberOut]
    total_payable: int
    rules: HIQuoteOut | VSIQuoteOut = Field(
        description="the rules' own quote, as GET /rules/quote/hi or /vsi"
    )


# exclude_unset: a household member has no share keys in a voluntary-SI quote, a reference no href or note
# when it has none; they are left out, as the rules leave them out
@router.post("/quotes", response={201: QuoteOut}, exclude_unset=True)
def quote_create(request, payload: QuoteIn):
    quote = services.quote_create(actor=request.user, **payload.dict())
    return Status(201, {"id": str(quote.id), "expires_at": quote.expires_at.isoformat(), **quote.result})


class PaymentIn(In):
    method: Literal["cash", "bank_transfer"] = "cash"
    amount: int | None = Field(None, description="if given, must equal the quote's total")
    tendered: int | None = Field(
        None, ge=0, description="cash handed over: refused if below the total; the change is on the receipt"
    )


class EnrollmentIn(In):
    scheme: Literal["hi_household", "hi_group", "vsi"]
    person_ids: list[int]
    months: int = 12
    group: str | None = None
    income: int | None = None
    paid_on: Day | None = None
    activity_id: int | None = None
    point_id: int | None = None
    quote_id: str | None = None
    payment: PaymentIn = PaymentIn(method="cash", amount=None, tendered=None)
    vssid_install_assisted: bool = False
    cashless_switched: bool = False
    facility_code: str | None = Field(
        None,
        max_length=10,
        description="registered primary-care facility; default: the previous card's, else the commune's station",
    )


def _point(request, point_id: int | None) -> CollectionPoint | None:
    if point_id is None:
        return None
    try:
        return point_get(user=request.user, point_id=point_id)
    except ApplicationError:
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("You do not work at this collection point."), field="point_id"
        ) from None


class EnrollmentMemberOut(Schema):
    person_id: int
    full_name: str
    rank: int | None
    group: str | None  # the frozen quote's (QuoteMemberOut), read with .get
    monthly_premium: int
    premium: int
    support: int
    payable: int


class EnrollmentPaymentOut(Schema):
    method: str
    status: str
    amount: int
    reference: str
    vietqr: str | None = Field(description="the VietQR payload of a bank transfer, else null")


class EnrollmentReceiptOut(Schema):
    id: int
    number: str
    amount: int
    tendered: int | None
    change: int | None
    method: str
    paid_on: str
    void: bool


class EnrollmentCoverageOut(Schema):
    person_id: int
    valid_from: str
    valid_to: str
    group: str
    benefit_level: int
    rule: str
    facility: FacilityOut | None
    void: bool
    card_id: int | None


class EnrollmentVSIOut(Schema):
    person_id: int
    first_month: str = Field(description="YYYY-MM")
    last_month: str = Field(description="YYYY-MM")
    months: int
    monthly_contribution: int
    monthly_support: int
    void: bool


class EnrollmentCardOut(Schema):
    id: int
    number: str
    person_id: int


class EnrollmentOut(Schema):
    id: int
    status: str
    scheme: str
    paid_on: str
    backdated: bool
    months: int
    point_id: int
    activity_id: int | None
    total_payable: int
    members: list[EnrollmentMemberOut]
    payment: EnrollmentPaymentOut | None
    receipt: EnrollmentReceiptOut | None
    coverage: list[EnrollmentCoverageOut]
    vsi: list[EnrollmentVSIOut]
    cards: list[EnrollmentCardOut]
    vssid_install_assisted: bool
    cashless_switched: bool


class EnrollmentCreatedOut(EnrollmentOut):
    replayed: bool = Field(description="true when the Idempotency-Key was seen before: the first result")


@router.post("/enrollments", response={201: EnrollmentCreatedOut, 200: EnrollmentCreatedOut})
def enrollment_create(request: HttpRequest, payload: EnrollmentIn):
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("Send an Idempotency-Key header with each enrollment."),
            field="Idempotency-Key",
        )
    enrollment, created = services.enrollment_create(
        actor=request.user,
        idempotency_key=key,
        scheme=payload.scheme,
        person_ids=payload.person_ids,
        months=payload.months,
        group=payload.group,
        income=payload.income,
        paid_on=payload.paid_on,
        point=_point(request, payload.point_id),
        activity_id=payload.activity_id,
        method=payload.payment.method,
        amount=payload.payment.amount,
        quote_id=payload.quote_id,
        vssid_install_assisted=payload.vssid_install_assisted,
        cashless_switched=payload.cashless_switched,
        tendered=payload.payment.tendered,
        facility_code=payload.facility_code,
    )
    body = selectors.enrollment_json(enrollment)
    body["replayed"] = not created
    return Status(201, body)


@router.get("/enrollments/{enrollment_id}", response=EnrollmentOut)
def enrollment_detail(request, enrollment_id: int):
    return selectors.enrollment_json(selectors.enrollment_get(user=request.user, enrollment_id=enrollment_id))


class ConfirmIn(In):
    bank_reference: str = ""
    qr_payload: str | None = None
    amount: int | None = None


@router.post("/enrollments/{enrollment_id}/confirm-payment", response=EnrollmentOut)
def enrollment_confirm(request, enrollment_id: int, payload: ConfirmIn):
    enrollment = selectors.enrollment_get(user=request.user, enrollment_id=enrollment_id)
    enrollment = services.enrollment_confirm_payment(
        actor=request.user, enrollment=enrollment, **payload.dict()
    )
    return selectors.enrollment_json(enrollment)


class OutcomesIn(In):
    vssid_install_assisted: bool | None = None
    cashless_switched: bool | None = None


@router.post("/enrollments/{enrollment_id}/outcomes", response=EnrollmentOut)
def enrollment_outcomes(request, enrollment_id: int, payload: OutcomesIn):
    enrollment = selectors.enrollment_get(user=request.user, enrollment_id=enrollment_id)
    services.outcome_flags_set(actor=request.user, enrollment=enrollment, **payload.dict())
    return selectors.enrollment_json(enrollment)
