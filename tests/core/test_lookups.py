"""``field__any``: the same rows as ``__in``, sent on PostgreSQL as one array parameter."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from tests.factories import make_household, make_person

from ansinh.areas.models import Area
from ansinh.core.access import SystemActor
from ansinh.registry.models import Membership, Person

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds(lao_cai):
    ids = list(Area.objects.filter(parent=lao_cai).order_by("pk").values_list("pk", flat=True)[:40])
    wanted = [*ids[::3], ids[0], None, -1]  # a repeat, a None (never matches) and an id that does not exist
    got = sorted(Area.objects.filter(pk__any=wanted).values_list("pk", flat=True))
    assert got == sorted(Area.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert got == sorted(set(ids[::3]))


def test_any_with_an_empty_list_matches_nothing_and_runs_no_query(lao_cai):
    with CaptureQueriesContext(connection) as queries:
        assert list(Area.objects.filter(pk__any=[])) == []
        assert list(Area.objects.filter(pk__any=[None])) == []
    assert len(queries) == 0
    # in an OR, the empty branch drops out and the other one still matches
    assert list(Area.objects.filter(Q(pk__any=[]) | Q(pk=lao_cai.pk))) == [lao_cai]


def test_any_on_a_foreign_key_and_across_a_join(communes):
    actor = SystemActor()
    a = make_person(actor, area_code=communes["a"].code)
    b = make_person(actor, area_code=communes["b"].code)
    household = make_household(actor, head=a)
    assert list(Person.objects.filter(commune__any=[communes["a"].pk])) == [a]
    assert list(
        Person.objects.filter(commune_id__any=[communes["b"].pk, communes["a"].pk]).order_by("pk")
    ) == [a, b]
    assert list(Person.objects.filter(memberships__household_id__any=[household.pk])) == [a]
    assert list(Membership.objects.filter(person__any=[a, b]).values_list("person_id", flat=True)) == [a.pk]


def test_any_with_a_subquery_is_in(communes):
    actor = SystemActor()
    a = make_person(actor, area_code=communes["a"].code)
    make_person(actor, area_code=communes["b"].code)
    inner = Area.objects.filter(pk=communes["a"].pk).values("pk")
    assert list(Person.objects.filter(commune_id__any=inner)) == [a]


def test_the_list_is_one_parameter_on_postgresql_and_in_elsewhere(lao_cai):
    ids = list(Area.objects.filter(parent=lao_cai).values_list("pk", flat=True)[:500])
    with CaptureQueriesContext(connection) as queries:
        assert Area.objects.filter(pk__any=ids).count() == len(ids)
    sql = queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
        assert " IN (" not in sql
    else:
        assert " IN (" in sql
