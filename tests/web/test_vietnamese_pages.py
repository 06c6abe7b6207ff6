"""The Vietnamese pages read in Vietnamese (issue 15): every main page, rendered with the vi locale, holds no
sentence of English (a line with two or more English function words), whether a template forgot to translate, a
parameter file's text leaked through, or a code stood where a word should."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from ansinh.campaigns.services import campaign_create
from factories import make_household, make_person, make_point, make_user

ENGLISH = re.compile(r"\b(the|and|of|to|for|with|is|are|your|this|from|not|by|at|on|in|be|has|have|was)\b", re.I)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code") or ("lang", "en") in attrs:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.lines.append(" ".join(data.split()))


def english_lines(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [line for line in parser.lines if len(ENGLISH.findall(line)) >= 2]


@pytest.fixture
def office(communes, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    admin = make_user(role="administrator", areas=["15"], username="vi-admin")
    make_point(area=communes["a"], agents=[admin])
    person = make_person(admin, area_code=communes["a"].code, full_name="Hà Thị Lan", sex="f")
    household = make_household(admin, head=person)
    today = dt.date.today()
    campaign = campaign_create(
        actor=admin,
        name="Tháng vận động",
        kind="month_of_promotion",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=3),
        area_codes=["15"],
    )
    return admin, person, household, campaign


def test_the_main_pages_hold_no_english_sentence(client, office):
    admin, person, household, campaign = office
    client.force_login(admin)
    pages = [
        "/",
        "/desk/",
        f"/desk/person/{person.pk}/",
        "/persons/",
        f"/persons/{person.pk}/",
        f"/households/{household.pk}/",
        "/persons/new/",
        "/coverage/?area=15",
        "/outreach/",
        "/campaigns/",
        f"/campaigns/{campaign.pk}/",
        "/calculator/",
        "/calculator/vsi/",
        "/rules/",
        "/users/",
        "/verify/",
        "/imports/",
    ]
    found = {}
    for path in pages:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200, path
        lines = english_lines(response.content.decode())
        if lines:
            found[path] = lines[:5]
    assert not found, found


def test_the_check_sees_an_english_sentence():
    assert english_lines("<p>Choose the relation to the head.</p><p>Chọn quan hệ với chủ hộ.</p>") == [
        "Choose the relation to the head."
    ]
