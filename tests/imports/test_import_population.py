"""Official population by commune and village: imported once, the same file again changes nothing, and the
coverage figures divide by it where loaded (the registry's count elsewhere), with its date and source on the
page and in the export."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from django.db.models import Count

from ansinh.areas.models import Area
from ansinh.areas.services import village_create
from ansinh.cli import cli
from ansinh.core.errors import ApplicationError
from ansinh.core.models import AuditEvent
from ansinh.imports.services import import_population
from ansinh.reports.coverage import coverage
from ansinh.reports.models import OfficialPopulation
from factories import make_person, make_user

ON = dt.date(2026, 6, 30)


pytestmark = pytest.mark.usefixtures("vietnamese")  # tests/conftest.py


@pytest.fixture
def admin(communes):
    return make_user(role="administrator", areas=["15"])


def write(tmp_path: Path, lines: list[str], name: str = "dan-so.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_figures_are_imported_and_the_same_file_again_changes_nothing(admin, communes, tmp_path):
    a, b = communes["a"], communes["b"]
    village = village_create(actor=admin, commune=a, name="Thôn Một")
    path = write(
        tmp_path,
        [
            "ma_xa,thon,ngay,dan_so,nguon",
            f"{a.code},,01/07/2025,12.345,Thống kê tỉnh",
            f"{a.code},Thôn Một,01/07/2025,812,Công an xã",
            f"{b.code},,01/07/2025,9800,",
        ],
    )
    first = import_population(actor=admin, path=path, source="tk-2025", errors_dir=tmp_path)
    assert (first.rows, first.created, first.rejected) == (3, 3, 0)
    assert OfficialPopulation.objects.get(area=a).population == 12345
    assert OfficialPopulation.objects.get(area=village).source == "Công an xã"
    assert OfficialPopulation.objects.get(area=b).source == "tk-2025"  # an empty nguon: the source's name
    events = AuditEvent.objects.count()
    again = import_population(actor=admin, path=path, source="tk-2025", errors_dir=tmp_path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert AuditEvent.objects.count() == events + 1  # the run only
    changed = write(
        tmp_path, ["ma_xa,ngay,dan_so,nguon", f"{a.code},01/07/2025,12400,Thống kê tỉnh"], "moi.csv"
    )
    third = import_population(actor=admin, path=changed, errors_dir=tmp_path)
    assert third.updated == 1
    event = AuditEvent.objects.filter(action="official_population_set").order_by("pk").last()
    assert (
        event.before == {"population": 12345, "source": "Thống kê tỉnh"}
        and event.after["population"] == 12400
    )


def test_bad_rows_are_rejected_and_the_good_ones_kept(admin, communes, tmp_path):
    a = communes["a"]
    legacy = Area.objects.filter(level="legacy_commune").annotate(n=Count("successors")).filter(n=1).first()
    path = write(
        tmp_path,
        [
            "Mã xã,Thôn,Ngày,Dân số,Nguồn",
            f"{a.code},,01/07/2025,-5,Thống kê",
            f"{a.code},,31/02/2025,100,Thống kê",
            f"{a.code},,2025,100,Thống kê",
            f"{a.code},,01/07/2025,nhiều,Thống kê",
            "99999,,01/07/2025,100,Thống kê",
            f"{legacy.code},,01/07/2025,100,Thống kê",
            f"{communes['other'].code},,01/07/2025,100,Thống kê",
            f"{a.code},,01/07/2025,100,Thống kê",
            f"{a.code},,01/07/2025,101,Thống kê",
        ],
    )
    outcome = import_population(actor=admin, path=path, source="tk", errors_dir=tmp_path)
    assert (outcome.created, outcome.rejected) == (1, 8)
    reasons = {r["line"]: (r["column"], r["reason"]) for r in outcome.rejected_rows}
    assert reasons[2] == ("Dân số", "Dân số không thể nhỏ hơn 0.")
    assert reasons[3][0] == "Ngày" and "không tồn tại" in reasons[3][1]
    assert reasons[4][0] == "Ngày" and "dd/mm/yyyy" in reasons[4][1]
    assert reasons[5][0] == "Dân số"
    assert reasons[6] == ("Mã xã", "99999 không phải là mã xã.")
    assert reasons[7][0] == "Mã xã" and "hiện nay" in reasons[7][1]
    assert reasons[8][0] == "Mã xã" and communes["other"].code in reasons[8][1]
    assert reasons[10][0] == "Ngày" and "dòng 9" in reasons[10][1]
    assert list(OfficialPopulation.objects.values_list("population", flat=True)) == [100]


def test_a_manager_without_the_area_and_a_viewer_cannot_load_figures(communes, tmp_path):
    viewer = make_user(role="viewer", areas=["15"])
    path = write(tmp_path, ["ma_xa,ngay,dan_so,nguon", f"{communes['a'].code},01/07/2025,100,x"])
    with pytest.raises(ApplicationError):
        import_population(actor=viewer, path=path, errors_dir=tmp_path)
    assert not OfficialPopulation.objects.exists()


def test_coverage_divides_by_the_official_figure_where_loaded_and_the_registry_elsewhere(
    admin, communes, tmp_path
):
    a, b = communes["a"], communes["b"]
    for year in (1980, 1981):
        make_person(admin, area_code=a.code, birth_date=f"{year}-01-01")
    make_person(admin, area_code=b.code, birth_date="1990-01-01")
    third = Area.objects.filter(parent__code="15", level="commune").order_by("code")[2]
    path = write(
        tmp_path,
        [
            "ma_xa,ngay,dan_so,nguon",
            f"{a.code},01/07/2025,1000,Thống kê tỉnh",
            f"{a.code},01/01/2026,1100,Thống kê tỉnh",
            f"{a.code},01/07/2026,5000,Sau ngày xem",  # after the date asked: not used
            f"{third.code},01/01/2026,700,Công an xã",  # nobody registered there yet
        ],
    )
    import_population(actor=admin, path=path, errors_dir=tmp_path)
    result = coverage(user=admin, area_code="15", on=ON)
    rows = {r["code"]: r for r in result["rows"]}
    assert rows[a.code]["population"] == 1100 and rows[a.code]["registry_population"] == 2
    assert rows[a.code]["population_source"] == {
        "kind": "official",
        "on": "2026-01-01",
        "source": "Thống kê tỉnh",
    }
    assert rows[a.code]["uninsured"] == 1100 and rows[a.code]["rate"] == 0
    assert rows[b.code]["population"] == 1 and rows[b.code]["population_source"]["kind"] == "registry"
    assert rows[third.code]["population"] == 700 and rows[third.code]["registry_population"] == 0
    assert result["total"]["population"] == 1100 + 1 + 700 and result["total"]["registry_population"] == 3
    assert result["total"]["population_source"]["kind"] == "mixed"
    # A year before (30/06/2025) no figure was loaded for a yet: its rate then is from the registry.
    early = coverage(user=admin, area_code="15", on=dt.date(2025, 12, 31))
    assert {r["code"]: r for r in early["rows"]}[a.code]["population"] == 1000


def test_the_coverage_page_and_export_show_the_figures_source_and_date(client, admin, communes, tmp_path):
    a = communes["a"]
    make_person(admin, area_code=a.code, birth_date="1980-01-01")
    path = write(tmp_path, ["ma_xa,ngay,dan_so,nguon", f"{a.code},01/01/2026,1100,Thống kê tỉnh"])
    import_population(actor=admin, path=path, errors_dir=tmp_path)
    client.force_login(admin)
    html = client.get("/coverage/", {"area": "15", "on": ON.isoformat()}).content.decode()
    assert "1.100" in html and "Thống kê tỉnh, 01/01/2026" in html and 'id="population-note"' in html
    xlsx = client.get("/coverage/export.xlsx", {"area": "15", "on": ON.isoformat()})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    row = next(v for v in values if v[0] == a.code)
    assert row[2] == 1100 and row[-1] == "Thống kê tỉnh, 01/01/2026"


def test_the_cli_imports_population_with_json(communes, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    path = write(tmp_path, ["ma_xa,ngay,dan_so,nguon", f"{communes['a'].code},01/07/2025,100,Thống kê"])
    result = CliRunner().invoke(cli, ["import", "population", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["rows"], data["created"], data["rejected"], data["errors_file"]) == (1, 1, 0, None)
    out = tmp_path / "mau.csv"
    assert CliRunner().invoke(cli, ["import", "template", "population", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "ma_xa,thon,ngay,dan_so,nguon"
