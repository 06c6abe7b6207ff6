"""The coverage periods the coverage figures count (registry.models.CoveragePeriod) follow every change of the
coverage rows and of the people: desk enrollments, voided receipts, moves, deaths, a rebuild from scratch."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.enrollment.models import HICoverage, VSIContribution
from ansinh.enrollment.periods import coverage_periods_rebuild, merge
from ansinh.enrollment.services import enrollment_create, receipt_void
from ansinh.payments.models import Receipt
from ansinh.registry.models import CoveragePeriod
from ansinh.registry.services import person_update
from ansinh.reports.coverage import coverage
from factories import make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


def periods(person=None):
    """The periods that count (a span the person was alive on no day of is kept, with no valid days)."""
    rows = CoveragePeriod.objects.filter(valid_from__isnull=False)
    rows = rows if person is None else rows.filter(person=person)
    return sorted((p.person_id, p.scheme, p.valid_from, p.valid_to, p.commune_id, p.village_id) for p in rows)


def insured(commune, on):
    rows = coverage(user=make_user(role="administrator", areas=["15"]), area_code="15", on=on)["rows"]
    row = next((r for r in rows if r["code"] == commune.code), None)
    return (row["insured"], row["voluntary_si"]) if row else (0, 0)


def test_a_household_paid_at_the_desk_counts_as_insured_and_a_voided_receipt_takes_it_back(desk):
    ids = [p.pk for p in desk["members"]]
    enrollment, _ = enrollment_create(
        actor=desk["agent"], idempotency_key="periods-1", scheme="hi_household", person_ids=ids, months=12
    )
    spans = list(HICoverage.objects.filter(enrollment=enrollment))
    assert periods() == sorted(
        (s.person_id, "hi", s.valid_from, s.valid_to, desk["commune"].pk, None) for s in spans
    )
    on = spans[0].valid_from
    assert insured(desk["commune"], on) == (3, 0)
    assert insured(desk["commune"], on - DAY) == (0, 0)  # cards start 30 days after a first payment
    receipt_void(
        actor=desk["agent"], receipt=Receipt.objects.get(enrollment=enrollment), reason="wrong person"
    )
    assert periods() == [] and insured(desk["commune"], on) == (0, 0)


def test_a_voluntary_si_run_counts_from_its_first_to_the_last_day_of_its_last_month(desk):
    person = desk["members"][2]
    enrollment, _ = enrollment_create(
        actor=desk["agent"],
        idempotency_key="periods-vsi",
        scheme="vsi",
        person_ids=[person.pk],
        months=3,
        income=3_000_000,
    )
    run = VSIContribution.objects.get(enrollment=enrollment)
    [(_pid, scheme, start, end, _c, _v)] = periods(person)
    assert (scheme, start) == ("vsi", run.first_month) and end.month == run.last_month.month
    assert (end + DAY).day == 1  # the last day of the last month
    assert insured(desk["commune"], end) == (0, 1) and insured(desk["commune"], end + DAY) == (0, 0)


def test_a_move_and_a_death_move_and_cut_the_periods(desk, communes):
    ids = [p.pk for p in desk["members"]]
    enrollment_create(
        actor=desk["agent"], idempotency_key="periods-2", scheme="hi_household", person_ids=ids, months=12
    )
    admin = make_user(role="administrator", areas=["15"])
    moved, died = desk["members"][1], desk["members"][2]
    person_update(actor=admin, person=moved, data={"area_code": communes["b"].code})
    death = TODAY - dt.timedelta(days=1)
    span = HICoverage.objects.get(person=died)
    person_update(actor=admin, person=died, data={"died_on": death.isoformat()})
    assert [p[4] for p in periods(moved)] == [communes["b"].pk]
    assert periods(died) == []  # the card starts after the death: nothing left to count
    assert span.valid_from > death
    assert insured(communes["b"], span.valid_from) == (1, 0)
    assert insured(desk["commune"], span.valid_from) == (1, 0)  # the head only
    # The death was recorded for the wrong person: taken back, the card counts again — the registry cuts the
    # period again from its span, without reading the coverage rows.
    person_update(actor=admin, person=died, data={"died_on": None})
    assert periods(died) == [(died.pk, "hi", span.valid_from, span.valid_to, desk["commune"].pk, None)]
    assert insured(desk["commune"], span.valid_from) == (2, 0)


def test_a_rebuild_from_the_rows_gives_the_same_periods(desk, communes):
    ids = [p.pk for p in desk["members"]]
    enrollment_create(
        actor=desk["agent"], idempotency_key="periods-3", scheme="hi_household", person_ids=ids, months=12
    )
    kept = periods()
    CoveragePeriod.objects.all().delete()
    assert coverage_periods_rebuild(province_code="15") == len(kept)
    assert periods() == kept


ranges = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 120)).map(
        lambda t: (
            dt.date(2025, 1, 1) + dt.timedelta(days=t[0]),
            dt.date(2025, 1, 1) + dt.timedelta(days=sum(t)),
        )
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(ranges)
def test_merged_periods_cover_exactly_the_days_of_the_spans_and_never_overlap_or_touch(spans):
    merged = merge(spans)
    days = {a + dt.timedelta(days=i) for a, b in spans for i in range((b - a).days + 1)}
    assert {a + dt.timedelta(days=i) for a, b in merged for i in range((b - a).days + 1)} == days
    assert all(b1 + DAY < a2 for (_a1, b1), (a2, _b2) in zip(merged, merged[1:], strict=False))
