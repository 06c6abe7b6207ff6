"""Door outcomes (and their flow into the campaign figures), the JSON API with its authorization matrix, the
pages and the walk-list PDF."""

import datetime as dt
import json

import pytest

from ansinh.campaigns.models import Outcome
from ansinh.campaigns.services import activity_create, campaign_create
from ansinh.core.errors import ApplicationError
from ansinh.core.services import token_create
from ansinh.outreach.models import DoorOutcome, OutboxMessage, TargetList
from ansinh.outreach.reminders import reminders_run
from ansinh.outreach.services import door_outcome_record, target_list_create
from factories import make_user
from outreach.test_reminders import run_day
from outreach.world import ON


def bearer(user):
    _token, raw = token_create(actor=None, user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def activity(world):
    campaign = campaign_create(
        actor=world["officer"],
        name="Tháng vận động",
        kind="month_of_promotion",
        starts_on=ON - dt.timedelta(days=3),
        ends_on=ON + dt.timedelta(days=3),
        area_codes=[world["a"].code],
    )
    return activity_create(
        actor=world["officer"],
        campaign=campaign,
        kind="small_group_visit",
        title="Nhóm nhỏ Bản Một",
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        area_code=world["a"].code,
    )


def test_door_outcomes_flow_into_the_campaign_figures(world, activity):
    target_list = target_list_create(
        actor=world["officer"],
        name="x",
        criteria=["uninsured"],
        on=ON,
        area_codes=[world["v1"].code],
        activity_id=activity.pk,
    )
    h2 = target_list.households.get(household=world["h"]["h2"])
    door_outcome_record(actor=world["agent"], row=h2, status="not_home")
    assert not Outcome.objects.exists()
    door_outcome_record(
        actor=world["agent"], row=h2, status="follow_up", follow_up_on=ON + dt.timedelta(days=2)
    )
    kinds = sorted(Outcome.objects.filter(activity=activity).values_list("person__full_name", "kind"))
    assert kinds == [
        ("Lê Văn Cường", "consulted"),
        ("Lê Văn Cường", "follow_up"),
        ("Lê Văn Dũng", "consulted"),
        ("Lê Văn Dũng", "follow_up"),
    ]
    h2.refresh_from_db()
    assert h2.status == "follow_up" and h2.follow_up_on == ON + dt.timedelta(days=2)
    # Consulted again: each person counts once per figure.
    door_outcome_record(actor=world["agent"], row=h2, status="consulted", person_id=world["p"]["cuong"].pk)
    assert Outcome.objects.filter(kind="consulted").count() == 2


def test_door_input_is_checked(world):
    target_list = target_list_create(
        actor=world["officer"], name="x", criteria=["uninsured"], on=ON, area_codes=[world["a"].code]
    )
    row = target_list.households.first()
    for kwargs, field in (
        ({"status": "refused"}, "reason"),
        ({"status": "follow_up"}, "follow_up_on"),
        ({"status": "pending"}, "status"),
        ({"status": "visited", "on": ON + dt.timedelta(days=1)}, "on"),
        ({"status": "visited", "person_id": world["p"]["phuc"].pk}, "person_id"),
    ):
        with pytest.raises(ApplicationError) as e:
            door_outcome_record(actor=world["agent"], row=row, **kwargs)
        assert e.value.field == field
    door_outcome_record(actor=world["agent"], row=row, status="refused", reason="Đã có BHYT ở nơi làm việc")
    assert DoorOutcome.objects.get().reason == "Đã có BHYT ở nơi làm việc"


@pytest.fixture
def as_role(world, communes):
    def make(kind):
        if kind == "anonymous":
            return {}
        if kind == "other_area":
            return bearer(make_user(role="communication_officer", areas=[communes["b"].code]))
        if kind == "own_area_without_permission":
            return bearer(make_user(role="viewer", areas=[world["a"].code]))
        return bearer(world["officer"])

    return make


@pytest.mark.parametrize(
    ("kind", "status"),
    [("anonymous", 401), ("other_area", 404), ("own_area_without_permission", 403), ("own_area", 201)],
)
def test_creating_a_list_over_the_api_matrix(client, world, as_role, kind, status):
    body = {
        "name": "Tuần 1",
        "area_codes": [world["a"].code],
        "criteria": ["uninsured", "lapsed"],
        "teams": 2,
    }
    response = client.post(
        "/api/v1/outreach/target-lists", json.dumps(body), content_type="application/json", **as_role(kind)
    )
    assert response.status_code == status, response.content
    assert TargetList.objects.exists() == (status == 201)
    if status == 201:
        data = response.json()
        assert data["household_count"] == 3 and len(data["teams"]) == 2
        assert (
            data["households"][0]["priority"] == 1 and data["households"][0]["offers"][0]["total_payable"] > 0
        )


def test_split_export_and_outcomes_over_the_api(client, world, communes):
    headers = bearer(world["officer"])
    created = client.post(
        "/api/v1/outreach/target-lists",
        json.dumps({"name": "T", "area_codes": [world["a"].code], "criteria": ["uninsured"]}),
        content_type="application/json",
        **headers,
    ).json()
    url = f"/api/v1/outreach/target-lists/{created['id']}"
    split = client.post(f"{url}/split", json.dumps({"teams": 2}), content_type="application/json", **headers)
    assert [t["households"] for t in split.json()["teams"]] == [2, 1]
    csv = client.get(f"{url}/export?format=csv", **headers)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "Trần Thị Bình" in csv.content.decode()
    header = csv.content.decode().splitlines()[0]
    assert header.startswith("STT,Tổ,Ưu tiên") and "Họ và tên" in header and "full_name" not in header
    assert "uninsured" not in csv.content.decode()  # the reasons in words, not codes
    # a name or an address a spreadsheet would run as a formula is written as text (issue 12)
    from ansinh.outreach.models import TargetHousehold

    TargetHousehold.objects.filter(target_list_id=created["id"]).update(
        address='=HYPERLINK("http://x.invalid")'
    )
    text = client.get(f"{url}/export?format=csv", **headers).content.decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and '"=HYPERLINK' not in text
    rows = client.get(f"{url}/export", **headers).json()["rows"]
    assert {r["full_name"] for r in rows} >= {"Trần Thị Bình", "Vũ Văn Nam"}
    row_id = created["households"][0]["id"]
    agent = bearer(world["agent"])
    recorded = client.post(
        f"{url}/households/{row_id}/outcomes",
        json.dumps({"status": "consulted"}),
        content_type="application/json",
        **agent,
    )
    assert recorded.status_code == 201 and recorded.json()["status"] == "consulted"
    assert client.get(f"{url}/outcomes", **agent).json()[0]["status"] == "consulted"
    # Another office's staff see nothing, and cannot record.
    stranger = bearer(make_user(role="collection_agent", areas=[communes["b"].code]))
    assert client.get(url, **stranger).status_code == 404
    assert (
        client.post(
            f"{url}/households/{row_id}/outcomes",
            json.dumps({"status": "visited"}),
            content_type="application/json",
            **stranger,
        ).status_code
        == 404
    )
    assert DoorOutcome.objects.count() == 1


def test_the_outbox_over_the_api_list_and_retry(client, world, communes):
    reminders_run(on=run_day())
    OutboxMessage.objects.update(status="giving_up", attempts=8, last_error="gateway answered HTTP 400")
    headers = bearer(world["officer"])
    listed = client.get("/api/v1/outreach/outbox?status=giving_up", **headers).json()
    assert len(listed) == 2
    stranger = bearer(make_user(role="communication_officer", areas=[communes["b"].code]))
    assert client.get("/api/v1/outreach/outbox", **stranger).json() == []
    assert client.post(f"/api/v1/outreach/outbox/{listed[0]['id']}/retry", **stranger).status_code == 404
    agent = bearer(world["agent"])
    assert client.post(f"/api/v1/outreach/outbox/{listed[0]['id']}/retry", **agent).status_code == 403
    retried = client.post(f"/api/v1/outreach/outbox/{listed[0]['id']}/retry", **headers).json()
    assert retried["status"] == "queued" and retried["attempts"] == 0
    assert OutboxMessage.objects.filter(status="giving_up").count() == 1


def test_pages_and_the_walk_list_pdf(client, world):
    criteria = ["uninsured", "expiring", "vsi_due", "cash_pension"]
    target_list = target_list_create(
        actor=world["officer"], name="Tuần 1", criteria=criteria, on=ON, area_codes=[world["a"].code], teams=2
    )
    client.force_login(world["officer"])
    assert client.get("/outreach/").status_code == 200
    detail = client.get(f"/outreach/lists/{target_list.pk}/")
    assert detail.status_code == 200 and "Trần Thị Bình" in detail.content.decode()
    walk = client.get(f"/outreach/lists/{target_list.pk}/teams/1/")
    assert walk.status_code == 200
    pdf = client.get(f"/outreach/lists/{target_list.pk}/teams/0/walk.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "Trần Thị Bình" in text and "BHYT hộ gia đình" in text and "Bản Một" in text
    assert client.get(f"/outreach/lists/{target_list.pk}/teams/9/").status_code == 404
    row = target_list.households.first()
    response = client.post(
        f"/outreach/lists/{target_list.pk}/rows/{row.pk}/door/", {"status": "not_home", "team": "0"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "not_home"
    assert client.get("/outreach/outbox/").status_code == 200


def test_the_lists_page_and_api_count_households_without_a_query_per_list(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    criteria = ["uninsured", "expiring", "vsi_due", "cash_pension"]

    def make(n: int, teams: int):
        return target_list_create(
            actor=world["officer"],
            name=f"L{n}",
            criteria=criteria,
            on=ON,
            area_codes=[world["a"].code],
            teams=teams,
        )

    first = make(1, 2)
    client.force_login(world["officer"])
    headers = bearer(world["officer"])
    client.get("/api/v1/outreach/target-lists", **headers)  # the token's first use of the minute is written
    with CaptureQueriesContext(connection) as one_page:
        client.get("/outreach/")
    with CaptureQueriesContext(connection) as one_api:
        client.get("/api/v1/outreach/target-lists", **headers)
    for n in range(2, 6):
        make(n, n)
    with CaptureQueriesContext(connection) as five_page:
        page = client.get("/outreach/")
    with CaptureQueriesContext(connection) as five_api:
        listed = client.get("/api/v1/outreach/target-lists", **headers).json()
    assert len(five_page) == len(one_page) and len(five_api) == len(one_api)
    households = first.households.count()
    assert households > 1
    assert page.content.decode().count(f"<td>{households}</td>") == 5
    assert [t["household_count"] for t in listed] == [households] * 5
    by_name = {t["name"]: t for t in listed}
    for n in range(1, 6):
        teams = by_name[f"L{n}"]["teams"]
        assert [t["number"] for t in teams] == list(range(1, (2 if n == 1 else n) + 1))
        assert sum(t["households"] for t in teams) == households


def test_a_household_outcome_still_records_when_a_member_has_moved_away(world, activity, communes):
    from ansinh.registry.services import person_update

    target_list = target_list_create(
        actor=world["officer"], name="x", criteria=["uninsured"], on=ON, area_codes=[world["v1"].code],
        activity_id=activity.pk,
    )  # fmt: skip
    h2 = target_list.households.get(household=world["h"]["h2"])
    admin = make_user(role="administrator", areas=["15"])
    person_update(
        actor=admin, person=world["p"]["dung"], data={"area_code": communes["b"].code, "village_id": None}
    )
    door_outcome_record(actor=world["agent"], row=h2, status="consulted")
    assert list(Outcome.objects.filter(activity=activity).values_list("person__full_name", flat=True)) == [
        "Lê Văn Cường"
    ]
    assert DoorOutcome.objects.filter(target_household=h2, status="consulted").exists()


def test_the_doors_of_an_area_in_a_period_beside_the_period_before(client, world):
    from ansinh.reports.outreach_figures import door_figures
    from ansinh.reports.periods import period_of

    target_list = target_list_create(
        actor=world["officer"],
        name="doors",
        criteria=["uninsured", "lapsed", "expiring"],
        on=ON,
        area_codes=[world["v1"].code],
    )
    rows = {k: target_list.households.get(household=world["h"][k]) for k in ("h1", "h2", "h3")}
    last_month = ON.replace(day=1) - dt.timedelta(days=1)
    door_outcome_record(
        actor=world["agent"], row=rows["h3"], status="refused", on=last_month, reason="đã có thẻ"
    )
    door_outcome_record(actor=world["agent"], row=rows["h2"], status="not_home", on=ON)
    door_outcome_record(actor=world["agent"], row=rows["h2"], status="follow_up", on=ON, follow_up_on=ON)
    door_outcome_record(actor=world["agent"], row=rows["h1"], status="consulted", on=ON)
    month = period_of("month", ON)
    doors = door_figures(user=world["officer"], area_code=world["a"].code, period=month)
    assert doors["figures"] == {
        "knocked": 2,
        "at_home": 2,
        "consulted": 1,
        "enrolled": 0,
        "follow_up": 1,
        "refused": 0,
    }
    assert doors["figures_before"] == {
        "knocked": 1,
        "at_home": 1,
        "consulted": 0,
        "enrolled": 0,
        "follow_up": 0,
        "refused": 1,
    }
    other_village = door_figures(user=world["officer"], area_code=world["v2"].code, period=month)
    assert other_village["figures"]["knocked"] == 0
    client.force_login(world["officer"])
    html = client.get(
        "/outreach/", {"area": world["a"].code, "period": "month", "on": ON.isoformat()}
    ).content
    row = html.decode().split('data-figure="knocked"')[1].split("</tr>")[0]
    assert 'data-value="now">2<' in row and 'data-value="before">1<' in row
    assert 'id="door-rows"' in client.get("/outreach/").content.decode()  # the user's area, this month


def test_the_doors_and_the_campaign_figures_of_an_area_in_a_period_over_the_api(
    client, world, activity, communes
):
    target_list = target_list_create(
        actor=world["officer"], name="api", criteria=["uninsured"], on=ON, area_codes=[world["v1"].code]
    )
    row = target_list.households.get(household=world["h"]["h1"])
    door_outcome_record(actor=world["agent"], row=row, status="consulted", on=ON)
    auth = bearer(world["officer"])
    area = world["a"].code
    doors = client.get(
        "/api/v1/outreach/doors", {"area": area, "period": "month", "on": ON.isoformat()}, **auth
    )
    assert doors.status_code == 200
    body = doors.json()
    assert body["figures"]["knocked"] == 1 and body["figures_before"]["knocked"] == 0
    assert body["period"]["starts_on"] == ON.replace(day=1).isoformat() and body["period"]["kind"] == "month"
    during = client.get(
        "/api/v1/campaign-figures",
        {"area": area, "period": "campaign", "campaign": activity.campaign_id, "on": ON.isoformat()},
        **auth,
    ).json()
    assert during["period"]["starts_on"] == activity.campaign.starts_on.isoformat()
    assert during["before"]["ends_on"] == (activity.campaign.starts_on - dt.timedelta(days=1)).isoformat()
    assert set(during["figures"]) == set(during["figures_before"]) and "consulted" in during["figures"]
    # bad input: a clear answer, never a 500
    no_campaign = client.get("/api/v1/campaign-figures", {"area": area, "period": "campaign"}, **auth)
    assert no_campaign.status_code == 422 and no_campaign.json()["field"] == "campaign"
    too_early = client.get("/api/v1/outreach/doors", {"area": area, "on": "1900-01-01"}, **auth)
    assert too_early.status_code == 422 and too_early.json()["field"] == "on"
    far = client.get(
        "/api/v1/outreach/doors", {"area": area, "period": "quarter", "on": "9999-11-01"}, **auth
    )
    assert far.status_code == 422
    elsewhere = client.get("/api/v1/outreach/doors", {"area": communes["other"].code}, **auth)
    assert elsewhere.status_code == 404
    unknown = client.get(
        "/api/v1/campaign-figures", {"area": area, "period": "campaign", "campaign": 10**30}, **auth
    )
    assert unknown.status_code in (404, 422)
