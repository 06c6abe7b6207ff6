"""The office of the field-kit tests: a commune of Lào Cai with a collection point, its agents and some people,
served by a live server; the manager's API token issues kits."""

from __future__ import annotations

import pytest

from ansinh.core.services import token_create
from factories import make_person, make_point, make_user


@pytest.fixture
def office(transactional_areas, live_server, tmp_path):
    commune = transactional_areas.filter(parent__code="15", level="commune").order_by("code").first()
    manager = make_user(role="manager", areas=["15"])
    agent = make_user(areas=[commune.code], username="agent")
    desk_agent = make_user(areas=[commune.code])
    point = make_point(area=commune, agents=[agent, desk_agent])
    people = [make_person(manager, area_code=commune.code, birth_date="1970-05-06") for _ in range(6)]
    _row, raw = token_create(actor=manager, user=manager)
    return {
        "url": live_server.url,
        "commune": commune,
        "manager": manager,
        "desk_agent": desk_agent,
        "point": point,
        "people": people,
        "token": raw,
    }
