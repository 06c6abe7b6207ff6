"""Outreach in a real browser: a communication officer builds a target list for two villages, opens a team's
walk list, and records what happened at a door. Screenshots go to var/screenshots/outreach-*.png."""

import datetime as dt
from pathlib import Path

from playwright.sync_api import expect

from ansinh.areas.services import village_create
from ansinh.outreach.models import DoorOutcome, TargetList
from ansinh.registry.services import household_add_member
from browsing import sign_in
from factories import make_hi_coverage, make_household, make_person, make_user

SHOTS = Path("var/screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"outreach-{name}.png"), full_page=True)


def test_an_officer_builds_a_list_opens_the_walk_list_and_records_a_door(
    page, live_server, transactional_areas
):
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    admin = make_user(role="administrator", areas=["15"])
    v1 = village_create(actor=admin, commune=commune, name="Bản Một")
    v2 = village_create(actor=admin, commune=commune, name="Bản Hai")
    make_user(role="communication_officer", areas=[commune.code], username="comms1")
    today = dt.date.today()
    for village, names in ((v1, ["Nguyễn Văn An", "Trần Thị Bình"]), (v2, ["Lò Văn Cầu", "Lò Thị Dung"])):
        head = make_person(admin, area_code=commune.code, village_id=village.pk, full_name=names[0], sex="m")
        household = make_household(admin, head=head)
        other = make_person(admin, area_code=commune.code, village_id=village.pk, full_name=names[1], sex="f")
        household_add_member(actor=admin, household=household, person=other, relation="spouse")
        make_hi_coverage(head, today - dt.timedelta(days=100), today + dt.timedelta(days=200))

    # The assertions below read English labels: switch this browser to English, as a user would.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    sign_in(page, live_server.url, "comms1")

    page.goto(f"{live_server.url}/outreach/")
    page.fill("#id_name", "Tuần vận động nhóm nhỏ")
    page.check(f"input[name=area_codes][value='{v1.code}']")
    page.check(f"input[name=area_codes][value='{v2.code}']")
    page.check("input[name=criteria][value=uninsured]")
    page.fill("#id_teams", "2")
    shot(page, "1-build")
    page.click("#build-form button[type=submit]")

    expect(page.locator("h1")).to_have_text("Tuần vận động nhóm nhỏ")
    expect(page.locator("#household-count")).to_have_text("2")
    expect(page.locator("#teams tbody tr")).to_have_count(2)
    shot(page, "2-list")
    target_list = TargetList.objects.get()
    assert sorted(t.households.count() for t in target_list.teams.all()) == [1, 1]

    page.locator("#teams a.open-walk").first.click()
    house = page.locator("section.house").first
    expect(house).to_contain_text("mixed household")
    expect(house.locator(".offer")).to_contain_text("Household HI")
    expect(house.locator(".amount")).to_contain_text(".")  # an amount in đồng, 1.234.567
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    shot(page, "3-walk-phone")

    house.locator("select[name=status]").select_option("refused")
    house.locator("input[name=reason]").fill("Đã có thẻ ở nơi làm việc")
    house.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("recorded")
    expect(page.locator("section.house").first.locator(".status")).to_have_text("refused")
    shot(page, "4-recorded")
    outcome = DoorOutcome.objects.get()
    assert outcome.status == "refused" and outcome.reason == "Đã có thẻ ở nơi làm việc"

    response = page.request.get(f"{live_server.url}/outreach/lists/{target_list.pk}/teams/1/walk.pdf")
    assert response.status == 200 and response.body()[:5] == b"%PDF-"
    (SHOTS / "outreach-walk-list.pdf").write_bytes(response.body())
