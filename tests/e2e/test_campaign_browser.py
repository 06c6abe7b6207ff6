"""A campaign in a real browser: the communication officer plans an art performance, an agent works at it at the
desk (helps someone install VssID and sells her a card), and the manager's live dashboard shows both. Screenshots
go to var/screenshots/campaign-*.png for a person to look at."""

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import expect

from ansinh.campaigns.models import Activity, Outcome
from ansinh.campaigns.services import campaign_create
from ansinh.core.dates import today as local_today
from ansinh.enrollment.models import Enrollment
from browsing import sign_in
from factories import make_household, make_person, make_point, make_user

SHOTS = Path("var/screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"campaign-{name}.png"), full_page=True)


def signed_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, username)
    expect(page).not_to_have_url(re.compile(r"/login/"))
    return page


def figure(page, key, which="attributed"):
    return page.locator(f'#headline [data-figure="{key}"] [data-value="{which}"]')


def test_an_activity_planned_and_worked_at_shows_on_the_dashboard(
    browser, live_server, transactional_areas, tmp_path, monkeypatch
):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    today = (
        local_today()
    )  # the server's day (Asia/Ho_Chi_Minh), which decides whether the activity is running
    make_user(role="communication_officer", areas=[commune.code], username="truyenthong")
    make_user(role="manager", areas=[commune.code], username="lanhdao")
    agent = make_user(role="collection_agent", areas=[commune.code], username="daily")
    make_point(area=commune, agents=[agent])
    huyen = make_person(
        agent, area_code=commune.code, full_name="Nguyễn Thị Huyền", sex="f", birth_date="1997-03-12"
    )
    make_household(agent, head=huyen)
    campaign = campaign_create(
        actor=agent.__class__.objects.get(username="truyenthong"),
        name="Tháng vận động BHXH toàn dân",
        kind="month_of_promotion",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=10),
        area_codes=[commune.code],
        goals={"new_health_insurance": 10, "vssid_installs": 4},
    )
    dashboard = f"{live_server.url}/campaigns/{campaign.pk}/"

    # The manager's dashboard before anything happened.
    manager = signed_in(browser, live_server, "lanhdao")
    manager.goto(dashboard)
    expect(figure(manager, "vssid_installs")).to_have_text("0")
    expect(figure(manager, "new_health_insurance")).to_have_text("0")
    expect(manager.locator("#live")).to_have_attribute("hx-trigger", "every 30s")
    shot(manager, "1-dashboard-before")

    # The communication officer plans an art performance: the form shows the fields of that kind only.
    officer = signed_in(browser, live_server, "truyenthong")
    officer.goto(f"{live_server.url}/campaigns/{campaign.pk}/activities/")
    officer.select_option("#kind", "livestream")
    expect(officer.locator("#f-views")).to_be_visible()
    expect(officer.locator("#f-audience")).to_be_hidden()
    officer.select_option("#kind", "art_performance")
    expect(officer.locator("#f-audience")).to_be_visible()
    expect(officer.locator("#f-views")).to_be_hidden()
    officer.fill("#title", "Đêm văn nghệ “BHXH, BHYT – điểm tựa an sinh”")
    officer.fill("#starts_on", today.isoformat())
    officer.fill("#ends_on", today.isoformat())
    officer.fill("#f-venue", "Quảng trường trung tâm")
    officer.fill("#f-partner", "Trung tâm Văn hóa và Điện ảnh tỉnh")
    officer.fill("#f-audience", "1.200")
    officer.fill("#cost", "85.000.000")
    shot(officer, "2-plan")
    officer.click("#plan-activity")
    # The click returns before the server has answered: wait for the page after the redirect before reading.
    expect(officer.locator(".messages .success")).to_be_visible()
    activity = Activity.objects.get(campaign=campaign)
    row = officer.locator(f'#activities tr[data-activity="{activity.pk}"]')
    expect(row).to_contain_text("Đêm văn nghệ")
    expect(row).to_contain_text("1.200")
    expect(row).to_contain_text("85.000.000")
    shot(officer, "3-activities")
    assert activity.reach == {"audience": 1200} and activity.cost == 85_000_000

    # The agent works at the performance: the desk offers it; helps Huyền install VssID, then sells her a card.
    desk = signed_in(browser, live_server, "daily")
    desk.goto(f"{live_server.url}/desk/")
    desk.click(f"a[href='?activity={activity.pk}']")
    expect(desk.locator("#current-activity")).to_have_text(activity.title)
    desk.fill("input[name=q]", "nguyen thi huyen")
    expect(desk.locator("#results")).to_contain_text("Nguyễn Thị Huyền")
    desk.locator("#results a.btn").first.click()
    expect(desk).to_have_url(re.compile(r"/desk/person/\d+/$"))
    desk.check("input[name=kind][value=vssid_install_assisted]")
    desk.click(f"form[action$='/desk/person/{huyen.pk}/outcome/'] button[type=submit]")
    expect(desk.locator(".messages .success")).to_be_visible()
    shot(desk, "4-desk-outcome")
    desk.click(f"form[action$='/desk/person/{huyen.pk}/quote/'] button[type=submit]")
    expect(desk.locator("#amount-due")).to_be_visible()
    desk.click("form[action$='/desk/pay/'] button[type=submit]")
    expect(desk.locator("h1.done")).to_be_visible()
    shot(desk, "5-desk-paid")
    assert Outcome.objects.get().activity_id == activity.pk
    assert Enrollment.objects.get().activity_id == activity.pk

    # The manager's dashboard refreshes itself (htmx swaps the live part; here asked at once, not after 30 s).
    manager.evaluate("htmx.ajax('GET', location.pathname, {target: '#live', swap: 'outerHTML'})")
    expect(figure(manager, "vssid_installs")).to_have_text("1")
    expect(figure(manager, "new_health_insurance")).to_have_text("1")
    expect(manager.locator('#funnel [data-key="card_issued"] text.value')).to_have_text("1")
    expect(
        manager.locator('#by-kind tr[data-kind="art_performance"] [data-value="cost_per_new_participant"]')
    ).to_contain_text("85.000.000")
    expect(manager.locator("h1")).to_contain_text("Tháng vận động BHXH toàn dân")
    shot(manager, "6-dashboard-after")

    # The report downloads as PDF and XLSX.
    for link, magic in (("#report-pdf", b"%PDF-"), ("#report-xlsx", b"PK")):
        href = manager.locator(link).get_attribute("href")
        response = manager.request.get(f"{live_server.url}{href}")
        assert response.status == 200 and response.body()[: len(magic)] == magic
    for p in (manager, officer, desk):
        p.context.close()
