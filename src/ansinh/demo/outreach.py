"""Door-to-door rounds for the demo province (``ansinh demo``): two recent target lists, each over three of the most
populated communes, and what the teams recorded at the doors in the week after — so the outreach page shows its
lists, walk lists and the doors of an area in a period beside the period before.

Everything goes through the services as the operator (``SystemActor``): ``target_list_create`` reads who is
uninsured, lapsed or about to lapse on the list's day (the one eligibility rule prices the offers);
``door_outcome_record`` records each visit, back-dated to its day. A household that agrees at the door buys its
household card through ``enrollment_create`` at the demo's mobile desk, as an agent would, before "enrolled" is
recorded; a household the desk rules refuse is recorded as consulted instead."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction

from ansinh.areas.models import Area, Level
from ansinh.core.access import SystemActor
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError
from ansinh.enrollment.models import Scheme
from ansinh.enrollment.selectors import eligibility
from ansinh.enrollment.services import enrollment_create
from ansinh.outreach.models import DoorStatus, TargetList
from ansinh.outreach.services import door_outcome_record, target_list_create

from .campaign import busiest_communes, demo_points

Progress = Callable[[str, int], None]
NAME = "Vận động gia hạn thẻ BHYT — {commune} ({day})"
PREFIX = "Vận động gia hạn thẻ BHYT — "
# Rounds: (days before today the list was made, which of the most populated communes); households visited per list.
ROUNDS = ((45, (0, 1, 2)), (12, (3, 4, 5)))
MAX_DOORS = 120
REASONS = ("Chưa có tiền, hẹn sau vụ thu hoạch", "Đã có thẻ ở nơi làm việc", "Không muốn tham gia")


def demo_outreach_delete(*, province_code: str) -> None:
    """Removes the demo's target lists of a province (their rows, teams and door outcomes go with them)."""
    TargetList.objects.filter(province_code=province_code, name__startswith=PREFIX).delete()


def demo_outreach(*, province_code: str = "15", seed: int = 1, progress: Progress | None = None) -> dict:
    """The demo province's door-to-door rounds; does nothing if they exist. Returns what it recorded."""
    step = progress or (lambda label, n: None)
    if TargetList.objects.filter(province_code=province_code, name__startswith=PREFIX).exists():
        return {"lists": 0}
    province = Area.objects.get(code=province_code, level=Level.PROVINCE)
    communes = busiest_communes(province, 6)
    if not communes:
        return {"lists": 0}
    rng = random.Random(f"outreach-{seed}")
    actor = SystemActor()
    desk = demo_points(province, communes)["event_desk"]
    now = today()
    counts = {"lists": 0, "doors": 0, "enrollments": 0}
    for days_before, which in ROUNDS:
        on = now - dt.timedelta(days=days_before)
        chosen = [communes[i % len(communes)] for i in which]
        target_list = target_list_create(
            actor=actor,
            name=NAME.format(commune=", ".join(c.name for c in chosen), day=on.strftime("%d/%m/%Y")),
            area_codes=list(dict.fromkeys(c.code for c in chosen)),
            criteria=["uninsured", "lapsed", "expiring"],
            on=on,
            lapsed_days=0,
            expiring_days=60,
            teams=2,
        )
        counts["lists"] += 1
        rows = list(
            target_list.households.prefetch_related("members__person").order_by("position")[:MAX_DOORS]
        )
        for row in rows:
            day = min(on + dt.timedelta(days=rng.randint(0, 6)), now)
            if (
                rng.random() < 0.2
            ):  # nobody at home; a team comes back two or three days later for half of them
                door_outcome_record(actor=actor, row=row, status=DoorStatus.NOT_HOME, on=day)
                counts["doors"] += 1
                day = day + dt.timedelta(days=rng.randint(2, 3))
                if day > now or rng.random() < 0.5:
                    continue
            _visit(actor, row, day, rng, desk, counts, seed)
            step("outreach", 1)
    return counts


def _visit(actor, row, day: dt.date, rng: random.Random, desk, counts: dict, seed: int) -> None:
    r = rng.random()
    follow_up_on, reason = None, ""
    if r < 0.25 and _enrolled(actor, row, day, desk, seed):
        counts["enrollments"] += 1
        status = DoorStatus.ENROLLED
    elif r < 0.6:
        status = DoorStatus.CONSULTED
    elif r < 0.85:
        status, follow_up_on = DoorStatus.FOLLOW_UP, day + dt.timedelta(days=rng.randint(7, 30))
    else:
        status, reason = DoorStatus.REFUSED, rng.choice(REASONS)
    door_outcome_record(actor=actor, row=row, status=status, on=day, follow_up_on=follow_up_on, reason=reason)
    counts["doors"] += 1


def _enrolled(actor, row, day: dt.date, desk, seed: int) -> bool:
    """The household's members the law lets buy a household card buy it at the door (the one eligibility rule);
    False when there are none or the desk refuses."""
    buyers = [
        m.person
        for m in row.members.all()
        if eligibility(person=m.person, on=day, coverage_end=None).hi_household.allowed
    ]
    if not buyers:
        return False
    try:
        with transaction.atomic():
            enrollment_create(
                actor=actor,
                idempotency_key=f"demo-outreach-{seed}-{row.pk}",
                scheme=Scheme.HI_HOUSEHOLD,
                person_ids=[p.pk for p in buyers],
                months=12,
                point=desk,
                paid_on=day,
            )
    except ApplicationError:
        return False
    return True
