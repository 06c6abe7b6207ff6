"""The area and period pickers of the campaign and outreach pages in a real browser, on a phone (390 px): a commune
found by its name typed without accents or by its name before July 2025, a period compared with the one before,
the tree to go down to a village, and no page wider than the phone. Screenshots: var/screenshots/pickers-*.png."""

import datetime as dt
from pathlib import Path

from playwright.sync_api import expect

from ansinh.areas.models import Area, AreaSuccession
from ansinh.areas.services import village_create
from ansinh.campaigns.services import campaign_create
from ansinh.core.text import fold
from browsing import sign_in
from factories import make_user

SHOTS = Path("var/screenshots")


def fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"pickers-{name}.png"), full_page=True)


def test_a_manager_on_a_phone_picks_areas_and_periods_on_the_campaign_and_outreach_pages(
    browser, live_server, transactional_areas
):
    communes = list(Area.objects.filter(parent__code="15").order_by("code"))
    # a commune made from older communes of other names, and another commune to tell it from
    merged = next(
        c
        for c in communes
        if AreaSuccession.objects.filter(current=c, legacy__level="legacy_commune")
        .exclude(legacy__name=c.name)
        .exists()
    )
    other = next(c for c in communes if c != merged and fold(c.name) not in fold(merged.name))
    old_name = (
        AreaSuccession.objects.filter(current=merged, legacy__level="legacy_commune")
        .exclude(legacy__name=merged.name)
        .values_list("legacy__name", flat=True)
        .first()
    )
    admin = make_user(role="administrator", areas=["15"], username="pickers-admin")
    village = village_create(actor=admin, commune=merged, name="Bản Hai")
    today = dt.date.today()
    campaign = campaign_create(
        actor=admin,
        name="Tháng vận động",
        kind="month_of_promotion",
        starts_on=today - dt.timedelta(days=6),
        ends_on=today + dt.timedelta(days=23),
        area_codes=[merged.code],
    )

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "pickers-admin")

    # Outreach: the list builder's tree filtered by a name typed without accents, then by the old name.
    page.goto(f"{live_server.url}/outreach/")
    merged_row = page.locator(f".commune:has(input[value='{merged.code}'])")
    other_row = page.locator(f".commune:has(input[value='{other.code}'])")
    page.fill("#area-filter", fold(other.name).upper())
    expect(other_row).to_be_visible()
    expect(merged_row).to_be_hidden()
    page.fill("#area-filter", fold(old_name))
    expect(merged_row).to_be_visible()
    expect(merged_row.locator(".former")).to_contain_text(old_name)
    page.fill("#area-filter", "ban hai")
    expect(merged_row).to_be_visible()
    expect(other_row).to_be_hidden()
    expect(merged_row.locator(f"label:has(input[value='{village.code}'])")).to_be_visible()
    assert fits(page)
    shot(page, "1-outreach-filter")
    # ... and the doors of the commune this quarter beside the quarter before.
    page.fill("#area", merged.code)
    page.select_option("#period", "quarter")
    page.click("#doors-form button[type=submit]")
    first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    expect(page.locator("#door-periods")).to_contain_text(first.strftime("%d/%m/%Y"))
    expect(page.locator("#door-rows tbody tr")).to_have_count(6)
    assert fits(page)
    shot(page, "2-outreach-doors")

    # The campaign's dashboard: its area over its dates beside as many days before; then down to the village.
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    expect(page.locator("#compare-rows tbody tr")).to_have_count(7)
    before = campaign.starts_on - dt.timedelta(days=30)
    expect(page.locator("#compare-periods")).to_contain_text(before.strftime("%d/%m/%Y"))
    page.locator("#area-tree summary").click()
    page.locator(f"#area-tree a[data-area='{village.code}']").click()
    expect(page.locator("#compare-periods")).to_contain_text("Bản Hai")
    assert fits(page)
    shot(page, "3-campaign-compare")

    # The campaign list narrowed to the commune, this year, with the count of the year before.
    page.goto(f"{live_server.url}/campaigns/")
    page.fill("#area", merged.code)
    page.select_option("#period", "year")
    page.click("#campaign-filter button[type=submit]")
    expect(page.locator(f"tr[data-campaign='{campaign.pk}']")).to_be_visible()
    expect(page.locator("#campaign-count")).to_contain_text("1 chiến dịch")
    expect(page.locator("#count-before")).to_have_text("0")
    assert fits(page)
    shot(page, "4-campaign-list")
    context.close()
