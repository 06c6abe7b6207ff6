"""The same person twice: the Vietnamese variants (no diacritics, upper case, optional Thị/Văn, a typo, day and
month swapped, a year-only date, with and without ID) are found, two IDs are two people, unrelated people are not
paired; the review queue, "not the same", merge and unmerge through the registry; the CLI's contract."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from ansinh.cli import cli
from ansinh.imports import dedup
from ansinh.imports.models import DedupPair, PairStatus
from ansinh.registry.models import Person
from factories import make_person, make_user, personal_id_for


def rec(pk, name, born, precision="d", sex="f", pid=None, commune=1, phone=""):
    folded, core, given = dedup._names(name)
    return dedup.Rec(
        pk, name, folded, core, given, born, precision, sex, pid, None, phone, commune, None, None, "15"
    )


D = dt.date


@pytest.mark.parametrize(
    "other",
    [
        rec(2, "NGUYEN THI HUONG", D(1990, 3, 4)),  # upper case, no diacritics
        rec(2, "Nguyễn Hương", D(1990, 3, 4)),  # without the middle Thị
        rec(2, "Nguyễn Thị Hưong", D(1990, 3, 4)),  # a typo
        rec(2, "Nguyen Thi Huong", D(1990, 4, 3)),  # day and month swapped
        rec(2, "Nguyễn Thị Hương", D(1990, 1, 1), precision="y"),  # only the year
    ],
)
def test_the_vietnamese_variants_are_found(other):
    base = rec(1, "Nguyễn Thị Hương", D(1990, 3, 4))
    pairs = dedup.candidates([base, other])
    assert len(pairs) == 1 and pairs[0].probability >= dedup.REVIEW_THRESHOLD, dedup.candidates(
        [base, other], threshold=0.0
    )


def test_ids_decide_and_strangers_are_not_paired():
    a = rec(1, "Nguyễn Thị Hương", D(1990, 3, 4), pid="015190000001")
    same_id = rec(2, "Ng. T. Huong", D(1991, 1, 1), pid="015190000001")
    other_id = rec(3, "Nguyễn Thị Hương", D(1990, 3, 4), pid="015190000002")
    stranger = rec(4, "Nguyễn Thị Hường", D(1972, 8, 9))
    neighbour = rec(5, "Nguyễn Văn Hùng", D(1990, 3, 4), sex="m")
    pairs = {(p.a.pk, p.b.pk): p for p in dedup.candidates([a, same_id, other_id, stranger, neighbour])}
    assert pairs[1, 2].probability == 1.0 and pairs[1, 2].rule == "personal_id"
    assert (1, 3) not in pairs and (2, 3) not in pairs  # two IDs: two people
    assert not any(4 in k or 5 in k for k in pairs)


def test_two_households_in_two_communes_are_two_people_unless_more_says_otherwise():
    """The same name, birth date and sex in two communes: queued when one record has no household (an agency's
    list), not when each is a member of its own household (ADR 0015, amendment); a shared phone still queues."""

    def member(pk, commune, household, phone=""):
        r = rec(pk, "Nguyễn Văn Hùng", D(1980, 3, 12), sex="m", commune=commune, phone=phone)
        r.household_id = household
        return r

    assert dedup.candidates([member(1, 1, 10), member(2, 2, None)])
    assert not dedup.candidates([member(1, 1, 10), member(2, 2, 20)])
    assert dedup.candidates([member(1, 1, 10, "0912345678"), member(2, 2, 20, "0912345678")])


@pytest.fixture
def registry(communes):
    manager = make_user(role="manager", areas=["15"])
    c = communes["a"].code
    kept = make_person(
        manager, area_code=c, full_name="Lò Thị Mai", sex="f", birth_date="1985-02-07", personal_id=None
    )
    twin = make_person(
        manager,
        area_code=c,
        full_name="LO THI MAI",
        sex="f",
        birth_date="1985-07-02",
        personal_id=personal_id_for(sex="f", year=1985, province="015", serial=5),
    )
    make_person(manager, area_code=c, full_name="Vàng A Sử", sex="m", birth_date="1979-01-01")
    return {"manager": manager, "kept": kept, "twin": twin, "area": communes["a"].code}


def test_run_review_merge_and_unmerge(registry):
    m = registry["manager"]
    assert dedup.dedup_run(actor=m, area_code=registry["area"]) == {
        "candidates": 1,
        "auto_merged": 0,
        "to_review": 1,
    }
    pair = dedup.dedup_pairs(user=m, area_code=registry["area"])[0]
    assert {pair.a_id, pair.b_id} == {registry["kept"].pk, registry["twin"].pk}
    merge = dedup.dedup_pair_merge(actor=m, pair_id=pair.pk, keep_id=registry["kept"].pk)
    assert Person.objects.get(pk=registry["twin"].pk).merged_into_id == registry["kept"].pk
    assert DedupPair.objects.get().status == PairStatus.MERGED
    assert dedup.dedup_run(actor=m, area_code=registry["area"])["candidates"] == 0  # merged: one record left
    dedup.persons_unmerge(actor=m, merge_id=merge.pk)
    assert DedupPair.objects.get().status == PairStatus.TO_REVIEW
    dedup.dedup_pair_not_same(actor=m, pair_id=pair.pk)
    again = dedup.dedup_run(actor=m, area_code=registry["area"])
    assert again["to_review"] == 0 and DedupPair.objects.get().status == PairStatus.NOT_SAME


def test_cli_contract(registry):
    area = registry["area"]
    run = CliRunner().invoke(cli, ["dedup", "run", "--area", area, "--json"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout) == {"candidates": 1, "auto_merged": 0, "to_review": 1}
    pairs = json.loads(CliRunner().invoke(cli, ["dedup", "pairs", "--area", area, "--json"]).stdout)
    assert set(pairs[0]) >= {"a", "b", "probability"} and set(pairs[0]["a"]) >= {"id", "ma_nguon"}
    merged = CliRunner().invoke(
        cli, ["person", "merge", str(registry["kept"].pk), str(registry["twin"].pk), "--json"]
    )
    assert merged.exit_code == 0, merged.output
    merge_id = json.loads(merged.stdout)["merge_id"]
    undone = CliRunner().invoke(cli, ["person", "unmerge", str(merge_id)])
    assert undone.exit_code == 0, undone.output
    assert Person.objects.get(pk=registry["twin"].pk).merged_into_id is None


def test_review_page_and_api(client, registry):
    m, area = registry["manager"], registry["area"]
    client.force_login(m)
    page = client.post("/imports/dedup/", {"area": area, "action": "run"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="dedup-counts"' in html and "LO THI MAI" in html.upper()
    pair = DedupPair.objects.get()
    merged = client.post(
        "/imports/dedup/", {"area": area, "action": "merge", "pair": pair.pk, "keep": registry["kept"].pk}
    )
    assert 'id="merged"' in merged.content.decode()
    merge_id = DedupPair.objects.get().merge_id
    undone = client.post(f"/api/v1/dedup/merges/{merge_id}/undo")
    assert undone.status_code == 200 and undone.json()["undone"] is True
    listed = client.get(f"/api/v1/dedup/pairs?area={area}").json()
    assert listed[0]["id"] == pair.pk and listed[0]["probability"] >= dedup.REVIEW_THRESHOLD
    not_same = client.post(f"/api/v1/dedup/pairs/{pair.pk}/not-same")
    assert not_same.json()["status"] == "not_same"
    again = client.post(f"/api/v1/dedup/pairs/{pair.pk}/not-same")
    assert again.status_code == 409 and again.json()["field"] == "status"
    run = client.post("/api/v1/dedup/run", {"area": area}, content_type="application/json")
    assert run.json() == {"candidates": 1, "auto_merged": 0, "to_review": 0}
    viewer = make_user(role="viewer", areas=["15"])
    client.force_login(viewer)
    assert client.get("/imports/dedup/").status_code == 403


@pytest.mark.parametrize(
    ("first", "second", "level"),
    [
        (
            "Nguyễn Minh Hương",
            "Nguyễn Hương",
            "family_and_given",
        ),  # a middle name other than Thị/Văn left out
        ("Lò Văn Thắng", "Lò VănThắng", "same_folded"),  # a space lost
        ("Hà A Việt", "Hà A Vit", "close_unusual"),  # a letter dropped from a short name (in a tiny area,
        # every word is unusual)
        ("Nguyễn Thị Hương", "NGUYỄN THỊ HƯƠNG", "exact"),  # capitals
    ],
)
def test_each_pair_shows_the_level_splink_found(first, second, level):
    pairs = dedup.candidates([rec(1, first, D(1990, 3, 4)), rec(2, second, D(1990, 3, 4))])
    assert len(pairs) == 1 and pairs[0].levels["name"] == level and pairs[0].levels["birth"] == "exact"
    assert pairs[0].levels["phone"] == "unknown" and pairs[0].rule == "probabilistic"


def test_a_name_one_letter_apart_across_communes_pairs_only_when_a_word_is_unusual_in_the_area():
    """A dropped letter most often makes a word nobody else in the area is called ("Thng"); two real names one
    letter apart ("An", "Anh") are as often two people. Across communes, only the first reaches the queue."""
    background = [
        rec(100 + i, f"Nguyễn Văn {given}", D(1940 + i, 1, 1), sex="m", commune=5)
        for i, given in enumerate(["An", "Anh", "Thắng"] * 5)
    ]
    a = rec(1, "Nguyễn Văn An", D(1990, 3, 4), sex="m", commune=1)
    b = rec(2, "Nguyễn Văn Anh", D(1990, 3, 4), sex="m", commune=2)
    c = rec(3, "Nguyễn Văn Thắng", D(1985, 6, 7), sex="m", commune=1)
    d = rec(4, "Nguyễn Văn Thng", D(1985, 6, 7), sex="m", commune=2)
    everyone = [*background, a, b, c, d]
    found = dedup.candidates(everyone)
    assert [(p.a.pk, p.b.pk, p.levels["name"]) for p in found] == [(3, 4, "close_unusual")]
    wider = {(p.a.pk, p.b.pk): p for p in dedup.candidates(everyone, threshold=0.5)}
    assert wider[(1, 2)].levels["name"] == "close" and wider[(1, 2)].probability < dedup.REVIEW_THRESHOLD


def test_splink_can_estimate_u_from_random_pairs_of_the_area():
    people = [
        rec(i, f"Người Số {i}", D(1950 + i % 40, 1 + i % 12, 1 + i % 28), commune=i % 3)
        for i in range(1, 300)
    ]
    twin = rec(1000, "Nguoi So 7", D(1957, 8, 8), commune=7 % 3)
    found = dedup.candidates([*people, twin], estimate_u=True)
    assert [(p.a.pk, p.b.pk) for p in found] == [(7, 1000)]


def test_search_finds_a_person_by_the_name_and_phone_of_a_record_merged_into_them(communes):
    from ansinh.registry.selectors import person_search

    manager = make_user(role="manager", areas=["15"])
    c = communes["a"].code
    same = {"area_code": c, "sex": "m", "birth_date": "1980-01-01", "personal_id": None}
    kept = make_person(manager, full_name="Lò Văn Thắng", phone="", **same)
    other = make_person(manager, full_name="Lò VănThắng", phone="0912345678", **same)
    assert [p.pk for p in person_search(user=manager, text="vanthang")] == [other.pk]
    dedup.persons_merge(actor=manager, keep_id=kept.pk, drop_id=other.pk)
    assert [p.pk for p in person_search(user=manager, text="vanthang")] == [kept.pk]  # the old name
    assert [p.pk for p in person_search(user=manager, text="0912 345 678")] == [kept.pk]  # the old phone
    assert [p.pk for p in person_search(user=manager, text="Lò Văn Thắng")] == [kept.pk]  # once
