"""Coverage figures against an independent computation on a small hand-built registry: people who moved,
died, hold two overlapping cards, a voided card, a card starting later, voluntary SI and pensioners."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from ansinh.cli import cli
from ansinh.core.errors import ApplicationError
from ansinh.core.text import fold
from ansinh.enrollment.models import HICoverage
from ansinh.registry.models import Person
from ansinh.registry.services import person_update
from ansinh.reports.coverage import coverage, trend
from factories import make_hi_coverage, make_person, make_user

ON = dt.date(2026, 6, 30)


def card(person, start, end, *, void=False, group="household"):
    """A card imported as it is (no enrollment), with the person's coverage periods refreshed as a service
    writing coverage does."""
    return make_hi_coverage(person, start, end, void=void, group=group, rule="import")


@pytest.fixture
def registry(communes):
    a, b = communes["a"], communes["b"]
    admin = make_user(role="administrator", areas=["15"])
    people = {
        "covered": make_person(admin, area_code=a.code, birth_date="1980-01-01"),
        "two_cards": make_person(admin, area_code=a.code, birth_date="1981-01-01"),
        "void_card": make_person(admin, area_code=a.code, birth_date="1982-01-01"),
        "later_card": make_person(admin, area_code=a.code, birth_date="1983-01-01"),
        "uninsured": make_person(admin, area_code=a.code, birth_date="1984-01-01", employment="farmer"),
        "moved": make_person(admin, area_code=a.code, birth_date="1985-01-01"),
        "died": make_person(admin, area_code=a.code, birth_date="1940-01-01"),
        "in_b": make_person(admin, area_code=b.code, birth_date="1990-01-01", employment="informal"),
        "pensioner": make_person(
            admin, area_code=b.code, birth_date="1950-01-01", pension_recipient=True, payout_method="cash"
        ),
        "unborn": make_person(admin, area_code=a.code, birth_date="2026-09-01"),
    }
    card(people["covered"], dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    card(people["two_cards"], dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    card(people["two_cards"], dt.date(2026, 6, 1), dt.date(2027, 5, 31), group="student")
    card(people["void_card"], dt.date(2026, 1, 1), dt.date(2026, 12, 31), void=True)
    card(people["later_card"], dt.date(2026, 7, 1), dt.date(2027, 6, 30))
    card(people["moved"], dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    card(people["died"], dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    card(people["in_b"], dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    person_update(actor=admin, person=people["moved"], data={"area_code": b.code})
    person_update(actor=admin, person=people["died"], data={"died_on": "2026-03-01"})
    return {"admin": admin, "people": people, "a": a, "b": b}


def independent(area_id, on):
    """The definitions of reports/coverage.py, computed in Python from the raw rows."""
    alive = [
        p
        for p in Person.objects.filter(commune_id=area_id)
        if p.birth_date <= on and not (p.died_on and p.died_on <= on)
    ]
    insured = {
        c.person_id for c in HICoverage.objects.filter(is_void=False) if c.valid_from <= on <= c.valid_to
    }
    return len(alive), len([p for p in alive if p.pk in insured])


def test_figures_match_an_independent_computation(registry):
    result = coverage(user=registry["admin"], area_code="15", on=ON)
    rows = {r["code"]: r for r in result["rows"]}
    for commune in (registry["a"], registry["b"]):
        population, insured = independent(commune.pk, ON)
        assert (rows[commune.code]["population"], rows[commune.code]["insured"]) == (population, insured)
    a, b = rows[registry["a"].code], rows[registry["b"].code]
    # a: covered, two_cards (once), void_card, later_card, uninsured — moved left, died, unborn not yet born.
    assert (a["population"], a["insured"]) == (5, 2)
    # b: in_b (card ended 2025), pensioner, moved (now lives here, insured).
    assert (b["population"], b["insured"], b["cash_pensioners"]) == (3, 1, 1)
    assert b["informal_working_age"] == 1 and a["informal_working_age"] == 1
    assert result["total"]["population"] == 8 and result["total"]["insured"] == 3
    assert result["targets"]["health_insurance"] == 0.95
    # The commune furthest from the target comes first.
    assert result["rows"][0]["code"] == registry["a"].code
    assert a["gap_to_target"] == 3  # ceil(0.95 × 5) = 5 − 2 insured


def test_the_working_age_informal_and_the_pensioners_of_a_past_day_are_those_of_that_day(registry):
    """ADR 0031: 'uninsured' (a farmer today) held a labour contract until 1 March 2026; the pensioner of b has
    been paid a pension only since 1 May 2026. Counted as they were on each day, in a and b and in the total."""
    admin, farmer = registry["admin"], registry["people"]["uninsured"]
    person_update(actor=admin, person=farmer, data={"employment": "formal"})  # as first recorded
    person_update(actor=admin, person=farmer, data={"employment": "farmer", "statuses_from": "2026-03-01"})
    pensioner = Person.objects.get(pension_recipient=True)
    person_update(actor=admin, person=pensioner, data={"pension_recipient": False, "payout_method": ""})
    change = {"pension_recipient": True, "payout_method": "cash", "statuses_from": "2026-05-01"}
    person_update(actor=admin, person=pensioner, data=change)

    def figures(on):
        result = coverage(user=admin, area_code="15", on=on)
        rows = {r["code"]: r for r in result["rows"]}
        a, b = rows[registry["a"].code], rows[registry["b"].code]
        total = result["total"]
        return (
            a["informal_working_age"],
            b["cash_pensioners"],
            total["informal_working_age"],
            total["pensioners"],
        )

    assert figures(ON) == (1, 1, 2, 1)
    assert figures(dt.date(2026, 4, 15)) == (1, 0, 2, 0)  # a pension not yet paid
    assert figures(dt.date(2026, 2, 15)) == (0, 0, 1, 0)  # the farmer still held a contract


def test_the_trend_counts_each_month_end_as_the_figures_of_that_day_do(registry):
    points = trend(user=registry["admin"], area_code="15", months=12, on=ON)
    assert [p["on"] for p in points][-2:] == ["2026-05-31", ON.isoformat()] and len(points) == 12
    for point in points:
        day = dt.date.fromisoformat(point["on"])
        population = insured = 0
        for commune in (registry["a"], registry["b"]):
            pop, ins = independent(commune.pk, day)
            population, insured = population + pop, insured + ins
        assert (point["population"], point["insured"]) == (population, insured), day
        total = coverage(user=registry["admin"], area_code="15", on=day)["total"]
        assert (total["population"], total["insured"], total["rate"]) == (population, insured, point["rate"])


def test_a_year_before_and_the_legacy_province(registry):
    result = coverage(user=registry["admin"], area_code="15", on=ON)
    b = next(r for r in result["rows"] if r["code"] == registry["b"].code)
    assert b["rate_year_before"] == pytest.approx(1 / 3, abs=1e-4)  # in_b's 2025 card; pensioner; moved
    legacy = coverage(user=registry["admin"], area_code="legacy:10", on=ON)
    assert legacy["note"] and legacy["total"]["population"] <= result["total"]["population"]


def test_a_leap_day_is_a_day_like_any_other(registry, communes):
    """29 February has no twin 15 or 61 years before: those turning 15 that year do so on 28 February."""
    admin, code = registry["admin"], communes["a"].code
    make_person(admin, area_code=code, birth_date="2009-02-28", employment="farmer")  # 15 on 28/02/2024
    make_person(admin, area_code=code, birth_date="2009-03-01", employment="farmer")  # 15 on 01/03/2024

    def informal(on):
        return coverage(user=admin, area_code=code, on=on)["total"]["informal_working_age"]

    assert informal(dt.date(2024, 2, 29)) == informal(dt.date(2024, 2, 27)) + 1


def test_bad_input_is_refused(registry, communes):
    with pytest.raises(ApplicationError) as e:
        coverage(user=registry["admin"], area_code="99", on=ON)
    assert e.value.code == "not_found"
    with pytest.raises(ApplicationError) as e:
        coverage(user=registry["admin"], area_code="15", on=dt.date.today() + dt.timedelta(days=400))
    assert e.value.field == "on"
    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    with pytest.raises(ApplicationError):
        coverage(user=agent, area_code=communes["other"].code, on=ON)


def test_the_cli_contract(registry):
    result = CliRunner().invoke(cli, ["coverage", "--area", "15", "--on", ON.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"total", "rows"} <= set(data)
    assert {"code", "name", "population", "insured", "rate"} <= set(data["rows"][0])
    bad = CliRunner().invoke(cli, ["coverage", "--area", "nowhere", "--json"])
    assert bad.exit_code == 2


@pytest.mark.parametrize("kind, status", [("anonymous", 401), ("other_area", 404), ("viewer", 200)])
def test_the_api_matrix(client, registry, communes, kind, status):
    from ansinh.core.services import token_create

    users = {
        "other_area": lambda: make_user(role="viewer", areas=[communes["other"].code]),
        "viewer": lambda: make_user(role="viewer", areas=["15"]),
    }
    headers = {}
    if kind != "anonymous":
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=users[kind]())[1]}"}
    response = client.get("/api/v1/coverage", {"area": registry["a"].code, "on": ON.isoformat()}, **headers)
    assert response.status_code == status


def test_the_page_and_its_exports_carry_the_same_figures(client, registry):
    import io

    import openpyxl
    from pypdf import PdfReader

    client.force_login(registry["admin"])
    page = client.get("/coverage/", {"area": "15", "on": ON.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "3 / 8" in html and "<svg" in html
    xlsx = client.get("/coverage/export.xlsx", {"area": "15", "on": ON.isoformat()})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    total = [c.value for c in sheet[5]]
    assert total[1] == "Tổng" and total[2] == 8 and total[3] == 3
    pdf = client.get("/coverage/export.pdf", {"area": "15", "on": ON.isoformat()})
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Lào Cai".upper() in text and "37,5 %" in text  # 3 of 8
    flat = " ".join(text.split())
    assert "15–60" in flat and "Còn thiếu đến mục tiêu" in flat  # headers wrap in their column, not cut short


def test_the_page_refuses_areas_outside_the_users(client, registry, communes):
    client.force_login(make_user(role="viewer", areas=[communes["a"].code]))
    assert client.get("/coverage/", {"area": communes["other"].code}).status_code == 404
    assert client.get("/coverage/", {"area": communes["a"].code}).status_code == 200


@pytest.mark.parametrize(
    "url, params, status, words",
    [
        ("/coverage/", {"area": "15", "on": "abc"}, 400, "YYYY-MM-DD"),
        ("/coverage/", {"area": "15", "on": "2017-12-31"}, 200, "23/05/2018"),  # before the first target
        ("/coverage/export.xlsx", {"area": "15", "on": "2099-01-01"}, 400, "một năm"),
        ("/coverage/export.pdf", {"area": "15", "level": "zzz"}, 400, "xã/phường"),
    ],
)
def test_bad_coverage_requests_are_told_in_words_not_a_server_error(
    client, registry, url, params, status, words
):
    client.force_login(registry["admin"])
    response = client.get(url, params)
    assert response.status_code == status and words in response.content.decode()


def test_the_trend_refuses_a_date_before_any_register(client, registry):
    from ansinh.core.services import token_create

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=registry['admin'])[1]}"}
    response = client.get(
        "/api/v1/coverage/trend", {"area": "15", "on": "0001-02-01", "months": 3}, **headers
    )
    assert response.status_code == 422 and response.json()["field"] == "on"


def test_a_year_before_29_february_is_28_february():
    from ansinh.reports.coverage import _year_before

    assert _year_before(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    assert _year_before(dt.date(2025, 3, 1)) == dt.date(2024, 3, 1)


def test_the_page_picks_an_area_by_name_and_compares_a_period_with_the_one_before(client, registry, communes):
    client.force_login(registry["admin"])
    html = client.get("/coverage/", {"area": "15", "on": ON.isoformat()}).content.decode()
    commune = communes["a"]
    assert f'value="{commune.code}" label="{commune.name}' in html  # the picker offers the communes by name
    assert fold(commune.name) in html  # and finds them typed without accents
    month = client.get("/coverage/", {"area": "15", "on": ON.isoformat(), "period": "month"}).content.decode()
    assert 'id="previous-period"' in month
    last_of_previous = (ON.replace(day=1) - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    assert last_of_previous in month
    assert (
        f"?area={commune.code}&amp;on={ON.isoformat()}&amp;period=month" in month
    )  # going down keeps the period
    assert (
        client.get("/coverage/export.csv", {"area": "15"}).status_code == 404
    )  # not a PDF under another name
    far = client.get("/coverage/", {"area": "15", "on": "9999-11-01", "period": "quarter"})
    assert far.status_code == 400  # said in words, not a server error computing the quarter after it
