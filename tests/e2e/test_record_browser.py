"""A person's whole record on a phone: the person page and the household page at 390 px wide list the cards with
their state, the payments and receipts, in Vietnamese, and nothing in the record scrolls sideways. Screenshots go
to var/screenshots/record-*.png for a person to look at."""

import datetime as dt
from pathlib import Path

from playwright.sync_api import expect

from ansinh.enrollment.services import enrollment_create
from ansinh.payments.models import Receipt
from ansinh.registry.services import household_add_member
from browsing import sign_in
from factories import make_hi_coverage, make_household, make_person, make_point, make_user

SHOTS = Path("var/screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"record-{name}.png"), full_page=True)


def fits(page, selector: str) -> bool:
    """Whether every element of ``selector`` lies within the viewport's width (no sideways scrolling)."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].every(el => {
            const box = el.getBoundingClientRect();
            return box.left >= 0 && box.right <= window.innerWidth + 0.5 && el.scrollWidth <= el.clientWidth + 1;
        })""",
        selector,
    )


def test_an_agent_reads_a_persons_record_on_a_phone(
    page, live_server, transactional_areas, tmp_path, monkeypatch
):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    agent = make_user(role="collection_agent", areas=[commune.code], username="record1")
    make_point(area=commune, agents=[agent])
    head = make_person(
        agent, area_code=commune.code, full_name="Nguyễn Văn An", sex="m", birth_date="1970-01-01"
    )
    household = make_household(agent, head=head)
    wife = make_person(
        agent, area_code=commune.code, full_name="Trần Thị Bình", sex="f", birth_date="1972-05-05"
    )
    household_add_member(actor=agent, household=household, person=wife, relation="spouse")
    make_hi_coverage(head, dt.date(2023, 1, 1), dt.date(2023, 12, 31), group="near_poor")
    make_hi_coverage(head, dt.date(2024, 1, 1), dt.date(2024, 12, 31), group="near_poor")
    enrollment, _ = enrollment_create(
        actor=agent,
        idempotency_key="record-browser-1",
        scheme="hi_household",
        person_ids=[head.pk, wife.pk],
        vssid_install_assisted=True,
    )
    receipt = Receipt.objects.get(enrollment=enrollment)
    enrollment_create(
        actor=agent,
        idempotency_key="record-browser-vsi",
        scheme="vsi",
        person_ids=[wife.pk],
        months=3,
        income=3_000_000,
    )

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, live_server.url, "record1")
    page.goto(f"{live_server.url}/persons/{head.pk}/")

    record = page.locator("#participation")
    expect(record.locator("h2")).to_have_text("Quá trình tham gia")
    spans = record.locator("ul.spans > li.record-row")
    expect(spans).to_have_count(3)
    first_day = (dt.date.today() + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    expect(spans.first).to_contain_text(first_day)
    expect(spans.first.locator(".card-state")).to_have_text("chưa có hiệu lực")
    expect(spans.last).to_contain_text("01/01/2023 – 31/12/2023")
    expect(spans.last.locator(".card-state")).to_have_text("hết hạn")
    expect(record.locator("ul.payments")).to_contain_text(receipt.display_number)
    expect(record.locator("ul.outcomes")).to_contain_text("Đã hỗ trợ cài đặt VssID")
    expect(record.get_by_role("link", name="In quá trình tham gia")).to_be_visible()
    assert fits(page, "#participation, #participation .record-row")
    shot(page, "person-phone")

    # the printed history opens from the page
    response = page.request.get(f"{live_server.url}/persons/{head.pk}/history.pdf")
    assert response.status == 200 and response.body()[:5] == b"%PDF-"
    (SHOTS / "record-history.pdf").write_bytes(response.body())

    page.goto(f"{live_server.url}/households/{household.pk}/")
    members = page.locator("ul.members > li.record-row")
    expect(members).to_have_count(2)
    for row in (members.first, members.last):
        expect(row.locator(".card-state")).to_have_text("chưa có hiệu lực")
    assert fits(page, "ul.members, ul.members .record-row")
    shot(page, "household-phone")
    members.last.get_by_role("link", name="Quá trình tham gia").click()
    expect(page.locator("h1")).to_contain_text("Trần Thị Bình")
    expect(page.locator("#participation ul.spans > li.record-row")).to_have_count(1)
    vsi = page.locator("#participation ul.vsi > li.record-row")
    expect(vsi).to_have_count(1)
    expect(vsi).to_contain_text("3 tháng")
    expect(page.locator("#participation ul.payments > li.record-row")).to_have_count(2)
    assert fits(page, "#participation, #participation .record-row")
    shot(page, "member-phone")
