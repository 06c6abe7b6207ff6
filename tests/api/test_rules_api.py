"""The rules over JSON: the same bodies as the CLI's --json (a contract), 422 with the field at fault for each
kind of bad input, and no answer without a sign-in."""

import json

import pytest
from click.testing import CliRunner

from ansinh.core.services import token_create
from ansinh.rules.cli import main
from ansinh.rules.params import default
from factories import make_user

HI_KEYS = {"on", "months", "base_salary", "members", "total_payable", "references"}
MEMBER_KEYS = {"rank", "monthly_premium", "support", "payable"}
VSI_KEYS = {
    "monthly_contribution",
    "monthly_support",
    "monthly_payable",
    "months",
    "total_payable",
    "references",
}


@pytest.fixture
def headers(communes):
    _token, raw = token_create(actor=None, user=make_user(role="viewer", areas=[communes["a"].code]))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_household_quote_has_the_contract_keys_and_the_published_figures(client, headers):
    body = client.get("/api/v1/rules/quote/hi?on=2025-01-01&members=5&months=12", **headers).json()
    assert set(body) >= HI_KEYS and all(set(m) >= MEMBER_KEYS for m in body["members"])
    assert [m["payable"] for m in body["members"]] == [1_263_600, 884_520, 758_160, 631_800, 505_440]
    assert body["total_payable"] == 4_043_520


def test_a_group_quote_is_one_member_and_repeated_groups_make_a_mixed_household(client, headers):
    student = client.get("/api/v1/rules/quote/hi?on=2025-09-01&group=student", **headers).json()
    assert len(student["members"]) == 1 and student["total_payable"] == 631_800
    mixed = client.get("/api/v1/rules/quote/hi?on=2025-01-01&group=poor&group=household", **headers).json()
    assert [m["rank"] for m in mixed["members"]] == [None, 1] and mixed["total_payable"] == 1_263_600


def test_the_api_answers_what_the_cli_answers(client, headers):
    cli = CliRunner().invoke(main, ["quote", "hi", "--on", "2025-01-01", "--members", "3", "--json"])
    api = client.get("/api/v1/rules/quote/hi?on=2025-01-01&members=3", **headers).json()
    assert json.loads(cli.output) == api


def test_voluntary_si_card_validity_and_pension(client, headers):
    vsi = client.get("/api/v1/rules/quote/vsi?on=2025-08-01&income=1500000&group=poor", **headers).json()
    assert (
        set(vsi) >= VSI_KEYS and vsi["monthly_contribution"] == 330_000 and vsi["monthly_support"] == 165_000
    )
    card = client.get("/api/v1/rules/card-validity?paid_on=2025-01-01&months=12", **headers).json()
    assert card == {
        **card,
        "valid_from": "2025-01-31",
        "valid_to": "2026-01-30",
        "rule": "first_time_30_days",
    }
    pension = client.get(
        "/api/v1/rules/pension?sex=f&years=20&average_income=5000000&law=2024", **headers
    ).json()
    assert {"eligible", "rate", "monthly_pension", "references"} <= set(pension)
    assert (
        pension["estimate"] is True and pension["rate"] == "55%" and pension["monthly_pension"] == 2_750_000
    )


def test_every_parameter_is_listed_with_dated_values_and_references(client, headers):
    body = client.get("/api/v1/rules/parameters", **headers).json()
    assert [p["name"] for p in body] == default().names()
    base = next(p for p in body if p["name"] == "base_salary")
    assert base["unit"] == "VND/month" and base["last_checked"]
    assert any(v["since"] == "2024-07-01" and v["value"] == 2_340_000 for v in base["values"])
    assert all(v["references"] and v["references"][0]["title"] for p in body for v in p["values"])
    assert any(v["unconfirmed"] and v["note"] for p in body for v in p["values"])
    one = client.get("/api/v1/rules/parameters/hi.rate", **headers).json()
    assert one["values"][0]["value"] == "4.5%"
    missing = client.get("/api/v1/rules/parameters/no.such", **headers)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "url, code, field",
    [
        ("/quote/hi?on=2010-01-01&members=1", "parameter.not_in_force", "on"),
        ("/quote/hi?on=2025-01-01&group=martian", "hi.unknown_group", "group"),
        ("/quote/hi?on=2025-01-01&group=artisan", "hi.group_not_in_force", "group"),
        ("/quote/hi?on=2025-01-01&members=2&months=5", "hi.period_not_allowed", "months"),
        ("/quote/hi?on=2025-01-01&members=0", "input.invalid", "members"),
        ("/quote/hi?on=not-a-date&members=1", "invalid", "on"),
        ("/quote/vsi?on=2025-08-01&income=1000000", "vsi.income_below_floor", "income"),
        ("/quote/vsi?on=2025-08-01&income=99000000", "vsi.income_above_ceiling", "income"),
        ("/quote/vsi?on=2025-08-01&income=2000000&group=martian", "vsi.unknown_group", "group"),
        ("/quote/vsi?on=2025-08-01&income=2000000&months=2", "vsi.mode_not_allowed", "months"),
        ("/quote/vsi?on=2025-08-01&income=2000000&advance_years=9", "vsi.advance_too_long", "advance_years"),
        ("/card-validity?paid_on=2025-01-01&months=99", "hi.period_not_allowed", "months"),
        ("/card-validity?paid_on=2025-01-01&months=1", "hi.period_not_allowed", "months"),
        (
            "/card-validity?paid_on=2025-01-10&months=12&born=2020-03-15&previous_valid_to=2026-12-31",
            "card.already_covered",
            "previous_valid_to",
        ),
        ("/quote/hi?on=2025-01-01&members=51", "hi.too_many_members", "members"),
        ("/quote/hi?on=2025-01-01&mix=household:50,student:1", "hi.too_many_members", "mix"),
        ("/quote/hi?on=2025-01-01&mix=household:many", "invalid", "mix"),
        ("/quote/hi?on=2025-01-01&mix=household:-1", "input.invalid", "mix"),
        ("/quote/hi?on=2025-01-01&mix=martian:1", "hi.unknown_group", "mix"),
        ("/quote/hi?on=2025-01-01&mix=household:1&members=1", "invalid", "mix"),
        (
            "/quote/vsi?on=2025-08-01&income=1500000&missing_years=true&born=1962-10-15&paid_months=130",
            "invalid",
            "sex",
        ),
        (
            "/quote/vsi?on=2025-08-01&income=1500000&missing_years=true&sex=m&born=1970-01-01&paid_months=130",
            "vsi.missing_years_not_at_retirement_age",
            "born",
        ),
        (
            "/quote/vsi?on=2025-08-01&income=1500000&missing_years=true&sex=m&born=1962-10-15&paid_months=100",
            "vsi.missing_years_too_many",
            "paid_months",
        ),
        ("/group-membership?group=martian&since=2025-01-01", "hi.unknown_group", "group"),
        ("/card-validity?paid_on=2025-01-01&months=12&born=2026-01-01", "card.bad_dates", "born"),
        ("/pension?sex=x&years=20&average_income=5000000", "invalid", "sex"),
        ("/pension?sex=f&years=0&average_income=5000000", "pension.bad_input", "years"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, headers, url, code, field):
    response = client.get("/api/v1/rules" + url, **headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code and body["field"] == field and body["message"]


def test_the_income_floor_error_names_the_limit_in_plain_words(client, headers):
    body = client.get("/api/v1/rules/quote/vsi?on=2025-08-01&income=1000000", **headers).json()
    assert body["limit"] == 1_500_000 and "1.500.000 ₫" in body["message"] and "Decree" in body["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/quote/hi?members=1",
        "/quote/vsi?income=2000000",
        "/card-validity?paid_on=2025-01-01&months=12",
        "/pension?sex=f&years=20&average_income=5000000",
        "/parameters",
        "/parameters/hi.rate",
    ],
)
def test_anonymous_callers_get_401(client, url):
    response = client.get("/api/v1/rules" + url)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_signed_in_page_session_may_quote(client, communes):
    client.force_login(make_user(role="viewer", areas=[communes["a"].code]))
    assert client.get("/api/v1/rules/quote/hi?members=1").status_code == 200


def test_a_mixed_household_by_counts_is_one_quote_like_the_repeated_groups(client, headers):
    mixed = client.get("/api/v1/rules/quote/hi?on=2025-09-01&mix=household:2,student:1&mix=poor", **headers)
    assert mixed.status_code == 200, mixed.content
    body = mixed.json()
    assert [m["group"] for m in body["members"]] == ["household", "household", "student", "poor"]
    assert [m["rank"] for m in body["members"]] == [1, 2, None, None]
    assert body["total_payable"] == 1_263_600 + 884_520 + 631_800
    repeated = client.get(
        "/api/v1/rules/quote/hi?on=2025-09-01&group=household&group=household&group=student&group=poor",
        **headers,
    ).json()
    assert repeated == body


def test_a_2015_household_is_priced_and_2016_voluntary_si_has_no_support(client, headers):
    hh = client.get("/api/v1/rules/quote/hi?on=2015-01-01&members=2&months=12", **headers).json()
    assert hh["base_salary"] == 1_150_000 and hh["total_payable"] == 621_000 + 434_700
    v = client.get("/api/v1/rules/quote/vsi?on=2016-06-01&income=700000&group=poor", **headers).json()
    assert v["monthly_contribution"] == 154_000 and v["monthly_support"] == 0


def test_the_missing_years_are_quoted_with_the_law_of_the_day(client, headers):
    url = "/api/v1/rules/quote/vsi?income=1500000&missing_years=true&sex=m&born=1962-10-15&paid_months=130"
    before = client.get(url + "&on=2025-06-30", **headers).json()
    after = client.get(url + "&on=2025-07-01", **headers).json()
    assert (before["mode"], before["months"], after["months"]) == ("missing_years", 110, 50)
    assert after["unconfirmed"] is True and after["total_support"] == 0


def test_a_child_already_covered_is_refused_with_the_end_of_the_current_card(client, headers):
    response = client.get(
        "/api/v1/rules/card-validity?paid_on=2025-01-10&months=12&born=2020-03-15&previous_valid_to=2026-12-31",
        **headers,
    )
    body = response.json()
    assert response.status_code == 422 and body["limit"] == "2026-12-31" and "31/12/2026" in body["message"]


def test_the_refusals_of_the_new_rules_read_in_vietnamese(client, headers, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    body = client.get(
        "/api/v1/rules/quote/vsi?on=2025-08-01&income=1500000&missing_years=true&sex=m&born=1962-10-15"
        "&paid_months=100",
        **headers,
    ).json()
    assert body["message"] == (
        "Chỉ được đóng một lần cho những năm còn thiếu khi thời gian còn thiếu không quá 5 năm; "
        "hãy đóng theo phương thức hằng tháng."
    )
    body = client.get("/api/v1/rules/quote/hi?on=2025-01-01&members=51", **headers).json()
    assert body["message"] == "Một lần tính phí tối đa 50 người."


def test_a_time_limited_group_ends_on_time(client, headers):
    inside = client.get(
        "/api/v1/rules/group-membership?group=trafficking_victim&since=2025-09-01&on=2026-08-31", **headers
    ).json()
    after = client.get(
        "/api/v1/rules/group-membership?group=trafficking_victim&since=2025-09-01&on=2026-09-01", **headers
    ).json()
    assert (inside["in_group"], after["in_group"], after["ends_on"]) == (True, False, "2026-08-31")
