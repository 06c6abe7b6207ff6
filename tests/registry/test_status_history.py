"""A person's statuses over time (ADR 0031): a change in life carries the day it takes effect, and whatever decides
on a date reads the statuses of that date; a correction rewrites the current value only."""

import datetime as dt

import pytest

from ansinh.core.dates import today
from ansinh.core.errors import ValidationFailed
from ansinh.core.models import AuditEvent
from ansinh.enrollment.quotes import vsi_groups_of
from ansinh.enrollment.selectors import eligibility
from ansinh.registry.models import Person, StatusChange
from ansinh.registry.selectors import statuses_on, statuses_on_many
from ansinh.registry.services import person_create, person_update
from factories import make_person, make_user, person_data

MARCH = dt.date(2025, 3, 1)


@pytest.fixture
def agent(communes):
    return make_user(role="collection_agent", areas=[communes["a"].code])


@pytest.fixture
def poor(agent, communes):
    return make_person(
        agent, area_code=communes["a"].code, birth_date="1990-05-02", poverty="poor", poverty_year=2020
    )


def test_a_household_lifted_out_of_poverty_keeps_its_past(agent, poor):
    person = person_update(actor=agent, person=poor, data={"poverty": "", "statuses_from": "01/03/2025"})
    assert person.poverty == "" and person.statuses_since == MARCH
    change = StatusChange.objects.get(person=person)
    assert (change.field, change.before, change.after, change.effective_on) == ("poverty", "poor", "", MARCH)
    assert change.created_by == agent
    assert statuses_on(person, MARCH - dt.timedelta(days=1)).poverty == "poor"
    assert statuses_on(person, MARCH).poverty == ""
    assert statuses_on(person, today()) is person  # today needs no query
    # the one rule decides each day with that day's statuses: the state paid the card before, the household after
    before = eligibility(person=person, on=dt.date(2025, 2, 1), coverage_end=None)
    after = eligibility(person=person, on=dt.date(2025, 4, 1), coverage_end=None)
    assert not before.hi_household.allowed and before.hi_household.covered_by == "poor"
    assert after.hi_household.allowed and "poor" not in after.hi_groups
    # and so does the voluntary-SI support of a payment on that day
    assert "poor" in vsi_groups_of(person, dt.date(2025, 2, 1))
    assert "poor" not in vsi_groups_of(person, dt.date(2025, 4, 1))
    event = AuditEvent.objects.filter(action="person_update", object_id=str(person.pk)).get()
    assert event.after["poverty"] == "" and event.after["statuses_from"] == "2025-03-01"


def test_without_a_date_an_edit_is_a_correction_and_the_past_reads_the_same(agent, poor):
    person = person_update(actor=agent, person=poor, data={"poverty": "near_poor"})
    assert not StatusChange.objects.exists() and person.statuses_since is None
    assert statuses_on(person, dt.date(2020, 1, 1)).poverty == "near_poor"
    # a correction after a change mends the value since that change, not before it
    person = person_update(actor=agent, person=person, data={"poverty": "", "statuses_from": "2025-03-01"})
    person = person_update(actor=agent, person=person, data={"employment": "informal"})
    assert StatusChange.objects.count() == 1
    assert statuses_on(person, dt.date(2025, 1, 1)).poverty == "near_poor"
    assert statuses_on(person, dt.date(2025, 1, 1)).employment == "informal"  # corrected for all time
    assert statuses_on(person, MARCH).poverty == ""


def test_changes_are_recorded_in_order_and_each_reads_on_its_own_day(agent, poor):
    person = person_update(
        actor=agent, person=poor, data={"poverty": "near_poor", "statuses_from": "2022-01-01"}
    )
    person = person_update(actor=agent, person=person, data={"poverty": "", "statuses_from": "2024-01-01"})
    person = person_update(
        actor=agent, person=person, data={"employment": "formal", "statuses_from": "2023-06-15"}
    )  # another status may change between them
    assert person.statuses_since == dt.date(2024, 1, 1)
    readings = {
        day: (statuses_on(person, day).poverty, statuses_on(person, day).employment)
        for day in (dt.date(2021, 12, 31), dt.date(2022, 1, 1), dt.date(2023, 6, 15), dt.date(2024, 1, 1))
    }
    assert readings == {
        dt.date(2021, 12, 31): ("poor", ""),
        dt.date(2022, 1, 1): ("near_poor", ""),
        dt.date(2023, 6, 15): ("near_poor", "formal"),
        dt.date(2024, 1, 1): ("", "formal"),
    }
    assert not eligibility(person=person, on=dt.date(2023, 7, 1), coverage_end=None).hi_household.allowed
    # a change of poverty before the last recorded one is refused, naming its day, and nothing is written
    with pytest.raises(ValidationFailed) as e:
        person_update(actor=agent, person=person, data={"poverty": "poor", "statuses_from": "2023-01-01"})
    assert "01/01/2024" in e.value.errors["statuses_from"]
    person.refresh_from_db()
    assert person.poverty == "" and StatusChange.objects.count() == 3


@pytest.mark.parametrize(
    "when, field",
    [
        ("2999-01-01", "statuses_from"),
        ("1989-01-01", "statuses_from"),
        ("2025", "statuses_from"),
        ("31/02/2025", "statuses_from"),
    ],
)
def test_a_change_outside_the_persons_life_is_refused(agent, poor, when, field):
    with pytest.raises(ValidationFailed) as e:
        person_update(actor=agent, person=poor, data={"poverty": "", "statuses_from": when})
    assert e.value.errors[field]
    poor.refresh_from_db()
    assert poor.poverty == "poor" and not StatusChange.objects.exists()


def test_a_new_person_has_no_date_of_change(agent, communes):
    with pytest.raises(ValidationFailed) as e:
        person_create(actor=agent, data=person_data(area_code=communes["a"].code, statuses_from="2025-01-01"))
    assert e.value.errors["statuses_from"]
    assert not Person.objects.exists()


def test_many_people_are_read_on_a_day_with_one_query(agent, poor, communes, django_assert_num_queries):
    others = [make_person(agent, area_code=communes["a"].code, birth_date="1980") for _ in range(3)]
    for p in others:
        person_update(actor=agent, person=p, data={"is_student": True, "statuses_from": "2024-09-01"})
    people = list(Person.objects.all())
    with django_assert_num_queries(1):
        read = statuses_on_many(people, dt.date(2024, 8, 31))
    assert [read[p.pk].is_student for p in people] == [False] * 4
    with django_assert_num_queries(0):
        read = statuses_on_many(people, dt.date(2024, 9, 1))
    assert sorted(read[p.pk].is_student for p in people) == [False, True, True, True]
    # people read with their changes (the demo's history) are answered from them
    people = list(Person.objects.prefetch_related("status_changes"))
    with django_assert_num_queries(0):
        read = statuses_on_many(people, dt.date(2024, 8, 31))
    assert [read[p.pk].is_student for p in people] == [False] * 4


@pytest.mark.usefixtures("vietnamese")
def test_the_form_records_a_change_in_life_and_the_person_page_shows_it_in_vietnamese(client, agent, poor):
    data = {
        "full_name": poor.full_name,
        "birth_date": "02/05/1990",
        "sex": poor.sex,
        "ethnicity": "01",
        "personal_id": poor.personal_id,
        "area_code": poor.commune.code,
        "poverty": "near_poor",
        "poverty_year": "2025",
        "statuses_from": "01/03/2025",
    }
    client.force_login(agent)
    page = client.get(f"/persons/{poor.pk}/edit/").content.decode()
    assert "có hiệu lực từ ngày" in page
    response = client.post(f"/persons/{poor.pk}/edit/", {**data, "statuses_from": "2025"})
    assert response.status_code == 200 and "Nhập đủ ngày thay đổi có hiệu lực" in response.content.decode()
    assert not StatusChange.objects.exists()
    response = client.post(f"/persons/{poor.pk}/edit/", data)
    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert (change.before, change.after, change.effective_on) == ("poor", "near_poor", MARCH)
    page = client.get(f"/persons/{poor.pk}/").content.decode()
    assert "Các thay đổi tình trạng" in page and "01/03/2025" in page
    assert (
        "statuses_from" not in page and "statuses since" not in page
    )  # the record's history names it in words
    assert "có hiệu lực từ" in page


def test_the_api_takes_the_day_of_a_change_and_lists_the_changes(client, agent, poor):
    from ansinh.core.services import token_create

    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=agent)[1]}"}
    response = client.patch(
        f"/api/v1/persons/{poor.pk}",
        data={"poverty": "", "statuses_from": "2025-03-01"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.content
    assert response.json()["statuses_since"] == "2025-03-01" and response.json()["poverty"] == ""
    listed = client.get(f"/api/v1/persons/{poor.pk}/status-changes", **auth).json()
    assert listed == [{"field": "poverty", "before": "poor", "after": "", "effective_on": "2025-03-01"}]
    bad = client.patch(
        f"/api/v1/persons/{poor.pk}",
        data={"poverty": "poor", "statuses_from": "2024-01-01"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "statuses_from"
    on_day = client.get(f"/api/v1/persons/{poor.pk}/eligibility?on=2025-02-01", **auth).json()
    assert on_day["schemes"]["hi_household"]["covered_by"] == "poor"


def test_a_past_history_is_recorded_before_the_changes_made_since(agent, poor):
    from ansinh.core.errors import ApplicationError
    from ansinh.registry.services import PastChange, status_history_record

    # since go-live: lifted out of poverty on 1 March 2025, at the desk
    person = person_update(actor=agent, person=poor, data={"poverty": "", "statuses_from": "2025-03-01"})
    # before: near-poor until 2021, poor from 2021 (the commune's lists of those years)
    past = [PastChange(dt.date(2021, 1, 1), "poverty", "near_poor", "poor")]
    # a history that does not end at the value in force before the first recorded change is refused
    for wrong in (
        [PastChange(dt.date(2021, 1, 1), "poverty", "poor", "near_poor")],
        [PastChange(dt.date(2025, 6, 1), "poverty", "near_poor", "poor")],  # after the recorded change
        [PastChange(MARCH, "poverty", "near_poor", "poor")],  # on its day: which came first?
        [PastChange(dt.date(2021, 1, 1), "poverty", "rich", "poor")],
        [PastChange(dt.date(1980, 1, 1), "poverty", "near_poor", "poor")],  # before birth
        [PastChange(dt.date(2021, 1, 1), "full_name", "A", "B")],
    ):
        with pytest.raises(ApplicationError) as e:
            status_history_record(actor=agent, person=person, changes=wrong)
        assert e.value.field == "changes" and e.value.message
    assert StatusChange.objects.count() == 1
    assert status_history_record(actor=agent, person=person, changes=past) == 1
    person.refresh_from_db()
    assert person.poverty == "" and person.statuses_since == MARCH
    readings = [
        statuses_on(person, day).poverty for day in (dt.date(2020, 6, 1), dt.date(2022, 6, 1), today())
    ]
    assert readings == ["near_poor", "poor", ""]
    assert AuditEvent.objects.filter(action="person_status_history", object_id=str(person.pk)).count() == 1
