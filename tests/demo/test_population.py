"""The demo province: a deterministic, valid and plausible synthetic population in real communes."""

from __future__ import annotations

from collections import Counter

import pytest

from ansinh.areas.models import Area, Level
from ansinh.core.errors import ApplicationError
from ansinh.core.identifiers import normalize_phone, validate_personal_id, validate_si_number
from ansinh.core.text import fold
from ansinh.demo.population import DEMO_PREFIX, demo_generate
from ansinh.registry.models import BirthDatePrecision, Household, Membership, Person, Relation
from factories import make_household, make_person, make_user

SMALL = 600


def people_rows():
    return list(Person.objects.order_by("pk").values_list("full_name", "birth_date", "personal_id"))


@pytest.fixture
def demo(official_areas):
    """Lào Cai with a small demo population (seed 1), and what the service returned."""
    steps: list[tuple[str, int]] = []
    result = demo_generate(
        province_code="15", persons=SMALL, seed=1, progress=lambda label, n: steps.append((label, n))
    )
    return result, steps


def test_the_same_seed_gives_the_same_people_and_another_seed_does_not(demo):
    # given a demo made with seed 1
    first = people_rows()

    # when it is made again with seed 1, replacing the first
    demo_generate(province_code="15", persons=SMALL, seed=1, replace=True)
    again = people_rows()

    # then the people are the same, and a different seed gives different people
    assert again == first
    demo_generate(province_code="15", persons=SMALL, seed=2, replace=True)
    assert people_rows() != first
    assert Person.objects.count() == SMALL


def test_the_result_counts_what_was_created_and_progress_adds_up(demo):
    result, steps = demo
    assert result["persons"] == Person.objects.count() == SMALL
    assert result["households"] == Household.objects.filter(code__startswith=DEMO_PREFIX).count()
    assert result["villages"] == Area.objects.filter(level=Level.VILLAGE, province_code="15").count() > 0
    assert sum(n for label, n in steps if label == "persons") == SMALL
    assert 3.0 <= result["persons"] / result["households"] <= 5.0


def test_every_personal_id_is_valid_unique_and_agrees_with_sex_and_birth_year(demo):
    rows = list(Person.objects.values_list("personal_id", "sex", "birth_date", "si_number", "phone"))
    ids = [pid for pid, *_ in rows]
    assert len(set(ids)) == len(ids) == SMALL
    for pid, sex, birth, si_number, phone in rows:
        assert validate_personal_id(pid, sex=sex, birth_year=birth.year) == pid
        if si_number:
            validate_si_number(si_number)
        if phone:
            assert normalize_phone(phone) == phone
    # Born in the former Lào Cai (010) or Yên Bái (015), but for people who moved in.
    prefixes = Counter(pid[:3] for pid in ids)
    assert (prefixes["010"] + prefixes["015"]) / SMALL > 0.8


def test_every_person_is_in_exactly_one_open_household_which_has_exactly_one_head(demo):
    open_memberships = Membership.objects.filter(ended_on__isnull=True)
    per_person = Counter(open_memberships.values_list("person_id", flat=True))
    assert set(per_person) == set(Person.objects.values_list("pk", flat=True))
    assert set(per_person.values()) == {1}

    sizes = Counter(open_memberships.values_list("household_id", flat=True))
    heads = Counter(open_memberships.filter(relation=Relation.HEAD).values_list("household_id", flat=True))
    households = list(Household.objects.values_list("pk", "head_id"))
    assert all(1 <= sizes[pk] <= 9 for pk, _head in households)
    assert all(heads[pk] == 1 for pk, _head in households)
    head_of = dict(open_memberships.filter(relation=Relation.HEAD).values_list("household_id", "person_id"))
    assert all(head_of[pk] == head for pk, head in households)


def test_people_live_in_villages_of_communes_of_the_province(demo):
    communes = dict(Area.objects.filter(level=Level.COMMUNE, province_code="15").values_list("pk", "code"))
    villages = dict(
        Area.objects.filter(level=Level.VILLAGE, province_code="15").values_list("pk", "parent_id")
    )
    for commune_id, village_id, province_code in Person.objects.values_list(
        "commune_id", "village_id", "province_code"
    ):
        assert province_code == "15"
        assert commune_id in communes
        assert villages[village_id] == commune_id
    assert set(Membership.objects.values_list("province_code", flat=True)) == {"15"}
    assert Household.objects.exclude(province_code="15").count() == 0
    village_kinds = set(
        Area.objects.filter(level=Level.VILLAGE, province_code="15").values_list("kind", flat=True)
    )
    assert {"ban", "to_dan_pho"} <= village_kinds


def test_the_population_looks_like_lao_cai(demo):
    people = list(
        Person.objects.values(
            "ethnicity",
            "full_name",
            "name_folded",
            "sex",
            "birth_date",
            "birth_date_precision",
            "is_student",
            "pension_recipient",
            "payout_method",
            "poverty",
        )
    )
    ethnicities = Counter(p["ethnicity"] for p in people)
    assert len(ethnicities) >= 5
    assert ethnicities["01"] < 0.6 * SMALL  # Kinh are a minority in Lào Cai's communes
    assert ethnicities["08"] > 0.1 * SMALL  # Mông
    mong_families = Counter(p["full_name"].split(" ")[0] for p in people if p["ethnicity"] == "08")
    assert set(mong_families) & {"Giàng", "Thào", "Sùng", "Vàng", "Lù", "Lý", "Hầu"}
    assert all(p["name_folded"] == fold(p["full_name"]) for p in people)
    assert 0.4 < Counter(p["sex"] for p in people)["m"] / SMALL < 0.6
    assert any(p["birth_date_precision"] != BirthDatePrecision.DAY for p in people)
    assert any(p["is_student"] for p in people)
    assert any(p["pension_recipient"] for p in people)
    assert any(p["poverty"] for p in people)
    children = sum(1 for p in people if p["birth_date"].year >= 2011)
    assert 0.15 < children / SMALL < 0.4


def test_a_second_demo_is_refused_without_replace_and_nothing_changes(demo):
    before = people_rows()
    with pytest.raises(ApplicationError) as exc:
        demo_generate(province_code="15", persons=10, seed=3)
    assert exc.value.code == "conflict"
    assert people_rows() == before


def test_an_unknown_province_is_refused(official_areas):
    with pytest.raises(ApplicationError) as exc:
        demo_generate(province_code="99", persons=10)
    assert exc.value.code == "not_found"
    assert Person.objects.count() == 0


def test_another_province_gets_ids_from_its_legacy_provinces(official_areas):
    # Current Tuyên Quang (08) took in the former Hà Giang (02).
    result = demo_generate(province_code="08", persons=200, seed=5)
    assert result["persons"] == 200
    prefixes = Counter(pid[:3] for pid in Person.objects.values_list("personal_id", flat=True))
    assert prefixes["008"] + prefixes["002"] > 150


def test_replacing_keeps_people_registered_by_hand(official_areas):
    # given a person and their household registered by an officer in a Lào Cai commune, and a demo
    officer = make_user(role="administrator", areas=["15"])
    commune = Area.objects.filter(level=Level.COMMUNE, province_code="15").order_by("code").first()
    person = make_person(officer, area_code=commune.code)
    household = make_household(officer, head=person)
    demo_generate(province_code="15", persons=100, seed=1)

    # when the demo is replaced
    demo_generate(province_code="15", persons=50, seed=2, replace=True)

    # then only the demo people were replaced
    assert Person.objects.filter(pk=person.pk).exists()
    assert Household.objects.filter(pk=household.pk, head=person).exists()
    assert Person.objects.count() == 51
    assert Membership.objects.filter(person=person, ended_on__isnull=True).count() == 1
