"""The JSON API for persons, households and areas: the contract's field names, errors, and the
authorization matrix (anonymous / other area / own area without the permission / own area with it)."""

import json

import pytest

from ansinh.core.models import AuditEvent
from ansinh.core.services import token_create, token_revoke
from ansinh.registry.models import Household, Person
from factories import make_household, make_person, make_user, person_data

CONTRACT = {
    "id",
    "full_name",
    "birth_date",
    "sex",
    "personal_id",
    "si_number",
    "phone",
    "area_code",
    "village_id",
    "household_id",
}


@pytest.fixture
def people(communes):
    owner = make_user(role="collection_agent", areas=[communes["a"].code])
    person = make_person(
        owner,
        area_code=communes["a"].code,
        full_name="Nguyễn Thị Huyền",
        sex="f",
        birth_date="1997-03-12",
        phone="0912345678",
    )
    return {"owner": owner, "person": person}


def bearer(user):
    _token, raw = token_create(actor=None, user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def as_role(communes):
    def make(kind):
        if kind == "anonymous":
            return {}
        if kind == "other_area":
            return bearer(make_user(role="collection_agent", areas=[communes["other"].code]))
        if kind == "own_area_viewer":
            return bearer(make_user(role="viewer", areas=[communes["a"].code]))
        return bearer(make_user(role="collection_agent", areas=[communes["a"].code]))

    return make


def test_a_person_reads_with_the_contract_field_names(client, people):
    response = client.get(f"/api/v1/persons/{people['person'].pk}", **bearer(people["owner"]))
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= CONTRACT
    assert (
        body["birth_date"] == "1997-03-12"
        and body["sex"] == "f"
        and body["area_code"] == people["person"].commune.code
    )


@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 401), ("other_area", 404), ("own_area_viewer", 200), ("own_area_agent", 200)],
)
def test_reading_a_person_matrix(client, people, as_role, kind, status):
    response = client.get(f"/api/v1/persons/{people['person'].pk}", **as_role(kind))
    assert response.status_code == status


def test_other_area_and_missing_look_the_same(client, people, as_role):
    headers = as_role("other_area")
    hidden = client.get(f"/api/v1/persons/{people['person'].pk}", **headers)
    missing = client.get("/api/v1/persons/99999999", **headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_a_viewer_sees_personal_ids_masked(client, people, as_role):
    body = client.get(f"/api/v1/persons/{people['person'].pk}", **as_role("own_area_viewer")).json()
    pid = people["person"].personal_id
    assert (
        body["personal_id"] != pid and body["personal_id"].startswith(pid[:3]) and "•" in body["personal_id"]
    )


def test_a_viewer_sees_phone_numbers_masked_and_an_agent_sees_them_whole(client, people, as_role):
    from ansinh.registry.models import Person

    Person.objects.filter(pk=people["person"].pk).update(phone="0912345678")
    url = f"/api/v1/persons/{people['person'].pk}"
    assert client.get(url, **as_role("own_area_viewer")).json()["phone"] == "091••••678"
    assert client.get(url, **as_role("own_area_agent")).json()["phone"] == "0912345678"


@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 401), ("other_area", 404), ("own_area_viewer", 403), ("own_area_agent", 200)],
)
def test_correcting_a_person_matrix_and_a_denied_call_changes_nothing(client, people, as_role, kind, status):
    person = people["person"]
    headers = as_role(kind)
    events = AuditEvent.objects.count()
    response = client.patch(
        f"/api/v1/persons/{person.pk}",
        data=json.dumps({"phone": "0987654321"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == status
    person.refresh_from_db()
    if status == 200:
        assert person.phone == "0987654321" and AuditEvent.objects.count() == events + 1
    else:
        assert person.phone == "0912345678" and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 401), ("other_area", 422), ("own_area_viewer", 403), ("own_area_agent", 201)],
)
def test_registering_a_person_matrix(client, communes, as_role, kind, status):
    data = person_data(area_code=communes["a"].code)
    count = Person.objects.count()
    response = client.post(
        "/api/v1/persons", data=json.dumps(data), content_type="application/json", **as_role(kind)
    )
    assert response.status_code == status
    assert Person.objects.count() == count + (1 if status == 201 else 0)


def test_bad_input_gets_a_422_naming_the_field_in_vietnamese_by_default(client, communes, as_role):
    data = person_data(area_code=communes["a"].code, birth_date="1997-02-30")
    response = client.post(
        "/api/v1/persons", data=json.dumps(data), content_type="application/json", **as_role("own_area_agent")
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "birth_date" and "1997-02-30" in body["message"]


def test_a_household_is_created_with_its_members_and_listed(client, communes, people):
    owner = people["owner"]
    child = make_person(owner, area_code=communes["a"].code)
    payload = {
        "head_id": people["person"].pk,
        "address": "Thôn 3",
        "members": [{"person_id": child.pk, "relation": "child"}],
    }
    response = client.post(
        "/api/v1/households", data=json.dumps(payload), content_type="application/json", **bearer(owner)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [m["relation"] for m in body["members"]] == ["head", "child"]
    again = client.get(f"/api/v1/persons/{child.pk}", **bearer(owner)).json()
    assert again["household_id"] == body["id"]


def test_a_household_with_a_member_from_another_area_is_not_created_at_all(client, communes, people):
    admin = make_user(role="administrator", areas=["01"])
    stranger = make_person(admin, area_code=communes["other"].code)
    payload = {"head_id": people["person"].pk, "members": [{"person_id": stranger.pk, "relation": "child"}]}
    response = client.post(
        "/api/v1/households",
        data=json.dumps(payload),
        content_type="application/json",
        **bearer(people["owner"]),
    )
    assert response.status_code == 404
    assert Household.objects.count() == 0


def test_households_are_read_only_in_their_areas(client, communes, people, as_role):
    household = make_household(people["owner"], head=people["person"])
    assert client.get(f"/api/v1/households/{household.pk}", **as_role("own_area_viewer")).status_code == 200
    assert client.get(f"/api/v1/households/{household.pk}", **as_role("other_area")).status_code == 404
    assert client.get(f"/api/v1/households/{household.pk}").status_code == 401


def test_an_area_lists_its_children(client, communes, people):
    admin = make_user(role="administrator", areas=["15"])
    body = client.get("/api/v1/areas/15", **bearer(admin)).json()
    assert body["name"] == "Lào Cai" and body["level"] == "province"
    assert len(body["children"]) > 50 and {"code", "name", "level"} == set(body["children"][0])
    assert {p["code"] for p in body["predecessors"]} == {"legacy:10", "legacy:15"}
    legacy = client.get("/api/v1/areas/legacy:15", **bearer(admin)).json()
    assert legacy["name"] == "Yên Bái" and [s["code"] for s in legacy["successors"]] == ["15"]


def test_an_agent_sees_their_commune_and_its_ancestors_but_not_other_provinces(client, communes, people):
    headers = bearer(people["owner"])
    assert client.get(f"/api/v1/areas/{communes['a'].code}", **headers).status_code == 200
    province = client.get("/api/v1/areas/15", **headers).json()
    assert [c["code"] for c in province["children"]] == [communes["a"].code]
    assert client.get("/api/v1/areas/01", **headers).status_code == 404


def test_a_revoked_token_no_longer_works(client, people):
    token, raw = token_create(actor=None, user=people["owner"])
    url = f"/api/v1/persons/{people['person'].pk}"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token_revoke(actor=None, token=token)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_signed_in_page_session_can_read_the_api(client, people):
    client.force_login(people["owner"])
    assert client.get(f"/api/v1/persons/{people['person'].pk}").status_code == 200


def test_the_openapi_document_is_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/persons" in spec["paths"] and "/api/v1/areas/{code}" in spec["paths"]
