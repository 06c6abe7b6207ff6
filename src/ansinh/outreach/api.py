"""Outreach over JSON: target lists (create, split, export), door outcomes, the outbox. Thin: every write is a
service, every read a selector scoped to the caller's areas (docs/api.md, "Outreach")."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from ansinh.api.files import file_answer
from ansinh.api.types import Day, In
from ansinh.core.errors import ApplicationError, ErrorCode

from . import selectors, services

router = Router(tags=["outreach"])


class TargetListIn(In):
    name: str
    area_codes: list[str]
    criteria: list[str]
    on: Day | None = None
    lapsed_days: int = 30
    expiring_days: int = 30
    teams: int = 1
    activity_id: int | None = None


class SplitIn(In):
    teams: int
    names: list[str] = []


class DoorOutcomeIn(In):  # not OutcomeIn: the OpenAPI components are named by class, API-wide
    status: str
    on: Day | None = None
    person_id: int | None = None
    reason: str = ""
    follow_up_on: Day | None = None
    note: str = ""


class TeamOut(Schema):
    number: int
    name: str
    households: int


class TargetListOut(Schema):
    id: int
    name: str
    on: str
    criteria: list[str]
    lapsed_days: int
    expiring_days: int
    area_codes: list[str]
    activity_id: int | None
    teams: list[TeamOut]
    household_count: int


class TargetMemberOut(Schema):
    person_id: int
    full_name: str
    birth_date: str
    reasons: list[str]
    card_valid_to: str | None
    do_not_contact: bool


class OfferMemberOut(Schema):
    person_id: int
    full_name: str
    payable: int


class OfferOut(Schema):
    kind: str = Field(description="hi_household, hi_group, hi_renewal, vsi or cashless")
    person_ids: list[int]
    months: int | None = Field(None, description="left out for cashless")
    total_payable: int | None = Field(description="VND; null when the rules cannot price it (or cashless)")
    members: list[OfferMemberOut] | None = Field(None, description="each person's part, when priced")
    income: int | None = Field(None, description="voluntary SI: the monthly income priced")
    error: str | None = Field(None, description="why the rules could not price it")


class TargetHouseholdOut(Schema):
    id: int
    position: int
    household_id: int | None
    label: str
    commune_code: str
    village: str | None
    address: str
    priority: int
    priority_label: str
    team: int | None
    status: str
    follow_up_on: str | None
    members: list[TargetMemberOut]
    offers: list[OfferOut]


class TargetListDetailOut(TargetListOut):
    """A list with its households. An offer leaves out the keys that do not apply to it (months, members, income,
    error): the operations answering it exclude unset fields, so each offer reads as the services wrote it."""

    households: list[TargetHouseholdOut]


class ExportRowOut(Schema):
    position: int
    team: int | str = Field(description="the team's number, or empty")
    priority: int
    commune_code: str
    village: str
    household_code: str
    address: str
    person_id: int
    full_name: str
    birth_date: str
    phone: str
    reasons: str = Field(description="the reasons separated by spaces")
    do_not_contact: str = Field(description="yes or empty")
    offers: str
    status: str
    follow_up_on: str


ExportRows = list[ExportRowOut]  # named here: inside TargetListExportOut, "list" is a field


class TargetListExportOut(Schema):
    list: TargetListOut
    rows: ExportRows


class DoorOutcomeOut(Schema):
    id: int
    status: str
    on: str
    person_id: int | None
    reason: str
    follow_up_on: str | None
    campaign_outcome_ids: list[int]


class DoorOutcomeRowOut(Schema):
    id: int
    household_row_id: int
    status: str
    on: str
    person_id: int | None
    reason: str
    follow_up_on: str | None


class MessageOut(Schema):
    id: int
    person_id: int
    channel: str
    recipient: str
    kind: str
    due_date: str
    body: str
    amount: int | None
    status: str
    attempts: int
    next_attempt_at: str | None
    last_error: str
    sent_at: str | None


@router.get("/outreach/target-lists", response=list[TargetListOut])
def target_list_list(request):
    return [selectors.target_list_json(t) for t in selectors.target_lists_counted(user=request.user)[:200]]


@router.post("/outreach/target-lists", response={201: TargetListDetailOut}, exclude_unset=True)
def target_list_create(request, payload: TargetListIn):
    target_list = services.target_list_create(actor=request.user, **payload.dict())
    return Status(201, selectors.target_list_json(target_list, with_households=True))


@router.get("/outreach/target-lists/{list_id}", response=TargetListDetailOut, exclude_unset=True)
def target_list_detail(request, list_id: int):
    target_list = selectors.target_list_get(user=request.user, list_id=list_id)
    return selectors.target_list_json(target_list, with_households=True)


@router.post("/outreach/target-lists/{list_id}/split", response=TargetListDetailOut, exclude_unset=True)
def target_list_split(request, list_id: int, payload: SplitIn):
    target_list = selectors.target_list_get(user=request.user, list_id=list_id)
    services.target_list_split(
        actor=request.user, target_list=target_list, teams=payload.teams, names=payload.names
    )
    return selectors.target_list_json(target_list, with_households=True)


@router.get(
    "/outreach/target-lists/{list_id}/export",
    response=TargetListExportOut,
    openapi_extra=file_answer(
        "The list and one row per member (format=json), or the same rows as CSV (format=csv)", "text/csv"
    ),
)
def target_list_export(request, list_id: int, format: str = "json"):  # noqa: A002 (the query parameter's name)
    target_list = selectors.target_list_get(user=request.user, list_id=list_id)
    if format == "csv":
        response = HttpResponse(selectors.export_csv(target_list), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="target-list-{target_list.pk}.csv"'
        return response
    if format != "json":
        raise ApplicationError(ErrorCode.INVALID, _("Choose json or csv."), field="format")
    return {"list": selectors.target_list_json(target_list), "rows": list(selectors.export_rows(target_list))}


@router.post("/outreach/target-lists/{list_id}/households/{row_id}/outcomes", response={201: DoorOutcomeOut})
def door_outcome_record(request, list_id: int, row_id: int, payload: DoorOutcomeIn):
    row = selectors.target_household_get(user=request.user, list_id=list_id, row_id=row_id)
    outcome = services.door_outcome_record(actor=request.user, row=row, **payload.dict())
    return Status(
        201,
        {
            "id": outcome.pk,
            "status": outcome.status,
            "on": outcome.on.isoformat(),
            "person_id": outcome.person_id,
            "reason": outcome.reason,
            "follow_up_on": outcome.follow_up_on.isoformat() if outcome.follow_up_on else None,
            "campaign_outcome_ids": outcome.campaign_outcomes,
        },
    )


@router.get("/outreach/target-lists/{list_id}/outcomes", response=list[DoorOutcomeRowOut])
def door_outcome_list(request, list_id: int):
    target_list = selectors.target_list_get(user=request.user, list_id=list_id)
    return [
        {
            "id": o.pk,
            "household_row_id": o.target_household_id,
            "status": o.status,
            "on": o.on.isoformat(),
            "person_id": o.person_id,
            "reason": o.reason,
            "follow_up_on": o.follow_up_on.isoformat() if o.follow_up_on else None,
        }
        for o in selectors.door_outcomes(target_list=target_list)
    ]


@router.get("/outreach/outbox", response=list[MessageOut])
def outbox_list(request, status: str | None = None, limit: int = 100):
    messages = selectors.outbox_for_user(user=request.user)
    if status:
        messages = messages.filter(status=status)
    return [selectors.outbox_json(m) for m in messages[: max(1, min(limit, 1000))]]


@router.post("/outreach/outbox/{message_id}/retry", response=MessageOut)
def outbox_retry(request, message_id: int):
    message = selectors.outbox_get(user=request.user, message_id=message_id)
    return selectors.outbox_json(services.outbox_retry(actor=request.user, message=message))
