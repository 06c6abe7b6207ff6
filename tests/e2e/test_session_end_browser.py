"""A session that ends while the agent works (issue 15): the agent is told in Vietnamese, signs in again and comes
back to the same page with the form as they left it — never Chrome's "HTTP ERROR 405" — and a search typed after
the end does not draw the sign-in page inside the results box. The session is ended by removing its cookie, as
an idle timeout or a sign-in elsewhere would."""

import re

from playwright.sync_api import expect

from ansinh.registry.models import Person
from factories import PASSWORD, make_user


def _sign_in(page, url, username):
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def _end_session(page):
    page.context.clear_cookies(name="sessionid")


def test_a_form_sent_after_the_session_ended_is_kept_and_nothing_is_written(
    page, live_server, transactional_areas
):
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    make_user(role="collection_agent", areas=[commune.code], username="late1")
    page.goto(f"{live_server.url}/login/")
    _sign_in(page, live_server.url, "late1")
    page.goto(f"{live_server.url}/persons/new/?area={commune.code}")
    page.fill("#id_full_name", "Hoàng Thị Nở")
    page.fill("#id_birth_date", "12/03/1990")
    page.check("input[name=sex][value=f]")
    page.fill("#id_phone", "0912345678")
    _end_session(page)
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    expect(page.locator(".messages")).to_contain_text("Phiên làm việc đã kết thúc")
    assert not Person.objects.filter(full_name="Hoàng Thị Nở").exists()  # nothing was written
    _sign_in(page, live_server.url, "late1")
    expect(page).to_have_url(re.compile(r"/persons/new/\?area="))  # the page they were on, not a 405
    expect(page.locator("#id_full_name")).to_have_value("Hoàng Thị Nở")
    expect(page.locator("#id_phone")).to_have_value("0912345678")
    expect(page.locator("input[name=sex][value=f]")).to_be_checked()
    page.click("form.card button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Hoàng Thị Nở")
    assert Person.objects.filter(full_name="Hoàng Thị Nở").count() == 1


def test_a_search_typed_after_the_session_ended_goes_to_the_sign_in_page(
    page, live_server, transactional_areas
):
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    make_user(role="collection_agent", areas=[commune.code], username="late2")
    page.goto(f"{live_server.url}/login/")
    _sign_in(page, live_server.url, "late2")
    page.goto(f"{live_server.url}/persons/")
    _end_session(page)
    page.fill("input[type=search]", "nguyen")
    expect(page).to_have_url(re.compile(r"/login/\?next=%2Fpersons%2F"))
    expect(page.locator("#results")).to_have_count(0)  # a page of its own, not inside the results box
    expect(page.locator(".messages")).to_contain_text("Phiên làm việc đã kết thúc")
