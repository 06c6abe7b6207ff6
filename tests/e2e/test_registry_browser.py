"""In a real browser: sign in, find a person typed without diacritics, register a new person."""

import re

from playwright.sync_api import expect

from ansinh.areas.models import Area
from ansinh.registry.models import Person
from browsing import sign_in
from factories import make_person, make_user


def test_an_agent_signs_in_finds_a_person_and_registers_another(page, live_server, live_areas):
    commune = Area.objects.filter(parent__code="15").order_by("code").first()
    agent = make_user(role="collection_agent", areas=[commune.code], username="agent1")
    make_person(agent, area_code=commune.code, full_name="Nguyễn Thị Huyền", sex="f")

    sign_in(page, live_server.url, "agent1")
    # Vietnamese by default, although this browser asks for English.
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    page.goto(f"{live_server.url}/persons/")
    page.fill("input[name=q]", "nguyen thi huyen")
    expect(page.locator("#results")).to_contain_text("Nguyễn Thị Huyền")  # htmx live search

    page.goto(f"{live_server.url}/persons/new/")
    page.fill("#id_full_name", "giàng a páo")
    page.fill("#id_birth_date", "1990")
    page.check("input[name=sex][value=m]")
    page.fill("#id_personal_id", "010090123456")
    page.fill("#id_phone", "0971234567")
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(re.compile(r"/persons/\d+/$"))
    expect(page.locator("h1")).to_contain_text("Giàng A Páo")
    person = Person.objects.get(personal_id="010090123456")
    assert person.birth_date_iso == "1990" and person.commune == commune


def test_a_wrong_personal_id_is_shown_on_its_field_and_nothing_is_saved(page, live_server, live_areas):
    commune = Area.objects.filter(parent__code="15").order_by("code").first()
    make_user(role="collection_agent", areas=[commune.code], username="agent2")
    sign_in(page, live_server.url, "agent2")
    page.goto(f"{live_server.url}/persons/new/")
    page.fill("#id_full_name", "Lò Thị Mai")
    page.fill("#id_birth_date", "12/05/1988")
    page.check("input[name=sex][value=f]")
    page.fill("#id_personal_id", "010088123456")  # digit 4 = 0 means male
    page.click("form.card button[type=submit]")
    expect(page.locator("#err-personal_id")).to_be_visible()
    expect(page.locator("#id_full_name")).to_have_value("Lò Thị Mai")  # what was typed is kept
    assert not Person.objects.exists()


def test_the_language_switch_shows_english(page, live_server, live_areas):
    make_user(role="viewer", areas=["15"], username="viewer1")
    sign_in(page, live_server.url, "viewer1")
    page.select_option("select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header nav")).to_contain_text("Find a person")
