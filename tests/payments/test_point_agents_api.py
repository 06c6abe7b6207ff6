"""Assigning an agent to a collection point over the API: only a payments manager may, only an agent who works in
the point's area (or in the manager's areas) is found, and a name nobody has answers exactly as a name outside —
the answer does not tell which usernames exist (issue 16: the lookup was an unscoped read in the door)."""

import pytest

from ansinh.core.services import token_create
from factories import make_point, make_user


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=user)[1]}"}


@pytest.fixture
def office(communes):
    a, b = communes["a"], communes["b"]
    manager = make_user(role="manager", areas=[a.code])
    point = make_point(area=a, agents=[])
    return {
        "manager": manager,
        "point": point,
        "local": make_user(role="collection_agent", areas=[a.code], username="agent-a"),
        "far": make_user(role="collection_agent", areas=[b.code], username="agent-b"),
        "viewer": make_user(role="viewer", areas=[a.code]),
    }


def post(client, office, user, username):
    url = f"/api/v1/collection-points/{office['point'].pk}/agents"
    return client.post(url, {"username": username}, content_type="application/json", **auth(user))


def test_a_manager_assigns_an_agent_of_the_points_commune(client, office):
    response = post(client, office, office["manager"], "agent-a")
    assert response.status_code == 200, response.content
    assert office["point"].agents.filter(username="agent-a").exists()


def test_a_stranger_and_a_name_nobody_has_look_the_same(client, office):
    far, missing = (
        post(client, office, office["manager"], "agent-b"),
        post(client, office, office["manager"], "nobody"),
    )
    assert far.status_code == missing.status_code == 404
    assert far.json() == missing.json()
    assert not office["point"].agents.exists()


def test_a_viewer_learns_nothing_about_usernames(client, office):
    known, unknown = (
        post(client, office, office["viewer"], "agent-a"),
        post(client, office, office["viewer"], "nobody"),
    )
    assert known.status_code == unknown.status_code == 403
    assert known.json() == unknown.json()
    assert not office["point"].agents.exists()
