"""Two records of one person made one, and undone: memberships, coverage, enrollments, source links and a
household's head move to the kept record with the identifiers it lacked; the dropped record leaves the
registry's reads; an audit event each way; undo puts every row and identifier back."""

from __future__ import annotations

import datetime as dt

import pytest

from ansinh.core.errors import ApplicationError
from ansinh.core.models import AuditEvent
from ansinh.enrollment.models import EnrollmentMember, HICoverage
from ansinh.enrollment.services import enrollment_create
from ansinh.imports.models import Entity, SourceLink
from ansinh.registry.models import Household, Membership, Person
from ansinh.registry.selectors import persons_for_user
from ansinh.registry.services import household_add_member, person_merge, person_merge_undo
from factories import make_hi_coverage, make_household, make_person, make_point, make_user, personal_id_for


@pytest.fixture
def keys(tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "keys"))


@pytest.fixture
def twins(communes, keys):
    c = communes["a"]
    agent = make_user(role="collection_agent", areas=[c.code])
    make_point(area=c, agents=[agent])
    pid = personal_id_for(sex="f", year=1990, province="015", serial=777)
    kept = make_person(
        agent,
        area_code=c.code,
        full_name="Nguyễn Thị Hương",
        sex="f",
        birth_date="1990-03-04",
        personal_id=None,
    )
    dropped = make_person(
        agent,
        area_code=c.code,
        full_name="NGUYEN THI HUONG",
        sex="f",
        birth_date="1990-04-03",
        personal_id=pid,
    )
    head = make_person(agent, area_code=c.code, full_name="Lê Văn Nam", sex="m", birth_date="1960-01-01")
    household = make_household(agent, head=head)
    household_add_member(actor=agent, household=household, person=kept, relation="child")
    own = make_household(agent, head=dropped)  # the dropped record heads a household of its own
    make_hi_coverage(dropped, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    enrollment, _ = enrollment_create(
        actor=agent, idempotency_key="merge-test-1", scheme="hi_household", person_ids=[dropped.pk]
    )
    SourceLink.objects.create(
        source="xa", entity=Entity.PERSON, key="P9", person=dropped, province_code=dropped.province_code
    )
    return {"agent": agent, "kept": kept, "dropped": dropped, "own": own, "household": household, "pid": pid}


def test_a_merge_moves_every_row_and_undo_puts_them_back(twins):
    agent, kept, dropped = twins["agent"], twins["kept"], twins["dropped"]
    rows_before = {
        "coverage": set(HICoverage.objects.filter(person=dropped).values_list("pk", flat=True)),
        "members": set(EnrollmentMember.objects.filter(person=dropped).values_list("pk", flat=True)),
        "memberships": set(Membership.objects.filter(person=dropped).values_list("pk", flat=True)),
    }
    assert rows_before["coverage"] and rows_before["members"] and rows_before["memberships"]
    merge = person_merge(
        actor=agent, keep=kept, drop=dropped, reason="same birth date, day and month swapped"
    )
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert (
        kept.personal_id == twins["pid"] and dropped.personal_id is None and dropped.merged_into_id == kept.pk
    )
    assert set(HICoverage.objects.filter(person=kept).values_list("pk", flat=True)) >= rows_before["coverage"]
    assert (
        set(EnrollmentMember.objects.filter(person=kept).values_list("pk", flat=True))
        == rows_before["members"]
    )
    assert not Membership.objects.filter(person=dropped).exists()
    assert Membership.objects.filter(person=kept, ended_on__isnull=True).count() == 1  # one household still
    assert Household.objects.get(pk=twins["own"].pk).head_id == kept.pk
    assert SourceLink.objects.get(key="P9").person_id == kept.pk
    assert not persons_for_user(user=agent).filter(pk=dropped.pk).exists()
    assert merge.aliases["full_name"] == "Nguyen Thi Huong" and merge.aliases["personal_id"] == twins["pid"]
    assert AuditEvent.objects.filter(action="person_merge", object_id=str(merge.pk)).count() == 1

    with pytest.raises(ApplicationError):
        person_merge(actor=agent, keep=kept, drop=dropped)  # already merged

    person_merge_undo(actor=agent, merge=merge)
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert kept.personal_id is None and dropped.personal_id == twins["pid"] and dropped.merged_into_id is None
    assert (
        set(HICoverage.objects.filter(person=dropped).values_list("pk", flat=True)) == rows_before["coverage"]
    )
    assert (
        set(EnrollmentMember.objects.filter(person=dropped).values_list("pk", flat=True))
        == rows_before["members"]
    )
    assert (
        set(Membership.objects.filter(person=dropped).values_list("pk", flat=True))
        == rows_before["memberships"]
    )
    assert Membership.objects.filter(person=dropped, ended_on__isnull=True).count() == 1  # reopened
    assert Household.objects.get(pk=twins["own"].pk).head_id == dropped.pk
    assert SourceLink.objects.get(key="P9").person_id == dropped.pk
    assert AuditEvent.objects.filter(action="person_merge_undo").count() == 1
    with pytest.raises(ApplicationError):
        person_merge_undo(actor=agent, merge=merge)


def test_two_personal_ids_are_two_people_and_scope_holds(twins, communes):
    agent = twins["agent"]
    other = make_person(
        agent,
        area_code=communes["a"].code,
        full_name="Nguyễn Thị Hương",
        sex="f",
        birth_date="1990-03-04",
        personal_id=personal_id_for(sex="f", year=1990, province="015", serial=778),
    )
    with pytest.raises(ApplicationError) as e:
        person_merge(actor=agent, keep=other, drop=twins["dropped"])
    assert e.value.field == "personal_id"
    stranger = make_user(role="collection_agent", areas=[communes["b"].code])
    with pytest.raises(ApplicationError) as e:
        person_merge(actor=stranger, keep=twins["kept"], drop=twins["dropped"])
    assert e.value.status == 404
    assert Person.objects.filter(merged_into__isnull=False).count() == 0


def test_a_merged_record_is_not_counted_twice_in_coverage(twins):
    from ansinh.reports.coverage import coverage

    agent, commune = twins["agent"], twins["kept"].commune
    before = coverage(user=agent, area_code=commune.code)["total"]["population"]
    merge = person_merge(actor=agent, keep=twins["kept"], drop=twins["dropped"])
    assert coverage(user=agent, area_code=commune.code)["total"]["population"] == before - 1
    person_merge_undo(actor=agent, merge=merge)
    assert coverage(user=agent, area_code=commune.code)["total"]["population"] == before


def test_the_merge_through_imports_rebuilds_both_persons_coverage_periods(twins):
    from ansinh.imports.dedup import persons_merge, persons_unmerge
    from ansinh.registry.models import CoveragePeriod

    agent, kept, dropped = twins["agent"], twins["kept"], twins["dropped"]
    spans_before = sorted(
        CoveragePeriod.objects.filter(person=dropped).values_list("scheme", "span_from", "span_to")
    )
    assert spans_before and not CoveragePeriod.objects.filter(person=kept).exists()
    merge = persons_merge(actor=agent, keep_id=kept.pk, drop_id=dropped.pk)
    assert not CoveragePeriod.objects.filter(person=dropped).exists()  # counted once, on the kept record
    assert sorted(
        CoveragePeriod.objects.filter(person=kept).values_list("scheme", "span_from", "span_to")
    ) == (spans_before)
    persons_unmerge(actor=agent, merge_id=merge.pk)
    assert not CoveragePeriod.objects.filter(person=kept).exists()
    assert (
        sorted(CoveragePeriod.objects.filter(person=dropped).values_list("scheme", "span_from", "span_to"))
        == spans_before
    )
