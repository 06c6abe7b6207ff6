"""The PDF and XLSX of a campaign report open with real readers (pypdf, openpyxl) and carry exactly the figures
of the JSON report, on a small hand-built campaign."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ansinh.campaigns.services import activity_create, campaign_create, outcome_record
from ansinh.enrollment.services import enrollment_create
from ansinh.reports.campaign_exports import FIGURE_VI, FUNNEL_VI, ORDER, REACH_VI, n, report_pdf, report_xlsx
from ansinh.reports.campaign_figures import FIGURES, REACH, campaign_report
from factories import make_person, make_point, make_user


def d(day: int, month: int = 5) -> dt.date:
    return dt.date(2026, month, day)


@pytest.fixture
def report(communes, tmp_path, monkeypatch):
    """A May campaign in one commune: a performance where two people buy cards (one also joins voluntary SI)
    and one is helped with VssID, a livestream, a booth; goals for the whole campaign and for the commune."""
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    a = communes["a"]
    manager = make_user(role="manager", areas=[a.code])
    make_point(area=a, agents=[manager])
    campaign = campaign_create(
        actor=manager,
        name="Tháng vận động BHXH toàn dân 2026",
        kind="month_of_promotion",
        starts_on=d(1),
        ends_on=d(31),
        area_codes=[a.code],
        goals=[
            {"figure": "new_health_insurance", "target": 4},
            {"figure": "vssid_installs", "target": 3},
            {"figure": "new_health_insurance", "target": 2, "area_code": a.code},
        ],
    )
    show = activity_create(
        actor=manager,
        campaign=campaign,
        kind="art_performance",
        title="Đêm văn nghệ",
        starts_on=d(10),
        ends_on=d(10),
        area_code=a.code,
        reach={"audience": 1250},
        cost=3_000_000,
        partner_name="Trung tâm Văn hóa",
    )
    activity_create(
        actor=manager,
        campaign=campaign,
        kind="livestream",
        title="Livestream Facebook",
        starts_on=d(12),
        ends_on=d(12),
        area_code=a.code,
        reach={"views": 18_640, "interactions": 1_985},
        platform="Facebook",
    )
    activity_create(
        actor=manager,
        campaign=campaign,
        kind="job_fair_booth",
        title="Gian tư vấn",
        starts_on=d(15),
        ends_on=d(15),
        area_code=a.code,
        reach={"visitors": 68},
    )
    people = [make_person(manager, area_code=a.code) for _ in range(3)]
    for i, person in enumerate(people[:2]):
        enrollment_create(
            actor=manager,
            idempotency_key=f"export-key-{i}",
            scheme="hi_household",
            person_ids=[person.pk],
            months=12,
            paid_on=d(10),
            activity_id=show.pk,
        )
    enrollment_create(
        actor=manager,
        idempotency_key="export-key-vsi",
        scheme="vsi",
        person_ids=[people[0].pk],
        months=3,
        income=1_500_000,
        paid_on=d(11),
        activity_id=show.pk,
    )
    enrollment_create(
        actor=manager,
        idempotency_key="export-key-walk-in",
        scheme="hi_household",
        person_ids=[people[2].pk],
        months=12,
        paid_on=d(20),
    )
    outcome_record(actor=manager, activity=show, person=people[1], kind="vssid_install_assisted", on=d(10))
    outcome_record(actor=manager, activity=show, person=people[2], kind="consulted", on=d(10))
    return campaign_report(campaign)


def pdf_text(report) -> str:
    content = report_pdf(report)
    assert content[:5] == b"%PDF-"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def line_with(text: str, label: str) -> str:
    lines = [line for line in text.splitlines() if label in line]
    assert lines, f"{label!r} is not in the PDF"
    return lines[0]


def numbers_in(line: str) -> list[str]:
    return re.findall(r"\d[\d.]*(?:,\d+)?", line)


def test_the_situation_has_figures_to_compare(report):
    assert report["attributed"]["new_health_insurance"] == 2
    assert report["in_area"]["new_health_insurance"] == 3
    assert report["attributed"]["new_voluntary_si"] == 1
    assert report["attributed"]["vssid_installs"] == 1


def test_the_pdf_carries_the_same_figures_as_the_json(report):
    text = pdf_text(report)
    assert "BÁO CÁO KẾT QUẢ CHIẾN DỊCH" in text
    assert "Tháng vận động BHXH toàn dân 2026" in text  # Vietnamese letters survive the round trip
    assert "từ 01/05/2026 đến 31/05/2026" in text
    for figure in FIGURES:
        goal = report["goals"].get(figure)
        expected = [n(report["attributed"][figure]), n(report["in_area"][figure])]
        if goal:
            expected.append(n(goal["target"]))
        assert numbers_in(line_with(text, FIGURE_VI[figure]))[: len(expected)] == expected, figure
    assert "50,0 %" in line_with(text, FIGURE_VI["new_health_insurance"])  # 2 of 4
    for key, label in FUNNEL_VI.items():
        assert numbers_in(line_with(text, label))[-1] == n(report["funnel"][key])
    for key in REACH:
        assert numbers_in(line_with(text, REACH_VI[key]))[-1] == n(report["reach"][key])
    performance = report["by_activity_kind"]["art_performance"]
    row = numbers_in(line_with(text, "Chương trình nghệ thuật"))
    assert row[:3] == [
        n(performance["activities"]),
        n(performance["new_health_insurance"]),
        n(performance["new_voluntary_si"]),
    ]
    assert row[-2:] == [n(performance["cost"]), n(performance["cost_per_new_participant"])]
    area = report["by_area"][0]
    by_area = text.split("6. Theo địa bàn")[1]
    assert numbers_in(line_with(by_area, f"{area['name']} ({area['code']})"))[-5:] == [
        n(area["new_health_insurance"]),
        n(area["new_voluntary_si"]),
        n(area["renewals_health_insurance"]),
        n(area["renewals_voluntary_si"]),
        n(area["goals"]["new_health_insurance"]),
    ]
    tenth = next(r for r in report["by_day"] if r["day"] == "2026-05-10")
    assert numbers_in(line_with(text, "10/05/2026"))[-len(ORDER) :] == [n(tenth[f]) for f in ORDER]


def test_the_xlsx_carries_the_same_figures_as_numbers(report):
    book = load_workbook(io.BytesIO(report_xlsx(report)), data_only=True)
    assert book.sheetnames == ["Tổng hợp", "Theo loại hoạt động", "Theo địa bàn", "Theo ngày", "Hoạt động"]
    summary = {row[1]: row for row in book["Tổng hợp"].iter_rows(values_only=True) if row[1]}
    for figure in FIGURES:
        goal = report["goals"].get(figure)
        assert summary[figure][2:5] == (
            report["attributed"][figure],
            report["in_area"][figure],
            goal["target"] if goal else None,
        )
        assert isinstance(summary[figure][2], int)
    assert summary["new_health_insurance"][5] == pytest.approx(
        report["goals"]["new_health_insurance"]["rate"]
    )
    for section in ("reach", "funnel", "cost"):
        for key, value in report[section].items():
            assert summary[f"{section}.{key}"][2] == value

    kinds = {row[1]: row for row in book["Theo loại hoạt động"].iter_rows(min_row=2, values_only=True)}
    assert set(kinds) == set(report["by_activity_kind"])
    for kind, data in report["by_activity_kind"].items():
        assert kinds[kind][2:] == (
            data["activities"],
            *(data[f] for f in ORDER),
            data["cost"],
            data["cost_per_new_participant"],
        )

    areas = list(book["Theo địa bàn"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], *r[2:6]) for r in areas] == [
        (a["code"], *(a[f] for f in ORDER[:4])) for a in report["by_area"]
    ]
    assert areas[0][6] == report["by_area"][0]["goals"]["new_health_insurance"]

    days = list(book["Theo ngày"].iter_rows(min_row=2, max_col=1 + len(ORDER), values_only=True))
    assert len(days) == len(report["by_day"]) == 31
    for row, data in zip(days, report["by_day"], strict=True):
        assert row[0].date().isoformat() == data["day"]
        assert list(row[1:]) == [data[f] for f in ORDER]

    activities = list(book["Hoạt động"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[6]) for r in activities] == [
        (a["id"], a["title"], a["cost"]) for a in report["activities"]
    ]


def test_every_figure_of_the_report_has_a_place_and_a_label_in_the_documents():
    assert sorted(ORDER) == sorted(FIGURES) == sorted(FIGURE_VI)


def test_a_name_starting_with_equals_is_text_not_a_live_formula(report):
    """Issue 12: a campaign name or activity title such as '=HYPERLINK(...)' stays text in the XLSX."""
    from ansinh.campaigns.models import Activity, Campaign

    evil = '=HYPERLINK("http://example.invalid","bấm vào")'
    Campaign.objects.update(name=evil)
    Activity.objects.update(title="+1+1")
    report = campaign_report(Campaign.objects.get())
    book = load_workbook(io.BytesIO(report_xlsx(report)))  # formulas as written, not computed values
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert evil in [c.value for c in cells] and "+1+1" in [c.value for c in cells]
