"""The office of the field-kit tests (kit.make_office), served by a live server."""

from __future__ import annotations

import pytest

from .kit import make_office


@pytest.fixture
def office(transactional_areas, live_server):
    return make_office(transactional_areas, live_server)
