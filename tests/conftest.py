"""Shared test set-up: the official areas are loaded once per test database; users and people come from
factories (tests/factories.py) that go through the services, like every other door."""

from __future__ import annotations

import os

import pytest


def pytest_report_header(config):
    url = os.environ.get("ANSINH_TEST_DATABASE_URL", "sqlite (a file of this test run)")
    return f"ansinh test database: {url.split('@')[-1]}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from ansinh.areas.services import areas_load_official

    with django_db_blocker.unblock():
        areas_load_official()


@pytest.fixture
def official_areas(db):
    """The official areas, reloaded if a transactional test flushed them."""
    from ansinh.areas.models import Area
    from ansinh.areas.services import areas_load_official

    if not Area.objects.filter(level="province").exists():
        areas_load_official()
    return Area.objects


@pytest.fixture
def lao_cai(official_areas):
    return official_areas.get(code="15")


@pytest.fixture
def communes(lao_cai):
    """Two communes of Lào Cai and one commune of another province (Hà Nội)."""
    from ansinh.areas.models import Area

    first, second = Area.objects.filter(parent=lao_cai).order_by("code")[:2]
    other = Area.objects.filter(parent__code="01").order_by("code").first()
    return {"a": first, "b": second, "other": other}


@pytest.fixture
def transactional_areas(transactional_db):
    """The official areas for tests that commit (browser, concurrency): reloaded after a flush."""
    from ansinh.areas.models import Area
    from ansinh.areas.services import areas_load_official

    if not Area.objects.filter(level="province").exists():
        areas_load_official()
    return Area.objects


@pytest.fixture
def vietnamese():
    """The office's language for a test that reads messages (``pytest.mark.usefixtures("vietnamese")``)."""
    from django.utils import translation

    with translation.override("vi"):
        yield
