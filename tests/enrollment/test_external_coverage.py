"""Coverage recorded from outside the desk (an imported card list, a state-paid group list): no enrollment, no
receipt, but the desk's checks — scope, group, no overlap — and its consequences: a SI number and card code, an
audit event, the coverage periods and the next purchase's renewal flag."""

import datetime as dt

import pytest

from ansinh.core.errors import ApplicationError
from ansinh.core.models import AuditEvent
from ansinh.enrollment.models import CoverageSource, EnrollmentMember, HICoverage
from ansinh.enrollment.services import (
    ExternalSpan,
    coverage_record_external,
    coverages_record_external,
    enrollment_create,
)
from ansinh.registry.models import CoveragePeriod
from factories import make_person, make_user

D = dt.date


def test_a_recorded_card_gets_a_number_a_code_an_audit_event_and_counts_as_coverage(desk):
    person = desk["members"][2]
    span = coverage_record_external(
        actor=desk["agent"],
        person_id=person.pk,
        valid_from=D(2025, 1, 1),
        valid_to=D(2025, 12, 31),
        group="employee",
        source=CoverageSource.LIST,
    )
    person.refresh_from_db()
    assert span.enrollment_id is None and span.source == "list" and span.rule == "recorded"
    assert person.si_number and span.card_code.endswith(person.si_number) and len(span.card_code) == 15
    assert AuditEvent.objects.filter(action="coverage_record_external", object_id=str(span.pk)).count() == 1
    assert CoveragePeriod.objects.filter(person_id=person.pk, valid_from=D(2025, 1, 1)).exists()


def test_a_card_bought_after_a_recorded_one_is_a_renewal_not_new(desk):
    person = desk["members"][0]
    paid_on = desk_today = dt.date.today()  # the desk pays today
    coverage_record_external(
        actor=desk["agent"],
        person_id=person.pk,
        valid_from=desk_today - dt.timedelta(days=200),
        valid_to=paid_on + dt.timedelta(days=10),
        group="household",
    )
    enrollment, _ = enrollment_create(
        actor=desk["agent"], idempotency_key="after-recorded", scheme="hi_household", person_ids=[person.pk]
    )
    member = EnrollmentMember.objects.get(enrollment=enrollment)
    assert member.is_new is False
    new_span = HICoverage.objects.get(enrollment=enrollment)
    assert new_span.valid_from > paid_on + dt.timedelta(days=10)  # continues after the recorded card


def test_an_overlap_is_refused_with_the_card_it_meets_and_nothing_is_written(desk):
    person, other = desk["members"][0], desk["members"][1]
    coverage_record_external(
        actor=desk["agent"],
        person_id=person.pk,
        valid_from=D(2024, 1, 1),
        valid_to=D(2024, 12, 31),
        group="poor",
    )
    before = HICoverage.objects.count()
    spans = [
        ExternalSpan(other.pk, D(2024, 1, 1), D(2024, 12, 31), "poor"),
        ExternalSpan(person.pk, D(2024, 6, 1), D(2025, 5, 31), "poor"),
    ]
    with pytest.raises(ApplicationError) as exc:
        coverages_record_external(actor=desk["agent"], spans=spans)
    assert exc.value.code == "conflict" and exc.value.field == "spans[1].valid_from"
    assert "31/12/2024" in exc.value.message
    assert HICoverage.objects.count() == before  # the first span of the batch was not kept either
    twice = [ExternalSpan(other.pk, D(2023, 1, 1), D(2023, 6, 30), "poor")] * 2
    with pytest.raises(ApplicationError) as exc:
        coverages_record_external(actor=desk["agent"], spans=twice)
    assert exc.value.field == "spans[1].valid_from"


@pytest.mark.parametrize(
    ("span", "field"),
    [
        (dict(valid_from=D(2024, 2, 1), valid_to=D(2024, 1, 1), group="poor"), "valid_to"),
        (dict(valid_from=D(2024, 1, 1), valid_to=D(2024, 12, 31), group="martian"), "group"),
        (dict(valid_from=D(1024, 1, 1), valid_to=D(2024, 12, 31), group="poor"), "valid_from"),
        (
            dict(valid_from=D(2024, 1, 1), valid_to=D(2024, 12, 31), group="poor", facility_code="nope"),
            "facility_code",
        ),
    ],
)
def test_bad_spans_are_refused_by_field(desk, span, field):
    with pytest.raises(ApplicationError) as exc:
        coverage_record_external(actor=desk["agent"], person_id=desk["members"][0].pk, **span)
    assert exc.value.field == field and exc.value.code == "invalid"
    assert not HICoverage.objects.exists()


def test_a_person_outside_the_actors_areas_is_not_found_and_viewers_may_not_record(desk, communes):
    stranger = make_person(
        make_user(role="collection_agent", areas=[communes["b"].code]), area_code=communes["b"].code
    )
    with pytest.raises(ApplicationError) as exc:
        coverage_record_external(
            actor=desk["agent"],
            person_id=stranger.pk,
            valid_from=D(2024, 1, 1),
            valid_to=D(2024, 12, 31),
            group="poor",
        )
    assert exc.value.code == "not_found"
    viewer = make_user(role="viewer", areas=[desk["commune"].code])
    with pytest.raises(ApplicationError):
        coverage_record_external(
            actor=viewer,
            person_id=desk["members"][0].pk,
            valid_from=D(2024, 1, 1),
            valid_to=D(2024, 12, 31),
            group="poor",
        )
    assert not HICoverage.objects.exists()
