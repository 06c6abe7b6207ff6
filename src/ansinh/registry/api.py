"""Persons and households over JSON. Field names are a contract for integrations (docs/api.md)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema, Status

from ansinh.api.types import Day, In
from ansinh.core.access import mask_personal_id, mask_phone
from ansinh.core.errors import ApplicationError

from . import selectors, services
from .models import Person

router = Router(tags=["registry"])


class PersonIn(In):
    full_name: str
    birth_date: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD")
    sex: Literal["m", "f"]
    area_code: str = Field(description="current commune code, 5 digits")
    ethnicity: str = "01"
    personal_id: str | None = None
    si_number: str | None = None
    phone: str | None = None
    village_id: int | None = None
    occupation: str = ""
    employment: str = ""
    poverty: str = ""
    poverty_year: int | None = None
    is_student: bool = False
    ethnic_minority_listed_commune: bool = False
    social_assistance: bool = False
    atk_commune: bool = False
    agricultural_household: bool = False
    island_commune: bool = False
    pension_recipient: bool = False
    payout_method: str = ""
    do_not_contact: bool = False


class PersonPatch(In):
    full_name: str | None = None
    birth_date: str | None = None
    sex: Literal["m", "f"] | None = None
    area_code: str | None = None
    ethnicity: str | None = None
    personal_id: str | None = None
    si_number: str | None = None
    phone: str | None = None
    village_id: int | None = None
    occupation: str | None = None
    employment: str | None = None
    poverty: str | None = None
    poverty_year: int | None = None
    is_student: bool | None = None
    ethnic_minority_listed_commune: bool | None = None
    social_assistance: bool | None = None
    atk_commune: bool | None = None
    agricultural_household: bool | None = None
    island_commune: bool | None = None
    pension_recipient: bool | None = None
    payout_method: str | None = None
    do_not_contact: bool | None = None
    died_on: str | None = None
    # the day the changes of status in this body take effect (a change in life); without it, a correction
    statuses_from: Day | None = None


class PersonOut(Schema):
    id: int
    full_name: str
    birth_date: str
    sex: str
    ethnicity: str
    personal_id: str | None
    si_number: str | None
    phone: str
    area_code: str
    village_id: int | None
    household_id: int | None
    occupation: str
    employment: str
    poverty: str
    poverty_year: int | None
    is_student: bool
    ethnic_minority_listed_commune: bool
    social_assistance: bool
    atk_commune: bool
    agricultural_household: bool
    island_commune: bool
    pension_recipient: bool
    payout_method: str
    do_not_contact: bool
    died_on: str | None
    statuses_since: str | None


class StatusChangeOut(Schema):
    field: str
    before: str | bool
    after: str | bool
    effective_on: str


def person_json(person: Person, user) -> dict:
    household_id = getattr(person, "household_id", None)
    if household_id is None and not hasattr(person, "household_id"):
        m = person.memberships.filter(ended_on__isnull=True).first()
        household_id = m.household_id if m else None
    return {
        "id": person.pk,
        "full_name": person.full_name,
        "birth_date": person.birth_date_iso,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "personal_id": mask_personal_id(user, person.personal_id),
        "si_number": person.si_number,
        "phone": mask_phone(user, person.phone),
        "area_code": person.commune.code,
        "village_id": person.village_id,
        "household_id": household_id,
        "occupation": person.occupation,
        "employment": person.employment,
        "poverty": person.poverty,
        "poverty_year": person.poverty_year,
        "is_student": person.is_student,
        "ethnic_minority_listed_commune": person.ethnic_minority_listed_commune,
        "social_assistance": person.social_assistance,
        "atk_commune": person.atk_commune,
        "agricultural_household": person.agricultural_household,
        "island_commune": person.island_commune,
        "pension_recipient": person.pension_recipient,
        "payout_method": person.payout_method,
        "do_not_contact": person.do_not_contact,
        "died_on": person.died_on.isoformat() if person.died_on else None,
        "statuses_since": person.statuses_since.isoformat() if person.statuses_since else None,
    }


@router.get("/persons", response=list[PersonOut])
def person_list(request, q: str = "", limit: int = 50):
    limit = max(1, min(limit, 200))
    if q:
        people = selectors.person_search(user=request.user, text=q, limit=limit)
    else:
        people = list(selectors.persons_for_user(user=request.user).order_by("-pk")[:limit])
    return [person_json(p, request.user) for p in people]


@router.post("/persons", response={201: PersonOut})
def person_create(request, payload: PersonIn):
    person = services.person_create(actor=request.user, data=payload.dict(exclude_none=True))
    return Status(
        201, person_json(selectors.person_get(user=request.user, person_id=person.pk), request.user)
    )


@router.get("/persons/{person_id}", response=PersonOut)
def person_detail(request, person_id: int):
    return person_json(selectors.person_get(user=request.user, person_id=person_id), request.user)


@router.patch("/persons/{person_id}", response=PersonOut)
def person_patch(request, person_id: int, payload: PersonPatch):
    person = selectors.person_get(user=request.user, person_id=person_id)
    services.person_update(actor=request.user, person=person, data=payload.dict(exclude_unset=True))
    return person_json(selectors.person_get(user=request.user, person_id=person_id), request.user)


@router.get("/persons/{person_id}/status-changes", response=list[StatusChangeOut])
def person_status_changes(request, person_id: int):
    """The person's changes in life, the latest first (ADR 0031)."""
    person = selectors.person_get(user=request.user, person_id=person_id)
    return [
        {"field": c.field, "before": c.before, "after": c.after, "effective_on": c.effective_on.isoformat()}
        for c in selectors.status_changes(person=person)
    ]


class MemberIn(In):
    person_id: int
    relation: str


class HouseholdIn(In):
    head_id: int
    address: str = ""
    members: list[MemberIn] = []


class MemberOut(Schema):
    person_id: int
    full_name: str
    relation: str
    since: str


class HouseholdOut(Schema):
    id: int
    code: str
    address: str
    area_code: str
    village_id: int | None
    head_id: int | None
    members: list[MemberOut]


def household_json(household) -> dict:
    return {
        "id": household.pk,
        "code": household.code,
        "address": household.address,
        "area_code": household.commune.code,
        "village_id": household.village_id,
        "head_id": household.head_id,
        "members": [
            {
                "person_id": m.person_id,
                "full_name": m.person.full_name,
                "relation": m.relation,
                "since": m.started_on.isoformat(),
            }
            for m in selectors.household_members(household=household)
        ],
    }


@router.get("/households", response=list[HouseholdOut])
def household_list(request, q: str = "", limit: int = 50):
    households = selectors.households_for_user(user=request.user)
    if q:
        households = households.filter(code__icontains=q.strip())
    return [household_json(h) for h in households.order_by("-pk")[: max(1, min(limit, 200))]]


@router.post("/households", response={201: HouseholdOut})
def household_create(request, payload: HouseholdIn):
    from django.db import transaction

    with transaction.atomic():  # the household and all its members, or nothing
        head = selectors.person_get(user=request.user, person_id=payload.head_id)
        household = services.household_create(actor=request.user, head=head, address=payload.address)
        for member in payload.members:
            if member.person_id == head.pk:
                continue
            try:
                person = selectors.person_get(user=request.user, person_id=member.person_id)
            except ApplicationError as e:
                e.field = "members.person_id"
                raise
            services.household_add_member(
                actor=request.user, household=household, person=person, relation=member.relation
            )
    return Status(201, household_json(selectors.household_get(user=request.user, household_id=household.pk)))


@router.get("/households/{household_id}", response=HouseholdOut)
def household_detail(request, household_id: int):
    return household_json(selectors.household_get(user=request.user, household_id=household_id))
