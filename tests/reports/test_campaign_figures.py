"""The campaign figures on a hand-built situation that covers each edge of the definitions in docs/domain.md."""

import datetime as dt

import pytest

from ansinh.campaigns.services import activity_create, campaign_create, outcome_record
from ansinh.core.errors import ApplicationError
from ansinh.enrollment.models import HICoverage
from ansinh.enrollment.services import enrollment_create, participation_flags_refresh, receipt_void
from ansinh.payments.models import Receipt
from ansinh.reports.campaign_figures import campaign_report
from factories import make_person, make_point, make_user


def d(day: int, month: int = 5) -> dt.date:
    return dt.date(2026, month, day)


@pytest.fixture
def world(communes, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    a, other = communes["a"], communes["other"]
    manager = make_user(role="manager", areas=[a.code])
    point = make_point(area=a, agents=[manager])
    campaign = campaign_create(
        actor=manager,
        name="Tháng vận động 2026",
        kind="month_of_promotion",
        starts_on=d(1),
        ends_on=d(31),
        area_codes=[a.code],
        goals={"new_health_insurance": 4, "vssid_installs": 2},
    )
    show = activity_create(
        actor=manager,
        campaign=campaign,
        kind="art_performance",
        title="Đêm văn nghệ",
        starts_on=d(10),
        ends_on=d(10),
        area_code=a.code,
        reach={"audience": 400},
        cost=2_000_000,
    )
    live = activity_create(
        actor=manager,
        campaign=campaign,
        kind="livestream",
        title="Livestream Facebook",
        starts_on=d(12),
        ends_on=d(12),
        area_code=a.code,
        reach={"views": 18600, "interactions": 1990},
    )
    booth = activity_create(
        actor=manager,
        campaign=campaign,
        kind="job_fair_booth",
        title="Gian hàng hội chợ",
        starts_on=d(15),
        ends_on=d(16),
        area_code=a.code,
        reach={"visitors": 68},
    )
    hanoi_admin = make_user(role="administrator", areas=[other.province_code])
    make_point(area=other, agents=[hanoi_admin], series="HN01")
    return {
        "manager": manager,
        "point": point,
        "campaign": campaign,
        "show": show,
        "live": live,
        "booth": booth,
        "a": a,
        "other": other,
        "hanoi_admin": hanoi_admin,
    }


def enroll(w, person, paid_on, key, activity=None, actor=None, **kw):
    data = {"scheme": "hi_household", "months": 12, **kw}
    enrollment, _ = enrollment_create(
        actor=actor or w["manager"],
        idempotency_key=key,
        person_ids=[person.pk],
        paid_on=paid_on,
        activity_id=activity.pk if activity else None,
        **data,
    )
    return enrollment


def test_each_definition_on_its_edge(world):
    w, m = world, world["manager"]
    people = {
        k: make_person(m, area_code=w["a"].code)
        for k in (
            "first",
            "renewal",
            "returns",
            "twice",
            "voided",
            "outside",
            "no_activity",
            "vsi",
            "pensioner",
        )
    }
    # An old card that ended 20 days before the payment: a renewal (within 90 days).
    HICoverage.objects.create(
        person=people["renewal"],
        valid_from=d(21, 4) - dt.timedelta(days=365),
        valid_to=d(20, 4),
        group="household",
        group_code="GD",
        benefit_level=4,
        card_code="GD415" + "0" * 10,
        rule="import",
        province_code="15",
    )
    # A card that ended 120 days before: a return after more than 90 days is new.
    HICoverage.objects.create(
        person=people["returns"],
        valid_from=d(10, 1) - dt.timedelta(days=365),
        valid_to=d(10, 1),
        group="poor",
        group_code="CN",
        benefit_level=2,
        card_code="CN215" + "0" * 10,
        rule="import",
        province_code="15",
    )
    # Spans written without the desk: the stored new/renewal flags are made again, as after any import.
    participation_flags_refresh(person_ids=[people["renewal"].pk, people["returns"].pk])
    enroll(w, people["first"], d(10), "campaign-key-first", w["show"])
    enroll(w, people["renewal"], d(10), "campaign-key-renewal", w["show"])
    enroll(w, people["returns"], d(10), "campaign-key-returns", w["show"])
    # Two cards bought by one person within the campaign, both new: one new participant.
    first = enroll(w, people["twice"], d(10), "campaign-key-twice-1", w["show"], months=3)
    HICoverage.objects.filter(enrollment=first).update(valid_to=d(20))
    participation_flags_refresh(person_ids=[people["twice"].pk])
    enroll(w, people["twice"], d(15), "campaign-key-twice-2", w["booth"])
    # A voided receipt creates no participation.
    voided = enroll(w, people["voided"], d(15), "campaign-key-voided", w["booth"])
    receipt_void(actor=m, receipt=Receipt.objects.get(enrollment=voided), reason="Nhập nhầm")
    # A payment the day after the campaign: neither attributed nor in area.
    enroll(w, people["outside"], d(1, 6), "campaign-key-outside")
    with pytest.raises(ApplicationError):
        enroll(
            w, people["outside"], d(1, 6), "campaign-key-outside-2", w["show"], months=6
        )  # not at an activity then
    # In the area during the dates, not at an activity: in_area only.
    enroll(w, people["no_activity"], d(31), "campaign-key-no-activity")
    # Another province, during the dates: neither.
    enroll(
        w,
        make_person(w["hanoi_admin"], area_code=w["other"].code),
        d(15),
        "campaign-key-hanoi",
        actor=w["hanoi_admin"],
    )
    # Voluntary SI at the livestream... no: at the booth; and VssID / consulted outcomes, one recorded twice.
    enroll(w, people["vsi"], d(16), "campaign-key-vsi", w["booth"], scheme="vsi", months=3, income=1_500_000)
    for p in (people["first"], people["vsi"]):
        outcome_record(actor=m, activity=w["show"], person=p, kind="vssid_install_assisted", on=d(10))
    again, created = outcome_record(
        actor=m, activity=w["show"], person=people["first"], kind="vssid_install_assisted", on=d(10)
    )
    assert not created
    outcome_record(actor=m, activity=w["live"], person=people["outside"], kind="consulted", on=d(12))
    people["pensioner"].pension_recipient, people["pensioner"].payout_method = True, "cash"
    people["pensioner"].save()
    outcome_record(
        actor=m, activity=w["booth"], person=people["pensioner"], kind="cashless_switched", on=d(15)
    )

    report = campaign_report(w["campaign"])
    assert (
        report["attributed"]
        == {
            "new_voluntary_si": 1,
            "new_health_insurance": 3,  # first, returns, twice
            "renewals_health_insurance": 1,  # renewal (twice's first card was not yet valid: both its cards are new)
            "renewals_voluntary_si": 0,
            "vssid_installs": 2,
            "cashless_switches": 1,
            "consulted": 1,
        }
    )
    assert report["in_area"]["new_health_insurance"] == 4  # + no_activity
    assert report["in_area"]["new_voluntary_si"] == 1
    assert report["reach"] == {
        "livestream_views": 18600,
        "livestream_interactions": 1990,
        "booth_visitors": 68,
        "audience": 400,
        "banners": 0,
    }
    assert report["goals"]["new_health_insurance"] == {"target": 4, "actual": 3, "rate": 0.75}
    # a rate is rounded down: 3 of 7 is 42.85 %, and a goal one short never shows as reached
    from ansinh.campaigns.services import goals_set
    from ansinh.web.campaign_views import dashboard_context

    goals_set(actor=m, campaign=w["campaign"], goals={"new_health_insurance": 7, "vssid_installs": 3})
    shown = campaign_report(w["campaign"])
    assert shown["goals"]["new_health_insurance"]["rate"] == 0.4285
    goals_set(actor=m, campaign=w["campaign"], goals={"new_health_insurance": 4, "vssid_installs": 3})
    headline = {h["key"]: h for h in dashboard_context(campaign_report(w["campaign"]))["headline"]}
    assert not headline["new_health_insurance"]["reached"] and not headline["vssid_installs"]["reached"]
    assert report["by_activity_kind"]["art_performance"]["new_health_insurance"] == 3
    assert report["by_activity_kind"]["job_fair_booth"]["new_voluntary_si"] == 1
    assert report["by_activity_kind"]["art_performance"]["cost_per_new_participant"] == 666_667
    day10 = next(r for r in report["by_day"] if r["day"] == "2026-05-10")
    assert day10["new_health_insurance"] == 3 and day10["vssid_installs"] == 2
    assert len(report["by_day"]) == 31
    assert report["funnel"]["paid"] <= report["funnel"]["enrolled"] <= report["funnel"]["consulted"]
    assert report["funnel"]["card_issued"] == 4  # first, renewal, returns, twice (the vsi person has no card)
    people["pensioner"].refresh_from_db()
    assert people["pensioner"].payout_method == "account"


def test_voiding_an_earlier_card_moves_a_participant_from_renewals_to_new(world):
    w, m = world, world["manager"]
    person = make_person(m, area_code=w["a"].code)
    earlier = enroll(w, person, d(1, 2), "campaign-key-earlier", months=3)  # a card valid in March and April
    enroll(w, person, d(10), "campaign-key-renewed", w["show"])
    before = campaign_report(w["campaign"])
    assert before["attributed"]["renewals_health_insurance"] == 1
    assert before["attributed"]["new_health_insurance"] == 0

    receipt_void(actor=m, receipt=Receipt.objects.get(enrollment=earlier), reason="Thu nhầm tiền")

    after = campaign_report(w["campaign"])
    assert after["attributed"]["renewals_health_insurance"] == 0
    assert after["attributed"]["new_health_insurance"] == 1
    assert after["in_area"]["new_health_insurance"] == 1
    assert after["by_area"][0]["new_health_insurance"] == 1
    assert after["by_activity_kind"]["art_performance"]["new_health_insurance"] == 1
    day10 = next(r for r in after["by_day"] if r["day"] == "2026-05-10")
    assert (day10["new_health_insurance"], day10["renewals_health_insurance"]) == (1, 0)


def test_a_campaign_without_activities_reports_only_what_happened_in_its_areas(world):
    w, m = world, world["manager"]
    bare = campaign_create(
        actor=m, name="Chỉ địa bàn", kind="other", starts_on=d(1), ends_on=d(31), area_codes=[w["a"].code]
    )
    enroll(w, make_person(m, area_code=w["a"].code), d(12), "campaign-key-walk-in")
    report = campaign_report(bare)
    assert report["attributed"] == dict.fromkeys(report["attributed"], 0)
    assert report["in_area"]["new_health_insurance"] == 1
    assert report["funnel"] == {"consulted": 0, "enrolled": 0, "paid": 0, "card_issued": 0}
    assert report["by_area"] == [] and report["by_activity_kind"] == {} and len(report["by_day"]) == 31


def test_bad_input_is_refused_and_nothing_is_written(world):
    from ansinh.campaigns.models import Activity, Campaign, Outcome

    w, m = world, world["manager"]
    before = (Campaign.objects.count(), Activity.objects.count(), Outcome.objects.count())

    def banner(**bad):
        """A valid banner activity of the campaign, but for what ``bad`` changes."""
        given = {"starts_on": d(25), "ends_on": d(25), "area_code": w["a"].code, **bad}
        return activity_create(actor=m, campaign=w["campaign"], kind="banner", title="Băng rôn", **given)

    with pytest.raises(ApplicationError) as e:
        banner(ends_on=d(2, 6))
    assert e.value.field == "starts_on"
    with pytest.raises(ApplicationError) as e:
        banner(area_code=w["other"].code)
    assert e.value.field == "area_code"
    with pytest.raises(ApplicationError) as e:
        banner(reach={"banners": -3})
    assert e.value.field == "reach.banners"
    with pytest.raises(ApplicationError) as e:
        campaign_create(
            actor=m,
            name="X",
            kind="other",
            starts_on=d(1),
            ends_on=d(2),
            area_codes=[w["a"].code],
            goals={"happiness": 10},
        )
    assert e.value.field == "goals"
    stranger = make_person(w["hanoi_admin"], area_code=w["other"].code)
    with pytest.raises(ApplicationError) as e:
        outcome_record(actor=m, activity=w["show"], person=stranger, kind="consulted", on=d(10))
    assert e.value.code == "not_found"
    assert (Campaign.objects.count(), Activity.objects.count(), Outcome.objects.count()) == before


def test_an_area_in_a_period_beside_the_period_before(world):
    """The dashboard's comparison: everyone living in an area (or in the current communes an old unit became),
    in any period and in the period before, by the report's own definitions."""
    from ansinh.areas.models import AreaSuccession
    from ansinh.campaigns.models import OutcomeKind
    from ansinh.reports.campaign_figures import area_figures
    from ansinh.reports.periods import period_of

    w, m = world, world["manager"]
    may = period_of("campaign", d(20), starts_on=d(1), ends_on=d(31))  # before it: 31 March – 30 April
    enroll(w, make_person(m, area_code=w["a"].code), d(12), "area-fig-may", activity=w["show"])
    enroll(w, make_person(m, area_code=w["a"].code), d(3), "area-fig-walk-in")  # not at an activity: counted
    enroll(w, make_person(m, area_code=w["a"].code), d(20, 4), "area-fig-april")
    enroll(w, make_person(m, area_code=w["a"].code), d(30, 3), "area-fig-march")  # before both periods
    consulted = make_person(m, area_code=w["a"].code)
    outcome_record(actor=m, activity=w["booth"], person=consulted, kind=OutcomeKind.CONSULTED, on=d(15))
    elsewhere = w["hanoi_admin"]
    enroll(w, make_person(elsewhere, area_code=w["other"].code), d(12), "area-fig-hanoi", actor=elsewhere)

    result = area_figures(user=m, area_code=w["a"].code, period=may)
    assert result["figures"]["new_health_insurance"] == 2
    assert result["figures"]["consulted"] == 1
    assert result["figures_before"]["new_health_insurance"] == 1
    assert result["figures_before"]["consulted"] == 0
    assert (result["before"]["starts_on"], result["before"]["ends_on"]) == ("2026-03-31", "2026-04-30")
    province = area_figures(user=m, area_code=w["a"].province_code, period=may)
    assert province["figures"]["new_health_insurance"] == 2  # the Hà Nội payment is in another province
    old = AreaSuccession.objects.filter(current=w["a"]).select_related("legacy").first()
    assert old is not None
    through_old = area_figures(user=m, area_code=old.legacy.code, period=may)
    assert through_old["figures"]["new_health_insurance"] >= 2 and through_old["note"]
    with pytest.raises(ApplicationError):
        area_figures(user=m, area_code=w["other"].code, period=may)  # not the manager's area
