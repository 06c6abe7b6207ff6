"""Campaign pages and the campaign API: who may see and change what (anonymous / other area / own area without the
permission / own area with it), and a denied call writes nothing."""

import datetime as dt
import json

import pytest

from ansinh.campaigns.models import Activity, Campaign, Outcome
from ansinh.campaigns.services import activity_create, campaign_create
from ansinh.core.models import AuditEvent
from ansinh.core.services import token_create
from factories import make_person, make_user

TODAY = dt.date.today()


@pytest.fixture
def setting(communes):
    a, other = communes["a"], communes["other"]
    officer = make_user(role="communication_officer", areas=[a.code])
    campaign = campaign_create(
        actor=officer,
        name="Tháng vận động BHXH toàn dân",
        kind="month_of_promotion",
        starts_on=TODAY - dt.timedelta(days=5),
        ends_on=TODAY + dt.timedelta(days=25),
        area_codes=[a.code],
        goals={"new_health_insurance": 100},
    )
    activity = activity_create(
        actor=officer,
        campaign=campaign,
        kind="livestream",
        title="Livestream Facebook",
        starts_on=TODAY,
        ends_on=TODAY,
        area_code=a.code,
        reach={"views": 100},
    )
    users = {
        "other_area": make_user(role="communication_officer", areas=[other.code]),
        "own_area_viewer": make_user(role="viewer", areas=[a.code]),
        "own_area_agent": make_user(role="collection_agent", areas=[a.code]),
        "own_area_officer": officer,
    }
    person = make_person(users["own_area_agent"], area_code=a.code)
    return {
        "campaign": campaign,
        "activity": activity,
        "users": users,
        "a": a,
        "other": other,
        "person": person,
    }


def as_(client, setting, kind):
    if kind != "anonymous":
        client.force_login(setting["users"][kind])
    return client


def written(setting):
    activity = Activity.objects.get(pk=setting["activity"].pk)
    return (
        Campaign.objects.count(),
        Activity.objects.count(),
        Outcome.objects.count(),
        AuditEvent.objects.count(),
        json.dumps(activity.reach, sort_keys=True),
    )


READ_PAGES = [
    "/campaigns/{c}/",
    "/campaigns/{c}/activities/",
    "/campaigns/{c}/report.pdf",
    "/campaigns/{c}/report.xlsx",
]


@pytest.mark.parametrize("url", READ_PAGES)
@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 302), ("other_area", 404), ("own_area_viewer", 200), ("own_area_officer", 200)],
)
def test_reading_campaign_pages_matrix(client, setting, url, kind, status):
    response = as_(client, setting, kind).get(url.format(c=setting["campaign"].pk))
    assert response.status_code == status
    if status == 302:
        assert "/login/" in response["Location"]


@pytest.mark.parametrize(
    "kind, status, listed",
    [
        ("anonymous", 302, False),
        ("other_area", 200, False),
        ("own_area_viewer", 200, True),
        ("own_area_officer", 200, True),
    ],
)
def test_the_list_shows_only_campaigns_of_ones_areas(client, setting, kind, status, listed):
    response = as_(client, setting, kind).get("/campaigns/")
    assert response.status_code == status
    if status == 200:
        assert (f'data-campaign="{setting["campaign"].pk}"' in response.text) is listed


def test_the_dashboard_shows_the_reports_figures_and_refreshes_itself(client, setting):
    client.force_login(setting["users"]["own_area_viewer"])
    page = client.get(f"/campaigns/{setting['campaign'].pk}/").text
    assert 'hx-trigger="every 30s"' in page and 'id="live"' in page
    assert 'data-figure="new_health_insurance"' in page and "<svg" in page
    partial = client.get(f"/campaigns/{setting['campaign'].pk}/", HTTP_HX_REQUEST="true").text
    assert partial.lstrip().startswith('<div id="live"') and "<html" not in partial
    assert 'data-reach="livestream_views"' in partial


@pytest.mark.parametrize("url", ["/campaigns/new/", "/campaigns/{c}/activities/{a}/reach/"])
@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 302), ("own_area_viewer", 403), ("own_area_agent", 403), ("own_area_officer", 200)],
)
def test_opening_the_planning_forms_matrix(client, setting, url, kind, status):
    url = url.format(c=setting["campaign"].pk, a=setting["activity"].pk)
    assert as_(client, setting, kind).get(url).status_code == status


def test_the_reach_form_of_another_area_is_not_found(client, setting):
    url = f"/campaigns/{setting['campaign'].pk}/activities/{setting['activity'].pk}/reach/"
    assert as_(client, setting, "other_area").get(url).status_code == 404


PLAN = {
    "kind": "job_fair_booth",
    "title": "Gian tư vấn hội chợ việc làm",
    "starts_on": TODAY.isoformat(),
    "ends_on": TODAY.isoformat(),
    "visitors": "68",
    "partner": "Liên đoàn Lao động tỉnh",
    "cost": "1.500.000",
}


@pytest.mark.parametrize(
    "kind, status",
    [
        ("anonymous", 302),
        ("other_area", 404),
        ("own_area_viewer", 403),
        ("own_area_agent", 403),
        ("own_area_officer", 302),
    ],
)
def test_planning_an_activity_matrix_and_denied_writes_nothing(client, setting, kind, status):
    before = written(setting)
    data = {**PLAN, "area_code": setting["a"].code}
    response = as_(client, setting, kind).post(f"/campaigns/{setting['campaign'].pk}/activities/", data)
    assert response.status_code == status
    if kind == "own_area_officer":
        booth = Activity.objects.get(kind="job_fair_booth")
        assert (
            booth.reach == {"visitors": 68}
            and booth.cost == 1_500_000
            and booth.partner.name == PLAN["partner"]
        )
        assert response["Location"] == f"/campaigns/{setting['campaign'].pk}/activities/"
    else:
        assert written(setting) == before


def test_a_bad_plan_is_refused_with_a_message_and_nothing_is_written(client, setting):
    client.force_login(setting["users"]["own_area_officer"])
    before = written(setting)
    late = (setting["campaign"].ends_on + dt.timedelta(days=3)).isoformat()
    url = f"/campaigns/{setting['campaign'].pk}/activities/"
    response = client.post(url, {**PLAN, "area_code": setting["a"].code, "ends_on": late})
    assert response.status_code == 422 and "has-error" in response.text
    response = client.post(url, {**PLAN, "area_code": setting["a"].code, "visitors": "-5"})
    assert response.status_code == 422
    assert written(setting) == before


@pytest.mark.parametrize(
    "kind, status",
    [
        ("anonymous", 302),
        ("other_area", 404),
        ("own_area_viewer", 403),
        ("own_area_agent", 403),
        ("own_area_officer", 302),
    ],
)
def test_updating_reach_matrix_and_denied_writes_nothing(client, setting, kind, status):
    before = written(setting)
    url = f"/campaigns/{setting['campaign'].pk}/activities/{setting['activity'].pk}/reach/"
    response = as_(client, setting, kind).post(url, {"views": "18.600", "interactions": "1990"})
    assert response.status_code == status
    setting["activity"].refresh_from_db()
    if kind == "own_area_officer":
        assert setting["activity"].reach == {"views": 18_600, "interactions": 1_990}
    else:
        assert written(setting) == before and setting["activity"].reach == {"views": 100}


def campaign_form(setting, code):
    return {
        "name": "Tuần ra quân cùng Bưu điện",
        "kind": "launch_week",
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + dt.timedelta(days=6)).isoformat(),
        "area_codes": [code],
        "goal_new_health_insurance": "136",
        "area_goal_figure_0": "new_voluntary_si",
        "area_goal_code_0": code,
        "area_goal_target_0": "20",
        "partners": "Bưu điện tỉnh",
    }


@pytest.mark.parametrize(
    "kind, status",
    [
        ("anonymous", 302),
        ("other_area", 422),
        ("own_area_viewer", 403),
        ("own_area_agent", 403),
        ("own_area_officer", 302),
    ],
)
def test_creating_a_campaign_matrix_and_denied_writes_nothing(client, setting, kind, status):
    before = written(setting)
    response = as_(client, setting, kind).post("/campaigns/new/", campaign_form(setting, setting["a"].code))
    assert response.status_code == status
    if kind == "own_area_officer":
        campaign = Campaign.objects.get(kind="launch_week")
        goals = {(g.figure, g.area.code if g.area else None): g.target for g in campaign.goals.all()}
        assert goals == {("new_health_insurance", None): 136, ("new_voluntary_si", setting["a"].code): 20}
        assert [p.name for p in campaign.partners.all()] == ["Bưu điện tỉnh"]
    else:
        assert written(setting) == before


# ------------------------------------------------------------------------------------------------ the API


def bearer(user):
    _token, raw = token_create(actor=None, user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def api_as(setting, kind):
    return {} if kind == "anonymous" else bearer(setting["users"][kind])


@pytest.mark.parametrize(
    "suffix, content_type",
    [
        ("report", "application/json"),
        ("report.pdf", "application/pdf"),
        ("report.xlsx", "application/vnd.openxmlformats"),
    ],
)
@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 401), ("other_area", 404), ("own_area_viewer", 200), ("own_area_officer", 200)],
)
def test_reading_the_report_over_the_api_matrix(client, setting, suffix, content_type, kind, status):
    response = client.get(f"/api/v1/campaigns/{setting['campaign'].pk}/{suffix}", **api_as(setting, kind))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"].startswith(content_type)


def test_the_files_over_the_api_carry_the_figures_of_the_json(client, setting):
    headers = api_as(setting, "own_area_viewer")
    report = client.get(f"/api/v1/campaigns/{setting['campaign'].pk}/report", **headers).json()
    pdf = client.get(f"/api/v1/campaigns/{setting['campaign'].pk}/report.pdf", **headers)
    xlsx = client.get(f"/api/v1/campaigns/{setting['campaign'].pk}/report.xlsx", **headers)
    assert pdf.content[:5] == b"%PDF-" and xlsx.content[:2] == b"PK"
    assert set(report) >= {"attributed", "in_area", "reach", "by_activity_kind", "by_area", "by_day", "goals"}
    assert report["reach"]["livestream_views"] == 100


@pytest.mark.parametrize(
    "kind, status",
    [
        ("anonymous", 401),
        ("other_area", 404),
        ("own_area_viewer", 403),
        ("own_area_agent", 403),
        ("own_area_officer", 201),
    ],
)
def test_planning_over_the_api_matrix_and_denied_writes_nothing(client, setting, kind, status):
    headers = api_as(setting, kind)  # a token is an audited write of its own: made before counting
    before = written(setting)
    body = {
        "kind": "conference",
        "title": "Hội nghị đối thoại",
        "starts_on": TODAY.isoformat(),
        "ends_on": TODAY.isoformat(),
        "area_code": setting["a"].code,
        "reach": {"participants": 120},
    }
    response = client.post(
        f"/api/v1/campaigns/{setting['campaign'].pk}/activities",
        body,
        content_type="application/json",
        **headers,
    )
    assert response.status_code == status
    if status != 201:
        assert written(setting) == before


@pytest.mark.parametrize(
    "kind, status",
    [
        ("anonymous", 401),
        ("other_area", 404),
        ("own_area_viewer", 403),
        ("own_area_agent", 403),
        ("own_area_officer", 200),
    ],
)
def test_updating_reach_over_the_api_matrix_and_denied_writes_nothing(client, setting, kind, status):
    headers = api_as(setting, kind)  # a token is an audited write of its own: made before counting
    before = written(setting)
    response = client.patch(
        f"/api/v1/activities/{setting['activity'].pk}/reach",
        {"views": 18_600},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == status
    if status != 200:
        assert written(setting) == before


@pytest.mark.parametrize(
    "kind, status",
    [
        ("anonymous", 401),
        ("other_area", 422),
        ("own_area_viewer", 403),
        ("own_area_agent", 403),
        ("own_area_officer", 201),
    ],
)
def test_creating_a_campaign_over_the_api_matrix_and_denied_writes_nothing(client, setting, kind, status):
    headers = api_as(setting, kind)  # a token is an audited write of its own: made before counting
    before = written(setting)
    body = {
        "name": "Tuần ra quân",
        "kind": "launch_week",
        "starts_on": TODAY.isoformat(),
        "ends_on": TODAY.isoformat(),
        "area_codes": [setting["a"].code],
        "goals": {"new_health_insurance": 10},
    }
    response = client.post("/api/v1/campaigns", body, content_type="application/json", **headers)
    assert response.status_code == status
    if status != 201:
        assert written(setting) == before


@pytest.mark.parametrize(
    "kind, status",
    [
        ("anonymous", 401),
        ("other_area", 404),
        ("own_area_viewer", 403),
        ("own_area_agent", 201),
        ("own_area_officer", 201),
    ],
)
def test_recording_an_outcome_over_the_api_matrix_and_denied_writes_nothing(client, setting, kind, status):
    headers = api_as(setting, kind)  # a token is an audited write of its own: made before counting
    before = written(setting)
    body = {"person_id": setting["person"].pk, "kind": "consulted", "on": TODAY.isoformat()}
    response = client.post(
        f"/api/v1/activities/{setting['activity'].pk}/outcomes",
        body,
        content_type="application/json",
        **headers,
    )
    assert response.status_code == status
    if status != 201:
        assert written(setting) == before


def test_a_commune_officer_does_not_change_a_province_campaign(client, setting, communes):
    from ansinh.campaigns.services import activity_update_reach, goals_set
    from ansinh.core.errors import ApplicationError

    province_officer = make_user(role="communication_officer", areas=["15"])
    campaign = campaign_create(
        actor=province_officer, name="Toàn tỉnh", kind="month_of_promotion", starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=30), area_codes=["15"], goals={"new_health_insurance": 1000},
    )  # fmt: skip
    activity = activity_create(
        actor=province_officer, campaign=campaign, kind="livestream", title="Cả tỉnh", starts_on=TODAY,
        ends_on=TODAY, area_code="15", reach={"views": 100},
    )  # fmt: skip
    commune_officer = setting["users"]["own_area_officer"]
    for call in (
        lambda: goals_set(actor=commune_officer, campaign=campaign, goals={"new_health_insurance": 1}),
        lambda: activity_update_reach(actor=commune_officer, activity=activity, reach={"views": 5}),
    ):
        with pytest.raises(ApplicationError) as e:
            call()
        assert e.value.code == "not_found"
    activity.refresh_from_db()
    assert activity.reach == {"views": 100} and campaign.goals.get().target == 1000


def test_odd_numbers_and_endless_dates_are_refused_in_words(client, setting):
    from ansinh.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as e:
        campaign_create(
            actor=setting["users"]["own_area_officer"], name="Mãi mãi", kind="month_of_promotion",
            starts_on=TODAY, ends_on=dt.date(9999, 12, 31), area_codes=[setting["a"].code],
        )  # fmt: skip
    assert e.value.field == "ends_on"
    client.force_login(setting["users"]["own_area_officer"])
    url = f"/campaigns/{setting['campaign'].pk}/activities/{setting['activity'].pk}/reach/"
    for value in ("²", "99999999999999999999999"):
        response = client.post(url, {"views": value})
        assert response.status_code == 422 and "là số nguyên" in response.content.decode()  # on the field
    setting["activity"].refresh_from_db()
    assert setting["activity"].reach == {"views": 100}


def test_a_switch_to_an_account_counts_only_for_someone_paid_in_cash(setting):
    from ansinh.campaigns.services import outcome_record
    from ansinh.core.errors import ApplicationError
    from ansinh.registry.models import Person

    person = setting["person"]
    Person.objects.filter(pk=person.pk).update(pension_recipient=True, payout_method="account")
    person.refresh_from_db()
    with pytest.raises(ApplicationError) as e:
        outcome_record(actor=setting["users"]["own_area_agent"], activity=setting["activity"], person=person,
                       kind="cashless_switched", on=TODAY)  # fmt: skip
    assert e.value.field == "person_id" and not Outcome.objects.exists()


def test_the_dashboard_compares_an_area_and_a_period_with_the_period_before(client, setting):
    from ansinh.enrollment.services import enrollment_create
    from factories import make_point

    officer, a, campaign = setting["users"]["own_area_officer"], setting["a"], setting["campaign"]
    agent = setting["users"]["own_area_agent"]
    make_point(area=a, agents=[agent])
    enrollment_create(
        actor=agent,
        idempotency_key="dash-compare",
        person_ids=[setting["person"].pk],
        scheme="hi_household",
        months=12,
        paid_on=TODAY,
    )
    client.force_login(officer)
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'id="compare-rows"' in html and f'value="{a.code}"' in html  # the campaign's area by default
    row = html.split('data-figure="new_health_insurance"')[-1].split("</tr>")[0]
    assert 'data-value="now">1<' in row and 'data-value="before">0<' in row
    before_start = campaign.starts_on - dt.timedelta(days=(campaign.ends_on - campaign.starts_on).days + 1)
    assert before_start.strftime("%d/%m/%Y") in html
    month = client.get(
        f"/campaigns/{campaign.pk}/", {"period": "month", "on": TODAY.isoformat()}
    ).content.decode()
    assert TODAY.replace(day=1).strftime("%d/%m/%Y") in month.split('id="compare-periods"')[1][:300]
    assert '<option value="campaign" >' in month  # the campaign's dates can be chosen again
    wrong = client.get(f"/campaigns/{campaign.pk}/", {"area": "99999"})
    assert (
        wrong.status_code == 200 and 'id="area-error"' in wrong.content.decode()
    )  # the page stays, with why
    assert 'id="compare-rows"' not in wrong.content.decode()


def test_the_list_narrows_to_an_area_and_a_period(client, setting):
    from ansinh.areas.models import AreaSuccession

    officer, a, campaign = setting["users"]["own_area_officer"], setting["a"], setting["campaign"]
    client.force_login(officer)
    row = f'data-campaign="{campaign.pk}"'
    assert row in client.get("/campaigns/").content.decode()  # no filter: every campaign
    month = client.get("/campaigns/", {"area": a.code, "period": "month", "on": TODAY.isoformat()})
    assert row in month.content.decode() and 'id="campaign-count"' in month.content.decode()
    old = AreaSuccession.objects.filter(current=a).select_related("legacy").first().legacy
    assert (
        row in client.get("/campaigns/", {"area": old.code}).content.decode()
    )  # by its name before July 2025
    long_ago = TODAY.replace(year=TODAY.year - 3).isoformat()
    gone = client.get("/campaigns/", {"period": "year", "on": long_ago}).content.decode()
    assert row not in gone and '<strong id="count-before">0</strong>' in gone
    wrong = client.get("/campaigns/", {"area": "99999"})
    assert wrong.status_code == 200 and 'id="area-error"' in wrong.content.decode()


def test_the_list_by_area_keeps_the_campaigns_held_in_it_or_over_it(client, setting, communes):
    b, a = communes["b"], setting["a"]
    admin = make_user(role="administrator", areas=[a.province_code])
    in_b = campaign_create(
        actor=admin, name="Xã B", kind="other", starts_on=TODAY, ends_on=TODAY, area_codes=[b.code]
    )
    over = campaign_create(
        actor=admin,
        name="Toàn tỉnh",
        kind="other",
        starts_on=TODAY,
        ends_on=TODAY,
        area_codes=[a.province_code],
    )
    client.force_login(admin)
    html = client.get("/campaigns/", {"area": a.code}).content.decode()
    assert f'data-campaign="{setting["campaign"].pk}"' in html and f'data-campaign="{over.pk}"' in html
    assert f'data-campaign="{in_b.pk}"' not in html
    whole = client.get("/campaigns/", {"area": a.province_code}).content.decode()
    assert all(f'data-campaign="{c.pk}"' in whole for c in (setting["campaign"], in_b, over))
