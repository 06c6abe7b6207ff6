"""A realistic enrollment history for the demo province, made through the desk services (``ansinh demo``).

About nine in ten people end up with a valid health-insurance card, most through state-paid groups (children
under 6, poor households, ethnic minorities in listed communes, ATK communes, social assistance), the others
through subsidised groups (near-poor, pupils and students) or household cards — some renewed from last year,
some lapsed; a few percent of working-age informal workers pay voluntary SI. Every record goes through
``enrollment_create`` (as the operator, back-dated), so receipts, numbers, coverage and cards are exactly what
the desk would have produced — and so is each participation's new/renewal flag, made again by the desk for the
person's every row whatever order the back-dated payments are recorded in (ADR 0008).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction

from ansinh.areas.models import Area, Level
from ansinh.areas.services import facilities_seed_demo
from ansinh.core.access import SystemActor
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError
from ansinh.payments.models import CollectionPoint, Receipt, ReceiptBook
from ansinh.payments.services import book_create, point_create
from ansinh.registry.models import Household, Membership

from .models import Enrollment, EnrollmentMember, HICoverage, Scheme, VSIContribution
from .periods import coverage_periods_rebuild
from .selectors import eligibility
from .services import enrollment_create, participation_flags_refresh_all

Progress = Callable[[str, int], None]
STATE_PAID_FIRST = (
    "child_under_6",
    "poor",
    "social_assistance",
    "atk_commune",
    "ethnic_minority_listed_commune",
)


def _points(province: Area) -> list[CollectionPoint]:
    """One event desk and one post office per district-sized cluster of communes (a few for the demo)."""
    actor = SystemActor()
    points = list(CollectionPoint.objects.filter(province_code=province.code, code__startswith="DEMO-"))
    if points:
        return points
    communes = list(Area.objects.filter(parent=province, level=Level.COMMUNE).order_by("code")[:3])
    for i, commune in enumerate(communes):
        point = point_create(
            actor=actor,
            code=f"DEMO-{province.code}-{i + 1}",
            name=f"Điểm thu {commune.name}",
            kind="event_desk" if i == 0 else "post_office",
            area=commune,
            bank_bin="970436",
            bank_account=f"00110043{i:02d}",
            bank_account_name=f"BHXH TINH {province.name}".upper()[:100],
        )
        book_create(
            actor=actor, point=point, series=f"D{province.code}{i + 1}", first_number=1, last_number=9_999_999
        )
        points.append(point)
    return points


def demo_history_delete(*, province_code: str) -> None:
    """Removes the demo enrollments of a province (before the demo people are replaced)."""
    points = CollectionPoint.objects.filter(province_code=province_code, code__startswith="DEMO-")
    enrollments = Enrollment.objects.filter(point__in=points)
    from ansinh.cards.models import Card

    Card.objects.filter(coverage__enrollment__in=enrollments).delete()
    HICoverage.objects.filter(enrollment__in=enrollments).delete()
    VSIContribution.objects.filter(enrollment__in=enrollments).delete()
    Receipt.objects.filter(enrollment__in=enrollments).delete()
    EnrollmentMember.objects.filter(enrollment__in=enrollments).delete()
    enrollments.delete()
    ReceiptBook.objects.filter(point__in=points).delete()
    points.delete()
    coverage_periods_rebuild(province_code=province_code)  # the figures' periods follow the coverage rows
    participation_flags_refresh_all(province_code=province_code)  # other rows' new/renewal (ADR 0008)


def demo_history(*, province_code: str = "15", seed: int = 1, progress: Progress | None = None) -> dict:
    step = progress or (lambda label, n: None)
    province = Area.objects.get(code=province_code, level=Level.PROVINCE)
    if Enrollment.objects.filter(province_code=province.code, point__code__startswith="DEMO-").exists():
        return {"enrollments": 0}
    rng = random.Random(f"history-{seed}")
    actor = SystemActor()
    on = today()
    with transaction.atomic():
        points = _points(province)
        facilities_seed_demo(actor=actor, province=province)  # where the cards are registered
    counts = {"enrollments": 0, "refused": 0}
    households = Household.objects.filter(province_code=province.code, code__startswith="DEMO-").order_by(
        "pk"
    )
    for household in households.iterator(chunk_size=500):
        members = [
            m.person
            for m in Membership.objects.filter(household=household, ended_on__isnull=True)
            .select_related("person")
            .order_by("pk")
        ]
        members = [p for p in members if p.died_on is None]
        point = rng.choice(points)
        n = 0

        def enroll(household=household, point=point, **kw) -> None:
            nonlocal n
            n += 1
            try:
                with transaction.atomic():
                    enrollment_create(
                        actor=actor, idempotency_key=f"demo-{seed}-{household.pk}-{n}", point=point, **kw
                    )
                counts["enrollments"] += 1
            except ApplicationError:
                counts["refused"] += (
                    1  # e.g. a rule refused the group on that date: the person stays uninsured
                )

        by_group: dict[str, list[int]] = {}
        buyers: list[int] = []
        allowed = {}
        for person in members:  # the one rule: no household card for anyone the law places elsewhere
            decided = allowed[person.pk] = eligibility(person=person, on=on, coverage_end=None)
            group = decided.hi_groups[0] if not decided.hi_household.allowed and decided.hi_group.allowed else None
            if group in STATE_PAID_FIRST or (group is not None and rng.random() < 0.85):
                by_group.setdefault(group, []).append(person.pk)
            elif decided.hi_household.allowed and rng.random() < 0.84:
                buyers.append(person.pk)
        for group, ids in sorted(by_group.items()):
            paid_on = on - dt.timedelta(days=rng.randint(40, 320))
            enroll(scheme=Scheme.HI_GROUP, group=group, person_ids=ids, months=12, paid_on=paid_on)
        if buyers:
            history = rng.random()
            if history < 0.35:  # bought last year and renewed this year
                first = on - dt.timedelta(days=rng.randint(380, 420))
                enroll(scheme=Scheme.HI_HOUSEHOLD, person_ids=buyers, months=12, paid_on=first)
                enroll(
                    scheme=Scheme.HI_HOUSEHOLD,
                    person_ids=buyers,
                    months=12,
                    paid_on=first + dt.timedelta(days=rng.randint(330, 365)),
                )
            elif history < 0.93:
                enroll(
                    scheme=Scheme.HI_HOUSEHOLD,
                    person_ids=buyers,
                    months=rng.choice((6, 12, 12, 12)),
                    paid_on=on - dt.timedelta(days=rng.randint(35, 150)),
                )
            else:  # lapsed: a card that ended months ago and was not renewed
                enroll(
                    scheme=Scheme.HI_HOUSEHOLD,
                    person_ids=buyers,
                    months=6,
                    paid_on=on - dt.timedelta(days=rng.randint(250, 330)),
                )
        for person in members:
            if (
                20 <= person.age_on(on) <= 55
                and allowed[person.pk].vsi.allowed
                and person.employment in ("informal", "farmer")
                and rng.random() < 0.05
            ):
                enroll(
                    scheme=Scheme.VSI,
                    person_ids=[person.pk],
                    months=rng.choice((1, 3, 6, 12)),
                    income=rng.choice((1_500_000, 1_500_000, 2_000_000, 3_000_000)),
                    paid_on=on - dt.timedelta(days=rng.randint(1, 25)),
                )
        step("history", len(members))
    return counts
