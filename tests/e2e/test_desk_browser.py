"""The whole desk flow in a real browser: find → choose → quote → pay → receipt and card. Screenshots of each
step go to var/screenshots/desk-*.png for a person to look at."""

import re
from pathlib import Path

from playwright.sync_api import expect

from ansinh.enrollment.models import Enrollment
from ansinh.payments.models import Receipt
from ansinh.rules import hi
from browsing import sign_in
from factories import make_household, make_person, make_point, make_user

SHOTS = Path("var/screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"desk-{name}.png"), full_page=True)


def test_an_agent_sells_a_household_card_at_an_event(
    page, live_server, transactional_areas, tmp_path, monkeypatch
):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    agent = make_user(role="collection_agent", areas=[commune.code], username="desk1")
    make_point(area=commune, agents=[agent])
    head = make_person(
        agent, area_code=commune.code, full_name="Nguyễn Thị Huyền", sex="f", birth_date="1997-03-12"
    )
    make_household(agent, head=head)

    sign_in(page, live_server.url, "desk1")

    page.goto(f"{live_server.url}/desk/")
    page.fill("input[name=q]", "nguyen thi huyen")
    expect(page.locator("#results")).to_contain_text("Nguyễn Thị Huyền")
    shot(page, "1-find")
    page.locator("#results a.btn").first.click()

    expect(page).to_have_url(re.compile(r"/desk/person/\d+/$"))
    shot(page, "2-choose")
    page.keyboard.press("Enter")  # household HI for this person, 12 months, is the default: Enter quotes it

    expected = hi.quote_household(__import__("datetime").date.today(), 1, 12, "15").total_payable
    amount = f"{expected:,}".replace(",", ".") + " ₫"
    expect(page.locator("#amount-due")).to_have_text(amount)
    page.fill("#given", str(expected + 36_400))
    expect(page.locator("#change")).to_contain_text("36.400")
    shot(page, "3-quote")
    page.click("form[action$='/desk/pay/'] button[type=submit]")

    expect(page.locator("h1.done")).to_be_visible()
    expect(page.locator("#print-receipt")).to_be_visible()
    expect(page.locator("#print-cards")).to_be_visible()
    shot(page, "4-paid")
    enrollment = Enrollment.objects.get()
    assert enrollment.total_payable == expected
    assert Receipt.objects.get().amount == expected

    # The receipt and the card open as PDFs; the cards' button prints them (a POST, counted as a print).
    href = page.locator("#print-receipt").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200 and response.body()[:5] == b"%PDF-"
    with page.expect_popup() as popup:
        page.click("#print-cards")
    popup.value.wait_for_load_state()
    from ansinh.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="card_print").exists()
