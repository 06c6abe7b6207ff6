"""core.bulk writes what bulk_create writes, and a broken constraint is Django's IntegrityError on both databases
(the services that call it fall back on it: imports.services._register_new)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ansinh.core import bulk
from ansinh.registry.models import Person
from factories import make_user, personal_id_for

FIELDS = [
    f.attname for f in Person._meta.concrete_fields if f.attname not in ("id", "created_at", "updated_at")
]


def _people(commune, serial: int) -> list[Person]:
    return [
        Person(
            full_name=f"Lò Thị Sen {i}",
            name_folded=f"lo thi sen {i}",
            sex="f",
            birth_date="1990-01-01",
            personal_id=personal_id_for(sex="f", year=1990, province="010", serial=serial + i),
            commune=commune,
            province_code=commune.province_code,
        )
        for i in range(3)
    ]


def test_objects_insert_writes_what_bulk_create_writes_and_gives_keys(communes, monkeypatch):
    copied = _people(communes["a"], 1000)
    bulk.objects_insert(copied)
    monkeypatch.setattr(bulk, "COPY", False)
    created = _people(communes["a"], 2000)
    bulk.objects_insert(created)
    assert all(p.pk for p in copied + created) and len({p.pk for p in copied + created}) == 6

    def stored(people):
        rows = Person.objects.filter(pk__in=[p.pk for p in people]).order_by("pk").values(*FIELDS)
        return [{k: v for k, v in r.items() if k != "personal_id"} for r in rows]

    assert stored(copied) == stored(created)
    assert all(p.created_at is not None for p in copied)


@pytest.mark.parametrize("copy", [True, False])
def test_a_broken_unique_constraint_is_djangos_integrity_error(communes, monkeypatch, copy):
    monkeypatch.setattr(bulk, "COPY", copy)
    make_user(role="manager", areas=["15"])
    first = _people(communes["a"], 3000)
    bulk.objects_insert(first)
    again = _people(communes["a"], 3000)  # the same personal IDs
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.objects_insert(again)
    assert Person.objects.filter(pk__in=[p.pk for p in first]).count() == 3
