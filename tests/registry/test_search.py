"""Finding people: with or without diacritics, ranked, by identifiers, and only within the user's areas."""

import pytest

from ansinh.registry.selectors import person_search
from factories import make_person, make_user


@pytest.fixture
def agent(communes):
    return make_user(role="collection_agent", areas=[communes["a"].code])


def names(people):
    return [p.full_name for p in people]


def test_a_name_typed_without_diacritics_finds_the_person(agent, communes):
    make_person(agent, area_code=communes["a"].code, full_name="Nguyễn Thị Huyền", sex="f")
    make_person(agent, area_code=communes["a"].code, full_name="Nguyễn Văn Huy", sex="m")
    assert names(person_search(user=agent, text="nguyen thi huyen")) == ["Nguyễn Thị Huyền"]
    assert names(person_search(user=agent, text="NGUYỄN THỊ HUYỀN")) == ["Nguyễn Thị Huyền"]
    assert names(person_search(user=agent, text="huyen")) == ["Nguyễn Thị Huyền"]


def test_the_exact_name_ranks_before_longer_names_that_contain_it(agent, communes):
    for name in ["Trần Thị Lan Anh", "Lê Anh", "Anh Tuấn", "Hoàng Anh Đức"]:
        make_person(agent, area_code=communes["a"].code, full_name=name)
    found = names(person_search(user=agent, text="le anh"))
    assert found == ["Lê Anh"]
    ranked = names(person_search(user=agent, text="anh"))
    # given name "Anh" (ends with it) and names starting with it come before names with it in the middle
    assert set(ranked[:3]) == {"Lê Anh", "Anh Tuấn", "Trần Thị Lan Anh"}
    assert ranked[-1] == "Hoàng Anh Đức"


def test_exact_personal_id_si_number_and_phone_lookup(agent, communes):
    person = make_person(agent, area_code=communes["a"].code, si_number="0123456789", phone="0912345678")
    make_person(agent, area_code=communes["a"].code)
    assert [p.pk for p in person_search(user=agent, text=person.personal_id)] == [person.pk]
    assert [p.pk for p in person_search(user=agent, text="0123456789")] == [person.pk]
    assert [p.pk for p in person_search(user=agent, text="+84 912 345 678")] == [person.pk]
    other_id = person.personal_id[:-1] + ("1" if person.personal_id.endswith("0") else "0")
    assert person_search(user=agent, text=other_id) == []  # exact lookup: one digit off finds no one


def test_search_never_returns_people_outside_the_users_areas(agent, communes):
    province_admin = make_user(role="administrator", areas=["15", "01"])
    make_person(province_admin, area_code=communes["other"].code, full_name="Nguyễn Thị Huyền", sex="f")
    inside = make_person(province_admin, area_code=communes["a"].code, full_name="Nguyễn Thị Huyền", sex="f")
    assert [p.pk for p in person_search(user=agent, text="nguyen thi huyen")] == [inside.pk]
    assert len(person_search(user=province_admin, text="nguyen thi huyen")) == 2
