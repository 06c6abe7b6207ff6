"""The demo province's participation history since January 2019, simulated year by year through the services.

A real province holds about 93–95 % of its people insured all year; what moves is who buys, renews, lapses and
returns. The history follows the law's groups, each person decided by the one eligibility rule
(``enrollment.selectors.eligibility``) on each date that matters:

- **Lists** (``enrollment.external.coverages_record_external``, source ``list``): state-paid groups (children
  under 6 from birth to the day of 72 months, the poor, social assistance, ATK communes, ethnic minorities of
  listed communes) every calendar year; state-supported groups paying part (pupils and students through their
  school, the near-poor, agricultural households) most years; employees (their employer) and pension recipients
  (the fund) every year. Nobody buys those at a desk, so the demo does not either.
- **Household cards** (the household scheme, for people in no group): a household buys once a year on its own
  anniversary, renews with a chance, lapses, and some lapsed households come back. Before the office went live
  on ansinh (``go_live``, 1 January of last year) the cards are recorded as imported from its earlier system
  (``source=import``, their validity by ``rules.cards.card_validity`` as the desk would have given it); since then
  they are paid at the desk (``enrollment_create``, back-dated), so receipts, numbers, cards and each
  participation's new/renewal flag are exactly what the desk makes.
- **Voluntary SI**: a few percent of the working-age informal workers and farmers pay at the desk since go-live,
  monthly, quarterly, half-yearly or yearly, some stopping.

Lives change (``demo.life``, ADR 0031): pupils start school, young people finish it, workers sign or leave a
labour contract, pensioners retire, households are certified poor or lifted out of poverty. The changes since
2019 are recorded first (``registry.services.status_history_record``), so every decision reads the statuses of
its day: a list card starts on the day a person joins a group, and a household buys a card soon for most members
whose group's card ends. Since go-live young people marry and move into their spouse's family's household, in
the same commune or another (``demo.life.marriages``, through ``household_move_member``): each household buys
for those who were its members on the day. People die over the years (a yearly chance by age, recorded through
the registry's ``person_update``): the eligibility rule refuses them from that day, their coverage periods end
there, and the desk sells them nothing after it. Ages, births and the dated rules (base salaries, groups' first
dates) move with the date. docs/demo.md shows the calibration and ADR 0026 why.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

from ansinh.areas.models import Area, Level
from ansinh.areas.services import facilities_seed_demo
from ansinh.core.access import SystemActor
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError
from ansinh.enrollment.models import Enrollment, EnrollmentMember, HICoverage, Scheme, VSIContribution
from ansinh.enrollment.periods import coverage_periods_rebuild
from ansinh.enrollment.policy import RENEWAL_WINDOW_DAYS
from ansinh.enrollment.selectors import eligibility
from ansinh.enrollment.services import (
    ExternalSpan,
    coverages_record_external,
    enrollment_create,
    participation_flags_refresh_all,
)
from ansinh.payments.models import CollectionPoint, Receipt, ReceiptBook
from ansinh.payments.services import book_create, point_create
from ansinh.registry.models import Household, Membership, Person
from ansinh.registry.services import status_history_record
from ansinh.rules import cards as card_rules
from ansinh.rules._util import add_months

from .life import Member, life_stories, marriages

Progress = Callable[[str, int], None]
FIRST_YEAR = 2019
DAY = dt.timedelta(days=1)
STATE_PAID = {"child_under_6", "poor", "social_assistance", "atk_commune", "ethnic_minority_listed_commune"}
# Yearly take-up of the groups that pay part of the premium (the state pays the rest): a share of the year's
# lists; calibrated with the household scheme so that the province holds 90–96 % (docs/demo.md).
SUPPORTED_TAKE_UP = {"student": 0.95, "near_poor": 0.92, "agricultural_average": 0.88}
HOUSEHOLD_START = 0.8  # households holding a card in 2019
HOUSEHOLD_RENEW = 0.88  # a household with a card renews it
HOUSEHOLD_RETURN = 0.4  # a lapsed household comes back within the year
LEFT_GROUP_BUYS = 0.8  # a household buys a card soon for a member whose group's card ends (ADR 0031)
VSI_SHARE = 0.04  # of working-age informal workers and farmers who may join
VSI_KEEP = 0.93  # a contributor pays the next period
VSI_MODES = ((1, 0.2), (3, 0.3), (6, 0.25), (12, 0.25))
VSI_INCOMES = (1_500_000, 1_500_000, 2_000_000, 3_000_000)
# The yearly chance of dying by age (from, chance), after the age pattern of Vietnam's life tables; the demo's
# population is younger than a province's, so it dies at about 3.5 in 1,000 a year (the country: 6 to 7).
DEATH_BY_AGE = ((80, 0.08), (70, 0.03), (60, 0.012), (40, 0.003), (5, 0.0005), (0, 0.002))


def _points(province: Area) -> list[CollectionPoint]:
    """One event desk and one post office per district-sized cluster of communes (a few for the demo)."""
    actor = SystemActor()
    points = list(CollectionPoint.objects.filter(province_code=province.code, code__startswith="DEMO-"))
    points = [p for p in points if not p.code.startswith(f"DEMO-{province.code}-CD")]
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
    """Removes the demo history of a province (before the demo people are replaced)."""
    points = CollectionPoint.objects.filter(province_code=province_code, code__startswith="DEMO-")
    enrollments = Enrollment.objects.filter(point__in=points)
    from ansinh.cards.models import Card

    recorded = HICoverage.objects.filter(
        province_code=province_code,
        enrollment__isnull=True,
        person__memberships__household__code__startswith="DEMO-",
    )
    Card.objects.filter(coverage__enrollment__in=enrollments).delete()
    HICoverage.objects.filter(enrollment__in=enrollments).delete()
    HICoverage.objects.filter(pk__in=recorded.values("pk")).delete()
    VSIContribution.objects.filter(enrollment__in=enrollments).delete()
    Receipt.objects.filter(enrollment__in=enrollments).delete()
    EnrollmentMember.objects.filter(enrollment__in=enrollments).delete()
    enrollments.delete()
    ReceiptBook.objects.filter(point__in=points).delete()
    points.delete()
    coverage_periods_rebuild(province_code=province_code)  # the figures' periods follow the coverage rows
    participation_flags_refresh_all(province_code=province_code)  # other rows' new/renewal (ADR 0008)


class _Decisions:
    """The eligibility rule's answer for a person on a date, asked once (the history asks the same often)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, dt.date], object] = {}

    def __call__(self, person: Person, on: dt.date):
        key = (person.pk, on)
        if key not in self._seen:
            self._seen[key] = eligibility(person=person, on=on, coverage_end=None)
        return self._seen[key]

    def forget(self) -> None:
        self._seen.clear()


def _list_group(decided) -> str | None:
    """The group a person's card comes through on a list, or None (household scheme or nothing)."""
    if decided.hi_household.allowed:
        return None
    if decided.hi_group.allowed and decided.hi_groups:
        return decided.hi_groups[0]
    if decided.hi_household.reason in ("employee", "pension_recipient"):
        return decided.hi_household.reason
    return None


def _list_spans(
    persons: list[Person], on: dt.date, rng: random.Random, decide: _Decisions
) -> list[ExternalSpan]:
    """Each person's list cards, calendar year by calendar year; a child's card runs from birth to the day of 72
    months (the rule's), and the year goes on through the group the rule gives after it. Someone in no group
    who joins one during the year (school opens, a household certified poor, a labour contract) gets the list
    card from that day; one who leaves a group keeps the year's card."""
    spans = []
    for person in persons:
        born = person.birth_date
        changes = sorted({c.effective_on for c in person.status_changes.all()})
        for year in range(max(FIRST_YEAR, born.year), on.year + 1):
            start, end = max(dt.date(year, 1, 1), born), dt.date(year, 12, 31)
            while start <= end:
                decided = decide(person, start)
                group = _list_group(decided)
                stop = end
                if group is None:
                    stop = next((day for day in changes if start < day <= end), end + DAY) - DAY
                elif group == "child_under_6":
                    stop = min(end, card_rules.card_validity(start, 12, born=born).valid_to)
                elif group in SUPPORTED_TAKE_UP and rng.random() >= SUPPORTED_TAKE_UP[group]:
                    group = None  # did not pay their part this year
                if group is not None:
                    spans.append(ExternalSpan(person.pk, start, stop, group))
                start = stop + DAY
    return spans


def _one_at_a_time(spans: list[ExternalSpan]) -> list[ExternalSpan]:
    """A person holds one card at a time: a list card that would start inside the one before starts after it (a
    list takes over when the household card ends), or is left out when nothing remains of it; a household card
    bought while a list card runs is left out (it was bought for a day the person was in a group)."""
    out: list[ExternalSpan] = []
    last: dict[int, dt.date] = {}
    for span in sorted(spans, key=lambda s: (s.person_id, s.valid_from)):
        end = last.get(span.person_id)
        start = span.valid_from if end is None or span.valid_from > end else end + DAY
        if start != span.valid_from and span.group == "household":
            continue
        if start <= span.valid_to:
            out.append(ExternalSpan(span.person_id, start, span.valid_to, span.group))
            last[span.person_id] = span.valid_to
    return out


Stays = dict[tuple[int, int], tuple[dt.date, dt.date | None]]  # (person, household) -> (from, to)


def _lived_in(stay: tuple[dt.date, dt.date | None], day: dt.date) -> bool:
    return stay[0] <= day and (stay[1] is None or day < stay[1])


def _household_cycles(
    members: list[Person],
    household_id: int,
    stays: Stays,
    on: dt.date,
    go_live: dt.date,
    rng: random.Random,
    decide: _Decisions,
) -> tuple[list[ExternalSpan], list[tuple[dt.date, list[int]]]]:
    """A household's purchases: once a year on its own day (renewing, lapsing, coming back), and for a member
    who leaves a group (a household lifted out of poverty, school finished, a job left), with a chance, soon
    after the group's card of the year ends; each for those who were members on the day. Imported spans before
    go-live, desk payments (day, buyers) after."""
    imported: list[ExternalSpan] = []
    desk: list[tuple[dt.date, list[int]]] = []
    anniversary = rng.randint(1, 365)
    holding = rng.random() < HOUSEHOLD_START
    ends: dict[int, dt.date] = {}  # each buyer's latest card end (imported)
    purchases: list[tuple[dt.date, list[Person]]] = []
    for year in range(FIRST_YEAR, on.year + 1):
        day = dt.date(year, 1, 1) + dt.timedelta(days=anniversary - 1 - (year % 4 == 0 and anniversary > 59))
        holding = rng.random() < (HOUSEHOLD_RENEW if holding else HOUSEHOLD_RETURN)
        if holding and day <= on:
            purchases.append((day, members))
    for person in members:
        for change in sorted({c.effective_on for c in person.status_changes.all()}):
            # the group's card of the year ends before the first 1 January on or after the change
            lost = dt.date(change.year + ((change.month, change.day) != (1, 1)), 1, 1)
            day = lost + dt.timedelta(days=rng.randint(0, 45))
            buys = rng.random() < LEFT_GROUP_BUYS
            if buys and day <= on and not decide(person, change - DAY).hi_household.allowed:
                purchases.append((day, [person]))
    for day, candidates in sorted(purchases, key=lambda purchase: purchase[0]):
        buyers = [
            p
            for p in candidates
            if p.birth_date <= day
            and _lived_in(stays[p.pk, household_id], day)
            and decide(p, day).hi_household.allowed
        ]
        if not buyers:
            continue
        if day < go_live:
            for person in buyers:
                before = ends.get(person.pk)
                previous = before if before is not None and before >= day - dt.timedelta(days=90) else None
                if previous is not None and previous > day + dt.timedelta(days=RENEWAL_WINDOW_DAYS):
                    continue  # still covered beyond the renewal window: the desk would refuse
                validity = card_rules.card_validity(day, 12, previous_valid_to=previous)
                imported.append(ExternalSpan(person.pk, validity.valid_from, validity.valid_to, "household"))
                ends[person.pk] = validity.valid_to
        else:
            desk.append((day, [p.pk for p in buyers]))
    return imported, desk


def _deaths(persons: list[Person], on: dt.date, rng: random.Random) -> int:
    """Who died since 2019, and when: recorded through the registry (an audit event, the periods cut)."""
    from ansinh.registry.services import person_update

    actor = SystemActor()
    died = 0
    for person in persons:
        for year in range(FIRST_YEAR, on.year + 1):
            day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            if day >= on or day <= person.birth_date:
                continue
            if rng.random() < next(chance for start, chance in DEATH_BY_AGE if person.age_on(day) >= start):
                with transaction.atomic():
                    person_update(actor=actor, person=person, data={"died_on": day.isoformat()})
                person.died_on = day
                died += 1
                break
    return died


def _vsi_payments(
    persons: list[Person], on: dt.date, go_live: dt.date, rng: random.Random, decide: _Decisions
) -> list[tuple[dt.date, int, int, int]]:
    """(day, person id, months, monthly income) of voluntary-SI payments since go-live."""
    payments = []
    for person in persons:
        if person.employment not in ("informal", "farmer") or rng.random() >= VSI_SHARE:
            continue
        start = go_live + dt.timedelta(days=rng.randint(0, max(1, (on - go_live).days - 30)))
        if not (15 <= person.age_on(start) < 60) or not decide(person, start).vsi.allowed:
            continue
        months = rng.choices([m for m, _ in VSI_MODES], [w for _, w in VSI_MODES])[0]
        income = rng.choice(VSI_INCOMES)
        day = start
        while day <= on and (person.died_on is None or day < person.died_on):
            payments.append((day, person.pk, months, income))
            if rng.random() >= VSI_KEEP:
                break
            day = add_months(day, months) - dt.timedelta(days=rng.randint(0, 10))
    return payments


def _people(province_code: str) -> tuple[dict[int, Person], dict[int, list[Person]], dict[int, int], Stays]:
    """The people of the province by id, with their changes of status; every household's members, past and
    present; each person's first household (where their lists and imported cards are made: moves come after
    go-live); and when each member lived in each household."""
    persons = {
        p.pk: p
        for p in Person.objects.filter(province_code=province_code)
        .prefetch_related("status_changes")
        .order_by("pk")
    }
    households: dict[int, list[Person]] = defaultdict(list)
    first: dict[int, tuple[dt.date, int]] = {}
    stays: Stays = {}
    for person_id, household_id, started, ended in (
        Membership.objects.filter(person__province_code=province_code)
        .order_by("household_id", "pk")
        .values_list("person_id", "household_id", "started_on", "ended_on")
    ):
        if person_id in persons:
            households[household_id].append(persons[person_id])
            stays[person_id, household_id] = (started, ended)
            first[person_id] = min(first.get(person_id, (started, household_id)), (started, household_id))
    for person_id, (_, household_id) in first.items():
        # before the generated household was formed its people lived where the demo does not say: they buy
        # with it from the start, and only a move (since go-live) changes where they buy
        stays[person_id, household_id] = (dt.date.min, stays[person_id, household_id][1])
    return persons, households, {pid: hid for pid, (_, hid) in first.items()}, stays


def _moves(actor, members: list[Member], go_live: dt.date, on: dt.date, rng: random.Random) -> int:
    """Marriages since go-live (``demo.life.marriages``) recorded as the desk records a move: the person's commune
    and village when the household is elsewhere (``person_update``), then ``household_move_member`` on the day."""
    from ansinh.registry.services import household_move_member, person_update

    moves = marriages(members, go_live, on, rng)
    for move in moves:
        to = Household.objects.select_related("commune").get(pk=move.household_id)
        with transaction.atomic():
            person = move.person
            if (person.commune_id, person.village_id) != (to.commune_id, to.village_id):
                place = {"area_code": to.commune.code, "village_id": to.village_id}
                person = person_update(actor=actor, person=person, data=place)
            household_move_member(actor=actor, person=person, to=to, relation=move.relation, on=move.day)
    return len(moves)


def demo_history(
    *,
    province_code: str = "15",
    seed: int = 1,
    progress: Progress | None = None,
    go_live: dt.date | None = None,
) -> dict:
    step = progress or (lambda label, n: None)
    province = Area.objects.get(code=province_code, level=Level.PROVINCE)
    if HICoverage.objects.filter(province_code=province.code, source="list").exists():
        return {"enrollments": 0}
    rng = random.Random(f"history-{seed}")
    actor = SystemActor()
    on = today()
    go_live = go_live or dt.date(on.year - 1, 1, 1)
    with transaction.atomic():
        points = _points(province)
        facilities_seed_demo(actor=actor, province=province)  # where the cards are registered
    decide = _Decisions()
    persons, households, home, stays = _people(province.code)
    # Changes of status since 2019 first (their own draws), so that every decision reads the statuses of its day;
    # then deaths, then marriages since go-live (the living move).
    changed = 0
    for person_id, changes in life_stories(households.values(), on, random.Random(f"life-{seed}")).items():
        changed += status_history_record(actor=actor, person=persons[person_id], changes=changes)
    step("history", 0)
    persons, households, home, stays = _people(province.code)
    died = _deaths(list(persons.values()), on, random.Random(f"deaths-{seed}"))  # its own draws, as above
    communes = dict(Household.objects.filter(pk__in=list(households)).values_list("pk", "commune_id"))
    now = [
        Member(persons[pid], hid, relation, started, communes[hid])
        for pid, hid, relation, started in Membership.objects.filter(
            person__province_code=province.code, ended_on__isnull=True
        )
        .order_by("person_id")
        .values_list("person_id", "household_id", "relation", "started_on")
        if pid in persons
    ]
    moved = _moves(actor, now, go_live, on, random.Random(f"moves-{seed}"))
    persons, households, home, stays = _people(province.code)

    counts = {"list_cards": 0, "imported_cards": 0, "enrollments": 0, "refused": 0}
    # 1. The lists, then the household cards bought before go-live: recorded in chunks of persons.
    chunk = 1000
    desk_plan: list[tuple[dt.date, int, list[int]]] = []
    ordered = sorted(households.items())
    for i in range(0, len(ordered), chunk // 3):
        part = ordered[i : i + chunk // 3]
        members = [p for household_id, people in part for p in people if home.get(p.pk) == household_id]
        spans = _list_spans(members, on, rng, decide)
        for household_id, people in part:
            # each household its own draws: a change in one (a move) leaves the others' stories as they were
            own = random.Random(f"household-{seed}-{household_id}")
            imported, desk = _household_cycles(people, household_id, stays, on, go_live, own, decide)
            spans += imported
            desk_plan += [(day, household_id, ids) for day, ids in desk]
        spans = _one_at_a_time(spans)
        lists = [s for s in spans if s.group != "household"]
        counts["list_cards"] += len(lists)
        counts["imported_cards"] += len(spans) - len(lists)
        coverages_record_external(actor=actor, spans=lists, source="list")
        coverages_record_external(
            actor=actor, spans=[s for s in spans if s.group == "household"], source="import"
        )
        decide.forget()  # each chunk's people are asked about again only later, if at all: memory stays flat
        step("history", len(members))

    # 2. Since go-live the desk: household cards and voluntary SI, in the order they were paid.
    vsi = _vsi_payments(list(persons.values()), on, go_live, random.Random(f"vsi-{seed}"), decide)
    plan: list[tuple[dt.date, str, int, list[int], int, int | None]]
    plan = [(day, "hh", hid, ids, 12, None) for day, hid, ids in desk_plan]
    plan += [(day, "vsi", pid, [pid], months, income) for day, pid, months, income in vsi]
    plan.sort(key=lambda row: (row[0], row[1], row[2]))
    for n, (day, kind, key, ids, months, income) in enumerate(plan):
        if kind == "hh":  # as the agent does: whoever is still covered beyond the renewal window waits
            ids = [
                i
                for i in ids
                if persons[i].died_on is None and eligibility(person=persons[i], on=day).hi_household.allowed
            ]
            if not ids:
                continue
        try:
            with transaction.atomic():
                enrollment_create(
                    actor=actor,
                    idempotency_key=f"demo-{seed}-{kind}-{key}-{day.isoformat()}",
                    scheme=Scheme.VSI if kind == "vsi" else Scheme.HI_HOUSEHOLD,
                    person_ids=ids,
                    months=months,
                    income=income,
                    paid_on=day,
                    point=points[n % len(points)],
                )
            counts["enrollments"] += 1
        except ApplicationError:
            counts["refused"] += 1  # e.g. a card still runs beyond the renewal window: the desk refuses
    counts["vsi_payments"] = len(vsi)
    counts["deaths"] = died
    counts["status_changes"] = changed
    counts["moves"] = moved
    return counts
