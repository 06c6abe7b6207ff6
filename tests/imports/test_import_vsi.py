"""Voluntary-SI payments from an office's earlier records (issue 13): each row priced by the rules of its payment
day through the enrollment's service, the same checks as the desk (eligibility, a month paid twice), an amount that
differs from the rules refused with both figures, idempotent re-import, the coverage figures and the participation
record counting the months, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ansinh.cli import cli
from ansinh.core.models import AuditEvent
from ansinh.enrollment.models import CoverageSource, VSIContribution
from ansinh.imports.headers import VSI
from ansinh.imports.models import SourceLink
from ansinh.imports.services import import_vsi
from ansinh.registry.models import CoveragePeriod, PeriodScheme
from factories import make_person, make_user, personal_id_for

pytestmark = pytest.mark.usefixtures("vietnamese")  # tests/conftest.py


@pytest.fixture
def people(communes):
    manager = make_user(role="manager", areas=["15"])
    c = communes["a"].code
    farmer = make_person(
        manager,
        area_code=c,
        full_name="Lò Văn Sáng",
        sex="m",
        birth_date="1980-01-01",
        personal_id=personal_id_for(sex="m", year=1980, province="015", serial=111),
    )
    employee = make_person(
        manager,
        area_code=c,
        full_name="Giàng A Pao",
        sex="m",
        birth_date="1985-03-03",
        employment="formal",
        personal_id=personal_id_for(sex="m", year=1985, province="015", serial=222),
    )
    return {"manager": manager, "farmer": farmer, "employee": employee}


def vsi_file(tmp_path: Path, people, name: str = "tn.csv") -> Path:
    farmer, employee = people["farmer"].personal_id, people["employee"].personal_id
    lines = [
        f"V1,{farmer},,,01/2025,6,2.000.000,,05/01/2025",  # recorded: priced by the rules of 05/01/2025
        f"V2,{farmer},,,07/2025,6,2.000.000,2.244.000,02/07/2025",  # recorded: the amount is the rules'
        f"V3,{farmer},,,03/2025,3,2.000.000,,01/03/2025",  # months V1 already paid
        f"V4,{employee},,,01/2025,12,2.000.000,,01/01/2025",  # compulsory SI: the law places him elsewhere
        "V5,015099999999,,,01/2025,12,2.000.000,,01/01/2025",  # nobody
        f"V6,{farmer},,,13/2025,1,2.000.000,,",  # no such month
        f"V7,{farmer},,,01/2026,3,900.000,,01/01/2026",  # below the income floor
        f"V8,{farmer},,,01/2026,3,2.000.000,1.000.000,01/01/2026",  # an amount the rules do not give
    ]
    path = tmp_path / name
    path.write_text(",".join(VSI) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_payments_are_priced_by_the_rules_and_each_refusal_says_why(people, tmp_path):
    outcome = import_vsi(actor=people["manager"], path=vsi_file(tmp_path, people), errors_dir=tmp_path)
    assert (outcome.rows, outcome.created, outcome.rejected) == (8, 2, 6)
    reasons = {r["line"]: (r["column"], r["reason"]) for r in outcome.as_dict()["first_rejected"]}
    assert reasons[4][0] == "tu_thang" and "đã đóng" in reasons[4][1]
    assert reasons[5][0] == "so_dinh_danh"
    assert reasons[6][0] == "so_dinh_danh"
    assert reasons[7][0] == "tu_thang"
    assert reasons[8][0] == "muc_thu_nhap"
    assert reasons[9][0] == "so_tien" and "1.000.000" in reasons[9][1]
    runs = list(VSIContribution.objects.filter(person=people["farmer"]).order_by("first_month"))
    assert [(r.first_month, r.months, r.source, r.enrollment_id) for r in runs] == [
        (dt.date(2025, 1, 1), 6, CoverageSource.IMPORT, None),
        (dt.date(2025, 7, 1), 6, CoverageSource.IMPORT, None),
    ]
    # 22 % of 2,000,000 = 440,000 a month; the state pays a share of 22 % of the rural poverty line
    # (1,500,000 -> 330,000): 10 % before July 2025 (33,000), 20 % from 1 July 2025 (Law 41/2024/QH15,
    # Decree 159/2025/ND-CP: 66,000); no provincial top-up here — six months at 407,000, then six at 374,000
    assert [(r.monthly_contribution, r.monthly_support, r.total_payable) for r in runs] == [
        (440_000, 33_000, 2_442_000),
        (440_000, 66_000, 2_244_000),
    ]
    assert runs[0].paid_on == dt.date(2025, 1, 5) and runs[0].supported_months == 6
    # the coverage figures count the months, and the participation record lists them
    periods = CoveragePeriod.objects.filter(person=people["farmer"], scheme=PeriodScheme.VSI)
    assert [(p.span_from, p.span_to) for p in periods] == [(dt.date(2025, 1, 1), dt.date(2025, 12, 31))]
    assert AuditEvent.objects.filter(action="contribution_import").count() == 2


def test_the_same_file_again_changes_nothing_and_a_dry_run_writes_nothing(people, tmp_path):
    path = vsi_file(tmp_path, people)
    dry = import_vsi(actor=people["manager"], path=path, dry_run=True)
    assert (dry.created, dry.rejected) == (2, 6) and not VSIContribution.objects.exists()
    import_vsi(actor=people["manager"], path=path)
    again = import_vsi(actor=people["manager"], path=path)
    assert (again.created, again.unchanged) == (0, 2)
    assert VSIContribution.objects.count() == 2
    assert SourceLink.objects.filter(entity="vsi", contribution__isnull=False).count() == 2


def test_the_participation_record_shows_imported_months(people, tmp_path, client):
    import_vsi(actor=people["manager"], path=vsi_file(tmp_path, people))
    client.force_login(people["manager"])
    client.cookies["django_language"] = "vi"
    page = client.get(f"/persons/{people['farmer'].pk}/").content.decode()
    assert "01/2025 – 06/2025" in page and "05/01/2025" in page


def test_the_command_imports_and_answers_in_json(people, tmp_path):
    path = vsi_file(tmp_path, people)
    result = CliRunner().invoke(cli, ["import", "vsi", str(path), "--json", "--errors-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["rows"], data["created"], data["rejected"]) == (8, 2, 6) and data["errors_file"]
    out = tmp_path / "mau-vsi.csv"
    template = CliRunner().invoke(cli, ["import", "template", "vsi", "-o", str(out)])
    assert template.exit_code == 0, template.output
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(VSI)
