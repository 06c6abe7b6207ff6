"""One JSON line per request, and a 500 page that shows the id the log carries (issue 12)."""

import json
import logging

import pytest

from ansinh.core.services import token_create
from factories import make_user


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def request_log():
    logger = logging.getLogger("ansinh.requests")
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_each_request_writes_one_json_line_with_user_status_and_duration(client, communes, request_log):
    agent = make_user(role="collection_agent", areas=[communes["a"].code], username="thu")
    client.force_login(agent)
    client.get("/persons/?q=Nguyen")
    client.get("/static/ansinh/app.css")  # static files are not logged
    client.get(
        "/api/v1/persons/999999", HTTP_AUTHORIZATION=f"Bearer {token_create(actor=None, user=agent)[1]}"
    )
    client.logout()
    client.get("/desk/")
    page, api, anonymous = request_log
    assert page["method"] == "GET" and page["path"] == "/persons/" and page["status"] == 200
    assert page["user"] == "thu" and page["error_id"] is None and page["ip"] == "127.0.0.1"
    assert isinstance(page["duration_ms"], float) and page["duration_ms"] >= 0
    assert "Nguyen" not in json.dumps(request_log)  # no query string: it may carry a name searched
    assert api["path"] == "/api/v1/persons/999999" and api["status"] == 404 and api["user"] == "thu"
    assert anonymous["user"] is None and anonymous["status"] == 302


def test_a_page_that_fails_shows_an_error_id_that_the_log_carries(
    client, communes, request_log, monkeypatch, caplog
):
    import ansinh.web.views

    def broken(**kwargs):
        raise RuntimeError("a bug")

    client.force_login(make_user(role="administrator", areas=[communes["a"].code], username="boss"))
    monkeypatch.setattr(ansinh.web.views, "users_for_user", broken)
    client.raise_request_exception = False
    client.cookies["django_language"] = "vi"
    with caplog.at_level(logging.ERROR, logger="ansinh.errors"):
        response = client.get("/users/")
    assert response.status_code == 500
    error_id = request_log[-1]["error_id"]
    assert error_id and request_log[-1]["status"] == 500
    page = response.content.decode()
    assert error_id in page and "Đã có lỗi" in page  # the Vietnamese page
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info and "a bug" in str(logged[0].exc_info[1])


def test_the_apis_500_carries_the_same_id_in_its_body_and_the_request_log(
    client, communes, request_log, monkeypatch
):
    import ansinh.api.rules

    def broken():
        raise RuntimeError("a bug")

    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    monkeypatch.setattr(ansinh.api.rules, "parameters_json", broken)
    client.raise_request_exception = False
    response = client.get(
        "/api/v1/rules/parameters", HTTP_AUTHORIZATION=f"Bearer {token_create(actor=None, user=agent)[1]}"
    )
    assert response.status_code == 500
    assert response.json()["error_id"] == request_log[-1]["error_id"]


def test_a_form_sent_after_its_token_expired_is_told_in_words(communes):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user(role="collection_agent", areas=[communes["a"].code]))
    browser.cookies["django_language"] = "vi"
    response = browser.post("/persons/new/", {"full_name": "X"})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.content.decode()
