"""The registered primary-care facility (issue 11): proposed at the desk, kept on the coverage, printed on the
card, carried in its signed QR and shown on /verify; a change of facility only at the start of a quarter."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from ansinh.areas.models import HealthFacility
from ansinh.areas.services import facilities_load, facility_upsert
from ansinh.cards import signing
from ansinh.core.errors import ApplicationError
from ansinh.enrollment.models import HICoverage
from ansinh.enrollment.services import enrollment_create
from factories import make_user


@pytest.fixture
def facilities(desk, communes):
    admin = make_user(role="administrator", areas=["15"])
    station, _ = facility_upsert(
        actor=admin, code="15101", name="Trạm Y tế xã A", level="commune", area_code=desk["commune"].code
    )
    hospital, _ = facility_upsert(
        actor=admin, code="15001", name="Bệnh viện Đa khoa tỉnh Lào Cai", level="provincial", area_code="15"
    )
    return {"station": station, "hospital": hospital, "admin": admin}


def buy(desk, key, person, **kw):
    return enrollment_create(
        actor=desk["agent"], idempotency_key=key, scheme="hi_household", person_ids=[person.pk], **kw
    )[0]


def test_a_first_card_is_registered_at_the_communes_station_and_carries_it(desk, facilities, client):
    person = desk["members"][0]
    enrollment = buy(desk, "facility-first", person)
    cover = HICoverage.objects.get(enrollment=enrollment)
    assert cover.facility == facilities["station"]
    token = cover.card.token
    assert signing.verify_token(token)["facility_code"] == "15101"
    body = client.get("/api/v1/cards/verify", {"token": token}).json()
    assert body["facility_code"] == "15101" and body["facility_name"] == "Trạm Y tế xã A"
    html = client.post("/verify/", {"token": token}).content.decode()
    assert "Trạm Y tế xã A (15101)" in html


def test_a_renewal_keeps_the_facility_and_a_change_waits_for_a_quarter(desk, facilities):
    person = desk["members"][0]
    first = buy(desk, "facility-a", person, facility_code="15001")
    assert HICoverage.objects.get(enrollment=first).facility == facilities["hospital"]
    HICoverage.objects.filter(enrollment=first).update(valid_to=first.paid_on + dt.timedelta(days=10))
    renewal = buy(desk, "facility-b", person)
    assert HICoverage.objects.get(enrollment=renewal).facility == facilities["hospital"]


def test_a_change_of_facility_outside_the_start_of_a_quarter_is_refused(desk, facilities):
    from ansinh.registry.models import Person
    from ansinh.rules.cards import facility_change_allowed

    person = desk["members"][1]
    first = buy(desk, "facility-c", person, facility_code="15001")
    HICoverage.objects.filter(enrollment=first).update(valid_to=first.paid_on + dt.timedelta(days=10))
    allowed, _ = facility_change_allowed(first.paid_on)
    if allowed:  # today is in a quarter's first month: the change goes through
        renewal = buy(desk, "facility-d", person, facility_code="15101")
        assert HICoverage.objects.get(enrollment=renewal).facility == facilities["station"]
    else:
        with pytest.raises(ApplicationError) as e:
            buy(desk, "facility-d", person, facility_code="15101")
        assert e.value.code == "facility.change_not_allowed" and e.value.field == "facility_code"
        assert "Bệnh viện Đa khoa tỉnh Lào Cai" in e.value.message
    assert Person.objects.filter(pk=person.pk).exists()


def test_the_quarter_rule_itself():
    from ansinh.rules.cards import facility_change_allowed

    assert [facility_change_allowed(dt.date(2026, m, 15))[0] for m in range(1, 13)] == [
        m in (1, 4, 7, 10) for m in range(1, 13)
    ]


def test_an_unknown_facility_is_refused_and_nothing_is_written(desk, facilities):
    with pytest.raises(ApplicationError) as e:
        buy(desk, "facility-e", desk["members"][2], facility_code="99999")
    assert e.value.code == "facility.unknown" and not HICoverage.objects.exists()


def test_the_api_takes_and_shows_the_facility(client, desk, facilities):
    from ansinh.core.services import token_create

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=desk['agent'])[1]}"}
    body = {"scheme": "hi_household", "person_ids": [desk["members"][2].pk], "facility_code": "15001"}
    response = client.post(
        "/api/v1/enrollments", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="fac-api-1",
        **headers,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    facility = {"code": "15001", "name": "Bệnh viện Đa khoa tỉnh Lào Cai"}
    assert response.json()["coverage"][0]["facility"] == facility
    card_id = response.json()["coverage"][0]["card_id"]
    assert client.get(f"/api/v1/cards/{card_id}", **headers).json()["facility"] == facility


def test_the_card_pdf_prints_the_facility(desk, facilities):
    import io

    from pypdf import PdfReader

    from ansinh.cards.pdf import card_pdf

    enrollment = buy(desk, "facility-pdf", desk["members"][0])
    card = HICoverage.objects.get(enrollment=enrollment).card
    text = PdfReader(io.BytesIO(card_pdf([card]))).pages[0].extract_text()
    assert "Nơi đăng ký KCB ban đầu" in text and "15101" in text


def test_the_offices_list_loads_row_by_row_with_errors_by_line(desk, facilities):
    rows = [
        {"code": "15102", "name": "Trạm Y tế xã B", "level": "commune", "area_code": desk["commune"].code},
        {"code": "", "name": "Không mã", "level": "commune", "area_code": desk["commune"].code},
        {"code": "15103", "name": "Phòng khám", "level": "spa", "area_code": "15"},
        {"code": "15101", "name": "Trạm Y tế xã A", "level": "commune", "area_code": desk["commune"].code},
    ]
    result = facilities_load(actor=facilities["admin"], rows=rows)
    assert (result["created"], result["unchanged"]) == (1, 1)
    assert [r["line"] for r in result["rejected"]] == [3, 4]
    assert HealthFacility.objects.filter(code="15102").exists()


def test_the_cli_loads_a_csv_file(desk, tmp_path):
    path = tmp_path / "co-so-kcb.csv"
    path.write_text(
        f"code,name,level,area_code\n15201,Trạm Y tế xã C,commune,{desk['commune'].code}\n", encoding="utf-8"
    )
    from ansinh.cli import cli

    result = CliRunner().invoke(cli, ["facilities", "load", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["created"] == 1
    assert HealthFacility.objects.get(code="15201").name == "Trạm Y tế xã C"
