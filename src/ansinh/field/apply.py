"""What each journaled operation does at the office (ADR 0027): the same service the kit's desk called, as the
kit's account, with the rows resolved from the kit's references. An ``ApplicationError`` raised here is the
office's rules refusing the operation: the caller records it as a conflict (services._conflict)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from ansinh.campaigns.models import Activity
from ansinh.campaigns.services import outcome_record
from ansinh.cards.models import Card
from ansinh.cards.services import cards_keep_kit_tokens
from ansinh.cards.signing import verify_token
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.enrollment.models import Enrollment, HICoverage
from ansinh.enrollment.services import enrollment_create, outcome_flags_set, receipt_void
from ansinh.payments.models import Receipt
from ansinh.payments.services import day_close_create
from ansinh.registry.models import Household, Person
from ansinh.registry.services import (
    household_add_member,
    household_create,
    household_move_member,
    person_create,
    person_update,
)

from .models import Conflict, ConflictKind, FieldOp, Kit


class Depends(ApplicationError):
    """The operation names a row that an earlier operation of the kit would have made, but that one is a
    conflict: it waits with it."""


def _ask(kit: Kit, op: FieldOp, kind: str, message: str, field_side: dict, office_side: dict) -> Conflict:
    """A question for a manager about an operation the office did apply (a likely duplicate, a card to reprint):
    a row in the conflict queue beside the operation's result. ``op.asked`` counts them for the sync's answer."""
    setattr(op, "asked", getattr(op, "asked", 0) + 1)  # noqa: B010 (a count kept on the instance, not a field)
    return Conflict.objects.create(
        kit=kit,
        op=op,
        kind=kind,
        message=message,
        field_side={"kind": op.kind, "by": op.by, **field_side},
        office_side=office_side,
        province_code=kit.province_code,
    )


def _resolve(kit: Kit, model, ref: Any):
    if not isinstance(ref, dict):
        raise ApplicationError(ErrorCode.INVALID, _("The kit sent a reference the office cannot read."))
    if "op" in ref:
        first = FieldOp.objects.filter(kit=kit, op_id=ref["op"]).first()
        pk = (first.result or {}).get("id") if first is not None else None
        if pk is None:
            raise Depends(ErrorCode.CONFLICT, _("It depends on an operation of the kit that is in conflict."))
    else:
        pk = ref.get("id")
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("A record the kit worked on is not at the office."))
    return found


def _day(kit: Kit, text: str | None) -> dt.date:
    """The day the kit's clock gave, kept within the days the kit was out (a clock wrong by days cannot date a
    payment before the kit left or after today)."""
    day = dt.date.fromisoformat(text) if text else today()
    return min(max(day, kit.valid_from), today())


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _person_create(kit: Kit, op: FieldOp) -> dict:
    data = dict(op.payload["data"])
    personal_id = data.get("personal_id")
    if personal_id:
        same = Person.objects.filter(personal_id=personal_id, merged_into__isnull=True).first()
        if (
            same is not None
        ):  # registered meanwhile at the office (or by another kit): the kit's work goes to it
            _ask(
                kit,
                op,
                ConflictKind.DUPLICATE,
                _(
                    "Registered in the field but already at the office: the kit's work was added to the office's"
                    " record; check the details."
                ),
                op.payload,
                {"person": _person_json(same)},
            )
            return {"id": same.pk, "matched": True}
    person = person_create(actor=kit.account, data=data)
    likely = (
        Person.objects.filter(
            name_folded=person.name_folded,
            birth_date=person.birth_date,
            commune_id=person.commune_id,
            merged_into__isnull=True,
        )
        .exclude(pk=person.pk)
        .first()
    )
    if likely is not None:  # no ID to tell, but the same name, birth date and commune: a manager decides
        _ask(
            kit,
            op,
            ConflictKind.DUPLICATE,
            _(
                "Registered in the field; the office has a person with the same name, birth date and commune. "
                "If they are the same person, merge the records."
            ),
            {**op.payload, "person": _person_json(person)},
            {"person": _person_json(likely)},
        )
    return {"id": person.pk}


def _person_update(kit: Kit, op: FieldOp) -> dict:
    person = _resolve(kit, Person, op.payload["person"])
    person_update(actor=kit.account, person=person, data=dict(op.payload["data"]))
    return {"id": person.pk}


def _household_create(kit: Kit, op: FieldOp) -> dict:
    head = _resolve(kit, Person, op.payload["head"])
    household = household_create(
        actor=kit.account, head=head, address=op.payload.get("address") or "", on=_date(op.payload.get("on"))
    )
    return {"id": household.pk, "code": household.code}


def _household_add_member(kit: Kit, op: FieldOp) -> dict:
    household = _resolve(kit, Household, op.payload["household"])
    person = _resolve(kit, Person, op.payload["person"])
    membership = household_add_member(
        actor=kit.account,
        household=household,
        person=person,
        relation=op.payload["relation"],
        on=_date(op.payload.get("on")),
    )
    return {"id": membership.pk}


def _household_move_member(kit: Kit, op: FieldOp) -> dict:
    membership = household_move_member(
        actor=kit.account,
        person=_resolve(kit, Person, op.payload["person"]),
        to=_resolve(kit, Household, op.payload["household"]),
        relation=op.payload["relation"],
        on=_date(op.payload.get("on")),
    )
    return {"id": membership.pk}


def _enrollment_create(kit: Kit, op: FieldOp) -> dict:
    given = op.payload
    persons = [_resolve(kit, Person, r) for r in given["persons"]]
    notes = []
    for person, si_number in zip(persons, given.get("si_numbers") or [], strict=False):
        if si_number and not person.si_number:  # the number the kit gave, printed on the card
            person_update(actor=kit.account, person=person, data={"si_number": si_number})
        elif si_number and person.si_number != si_number:
            notes.append(person.pk)
    receipt = given.get("receipt")
    enrollment, created = enrollment_create(
        actor=kit.account,
        idempotency_key=str(op.op_id),
        scheme=given["scheme"],
        person_ids=[x.pk for x in persons],
        months=given["months"],
        group=given.get("group"),
        income=given.get("income"),
        paid_on=_day(kit, given.get("paid_on")),
        point=kit.point,
        activity_id=given.get("activity_id"),
        method=given.get("method") or "cash",
        amount=given.get("amount"),
        vssid_install_assisted=bool(given.get("vssid")),
        cashless_switched=bool(given.get("cashless")),
        tendered=given.get("tendered"),
        facility_code=given.get("facility_code"),
        receipt_numbered=(kit.book, int(receipt["number"])) if receipt else None,
    )
    out: dict[str, Any] = {"id": enrollment.pk}
    cards = list(Card.objects.filter(coverage__enrollment=enrollment))
    if given.get("cards") and created:
        out["cards_kept"] = cards_keep_kit_tokens(
            actor=kit.account, cards=cards, tokens=given["cards"], kit=kit.pk
        )
        if out["cards_kept"] < len(cards):  # the card printed in the field is not the office's: reprint it
            _ask(
                kit,
                op,
                ConflictKind.CARD,
                _(
                    "The card printed in the field does not match the office's record (its dates or details "
                    "differ, e.g. the kit's clock was wrong): print the office's card and take back the other."
                ),
                {"cards": [_card_facts(t) for t in given["cards"]]},
                {"cards": [_card_facts(c.token) for c in cards]},
            )
    if notes:
        out["si_number_differs"] = notes
    return out


def _card_facts(token: str) -> dict:
    facts = verify_token(token)
    keys = ("number", "name", "birth_date", "valid_from", "valid_to", "facility_code")
    return {k: facts.get(k) for k in keys}


def _enrollment_outcomes(kit: Kit, op: FieldOp) -> dict:
    enrollment = _resolve(kit, Enrollment, op.payload["enrollment"])
    outcome_flags_set(
        actor=kit.account,
        enrollment=enrollment,
        vssid_install_assisted=op.payload.get("vssid"),
        cashless_switched=op.payload.get("cashless"),
    )
    return {"id": enrollment.pk}


def _receipt_void(kit: Kit, op: FieldOp) -> dict:
    enrollment = _resolve(kit, Enrollment, op.payload["enrollment"])
    receipt = Receipt.objects.filter(enrollment=enrollment).first()
    if receipt is None or receipt.book_id != kit.book_id:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("A kit voids only the receipts of its own book."))
    receipt_void(actor=kit.account, receipt=receipt, reason=op.payload["reason"])
    return {"id": receipt.pk}


def _outcome_record(kit: Kit, op: FieldOp) -> dict:
    given = op.payload
    activity = Activity.objects.select_related("campaign").filter(pk=given["activity"]).first()
    if activity is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("The activity is not at the office."))
    outcome, _created = outcome_record(
        actor=kit.account,
        activity=activity,
        person=_resolve(kit, Person, given["person"]),
        kind=given["kind"],
        on=dt.date.fromisoformat(given["on"]),
        follow_up_on=_date(given.get("follow_up_on")),
        note=given.get("note") or "",
    )
    return {"id": outcome.pk}


def _day_close(kit: Kit, op: FieldOp) -> dict:
    given = op.payload
    close = day_close_create(
        actor=kit.account,
        point=kit.point,
        day=_day(kit, given.get("day")),
        cash_counted=int(given["cash_counted"]),
        received_by=given.get("received_by") or "",
        note=(f"{op.by}: " if op.by else "") + (given.get("note") or ""),
    )
    return {"id": close.pk}


APPLY = {
    "person.create": _person_create,
    "person.update": _person_update,
    "household.create": _household_create,
    "household.add_member": _household_add_member,
    "household.move_member": _household_move_member,
    "enrollment.create": _enrollment_create,
    "enrollment.outcomes": _enrollment_outcomes,
    "receipt.void": _receipt_void,
    "outcome.record": _outcome_record,
    "dayclose.create": _day_close,
}


def apply(kit: Kit, op: FieldOp) -> dict:
    action = APPLY.get(op.kind)
    if action is None:
        raise ApplicationError(ErrorCode.INVALID, _("The office does not know this kind of operation."))
    try:
        return action(kit, op)
    except (KeyError, TypeError, ValueError):
        raise ApplicationError(
            ErrorCode.INVALID, _("The kit sent an operation the office cannot read.")
        ) from None


def _person_json(person: Person) -> dict:
    return {
        "id": person.pk,
        "full_name": person.full_name,
        "birth_date": person.birth_date_display,
        "personal_id": person.personal_id,
        "si_number": person.si_number,
    }


def office_side(kit: Kit, op: FieldOp) -> dict:
    """What the office holds that stood in the way: the persons and their coverage, as a manager compares them."""
    refs = op.payload.get("persons") or [op.payload.get("person")]
    persons = []
    for ref in refs:
        try:
            person = _resolve(kit, Person, ref)
        except ApplicationError:
            continue
        coverage = [
            {"from": str(c.valid_from), "to": str(c.valid_to), "source": c.source, "void": c.is_void}
            for c in HICoverage.objects.filter(person=person).order_by("-valid_to")[:3]
        ]
        persons.append({**_person_json(person), "coverage": coverage})
    return {"persons": persons}
