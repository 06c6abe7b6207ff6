"""Registering and correcting people: validation, scope, audit. A refused write saves nothing."""

import pytest

from ansinh.core.errors import ApplicationError, ValidationFailed
from ansinh.core.models import AuditEvent
from ansinh.registry.models import Membership, Person
from ansinh.registry.services import household_add_member, household_move_member, person_create, person_update
from factories import make_household, make_person, make_user, person_data


@pytest.fixture
def agent(communes):
    return make_user(role="collection_agent", areas=[communes["a"].code, communes["b"].code])


def test_an_agent_registers_a_person_in_their_commune_and_the_audit_log_has_it(agent, communes):
    person = make_person(
        agent,
        area_code=communes["a"].code,
        full_name="  nguyễn   thị huyền ",
        sex="f",
        birth_date="1997-03-12",
        phone="+84 912 345 678",
    )
    assert person.full_name == "Nguyễn Thị Huyền"
    assert person.name_folded == "nguyen thi huyen"
    assert person.phone == "0912345678"
    assert person.province_code == "15"
    event = AuditEvent.objects.get(object_type="registry.person", object_id=str(person.pk))
    assert (
        event.action == "person_create"
        and event.actor == agent
        and event.after["full_name"] == person.full_name
    )


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"personal_id": "010197000"}, "personal_id"),  # too short
        (
            {"personal_id": "003197000001", "birth_date": "1997-01-01", "sex": "m"},
            "personal_id",
        ),  # no province 003
        (
            {"personal_id": "010097000001", "birth_date": "1997-01-01", "sex": "f"},
            "personal_id",
        ),  # digit 4 = male
        (
            {"personal_id": "010098000001", "birth_date": "1997-01-01", "sex": "m"},
            "personal_id",
        ),  # year 98 ≠ 97
        ({"birth_date": "1997-02-30"}, "birth_date"),  # impossible date
        ({"birth_date": "2999"}, "birth_date"),  # future
        ({"area_code": "99999"}, "area_code"),  # unknown area
        ({"phone": "12345"}, "phone"),
        ({"si_number": "12"}, "si_number"),
        ({"full_name": " "}, "full_name"),
        ({"sex": "x"}, "sex"),
        ({"ethnicity": "77"}, "ethnicity"),
        ({"poverty": "poor"}, "poverty_year"),  # poverty needs the year it was certified
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(agent, communes, overrides, field):
    before = (Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as e:
        person_create(actor=agent, data=person_data(**{"area_code": communes["a"].code, **overrides}))
    assert field in e.value.errors
    assert e.value.errors[field]
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_a_person_can_be_registered_with_only_a_birth_year_or_month(agent, communes):
    by_year = make_person(agent, area_code=communes["a"].code, birth_date="1962", sex="m")
    by_month = make_person(agent, area_code=communes["a"].code, birth_date="05/1970", sex="f")
    assert (by_year.birth_date_iso, by_year.birth_date_display) == ("1962", "1962")
    assert (by_month.birth_date_iso, by_month.birth_date_display) == ("1970-05", "05/1970")


def test_an_agent_cannot_register_a_person_outside_their_areas(agent, communes):
    with pytest.raises(ValidationFailed) as e:
        person_create(actor=agent, data=person_data(area_code=communes["other"].code))
    assert "area_code" in e.value.errors
    assert not Person.objects.filter(commune=communes["other"]).exists()


def test_a_viewer_cannot_register_anyone(communes):
    viewer = make_user(role="viewer", areas=["15"])
    with pytest.raises(ApplicationError) as e:
        person_create(actor=viewer, data=person_data(area_code=communes["a"].code))
    assert e.value.code == "permission_denied"
    assert Person.objects.count() == 0


def test_two_people_cannot_share_a_personal_id(agent, communes):
    first = make_person(agent, area_code=communes["a"].code)
    with pytest.raises(ValidationFailed) as e:
        make_person(
            agent,
            area_code=communes["a"].code,
            personal_id=first.personal_id,
            sex=first.sex,
            birth_date=first.birth_date.isoformat(),
        )
    assert "personal_id" in e.value.errors


def test_a_correction_is_recorded_with_before_and_after(agent, communes):
    person = make_person(agent, area_code=communes["a"].code, phone="0912345678")
    person_update(actor=agent, person=person, data={"phone": "0987654321", "is_student": True})
    event = AuditEvent.objects.filter(object_id=str(person.pk), action="person_update").get()
    assert event.before == {"phone": "0912345678", "is_student": False}
    assert event.after == {"phone": "0987654321", "is_student": True}


def test_a_bad_correction_changes_nothing(agent, communes):
    person = make_person(agent, area_code=communes["a"].code, phone="0912345678")
    with pytest.raises(ValidationFailed):
        person_update(actor=agent, person=person, data={"phone": "0987654321", "birth_date": "1990-13-01"})
    person.refresh_from_db()
    assert person.phone == "0912345678"
    assert not AuditEvent.objects.filter(object_id=str(person.pk), action="person_update").exists()


def test_an_agent_of_another_area_cannot_correct_the_record(agent, communes):
    person = make_person(agent, area_code=communes["a"].code)
    outsider = make_user(role="collection_agent", areas=[communes["other"].code])
    with pytest.raises(ApplicationError) as e:
        person_update(actor=outsider, person=person, data={"phone": "0987654321"})
    assert e.value.code == "not_found"
    person.refresh_from_db()
    assert person.phone == ""


def test_a_household_has_its_head_as_first_member_and_a_person_belongs_to_one_household(agent, communes):
    head = make_person(agent, area_code=communes["a"].code)
    child = make_person(agent, area_code=communes["a"].code)
    household = make_household(agent, head=head)
    household_add_member(actor=agent, household=household, person=child, relation="child")
    assert list(Membership.objects.filter(household=household).values_list("relation", flat=True)) == [
        "head",
        "child",
    ]
    other_head = make_person(agent, area_code=communes["a"].code)
    other = make_household(agent, head=other_head)
    with pytest.raises(ApplicationError) as e:
        household_add_member(actor=agent, household=other, person=child, relation="child")
    assert e.value.code == "conflict" and e.value.field == "person_id"
    assert Membership.objects.filter(person=child).count() == 1


def test_a_move_closes_the_old_membership_and_keeps_it_as_history(agent, communes):
    head = make_person(agent, area_code=communes["a"].code)
    child = make_person(agent, area_code=communes["a"].code)
    first = make_household(agent, head=head)
    household_add_member(actor=agent, household=first, person=child, relation="child")
    second = make_household(agent, head=make_person(agent, area_code=communes["b"].code))
    household_move_member(actor=agent, person=child, to=second, relation="spouse")
    memberships = list(Membership.objects.filter(person=child).order_by("pk"))
    assert memberships[0].household == first and memberships[0].ended_on is not None
    assert memberships[1].household == second and memberships[1].ended_on is None
    actions = set(AuditEvent.objects.filter(object_id=str(child.pk)).values_list("action", flat=True))
    assert {"household_join", "household_leave"} <= actions


def test_a_household_has_one_head_and_a_head_who_moves_out_leaves_it_headless_until_a_new_one(
    agent, communes
):
    head = make_person(agent, area_code=communes["a"].code)
    household = make_household(agent, head=head)
    other = make_person(agent, area_code=communes["a"].code)
    with pytest.raises(ApplicationError) as e:
        household_add_member(actor=agent, household=household, person=other, relation="head")
    assert e.value.field == "relation" and not Membership.objects.filter(person=other).exists()
    elsewhere = make_household(agent, head=make_person(agent, area_code=communes["a"].code))
    household_move_member(actor=agent, person=head, to=elsewhere, relation="other")
    household.refresh_from_db()
    assert household.head_id is None  # no head who is not a member
    event = AuditEvent.objects.get(action="household_head_clear", object_id=str(household.pk))
    assert event.before == {"head": head.pk} and event.after == {"head": None}
    household_add_member(actor=agent, household=household, person=other, relation="head")
    household.refresh_from_db()
    assert household.head_id == other.pk


@pytest.mark.parametrize(
    "died, words",
    [
        ("31/02/2025", "not a date that exists"),
        ("abc", "dd/mm/yyyy"),
        ("2025", "full date of death"),
        ("01/01/2999", "not in the future"),
    ],
)
def test_a_bad_date_of_death_says_what_is_wrong(agent, communes, died, words, settings):
    from django.utils import translation

    person = make_person(agent, area_code=communes["a"].code, birth_date="1950-01-01")
    with translation.override("en"), pytest.raises(ValidationFailed) as e:
        person_update(actor=agent, person=person, data={"died_on": died})
    assert words in e.value.errors["died_on"]
    person.refresh_from_db()
    assert person.died_on is None


def test_a_name_longer_than_the_register_holds_is_refused(agent, communes):
    with pytest.raises(ValidationFailed) as e:
        person_create(actor=agent, data=person_data(area_code=communes["a"].code, full_name="Nguyễn " * 40))
    assert "full_name" in e.value.errors and not Person.objects.exists()


def test_an_agent_of_one_village_registers_and_corrects_people_of_that_village_only(communes):
    from ansinh.areas.services import village_create

    admin = make_user(role="administrator", areas=["15"])
    mine = village_create(actor=admin, commune=communes["a"], name="Bản Một")
    other = village_create(actor=admin, commune=communes["a"], name="Bản Hai")
    agent = make_user(role="collection_agent", areas=[mine.code])
    person = make_person(agent, area_code=communes["a"].code, village_id=mine.pk)
    assert person.village_id == mine.pk
    person_update(actor=agent, person=person, data={"phone": "0912345678"})
    household = make_household(agent, head=person)
    assert household.head_id == person.pk
    with pytest.raises(ValidationFailed) as e:  # another village of the same commune is not theirs
        make_person(agent, area_code=communes["a"].code, village_id=other.pk)
    assert "village_id" in e.value.errors
    with pytest.raises(ValidationFailed) as e:  # nor the commune without a village
        make_person(agent, area_code=communes["a"].code)
    assert "village_id" in e.value.errors
    neighbour = make_person(admin, area_code=communes["a"].code, village_id=other.pk)
    with pytest.raises(ApplicationError) as e2:
        person_update(actor=agent, person=neighbour, data={"phone": "0912345679"})
    assert e2.value.code == "not_found"


def test_many_persons_get_their_si_numbers_at_once_skipping_one_already_held(agent, communes):
    """registry.services.si_numbers_assign_locked (an import's cards): each province's serials taken together, a
    number someone already holds skipped for a later serial, one audit event per number given, and a person who
    has a number keeps it."""
    from ansinh.registry.models import SINumberSequence
    from ansinh.registry.services import si_numbers_assign_locked

    c = communes["a"].code
    people = [
        make_person(agent, area_code=c, full_name=f"Vàng A Sử {i}", sex="m", birth_date="1980")
        for i in range(4)
    ]
    Person.objects.filter(pk=people[3].pk).update(si_number="1599999999")
    holder = make_person(agent, area_code=c, full_name="Lò Thị Dung", sex="f", birth_date="1970")
    SINumberSequence.objects.update_or_create(province_code="15", defaults={"next_serial": 41})
    Person.objects.filter(pk=holder.pk).update(si_number="1500000042")  # entered from the national system
    people[3].refresh_from_db()

    si_numbers_assign_locked(actor=agent, persons=[people[0], people[1], people[0], people[2], people[3]])

    numbers = [p.si_number for p in people]  # 42 is held: its person gets the next round's serial, 44
    assert numbers == ["1500000041", "1500000044", "1500000043", "1599999999"]
    assert [Person.objects.get(pk=p.pk).si_number for p in people] == numbers
    assert SINumberSequence.objects.get(province_code="15").next_serial == 45
    given = AuditEvent.objects.filter(action="si_number_assign")
    assert sorted((e.object_id, e.after["si_number"]) for e in given) == sorted(
        (str(p.pk), n) for p, n in zip(people[:3], numbers[:3], strict=True)
    )
