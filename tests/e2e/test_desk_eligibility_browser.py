"""The desk in a real browser with the law's limits (issue 11): a pension recipient is told why they buy no household
card, a child under 6 whose card is valid cannot be sold a second one inside it, and cash below the amount due
issues no receipt. Screenshots go to var/screenshots/eligibility-*.png."""

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import expect

from ansinh.enrollment.models import Enrollment
from ansinh.enrollment.services import enrollment_create
from ansinh.payments.models import Receipt
from ansinh.registry.models import Person
from ansinh.registry.services import household_add_member
from browsing import sign_in
from factories import make_household, make_person, make_point, make_user

SHOTS = Path("var/screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"eligibility-{name}.png"), full_page=True)


def test_the_desk_refuses_what_the_law_does_not_allow(
    page, live_server, transactional_areas, tmp_path, monkeypatch
):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    agent = make_user(role="collection_agent", areas=[commune.code], username="desk2")
    make_point(area=commune, agents=[agent])
    adult = make_person(
        agent, area_code=commune.code, full_name="Lò Văn Minh", sex="m", birth_date="1985-02-01"
    )
    household = make_household(agent, head=adult)
    retired = make_person(
        agent, area_code=commune.code, full_name="Lò Thị Mai", sex="f", birth_date="1950-06-01"
    )
    Person.objects.filter(pk=retired.pk).update(pension_recipient=True, payout_method="cash")
    child = make_person(
        agent,
        area_code=commune.code,
        full_name="Lò Văn Tú",
        sex="m",
        birth_date=f"{dt.date.today().year - 3}-04-10",
    )
    for person in (retired, child):
        household_add_member(actor=agent, household=household, person=person, relation="other")
    enrollment_create(
        actor=agent,
        idempotency_key="child-card-1",
        scheme="hi_group",
        group="child_under_6",
        person_ids=[child.pk],
    )

    sign_in(page, live_server.url, "desk2")

    # The pension recipient: the page says why, and a quote is refused in words.
    page.goto(f"{live_server.url}/desk/person/{retired.pk}/")
    expect(page.locator(".eligibility-note").first).to_contain_text("Lò Thị Mai")
    page.locator(f"input[name=person_ids][value='{retired.pk}']").check()
    shot(page, "1-pensioner")
    page.click("form[action$='/quote/'] button[type=submit]")
    expect(page.locator("#quote-error")).to_contain_text("Lò Thị Mai")
    shot(page, "2-pensioner-refused")

    # The child with a valid card cannot be ticked for another.
    page.goto(f"{live_server.url}/desk/person/{child.pk}/")
    expect(page.locator(f"input[name=person_ids][value='{child.pk}']")).to_be_disabled()
    shot(page, "3-child-covered")

    # Cash below the amount due: no receipt, the shortfall in words; then enough cash pays.
    page.goto(f"{live_server.url}/desk/person/{adult.pk}/")
    page.click("form[action$='/quote/'] button[type=submit]")
    amount = int(page.locator("#amount-due").get_attribute("data-amount"))
    page.fill("#given", str(amount - 100_000))
    expect(page.locator("#change")).to_contain_text("100.000")
    shot(page, "4-short")
    page.click("form[action$='/desk/pay/'] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/desk/person/{adult.pk}/$"))
    shortfall = f"{100_000:,}".replace(",", ".")
    expect(page.locator("body")).to_contain_text(shortfall)
    shot(page, "5-short-refused")
    assert not Receipt.objects.filter(enrollment__members__person=adult).exists()
    page.click("form[action$='/quote/'] button[type=submit]")
    page.fill("#given", str(amount + 50_000))
    page.click("form[action$='/desk/pay/'] button[type=submit]")
    expect(page.locator("h1.done")).to_be_visible()
    receipt = Receipt.objects.get(enrollment__members__person=adult)
    assert receipt.tendered == amount + 50_000 and receipt.change == 50_000
    assert Enrollment.objects.count() == 2
