"""Wholly new households and persons are registered a batch at a time (registry.services.families_register,
ADR 0030): the same records, the same checks and the same audit events as one service call at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansinh.core.models import AuditEvent
from ansinh.imports import services
from ansinh.imports.headers import PERSONS
from ansinh.imports.models import SourceLink
from ansinh.registry.models import Household, Membership, Person, Relation
from ansinh.registry.services import Family, families_register
from factories import make_person, make_user, personal_id_for

pytestmark = pytest.mark.usefixtures("vietnamese")  # tests/conftest.py

HEADER = ",".join(PERSONS)


@pytest.fixture
def manager(communes):
    return make_user(role="manager", areas=["15"])


def _file(tmp_path: Path, commune, prefix: str) -> Path:
    c = commune.code
    lines = [
        HEADER,
        f"{prefix}1,Nguyễn Văn An,15/03/1980,nam,,,0912345678,{c},,{prefix}H1,chủ hộ,Kinh",
        f"{prefix}2,Nguyễn Thị Hường,1982,nữ,,,,{c},,{prefix}H1,vợ,Kinh",
        f"{prefix}3,Nguyễn Văn Bình,05/2010,Nam,,,,{c},,{prefix}H1,con,Kinh",
        f"{prefix}4,Bùi Văn Đức,1975,nam,,,,{c},,,,Tày",
        f"{prefix}5,Giàng Thị Mỷ,02/02/1990,nữ,,,,{c},,{prefix}H2,chủ hộ,Hmông",
        f"{prefix}6,Sùng A Páo,31/02/2015,nam,,,,{c},,{prefix}H2,con,Hmông",  # 31/02: the household is refused
        f"{prefix}7,Lò Văn Sáng,1960,nam,,,,{c},,{prefix}H3,bố,Thái",
        f"{prefix}8,Lò Thị Sen,1988,nữ,,,,{c},,{prefix}H3,chủ hộ,Thái",
        f"{prefix}9,Thào A Chứ,1995,nam,,,,{c},,,,H'Mông",  # another spelling of Mông
    ]
    path = tmp_path / f"{prefix}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _picture(source: str) -> list[tuple]:
    """What an import wrote, without ids, times and keys: each row's person, household membership, the audit
    events on the person and on their household."""
    out = []
    for link in SourceLink.objects.filter(source=source, entity="person").order_by("key"):
        person = link.person
        membership = Membership.objects.filter(person=person).select_related("household").first()
        household = membership.household if membership else None
        events = sorted(
            (e.action, sorted((e.after or {}).keys()))
            for e in AuditEvent.objects.filter(object_type="registry.person", object_id=str(person.pk))
        )
        household_events = (
            sorted(
                (e.action, (e.after or {}).get("relation"))
                for e in AuditEvent.objects.filter(
                    object_type="registry.household", object_id=str(household.pk)
                )
            )
            if household
            else []
        )
        out.append(
            (
                person.full_name,
                person.name_folded,
                person.birth_date,
                person.birth_date_precision,
                person.sex,
                person.ethnicity,
                person.phone,
                person.commune_id,
                person.created_by_id,
                membership.relation if membership else None,
                membership.started_on if membership else None,
                household.head.full_name if household else None,
                household.code[:8] if household else None,
                link.fingerprint != "",
                events,
                household_events,
            )
        )
    return out


def test_a_batch_writes_what_one_call_at_a_time_writes(manager, communes, tmp_path):
    commune = communes["a"]
    plan = services._plan_persons(
        actor=manager, path=_file(tmp_path, commune, "A"), encoding="auto", mapping=None, source="bulk"
    )
    run = services._new_run(actor=manager, plan=plan, path=tmp_path / "A.csv", mapping=None)

    plan.write(plan.units, run)  # the batch path
    one = services._plan_persons(
        actor=manager, path=_file(tmp_path, commune, "B"), encoding="auto", mapping=None, source="one"
    )
    run_one = services._new_run(actor=manager, plan=one, path=tmp_path / "B.csv", mapping=None)
    for unit in one.units:  # one service call at a time
        one.apply(unit, run_one)

    results = [(r.result, r.column, r.reason) for u in plan.units for r in u]
    assert results == [(r.result, r.column, r.reason) for u in one.units for r in u]
    assert [r for r, _c, _m in results].count("rejected") == 2
    assert _picture("bulk") == _picture("one")
    assert len(_picture("bulk")) == 7
    assert set(Person.objects.filter(full_name="Thào A Chứ").values_list("ethnicity", flat=True)) == {"08"}
    codes = set(Household.objects.values_list("code", flat=True))
    assert len(codes) == Household.objects.count() == 4  # numbered without a clash across both paths


def test_a_second_row_with_the_same_id_in_one_chunk_is_the_same_person(manager, communes, tmp_path):
    c = communes["a"].code
    pid = personal_id_for(sex="m", year=1980, province="010", serial=515151)
    path = tmp_path / "same.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                f"K1,Nguyễn Văn An,15/03/1980,nam,{pid},,,{c},,,,Kinh",
                f"K2,Nguyen Van An,15/03/1980,nam,{pid},,,{c},,,,Kinh",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    outcome = services.import_persons(actor=manager, path=path, source="s", errors_dir=tmp_path)
    assert (outcome.created, outcome.updated, outcome.rejected) == (1, 1, 0)
    assert Person.objects.filter(personal_id=pid).count() == 1
    assert SourceLink.objects.filter(source="s", entity="person").values("person").distinct().count() == 1


def test_families_register_refuses_a_family_whole_and_writes_the_others(manager, communes):
    c = communes["a"].code
    pid = personal_id_for(sex="f", year=1990, province="010", serial=626262)
    make_person(manager, area_code=c, personal_id=pid, sex="f", birth_date="01/01/1990")
    good = Family(
        members=[
            ({"full_name": "Vàng A Sử", "birth_date": "1970", "sex": "m", "area_code": c}, Relation.HEAD),
            ({"full_name": "Vàng Thị Dợ", "birth_date": "2001", "sex": "f", "area_code": c}, Relation.CHILD),
        ]
    )
    taken = Family(
        members=[
            ({"full_name": "Lù Văn Lực", "birth_date": "1965", "sex": "m", "area_code": c}, Relation.HEAD),
            (
                {
                    "full_name": "Lù Thị Súa",
                    "birth_date": "1990",
                    "sex": "f",
                    "area_code": c,
                    "personal_id": pid,
                },
                Relation.SPOUSE,
            ),
        ]
    )
    two_heads = Family(
        members=[
            ({"full_name": "Hà Văn Tùng", "birth_date": "1980", "sex": "m", "area_code": c}, Relation.HEAD),
            ({"full_name": "Hà Văn Lợi", "birth_date": "1982", "sex": "m", "area_code": c}, Relation.HEAD),
        ]
    )
    alone = Family(
        members=[({"full_name": "Mai Thị Lan", "birth_date": "1999", "sex": "f", "area_code": c}, None)]
    )
    persons_before, households_before = Person.objects.count(), Household.objects.count()
    results = families_register(actor=manager, families=[good, taken, two_heads, alone])

    assert [r.refused is None for r in results] == [True, False, False, True]
    assert (results[1].at, results[1].refused.errors) == (
        1,
        {"personal_id": "Số định danh cá nhân này đã thuộc về người khác."},
    )
    assert (results[2].at, results[2].refused.field) == (1, "relation")
    assert Person.objects.count() == persons_before + 3
    assert Household.objects.count() == households_before + 1
    household = results[0].household
    assert household.head.full_name == "Vàng A Sử" and household.code.startswith(f"HGD{c}")
    assert dict(
        Membership.objects.filter(household=household).values_list("person__full_name", "relation")
    ) == {
        "Vàng A Sử": "head",
        "Vàng Thị Dợ": "child",
    }
    assert (
        results[3].household is None and not Membership.objects.filter(person=results[3].persons[0]).exists()
    )
    assert not Person.objects.filter(full_name__in=["Lù Văn Lực", "Hà Văn Tùng"]).exists()


def _families(c: str, n: int, prefix: str) -> list[Family]:
    return [
        Family(
            members=[
                (
                    {"full_name": f"{prefix} Văn Chủ {i}", "birth_date": "1970", "sex": "m", "area_code": c},
                    "head",
                ),
                (
                    {"full_name": f"{prefix} Thị Con {i}", "birth_date": "2001", "sex": "f", "area_code": c},
                    "child",
                ),
            ]
        )
        for i in range(n)
    ]


def test_a_large_batch_journals_and_audits_as_one_call_at_a_time(manager, communes):
    """40 households: enough events (280) for the batch to write them as plain rows (COPY on PostgreSQL); a field
    kit's journal gets the same operations as from household_create and household_register_member."""
    from collections import Counter

    from django.utils import timezone

    from ansinh.core.journal import set_recorder
    from ansinh.registry.services import household_create, household_register_member, person_create

    c = communes["a"].code
    journaled: list[tuple] = []

    def record(kind, obj, actor, details):
        journaled.append(
            (kind, getattr(obj, "relation", None), getattr(obj, "household_id", None) is not None)
        )

    set_recorder(record)
    started = timezone.now()
    try:
        results = families_register(actor=manager, families=_families(c, 40, "Lò"))
        batch = Counter(journaled)
        journaled.clear()
        for family in _families(c, 40, "Vàng"):
            (head, _r), (child, relation) = family.members
            household = household_create(actor=manager, head=person_create(actor=manager, data=head))
            household_register_member(actor=manager, household=household, data=child, relation=relation)
        one = Counter(journaled)
    finally:
        set_recorder(None)

    assert batch == one
    assert batch[("household.add_member", "child", True)] == 40
    persons = [str(p.pk) for r in results for p in r.persons]
    households = [str(r.household.pk) for r in results]
    events = AuditEvent.objects.filter(
        object_id__in=persons, object_type="registry.person"
    ) | AuditEvent.objects.filter(object_id__in=households, object_type="registry.household")
    assert Counter(events.values_list("action", flat=True)) == {
        "person_create": 80,
        "household_join": 80,
        "household_create": 40,
        "household_add_member": 80,
    }
    assert (
        events.filter(at__gte=started).count() == 280
    )  # the batch's moment, as one call's events have theirs
    assert events.filter(actor=manager).count() == 280
    members = Membership.objects.filter(household_id__in=households, ended_on__isnull=True)
    assert Counter(members.values_list("relation", flat=True)) == {"head": 40, "child": 40}


def test_a_chunk_registers_its_new_households_at_once_and_its_repeats_after(
    manager, communes, tmp_path, monkeypatch
):
    """A repeat of someone by their ID between new households does not split the chunk's batch: the new ones
    are registered in one families_register call, then the repeat finds its person, as one call at a time does."""
    c = communes["a"].code
    pid = personal_id_for(sex="m", year=1980, province="010", serial=626262)

    path = tmp_path / "A.csv"
    lines = [
        HEADER,
        f"A1,Nguyễn Văn An,15/03/1980,nam,{pid},,,{c},,AH1,chủ hộ,Kinh",
        f"A2,Nguyễn Thị Hường,1982,nữ,,,,{c},,AH1,vợ,Kinh",
        f"A3,NGUYEN VAN AN,15/03/1980,nam,{pid},,,{c},,,,Kinh",  # the same person in another list
        f"A4,Lò Thị Sen,1988,nữ,,,,{c},,AH2,chủ hộ,Thái",
        f"A5,Lò Văn Sáng,2010,nam,,,,{c},,AH2,con,Thái",
        f"A6,Thào A Chứ,1995,nam,,,,{c},,,,Hmông",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    calls: list[int] = []
    register = services.families_register

    def counted(*, actor, families):
        calls.append(len(families))
        return register(actor=actor, families=families)

    monkeypatch.setattr(services, "families_register", counted)
    plan = services._plan_persons(actor=manager, path=path, encoding="auto", mapping=None, source="bulk")
    run = services._new_run(actor=manager, plan=plan, path=path, mapping=None)
    plan.write(plan.units, run)

    assert calls == [3]  # AH1, AH2 and the single new person; the repeat after them (before: [1, 2])
    results = [r.result for u in plan.units for r in u]
    assert results == ["created", "created", "updated", "created", "created", "created"]
    person = Person.objects.get(personal_id=pid)
    assert person.full_name == "Nguyen Van An"  # the later row of the file is the last word, as before
    assert set(SourceLink.objects.filter(key__in=["A1", "A3"]).values_list("person", flat=True)) == {
        person.pk
    }
    assert Membership.objects.get(person=person, ended_on=None).relation == Relation.HEAD
    assert Person.objects.filter(full_name__in=["Lò Thị Sen", "Lò Văn Sáng", "Thào A Chứ"]).count() == 3


def test_a_batch_builds_each_person_as_the_keyword_path_does(manager, communes):
    """families_register builds its persons from their checked values in field order (registry.services.
    _new_person): the same instance as ``Person(created_by=..., **values)``, with its commune at hand."""
    from ansinh.core.audit import snapshot
    from ansinh.registry.services import _BatchReads, _clean_person, _new_person

    data = {
        "full_name": "Giàng Thị Mỷ",
        "birth_date": "02/1990",
        "sex": "f",
        "area_code": communes["a"].code,
        "phone": "0912 345 678",
        "ethnicity": "08",
    }
    values = _clean_person(manager, data, None, _BatchReads([data]))
    built = _new_person(values, created_by_id=manager.pk)
    keyword = Person(created_by=manager, **values)
    assert snapshot(built) == snapshot(keyword)
    assert built.commune is values["commune"]  # no query to read it
    with pytest.raises(TypeError):
        _new_person({**values, "nickname": "Mỷ"}, created_by_id=None)
