"""Target lists: each criterion, one row per household, priority order, teams, and the user's areas."""

import pytest

from ansinh.core.errors import ApplicationError
from ansinh.core.models import AuditEvent
from ansinh.outreach.models import TargetHousehold, TargetList
from ansinh.outreach.services import split_plan, target_list_create, target_list_split
from factories import make_user
from outreach.world import ON

ALL = ["uninsured", "lapsed", "expiring", "vsi_due", "cash_pension"]


def build(world, criteria, **kw):
    kw.setdefault("area_codes", [world["a"].code])
    return target_list_create(actor=world["officer"], name="Tuần vận động", criteria=criteria, on=ON, **kw)


def reasons_by_name(target_list):
    return {
        m.person.full_name: m.reasons
        for row in target_list.households.all()
        for m in row.members.select_related("person")
    }


def test_uninsured_finds_people_without_a_valid_card_and_never_the_dead(world):
    found = reasons_by_name(build(world, ["uninsured"]))
    # Bình never covered, Cường and Dũng lapsed, Nam opted out of messages (still visited), Oanh's only card is void.
    assert set(found) == {"Trần Thị Bình", "Lê Văn Cường", "Lê Văn Dũng", "Vũ Văn Nam", "Vũ Thị Oanh"}
    assert "Vũ Văn Minh" not in found and "Hoàng Văn Phúc" not in found


def test_lapsed_means_more_than_n_days_ago(world):
    assert set(reasons_by_name(build(world, ["lapsed"], lapsed_days=30))) == {"Lê Văn Cường"}
    assert set(reasons_by_name(build(world, ["lapsed"], lapsed_days=5))) == {"Lê Văn Cường", "Lê Văn Dũng"}
    assert set(reasons_by_name(build(world, ["lapsed"], lapsed_days=100))) == set()  # exactly 100 is not more


def test_expiring_within_n_days_skips_cards_already_renewed(world):
    # Quân asked not to be contacted: he is still visited (a door is not a message), never messaged.
    assert set(reasons_by_name(build(world, ["expiring"], expiring_days=30))) == {
        "Phạm Thị Em",
        "Phạm Văn Quân",
    }
    assert set(reasons_by_name(build(world, ["expiring"], expiring_days=10))) == set()


def test_voluntary_si_due_and_cash_pensioners(world):
    assert set(reasons_by_name(build(world, ["vsi_due"]))) == {"Đỗ Thị Hà"}
    assert set(reasons_by_name(build(world, ["cash_pension"]))) == {"Đỗ Văn Khánh"}


def test_one_row_per_household_with_its_target_members_and_reasons(world):
    target_list = build(world, ALL)
    rows = list(target_list.households.all())
    assert len(rows) == len({r.household_id for r in rows}) == 5
    h4 = next(r for r in rows if r.household_id == world["h"]["h4"].pk)
    assert {m.person.full_name: m.reasons for m in h4.members.all()} == {
        "Đỗ Thị Hà": ["vsi_due"],
        "Đỗ Văn Khánh": ["cash_pension"],
    }
    # Lan (pension to an account, valid card) has nothing to be visited for.
    nam = TargetHousehold.objects.get(target_list=target_list, household=world["h"]["h5"]).members.get(
        person=world["p"]["nam"]
    )
    assert nam.do_not_contact is True


def test_priority_mixed_households_first_then_lapsed_uninsured_expiring_vsi(world):
    target_list = build(world, ALL)
    order = [(r.household_id, r.priority) for r in target_list.households.order_by("position")]
    h = world["h"]
    # H1 is mixed (An insured, Bình not); H2 lapsed; H5 uninsured (Minh, dead, does not make it mixed);
    # H3 expiring; H4 voluntary SI due.
    assert order == [(h["h1"].pk, 1), (h["h2"].pk, 2), (h["h5"].pk, 3), (h["h3"].pk, 4), (h["h4"].pk, 5)]


def test_each_household_carries_what_to_offer_with_the_quote(world):
    target_list = build(world, ALL)
    h1 = target_list.households.get(household=world["h"]["h1"])
    [offer] = h1.offers
    assert offer["kind"] == "hi_household" and offer["person_ids"] == [world["p"]["binh"].pk]
    assert offer["total_payable"] > 0
    h2 = target_list.households.get(household=world["h"]["h2"])
    two = h2.offers[0]
    assert len(two["members"]) == 2 and two["total_payable"] == sum(m["payable"] for m in two["members"])
    # The second member pays less than the first (the household reduction).
    assert two["members"][1]["payable"] < two["members"][0]["payable"]
    kinds = {o["kind"] for o in target_list.households.get(household=world["h"]["h4"]).offers}
    assert kinds == {"vsi", "cashless"}


def test_village_only_lists_stay_in_the_village(world):
    target_list = build(world, ["uninsured"], area_codes=[world["v2"].code])
    assert set(reasons_by_name(target_list)) == {"Vũ Văn Nam", "Vũ Thị Oanh"}


def test_split_among_teams_keeps_villages_together_and_balances_households(world):
    target_list = build(world, ALL, teams=2)
    teams = {t.number: {r.village.name for r in t.households.all()} for t in target_list.teams.all()}
    sizes = sorted(t.households.count() for t in target_list.teams.all())
    assert sizes == [2, 3]
    assert sorted(map(sorted, teams.values())) == [["Bản Hai"], ["Bản Một"]]
    target_list_split(actor=world["officer"], target_list=target_list, teams=5)
    assert sorted(t.households.count() for t in target_list.teams.all()) == [1, 1, 1, 1, 1]
    assert not target_list.households.filter(team__isnull=True).exists()


@pytest.mark.parametrize(
    ("villages", "teams", "expected"),
    [
        ([("a", 3), ("b", 3)], 2, [[("a", 3)], [("b", 3)]]),
        ([("a", 5)], 2, [[("a", 3)], [("a", 2)]]),
        ([("a", 10), ("b", 1), ("c", 1)], 2, [[("a", 6)], [("a", 4), ("b", 1), ("c", 1)]]),
        ([("a", 2), ("b", 2), ("c", 2)], 3, [[("a", 2)], [("b", 2)], [("c", 2)]]),
        ([("a", 1)], 3, [[("a", 1)], [], []]),
    ],
)
def test_split_plan(villages, teams, expected):
    plan = split_plan(villages, teams)
    assert plan == expected
    assert sum(n for pieces in plan for _k, n in pieces) == sum(n for _k, n in villages)


def test_bad_input_is_refused_with_the_field(world):
    for kwargs, field in (
        ({"criteria": []}, "criteria"),
        ({"criteria": ["rich"]}, "criteria"),
        ({"criteria": ["uninsured"], "teams": 0}, "teams"),
        ({"criteria": ["uninsured"], "area_codes": ["99999"]}, "area_codes"),
        ({"criteria": ["uninsured"], "area_codes": [world["a"].province_code]}, "area_codes"),
        ({"criteria": ["uninsured"], "lapsed_days": -1}, "lapsed_days"),
    ):
        with pytest.raises(ApplicationError) as e:
            build(world, **kwargs)
        assert e.value.field == field
    assert not TargetList.objects.exists()


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("anonymous", "permission_denied"),
        ("other_area", "not_found"),
        ("own_area_without_permission", "permission_denied"),
    ],
)
def test_areas_and_permission_matrix_denied_changes_nothing(world, communes, who, code):
    from django.contrib.auth.models import AnonymousUser

    actor = {
        "anonymous": lambda: AnonymousUser(),
        "other_area": lambda: make_user(role="communication_officer", areas=[communes["b"].code]),
        "own_area_without_permission": lambda: make_user(role="collection_agent", areas=[world["a"].code]),
    }[who]()
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as e:
        target_list_create(actor=actor, name="x", criteria=["uninsured"], area_codes=[world["a"].code], on=ON)
    assert e.value.code == code
    assert not TargetList.objects.exists() and AuditEvent.objects.count() == events


def test_own_area_with_permission_builds_the_list_and_audits_it(world):
    target_list = build(world, ["uninsured"])
    assert AuditEvent.objects.filter(action="target_list_created", object_id=str(target_list.pk)).exists()


def test_a_list_reaching_outside_the_users_areas_is_refused_whole(world, communes):
    with pytest.raises(ApplicationError) as e:
        build(world, ["uninsured"], area_codes=[world["a"].code, communes["b"].code])
    assert e.value.code == "not_found"
    assert not TargetList.objects.exists()


def test_offers_follow_the_one_eligibility_rule(world):
    """Issue 11: a list offers the household card only to those the law lets buy it, a subsidised group to its
    members, and nothing to a pension recipient."""
    from ansinh.registry.models import Person

    binh, cuong, dung = world["p"]["binh"], world["p"]["cuong"], world["p"]["dung"]
    Person.objects.filter(pk=binh.pk).update(pension_recipient=True, payout_method="account")
    Person.objects.filter(pk=cuong.pk).update(poverty="near_poor")
    target_list = build(world, ["uninsured"])
    h1 = target_list.households.filter(household=world["h"]["h1"]).first()
    assert h1 is None or not [o for o in h1.offers if binh.pk in o["person_ids"]]
    offers = target_list.households.get(household=world["h"]["h2"]).offers
    by_kind = {o["kind"]: o for o in offers}
    assert by_kind["hi_group"]["person_ids"] == [cuong.pk] and by_kind["hi_group"]["total_payable"] > 0
    assert by_kind["hi_household"]["person_ids"] == [dung.pk]
