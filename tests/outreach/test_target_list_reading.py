"""How a target list reads and prices many households at once: members and heads living outside the list's areas,
and quotes shared by households of the same shape giving each household the amounts of pricing it alone."""

import pytest

from ansinh.core import bulk
from ansinh.enrollment.services import compute_quote
from ansinh.outreach import services
from ansinh.outreach.models import TargetHousehold
from ansinh.outreach.services import _Quotes, target_list_create
from factories import make_person
from outreach.world import ON, cover, days, head, member

ALL = ["uninsured", "lapsed", "expiring", "vsi_due", "cash_pension"]


def build(world, criteria=ALL, **kw):
    kw.setdefault("area_codes", [world["a"].code])
    return target_list_create(actor=world["officer"], name="Tuần vận động", criteria=criteria, on=ON, **kw)


def test_a_member_living_outside_the_area_counts_in_the_household_mix(world):
    # Given a household of Bản Một whose only insured member lives in commune b
    a, b, admin = world["a"], world["b"], world["admin"]
    tuan, household = head(admin, a, world["v1"], "Ngô Văn Tuấn", sex="m")
    away = member(admin, household, b, None, "Ngô Thị Uyên", sex="f")
    cover(away, days(-100), days(200))
    # When a list of commune a is built
    target_list = build(world, ["uninsured"])
    # Then Tuấn's household is mixed (first), and only Tuấn is on it
    row = TargetHousehold.objects.get(target_list=target_list, household=household)
    assert row.priority == 1
    assert [m.person_id for m in row.members.all()] == [tuan.pk]


def test_a_deceased_member_living_outside_the_area_does_not_make_the_household_mixed(world):
    # Given a household of Bản Một whose only insured member lived in commune b and has died
    from ansinh.registry.services import person_update

    a, b, admin = world["a"], world["b"], world["admin"]
    _tuan, household = head(admin, a, world["v1"], "Ngô Văn Tuấn", sex="m")
    away = member(admin, household, b, None, "Ngô Thị Uyên", sex="f")
    cover(away, days(-100), days(200))
    person_update(actor=admin, person=away, data={"died_on": str(days(-5))})
    # When a list of commune a is built
    target_list = build(world, ["uninsured"])
    # Then Tuấn's household is merely uninsured
    assert TargetHousehold.objects.get(target_list=target_list, household=household).priority == 3


def test_the_label_names_a_head_living_outside_the_area(world):
    # Given a household registered in commune b whose head lives there, and a member in Bản Một
    a, b, admin = world["a"], world["b"], world["admin"]
    boss, household = head(admin, b, None, "Đinh Văn Vượng", sex="m")
    cover(boss, days(-100), days(200))
    young = member(admin, household, a, world["v1"], "Đinh Thị Xuân", sex="f")
    # When a list of commune a is built
    target_list = build(world, ["uninsured"])
    # Then the row carries the household's code and its head's name, and only Xuân
    row = TargetHousehold.objects.get(target_list=target_list, household=household)
    assert row.label == f"{household.code} · Đinh Văn Vượng"
    assert [m.person_id for m in row.members.all()] == [young.pk]


def test_quotes_shared_by_shape_give_each_household_the_amounts_of_its_own_quote(world, monkeypatch):
    # Given households of the same shapes made of different people, and payers of different groups
    p = world["p"]
    poor = make_person(world["admin"], area_code=world["a"].code, poverty="poor", poverty_year=ON.year)
    hi = {"scheme": "hi_household", "months": 12}
    vsi = {"scheme": "vsi", "months": 3, "supported_so_far": 0}
    cases = [
        ([p["binh"]], {**hi, "rank_offset": 0}),
        ([p["nam"]], {**hi, "rank_offset": 0}),
        ([p["binh"]], {**hi, "rank_offset": 2}),
        ([p["cuong"], p["dung"]], {**hi, "rank_offset": 0}),
        ([p["nam"], p["oanh"]], {**hi, "rank_offset": 0}),
        ([p["em"], p["quan"], p["giang"]], {**hi, "rank_offset": 1}),
        ([p["ha"]], {**vsi, "income": 2_000_000}),
        ([p["khanh"]], {**vsi, "income": 2_000_000}),
        ([poor], {**vsi, "income": 2_000_000}),
        ([p["ha"]], {**vsi, "income": 1}),  # below the floor: the rules refuse it
        ([p["khanh"]], {**vsi, "income": 1}),
    ]
    calls = []

    def counted(**kwargs):
        calls.append(kwargs)
        return compute_quote(**kwargs)

    monkeypatch.setattr(services, "compute_quote", counted)
    quotes = _Quotes(ON)
    for persons, kwargs in cases:
        # When each is priced through the shared quotes
        got = quotes.price(persons, **kwargs)
        # Then it is what the household's own quote gives
        try:
            own = compute_quote(persons=persons, on=ON, **kwargs)
        except services.ApplicationError as e:
            assert got == e.message
        else:
            assert got == (own["total_payable"], [m["payable"] for m in own["members"]])
    # ... the poor payer is not priced as the others (support), and same shapes were quoted once
    assert quotes.price([poor], **cases[8][1]) != quotes.price([p["ha"]], **cases[6][1])
    assert len(calls) == 7


@pytest.mark.parametrize("teams", [1, 2])
def test_a_list_priced_by_shape_equals_the_list_priced_household_by_household(world, monkeypatch, teams):
    # Given the world's households (several of the same shape: H2 and H5 uninsured pairs, H3's renewal pair)
    shared = build(world, teams=teams)
    # When the same list is built again with every quote computed for its own household
    monkeypatch.setattr(_Quotes, "_shape", staticmethod(lambda persons, kwargs: None))
    alone = build(world, teams=teams)

    # Then every row, its offers, members and team are the same
    def rows(target_list):
        return [
            (
                r.position,
                r.household_id,
                r.label,
                r.priority,
                r.offers,
                r.team.number,
                [(m.person_id, m.reasons, m.card_valid_to, m.do_not_contact) for m in r.members.all()],
            )
            for r in target_list.households.select_related("team").order_by("position")
        ]

    assert rows(shared) == rows(alone)
    assert any(o.get("total_payable") for r in rows(shared) for o in r[4])


def test_rows_written_with_copy_are_those_bulk_create_writes(world, monkeypatch):
    # Given an address that COPY must escape (tab, newline, backslash, quotes)
    from ansinh.registry.models import Household

    awkward = 'Số 5\tngõ "Hà"\\3\nxóm Đồi'
    Household.objects.filter(pk=world["h"]["h2"].pk).update(address=awkward)
    # When the same list is written with COPY (on PostgreSQL) and with bulk_create
    copied = build(world, teams=2)
    monkeypatch.setattr(bulk, "COPY", False)
    created = build(world, teams=2)

    # Then the rows are the same, field by field
    def rows(target_list):
        return [
            (
                r.position,
                r.household_id,
                r.commune_id,
                r.village_id,
                r.address,
                r.label,
                r.priority,
                r.offers,
                r.team.number,
                r.status,
                r.follow_up_on,
                r.province_code,
                [
                    (m.person_id, m.reasons, m.card_valid_to, m.do_not_contact, m.province_code)
                    for m in r.members.all()
                ],
            )
            for r in target_list.households.select_related("team").order_by("position")
        ]

    assert rows(copied) == rows(created)
    assert TargetHousehold.objects.get(target_list=copied, household=world["h"]["h2"]).address == awkward
