"""The calculators and the rules page: open to any signed-in user, published figures shown to the đồng, bad
input shown on the field at fault, never a crash."""

import datetime as dt

import pytest

from factories import make_user

PAGES = ["/calculator/", "/calculator/vsi/", "/rules/"]


@pytest.fixture
def agent(communes):
    return make_user(role="viewer", areas=[communes["a"].code])


@pytest.fixture
def client(client, settings):
    """The English interface, so that the assertions read the source texts whatever the translations say."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("url", PAGES)
def test_pages_need_a_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_open_for_any_signed_in_user(client, agent, url):
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 200
    assert 'href="/calculator/"' in response.content.decode()  # the nav link


def test_person_1_of_a_household_pays_the_published_1_263_600_for_12_months(client, agent):
    client.force_login(agent)
    response = client.get("/calculator/", {"on": "01/01/2025", "months": "12", "group": "household"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1.263.600 ₫" in html and "105.300 ₫" in html
    assert "Decree 73/2024/ND-CP" in html  # the base salary's legal basis is listed


def test_a_household_of_five_pays_the_published_amounts_and_the_total(client, agent):
    client.force_login(agent)
    response = client.get("/calculator/", {"on": "2025-01-01", "months": "12", "group": ["household"] * 5})
    html = response.content.decode()
    for amount in ("1.263.600 ₫", "884.520 ₫", "758.160 ₫", "631.800 ₫", "505.440 ₫", "4.043.520 ₫"):
        assert amount in html


def test_support_shows_its_legal_basis_on_hover(client, agent):
    client.force_login(agent)
    response = client.get("/calculator/", {"on": "01/09/2025", "months": "12", "group": ["student"]})
    html = response.content.decode()
    assert "631.800 ₫" in html  # docs/domain.md (The rules in brief, 3): a student's 12-month card in 2025-26
    assert 'title="The state pays 50%' in html


def test_adding_and_removing_members_without_javascript(client, agent):
    client.force_login(agent)
    added = client.get(
        "/calculator/", {"on": "01/01/2025", "months": "12", "group": ["household"], "add": "1"}
    )
    assert added.context["rows"][1]["group"] == "household"
    removed = client.get(
        "/calculator/", {"on": "01/01/2025", "months": "12", "group": ["poor", "household"], "remove": "0"}
    )
    assert [r["group"] for r in removed.context["rows"]] == ["household"]


def test_htmx_gets_only_the_result(client, agent):
    client.force_login(agent)
    response = client.get(
        "/calculator/", {"on": "01/01/2025", "months": "12", "group": "household"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="calc">') and "<header" not in html and "1.263.600 ₫" in html


@pytest.mark.parametrize(
    "params, field, words",
    [
        ({"on": "01/01/2010", "months": "12", "group": "household"}, "on", "01/01/2015"),
        ({"on": "31/02/2025", "months": "12", "group": "household"}, "on", "31/02/2025"),
        ({"on": "01/01/2025", "months": "5", "group": "household"}, "months", "3, 6"),
        ({"on": "01/01/2025", "months": "12", "group": "martian"}, "group-0", "Unknown group"),
        ({"on": "01/01/2025", "months": "12", "group": "artisan"}, "group-0", "15/08/2025"),
    ],
)
def test_bad_household_input_is_shown_on_the_field(client, agent, params, field, words):
    client.force_login(agent)
    response = client.get("/calculator/", params)
    html = response.content.decode()
    assert response.status_code == 200 and f'id="err-{field}"' in html
    assert words in html.split(f'id="err-{field}"')[1].split("</ul>")[0]


def test_voluntary_si_at_the_floor_for_a_poor_person_and_a_pension_estimate(client, agent):
    client.force_login(agent)
    response = client.get(
        "/calculator/vsi/",
        {
            "on": "01/08/2025",
            "income": "1.500.000",
            "group": "poor",
            "mode": "1",
            "supported": "0",
            "sex": "f",
            "born": "12/03/1997",
            "years": "20",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "330.000 ₫" in html and "165.000 ₫" in html  # docs/domain.md, rules in brief 5
    assert "<svg" in html and "an estimate, not a decision" in html
    assert "at most 20 times the base salary" in html  # vsi.ceiling_multiple on the date, not a literal
    assert "at most 120 months in a lifetime" in html  # vsi.support_max_months on the date
    # the rules' assumptions, in the interface's language (the pure rules package cannot translate)
    assert "Retires at the normal retirement age; contributions stop then." in html
    estimate = response.context["estimate"]
    assert estimate.law == "2024" and estimate.eligible and estimate.monthly_pension == 825_000  # 55 %
    assert "825.000 ₫" in html


@pytest.mark.parametrize(
    "params, field, words",
    [
        ({"income": "1.000.000", "on": "01/08/2025"}, "income", "1.500.000 ₫"),
        ({"income": "99.000.000", "on": "01/08/2025"}, "income", "46.800.000 ₫"),
        ({"income": "abc", "on": "01/08/2025"}, "income", "whole number"),
        ({"income": "2.000.000", "on": "01/01/2010"}, "on", "01/01/2016"),
        ({"income": "2.000.000", "on": "01/08/2025", "group": "martian"}, "group", "Unknown group"),
        ({"income": "2.000.000", "on": "01/08/2025", "born": "40/40/1990"}, "born", "not a date"),
        ({"income": "2.000.000", "on": "01/08/2025", "born": "May 1990"}, "born", "dd/mm/yyyy"),
        ({"income": "2.000.000", "on": "01/08/2025", "years": "0"}, "years", "at least 1"),
    ],
)
def test_bad_voluntary_si_input_is_shown_on_the_field(client, agent, params, field, words):
    client.force_login(agent)
    response = client.get("/calculator/vsi/", params)
    html = response.content.decode()
    assert response.status_code == 200 and f'id="err-{field}"' in html
    assert words in html.split(f'id="err-{field}"')[1].split("</ul>")[0]


def test_the_rules_page_lists_every_parameter_with_references_and_unconfirmed_marks(client, agent):
    from ansinh.rules.params import default

    client.force_login(agent)
    html = client.get("/rules/").content.decode()
    for name in default().names():
        assert f'id="{name.replace(".", "-")}"' in html
    assert "2.340.000 ₫" in html and "Decree 73/2024/ND-CP" in html and "24/11/2026" in html
    assert "unconfirmed" in html


def test_the_voluntary_si_payment_choices_are_the_parameters_on_the_date(client, agent):
    from ansinh.rules.params import default

    client.force_login(agent)
    response = client.get("/calculator/vsi/", {"on": "01/08/2025", "income": "2.000.000"})
    p = default()
    on = dt.date(2025, 8, 1)
    months, years = p.get("vsi.payment_modes", on).value, p.get("vsi.advance_max_years", on).value
    choices = [code for code, _m, _y in response.context["modes"]]
    assert choices == [str(m) for m in months] + [f"a{n}" for n in range(1, years + 1)]
    html = response.content.decode()
    assert html.count('<option value="a') == years
    # a choice the law does not offer is refused on its field
    response = client.get("/calculator/vsi/", {"on": "01/08/2025", "income": "2.000.000", "mode": "7"})
    assert 'id="err-mode"' in response.content.decode()
