"""A day of work on a kit, offline, run as its own process with the kit's folder (tests/field): families
registered and enrolled through the desk's services, a receipt voided, outcomes recorded, the day closed.
Prints one JSON line: what the kit did (receipt numbers, amounts, the card tokens it signed).

python kit_day.py FAMILIES [--person-id N ...] [--close CASH]"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import uuid

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ansinh.config.settings.base")
django.setup()

if "--clock-days" in sys.argv:  # the laptop's clock is wrong by days: everything on it sees that time
    from django.utils import timezone

    _skew = dt.timedelta(days=int(sys.argv[sys.argv.index("--clock-days") + 1]))
    _real_now = timezone.now
    timezone.now = lambda: _real_now() + _skew

from ansinh.campaigns.models import Activity  # noqa: E402
from ansinh.campaigns.services import outcome_record  # noqa: E402
from ansinh.cards.models import Card  # noqa: E402
from ansinh.core.dates import today  # noqa: E402
from ansinh.core.models import User  # noqa: E402
from ansinh.enrollment.services import enrollment_create, receipt_void  # noqa: E402
from ansinh.payments.models import CollectionPoint  # noqa: E402
from ansinh.payments.services import day_close_create  # noqa: E402
from ansinh.registry.models import Person, Relation  # noqa: E402
from ansinh.registry.services import (  # noqa: E402
    household_add_member,
    household_create,
    household_move_member,
    person_create,
)

parser = argparse.ArgumentParser()
parser.add_argument("families", type=int)
parser.add_argument("--agent", default="agent")
parser.add_argument(
    "--enroll", type=int, action="append", default=[], help="enroll this replicated person too"
)
parser.add_argument("--personal-id", action="append", default=[], help="register a person with this ID")
parser.add_argument("--void", type=int, default=1)
parser.add_argument("--close", action="store_true")
parser.add_argument("--clock-days", type=int, default=0)
parser.add_argument(
    "--move", action="store_true", help="the first spouse moves to the second family's household"
)
parser.add_argument("--transfer", action="store_true", help="try a bank transfer (a kit takes cash only)")
parser.add_argument("--name", default="Giàng Thị Mỷ", help="the families' heads")
parser.add_argument("--spouse", default="Sùng Văn Pả", help="their spouses")
args = parser.parse_args()

agent = User.objects.get(username=args.agent)
commune = agent.areas.order_by("code").first()
out = {"receipts": [], "amounts": [], "voided": [], "tokens": [], "enrolled_persons": [], "refused": []}
enrollments = []
households, spouses = [], []


def enroll(person_ids):
    enrollment, _created = enrollment_create(
        actor=agent,
        idempotency_key=str(uuid.uuid4()),
        scheme="hi_household",
        person_ids=person_ids,
        months=12,
    )
    enrollments.append(enrollment)
    out["receipts"].append(enrollment.receipt.number)
    out["amounts"].append(enrollment.total_payable)
    out["enrolled_persons"].extend(person_ids)
    out["tokens"].extend(Card.objects.filter(coverage__enrollment=enrollment).values_list("token", flat=True))
    return enrollment


for i in range(args.families):
    head = person_create(
        actor=agent,
        data={
            "full_name": f"{args.name} {i}",
            "birth_date": "1985-03-04",
            "sex": "f",
            "area_code": commune.code,
        },
    )
    household = household_create(actor=agent, head=head)
    spouse = person_create(
        actor=agent,
        data={
            "full_name": f"{args.spouse} {i}",
            "birth_date": "1983-07-01",
            "sex": "m",
            "area_code": commune.code,
        },
    )
    household_add_member(actor=agent, household=household, person=spouse, relation=Relation.SPOUSE)
    households.append(household)
    spouses.append(spouse)
    enroll([head.pk, spouse.pk])
if args.move:  # after the enrollments: the card stays the person's, the household changes
    household_move_member(actor=agent, person=spouses[0], to=households[1], relation=Relation.SIBLING)
    out["moved"] = spouses[0].full_name
for n, personal_id in enumerate(args.personal_id):
    person = person_create(
        actor=agent,
        data={
            "full_name": f"Vàng A Dế {n}",
            "birth_date": "1979-01-02",
            "sex": "m",
            "area_code": commune.code,
            "personal_id": personal_id,
        },
    )
    enroll([person.pk])
for person_id in args.enroll:
    try:
        enroll([Person.objects.get(pk=person_id).pk])
    except Exception as e:  # noqa: BLE001 (reported, the day goes on)
        out["refused"].append([person_id, getattr(e, "message", str(e))])
if args.transfer:
    person = person_create(
        actor=agent,
        data={"full_name": "Thào Mí Chá", "birth_date": "1988-08-08", "sex": "m", "area_code": commune.code},
    )
    try:
        enrollment_create(
            actor=agent,
            idempotency_key=str(uuid.uuid4()),
            scheme="hi_household",
            person_ids=[person.pk],
            months=12,
            method="bank_transfer",
        )
    except Exception as e:  # noqa: BLE001
        out["refused"].append(["transfer", getattr(e, "message", str(e))])
for enrollment in enrollments[: args.void]:
    receipt_void(actor=agent, receipt=enrollment.receipt, reason="ghi nhầm người")
    out["voided"].append(enrollment.receipt.number)
activity = Activity.objects.filter(area=commune, starts_on__lte=today(), ends_on__gte=today()).first()
if activity is not None and enrollments:
    for enrollment in enrollments[args.void :]:
        person = enrollment.members.first().person
        outcome_record(actor=agent, activity=activity, person=person, kind="informed", on=today())
if args.close:
    point = CollectionPoint.objects.filter(agents=agent).first()
    cash = sum(
        a for a, e in zip(out["amounts"], enrollments, strict=True) if e.receipt.number not in out["voided"]
    )
    day_close_create(actor=agent, point=point, cash_counted=cash, received_by="Kế toán xã")
    out["cash"] = cash
print(json.dumps(out))
