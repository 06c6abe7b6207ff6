import pytest

from ansinh.registry.services import household_add_member
from factories import make_household, make_person, make_point, make_user


@pytest.fixture
def keys(tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "keys"))
    return tmp_path / "keys"


@pytest.fixture
def desk(communes, keys):
    """An agent at an event desk in commune a, and a household of three adults there."""
    commune = communes["a"]
    agent = make_user(role="collection_agent", areas=[commune.code])
    point = make_point(area=commune, agents=[agent])
    head = make_person(
        agent, area_code=commune.code, full_name="Nguyễn Văn An", sex="m", birth_date="1970-01-01"
    )
    household = make_household(agent, head=head)
    members = [head]
    for name, sex, born in (("Trần Thị Bình", "f", "1972-05-05"), ("Nguyễn Thị Huyền", "f", "1997-03-12")):
        person = make_person(agent, area_code=commune.code, full_name=name, sex=sex, birth_date=born)
        household_add_member(actor=agent, household=household, person=person, relation="other")
        members.append(person)
    return {"agent": agent, "point": point, "household": household, "members": members, "commune": commune}
