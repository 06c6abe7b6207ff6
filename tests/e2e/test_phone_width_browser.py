"""Every main page fits a 390 px phone (issue 15): the page itself never scrolls sideways (a wide table scrolls in
its own box), and the header stays a small part of the first screen. Screenshots at 390 × 844 go to
var/screenshots/phone-*.png."""

import datetime as dt
from pathlib import Path

import pytest

from ansinh.campaigns.services import campaign_create
from browsing import sign_in
from factories import make_household, make_person, make_point, make_user

SHOTS = Path("var/screenshots")


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def test_the_main_pages_fit_a_phone(phone, live_server, transactional_areas, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    admin = make_user(role="administrator", areas=["15"], username="phone-admin")
    make_point(area=commune, agents=[admin])
    person = make_person(admin, area_code=commune.code, full_name="Nguyễn Thị Phương Thảo Hoàng Anh", sex="f")
    household = make_household(admin, head=person)
    today = dt.date.today()
    campaign = campaign_create(
        actor=admin,
        name="Tháng vận động triển khai BHXH toàn dân — một tên rất dài để thử màn hình nhỏ",
        kind="month_of_promotion",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=20),
        area_codes=["15"],
    )
    pages = [
        "/",
        "/desk/",
        f"/desk/person/{person.pk}/",
        "/persons/",
        f"/persons/{person.pk}/",
        f"/households/{household.pk}/",
        "/persons/new/",
        "/coverage/",
        "/outreach/",
        "/campaigns/",
        f"/campaigns/{campaign.pk}/",
        "/calculator/",
        "/calculator/vsi/",
        "/rules/",
        "/users/",
        "/verify/",
    ]
    page = phone
    sign_in(page, live_server.url, "phone-admin")
    SHOTS.mkdir(parents=True, exist_ok=True)
    wide = {}
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        scroll, client = page.evaluate(
            "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
        )
        header = page.evaluate("document.querySelector('header').offsetHeight")
        if scroll > client or header > 844 * 0.15:
            wide[path] = (scroll, header)
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(SHOTS / f"phone-{name}.png"))
    assert not wide, f"pages wider than the phone or with a tall header (scroll width, header px): {wide}"
