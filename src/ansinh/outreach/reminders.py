"""The daily reminder job: cards about to end and voluntary-SI payments falling due → personalised messages in
the outbox, at most one per person, kind and due date (a unique constraint, so repeated or concurrent runs
cannot remind twice).

Who is reminded:
- ``hi_expiry``: the person holds a household health-insurance card valid today whose latest card (renewals
  included) ends within ``WINDOW_DAYS``; the due date is the card's last day. Cards of groups the state or an
  employer pays for are renewed through that group, so they are not reminded here.
- ``vsi_due``: the person has paid voluntary SI and the month after the last paid month starts within
  ``WINDOW_DAYS``; the due date is that first day. The amount is the same period at the same income.
Never: people who asked not to be contacted, deceased people, people without a phone number.

Messages are Vietnamese whatever the interface language (they go to the insured person, like a printed card).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from typing import TypeGuard

from django.db import transaction
from django.db.models import Case, IntegerField, Max, When
from django.utils import timezone

from ansinh.core.dates import format_date
from ansinh.core.errors import ApplicationError
from ansinh.core.money import format_vnd
from ansinh.enrollment.models import HICoverage, Scheme, VSIContribution
from ansinh.enrollment.services import HOUSEHOLD, compute_quote
from ansinh.registry.models import Person
from ansinh.rules._util import add_months

from .models import Channel, MessageKind, OutboxMessage
from .services import HI_MONTHS  # the same year's household card the walk list offers

WINDOW_DAYS = 30


def _office() -> str:
    return os.environ.get("ANSINH_OFFICE_NAME", "BHXH")


def _title(person: Person) -> str:
    return {"m": "ông", "f": "bà"}.get(person.sex, "ông/bà")


def hi_expiry_body(person: Person, valid_to: dt.date, amount: int | None) -> str:
    text = (
        f"{_office()}: Thẻ BHYT của {_title(person)} {person.full_name} hết hạn ngày {format_date(valid_to)}."
    )
    if amount is not None:
        text += f" Gia hạn {HI_MONTHS} tháng: {format_vnd(amount)}."
    return text + " Mời đóng tại đại lý thu hoặc bưu điện gần nhất để không gián đoạn quyền lợi."


def vsi_due_body(person: Person, last_month: dt.date, due: dt.date, months: int, amount: int | None) -> str:
    text = (
        f"{_office()}: {_title(person).capitalize()} {person.full_name} đã đóng BHXH tự nguyện đến tháng "
        f"{last_month.strftime('%m/%Y')}. Kỳ đóng tiếp theo từ {format_date(due)}"
    )
    if amount is not None:
        text += f": {format_vnd(amount)} cho {months} tháng"
    return text + ". Đóng đều đặn để được hưởng lương hưu."


def _hi_candidates(on: dt.date, until: dt.date) -> list[tuple[int, dt.date]]:
    ending_soon = HICoverage.objects.filter(is_void=False, valid_to__gte=on, valid_to__lte=until).values(
        "person_id"
    )
    rows = (
        HICoverage.objects.filter(is_void=False, person_id__in=ending_soon)
        .values("person_id")
        .annotate(
            last_end=Max("valid_to"),
            valid=Max(
                Case(
                    When(valid_from__lte=on, valid_to__gte=on, then=1), default=0, output_field=IntegerField()
                )
            ),
        )
        .filter(valid=1, last_end__gte=on, last_end__lte=until)
        .order_by("person_id")
    )
    found = [(r["person_id"], r["last_end"]) for r in rows]
    groups = dict(
        HICoverage.objects.filter(is_void=False, person_id__in=[p for p, _e in found], valid_to__gte=on)
        .order_by("valid_to", "pk")
        .values_list("person_id", "group")
    )  # the last one per person wins: the group of the latest card
    return [(pid, end) for pid, end in found if groups.get(pid) == HOUSEHOLD]


def _vsi_candidates(on: dt.date, until: dt.date) -> list[tuple[int, dt.date, dt.date]]:
    low, high = add_months(on.replace(day=1), -1), until.replace(day=1)
    rows = (
        VSIContribution.objects.filter(is_void=False)
        .values("person_id")
        .annotate(last=Max("last_month"))
        .filter(last__gte=low, last__lte=high)
        .order_by("person_id")
    )
    result = []
    for r in rows:
        due = add_months(r["last"], 1)
        if on <= due <= until:
            result.append((r["person_id"], r["last"], due))
    return result


def reminders_plan(*, on: dt.date) -> tuple[list[dict], Counter]:
    """The messages the job would write for a day (already written ones included), and what it skipped."""
    until = on + dt.timedelta(days=WINDOW_DAYS)
    hi_rows = _hi_candidates(on, until)
    vsi_rows = _vsi_candidates(on, until)
    people = Person.objects.in_bulk([r[0] for r in hi_rows] + [r[0] for r in vsi_rows])
    skipped: Counter = Counter()
    planned: list[dict] = []

    def allowed(person: Person | None) -> TypeGuard[Person]:
        if person is None:
            return False
        if person.died_on:
            skipped["deceased"] += 1
            return False
        if person.do_not_contact:
            skipped["do_not_contact"] += 1
            return False
        if not person.phone:
            skipped["no_phone"] += 1
            return False
        return True

    for pid, valid_to in hi_rows:
        person = people.get(pid)
        if not allowed(person):
            continue
        amount = _amount(scheme=Scheme.HI_HOUSEHOLD, persons=[person], months=HI_MONTHS, on=on)
        planned.append(
            _message(
                person, MessageKind.HI_EXPIRY, valid_to, hi_expiry_body(person, valid_to, amount), amount
            )
        )
    for pid, last, due in vsi_rows:
        person = people.get(pid)
        if not allowed(person):
            continue
        previous = (
            VSIContribution.objects.filter(person_id=pid, is_void=False)
            .order_by("-last_month", "-pk")
            .first()
        )
        assert previous is not None  # the row comes from this person's non-void contributions
        amount = _amount(
            scheme=Scheme.VSI, persons=[person], months=previous.months, on=on, income=previous.monthly_income
        )
        planned.append(
            _message(
                person,
                MessageKind.VSI_DUE,
                due,
                vsi_due_body(person, last, due, previous.months, amount),
                amount,
            )
        )
    return planned, skipped


def _amount(**kwargs) -> int | None:
    try:
        return compute_quote(**kwargs)["total_payable"]
    except ApplicationError:  # the rules cannot price it: the reminder goes without an amount
        return None


def _message(person: Person, kind: str, due: dt.date, body: str, amount: int | None) -> dict:
    return {
        "person_id": person.pk,
        "recipient": person.phone,
        "kind": kind,
        "due_date": due,
        "body": body,
        "amount": amount,
        "province_code": person.province_code,
    }


def reminders_run(*, on: dt.date, dry_run: bool = False) -> dict:
    """Writes the day's reminders to the outbox (queued, due now). Returns what it wrote and skipped."""
    planned, skipped = reminders_plan(on=on)
    existing = set(
        OutboxMessage.objects.filter(person_id__in={m["person_id"] for m in planned}).values_list(
            "person_id", "kind", "due_date"
        )
    )
    new = [m for m in planned if (m["person_id"], m["kind"], m["due_date"]) not in existing]
    if not dry_run and new:
        now = timezone.now()
        with transaction.atomic():
            OutboxMessage.objects.bulk_create(
                [OutboxMessage(channel=Channel.SMS, status="queued", next_attempt_at=now, **m) for m in new],
                ignore_conflicts=True,  # a concurrent run wrote it first: the constraint keeps one
            )
    return {
        "on": on.isoformat(),
        "dry_run": dry_run,
        "written": len(new),
        "already_in_outbox": len(planned) - len(new),
        "skipped": dict(skipped),
        "messages": [{**m, "due_date": m["due_date"].isoformat()} for m in new],
    }
