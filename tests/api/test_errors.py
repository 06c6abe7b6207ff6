"""Every answer of the API that is not a success has the {code, message, field} body, and text no database can
store is refused before any view runs (issue 12)."""

import json
import logging

import pytest

from ansinh.core.services import token_create
from ansinh.registry.models import Person
from factories import make_user


@pytest.fixture
def agent(communes):
    return make_user(role="collection_agent", areas=[communes["a"].code])


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=user)[1]}"}


def shape(response):
    body = response.json()
    assert set(body) >= {"code", "message", "field"} and body["message"], body
    return body


def test_not_found_method_not_allowed_and_unreadable_json_answer_in_the_apis_shape(client, agent):
    headers = bearer(agent)
    assert shape(client.get("/api/v1/no-such-thing", **headers))["code"] == "not_found"
    response = client.delete("/api/v1/persons", **headers)
    assert response.status_code == 405 and shape(response)["code"] == "method_not_allowed"
    response = client.post("/api/v1/persons", data="{not json", content_type="application/json", **headers)
    assert response.status_code == 400 and shape(response)["code"] == "invalid"


def test_a_csrf_refusal_answers_in_the_apis_shape(agent):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    response = browser.post("/api/v1/persons", data="{}", content_type="application/json")
    assert response.status_code == 403 and shape(response)["code"] == "permission_denied"


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(client, agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"full_name": "A" * 5000})
    response = client.post("/api/v1/persons", data=body, content_type="application/json", **bearer(agent))
    assert response.status_code == 413 and shape(response)["code"] == "too_large"


@pytest.mark.parametrize("bad", ["Nguyễn\x00Văn", "Nguyễn \ud800Văn"])
def test_a_nul_or_half_a_character_is_refused_in_json_query_and_forms(client, agent, communes, bad):
    headers = bearer(agent)
    person = {"full_name": bad, "birth_date": "1990-01-01", "sex": "m", "area_code": communes["a"].code}
    body = json.dumps(person)  # json escapes them as \u0000 and \ud800
    response = client.post("/api/v1/persons", data=body, content_type="application/json", **headers)
    assert response.status_code == 422 and shape(response)["field"] == "full_name"
    assert not Person.objects.exists()
    if (
        "\x00" in bad
    ):  # a form or a query cannot carry half a character (it arrives as bytes that decode to U+FFFD)
        response = client.get("/api/v1/persons", {"q": bad}, **headers)
        assert response.status_code == 422 and shape(response)["field"] == "q"
        client.force_login(agent)
        page = client.post("/persons/new/", {"full_name": bad, "birth_date": "01/01/1990", "sex": "m"})
        assert page.status_code == 400 and not Person.objects.exists()
    else:
        assert client.get("/api/v1/persons?q=%ED%A0%80", **headers).status_code < 500


def test_an_unexpected_error_is_a_500_in_the_apis_shape_with_an_id_the_log_carries(
    client, agent, monkeypatch, caplog
):
    import ansinh.api.rules

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr(ansinh.api.rules, "parameters_json", broken)
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="ansinh.errors"):
        response = client.get("/api/v1/rules/parameters", **bearer(agent))
    assert response.status_code == 500
    body = shape(response)
    assert body["code"] == "server_error" and body["error_id"] in body["message"]
    assert any(body["error_id"] in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/rules/card-validity?paid_on=9999-12-31&months=12",
        "/api/v1/rules/quote/hi?members=2&on=9999-12-31",
        "/api/v1/rules/quote/vsi?on=0001-01-01&income=3000000&months=1",
        "/api/v1/rules/pension?sex=m&born=9999-01-01&years=20&average_income=5000000",
        "/api/v1/rules/quote/hi?members=2147483648",
    ],
)
def test_absurd_dates_and_counts_in_the_rules_api_are_refused_in_words(client, agent, url):
    response = client.get(url, **bearer(agent))
    assert response.status_code == 422, response.content
    assert shape(response)["code"] in ("input.date_out_of_range", "hi.too_many_members")


def test_the_openapi_document_states_every_error_each_operation_may_answer(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "message", "field"}
    operations = [op for methods in schema["paths"].values() for op in methods.values()]
    assert len(operations) > 50
    for op in operations:
        for status in ("401", "403", "404", "422", "500"):
            assert op["responses"][status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, (op.get("operationId"), status)


def test_a_number_beyond_64_bits_in_a_body_is_refused_in_words(client, agent):
    for body in (
        {"scheme": "hi_household", "person_ids": [99999999999999999999]},
        {"scheme": "hi_household", "person_ids": [1], "months": -(2**64)},
    ):
        answer = client.post("/api/v1/quotes", body, content_type="application/json", **bearer(agent))
        assert answer.status_code == 422, answer.content
        refused = shape(answer)
        assert refused["field"] in ("person_ids", "months") and "quá lớn" in refused["message"]


@pytest.mark.parametrize(
    "url",
    [
        # pydantic alone reads a number as seconds since 1970: 1735689600 would be 1 January 2025
        "/api/v1/rules/quote/hi?members=2&on=1735689600",
        "/api/v1/rules/card-validity?paid_on=1735689600&months=12",
        "/api/v1/coverage?area={commune}&on=1735689600",
        "/api/v1/rules/quote/hi?members=2&on=2026-1-5",
    ],
)
def test_a_date_is_only_read_when_written_yyyy_mm_dd(client, agent, communes, url):
    response = client.get(url.format(commune=communes["a"].code), **bearer(agent))
    assert response.status_code == 422, response.content
    assert shape(response)["field"] in ("on", "paid_on")
    written = url.replace("1735689600", "2025-01-01").format(commune=communes["a"].code)
    assert "1-5" in url or client.get(written, **bearer(agent)).status_code == 200


@pytest.mark.parametrize("body", ["[null, null]", "[]", '"x"', "7", "null"])
def test_a_body_that_is_not_a_json_object_is_refused_not_read_as_empty(client, agent, communes, body):
    from factories import make_person

    person = make_person(agent, area_code=communes["a"].code, full_name="Lò Văn Sáng")
    response = client.patch(
        f"/api/v1/persons/{person.pk}", data=body, content_type="application/json", **bearer(agent)
    )
    assert response.status_code == 422, response.content
    assert shape(response)["code"] == "invalid"
    response = client.post("/api/v1/persons", data=body, content_type="application/json", **bearer(agent))
    assert response.status_code == 422, response.content
    assert Person.objects.count() == 1
