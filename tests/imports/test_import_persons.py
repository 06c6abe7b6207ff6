"""Persons and households from a file, through the registry's services: dry run, idempotent re-import, next
month's changes, row errors in Vietnamese, households all or nothing, the error report, XLSX and mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner
from django.db.models import Count
from openpyxl import load_workbook

from ansinh.areas.models import Area
from ansinh.areas.services import village_create
from ansinh.cli import cli
from ansinh.core.errors import ApplicationError
from ansinh.core.models import AuditEvent
from ansinh.imports.headers import PERSONS
from ansinh.imports.models import ImportRun, SourceLink
from ansinh.imports.services import import_persons, mapping_save
from ansinh.registry.models import Household, Membership, Person
from factories import make_person, make_user, personal_id_for

HEADER = ",".join(PERSONS)  # the standard headers, as the template writes them (checked below)


@pytest.fixture
def manager(communes):
    return make_user(role="manager", areas=["15"])


@pytest.fixture
def commune(communes):
    return communes["a"]


pytestmark = pytest.mark.usefixtures("vietnamese")  # tests/conftest.py


def write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def family_file(tmp_path: Path, commune: Area, *, phone: str = "0912345678", name: str = "ds.csv") -> Path:
    c = commune.code
    pid = personal_id_for(sex="m", year=1980, province="010", serial=424242)
    return write(
        tmp_path,
        name,
        [
            HEADER,
            f"P1,Nguyễn Văn An,15/03/1980,nam,{pid},,{phone},{c},,H1,chủ hộ,Kinh",
            f"P2,Nguyễn Thị Hường,1982,nữ,,,,{c},,H1,vợ,Kinh",
            f"P3,Nguyễn Văn Bình,05/2010,Nam,,,,{c},,H1,con,Kinh",
            f"P4,Bùi Văn Đức,1975,nam,,,,{c},,,,Tày",
        ],
    )


def counts(outcome) -> tuple[int, int, int, int, int]:
    return outcome.rows, outcome.created, outcome.updated, outcome.unchanged, outcome.rejected


def test_a_dry_run_counts_and_writes_nothing(manager, commune, tmp_path):
    path = family_file(tmp_path, commune)
    before = (
        Person.objects.count(),
        Household.objects.count(),
        AuditEvent.objects.count(),
        ImportRun.objects.count(),
    )
    dry = import_persons(actor=manager, path=path, source="cong-an", dry_run=True, errors_dir=tmp_path)
    assert counts(dry) == (4, 4, 0, 0, 0)
    assert dry.import_id is None
    after = (
        Person.objects.count(),
        Household.objects.count(),
        AuditEvent.objects.count(),
        ImportRun.objects.count(),
    )
    assert after == before and not SourceLink.objects.exists()
    real = import_persons(actor=manager, path=path, source="cong-an", errors_dir=tmp_path)
    assert counts(real) == counts(dry)


def test_import_creates_people_and_their_household_and_the_same_file_again_changes_nothing(
    manager, commune, tmp_path
):
    path = family_file(tmp_path, commune)
    first = import_persons(actor=manager, path=path, source="cong-an", errors_dir=tmp_path)
    assert counts(first) == (4, 4, 0, 0, 0) and first.errors_file is None
    an = Person.objects.get(full_name="Nguyễn Văn An")
    household = Household.objects.get(head=an)
    members = dict(
        Membership.objects.filter(household=household).values_list("person__full_name", "relation")
    )
    assert members == {"Nguyễn Văn An": "head", "Nguyễn Thị Hường": "spouse", "Nguyễn Văn Bình": "child"}
    assert Person.objects.get(full_name="Nguyễn Thị Hường").birth_date_display == "1982"
    assert Person.objects.get(full_name="Nguyễn Văn Bình").birth_date_display == "05/2010"
    assert Person.objects.get(full_name="Bùi Văn Đức").ethnicity == "02"
    assert not Membership.objects.filter(person__full_name="Bùi Văn Đức").exists()
    events = AuditEvent.objects.count()

    again = import_persons(actor=manager, path=path, source="cong-an", errors_dir=tmp_path)
    assert counts(again) == (4, 0, 0, 4, 0)
    assert Person.objects.count() == 4 and Household.objects.count() == 1
    # Only the run itself is recorded: no person or household event.
    assert list(AuditEvent.objects.filter(pk__gt=0).order_by("-pk").values_list("action", flat=True)[:1]) == [
        "import_run"
    ]
    assert AuditEvent.objects.count() == events + 1


def test_next_months_file_updates_only_what_changed_with_events_naming_the_import(manager, commune, tmp_path):
    import_persons(actor=manager, path=family_file(tmp_path, commune), source="cong-an", errors_dir=tmp_path)
    an = Person.objects.get(full_name="Nguyễn Văn An")
    next_month = family_file(tmp_path, commune, phone="0987654321", name="ds-thang-12.csv")
    outcome = import_persons(actor=manager, path=next_month, source="cong-an", errors_dir=tmp_path)
    assert counts(outcome) == (4, 0, 1, 3, 0)
    an.refresh_from_db()
    assert an.phone == "0987654321"
    update = AuditEvent.objects.get(action="person_update", object_id=str(an.pk))
    assert update.before == {"phone": "0912345678"} and update.after == {"phone": "0987654321"}
    named = AuditEvent.objects.filter(action="person_import", object_id=str(an.pk)).order_by("pk").last()
    assert named.after["import_id"] == outcome.import_id and named.after["ma_nguon"] == "P1"
    assert named.after["result"] == "updated" and named.after["source"] == "cong-an"


def test_a_row_with_an_existing_personal_id_is_linked_to_that_person(manager, commune, tmp_path):
    pid = personal_id_for(sex="m", year=1980, province="010", serial=424242)
    known = make_person(
        manager,
        area_code=commune.code,
        full_name="Nguyễn Văn An",
        sex="m",
        birth_date="1980-03-15",
        personal_id=pid,
    )
    outcome = import_persons(
        actor=manager, path=family_file(tmp_path, commune), source="cong-an", errors_dir=tmp_path
    )
    assert outcome.created == 3 and outcome.updated == 1  # the phone was new
    assert SourceLink.objects.get(key="P1").person_id == known.pk
    assert Person.objects.filter(personal_id=pid).count() == 1


def test_bad_rows_are_rejected_in_vietnamese_and_the_valid_rows_kept(manager, commune, communes, tmp_path):
    c = commune.code
    path = write(
        tmp_path,
        "loi.csv",
        [
            HEADER,
            f"R1,Lò Văn Páo,1990,nam,0010900123456,,,{c},,,,Thái",  # 13-digit ID
            f"R2,Giàng Seo Phử,31/02/1990,nam,,,,{c},,,,Mông",  # no 31 February
            "R3,Hoàng Thị Mai,1990,nữ,,,,99999,,,,Kinh",  # no such commune
            f'R4,=HYPERLINK("http://x"),1990,nữ,,,,{c},,,,Kinh',  # a formula
            f"R5,Vàng A Dính,1991,nam,,,,{communes['other'].code},,,,Mông",  # not in the manager's areas
            f"R6,Sùng Thị Dua,1992,không rõ,,,,{c},,,,Mông",  # sex
            f"R7,Lý Văn Sài,1960,nam,,,,{c},Bản Không Có,,,Dao",  # no such village
            f"R8,Trần Văn Tú,12/12/1988,nam,,,,{c},,,,Kinh",  # valid
            f"R8,Trần Văn Tú,12/12/1988,nam,,,,{c},,,,Kinh",  # same key twice
        ],
    )
    outcome = import_persons(actor=manager, path=path, source="xa", errors_dir=tmp_path)
    assert counts(outcome) == (9, 1, 0, 0, 8)
    assert list(Person.objects.values_list("full_name", flat=True)) == ["Trần Văn Tú"]
    reasons = {r["line"]: (r["column"], r["reason"]) for r in outcome.rejected_rows}
    assert outcome.as_dict()["first_rejected"][0] == {
        "line": 2,
        "column": "so_dinh_danh",
        "reason": "Số định danh cá nhân gồm đúng 12 chữ số.",
    }
    assert reasons[2] == ("so_dinh_danh", "Số định danh cá nhân gồm đúng 12 chữ số.")
    assert reasons[3][0] == "ngay_sinh" and "31/02/1990" in reasons[3][1] and "không tồn tại" in reasons[3][1]
    assert reasons[4] == ("ma_xa", "99999 không phải là mã xã.")
    assert reasons[5][0] == "ho_ten" and "công thức" in reasons[5][1]
    assert reasons[6][0] == "ma_xa" and communes["other"].code in reasons[6][1]
    assert reasons[7][0] == "gioi_tinh" and "nam hoặc nữ" in reasons[7][1]
    assert reasons[8][0] == "thon" and "Bản Không Có" in reasons[8][1]
    assert reasons[10][0] == "ma_nguon" and "dòng 9" in reasons[10][1]


def test_a_household_is_imported_whole_or_not_at_all(manager, commune, tmp_path):
    c = commune.code
    path = write(
        tmp_path,
        "ho.csv",
        [
            HEADER,
            f"A1,Nguyễn Văn An,1980,nam,,,,{c},,H1,chủ hộ,Kinh",
            f"A2,Nguyễn Thị Hường,1982,nữ,,,,{c},,H1,vợ,Kinh",
            f"A3,Nguyễn Văn Bình,31/02/2010,nam,,,,{c},,H1,con,Kinh",  # one bad row sinks the household
            f"B1,Bùi Văn Đức,1975,nam,,,,{c},,H2,vợ,Kinh",  # a household without its head
            f"C1,Trần Văn Tú,1988,nam,,,,{c},,H3,chủ hộ,Kinh",
        ],
    )
    outcome = import_persons(actor=manager, path=path, source="xa", errors_dir=tmp_path)
    assert counts(outcome) == (5, 1, 0, 0, 4)
    assert list(Person.objects.values_list("full_name", flat=True)) == ["Trần Văn Tú"]
    assert Household.objects.count() == 1
    reasons = {r["line"]: r["reason"] for r in outcome.rejected_rows}
    assert "31/02/2010" in reasons[4]
    assert "dòng 4" in reasons[2] and "dòng 4" in reasons[3]
    assert "chủ hộ" in reasons[5]


def test_a_legacy_commune_code_goes_to_the_commune_it_became_and_a_split_one_is_refused(manager, tmp_path):
    one = (
        Area.objects.filter(level="legacy_commune", successors__current__province_code="15")
        .annotate(n=Count("successors"))
        .filter(n=1)
        .order_by("code")
        .first()
    )
    split = (
        Area.objects.filter(level="legacy_commune", successors__current__province_code="15")
        .annotate(n=Count("successors"))
        .filter(n__gt=1)
        .order_by("code")
        .first()
    )
    lines = [HEADER, f"L1,Nguyễn Văn An,1980,nam,,,,{one.code},,,,Kinh"]
    if split is not None:
        lines.append(f"L2,Nguyễn Văn Ba,1981,nam,,,,{split.code},,,,Kinh")
    outcome = import_persons(
        actor=manager, path=write(tmp_path, "cu.csv", lines), source="xa", errors_dir=tmp_path
    )
    person = Person.objects.get(full_name="Nguyễn Văn An")
    assert person.commune == one.successors.get().current
    if split is not None:
        assert outcome.rejected == 1 and "đã được chia" in outcome.rejected_rows[0]["reason"]


def test_a_split_legacy_commune_anywhere_is_refused(official_areas, tmp_path):
    split = (
        Area.objects.filter(level="legacy_commune").annotate(n=Count("successors")).filter(n__gt=1).first()
    )
    office = make_user(role="administrator", areas=[split.successors.first().current.province_code])
    path = write(tmp_path, "chia.csv", [HEADER, f"L2,Nguyễn Văn Ba,1981,nam,,,,{split.code},,,,Kinh"])
    outcome = import_persons(actor=office, path=path, source="xa", errors_dir=tmp_path)
    assert outcome.rejected == 1 and outcome.rejected_rows[0]["column"] == "ma_xa"
    for current in split.successors.values_list("current__code", flat=True):
        assert current in outcome.rejected_rows[0]["reason"]


def test_a_village_is_found_by_name_with_or_without_its_kind_word(manager, commune, tmp_path):
    village = village_create(actor=manager, commune=commune, name="Bản Lếch", kind="ban")
    c = commune.code
    path = write(
        tmp_path,
        "thon.csv",
        [
            HEADER,
            f"V1,Nguyễn Văn An,1980,nam,,,,{c},ban lech,,,Kinh",
            f"V2,Nguyễn Văn Ba,1980,nam,,,,{c},Lếch,,,Kinh",
        ],
    )
    outcome = import_persons(actor=manager, path=path, source="xa", errors_dir=tmp_path)
    assert outcome.created == 2
    assert set(Person.objects.values_list("village", flat=True)) == {village.pk}


def test_the_error_report_holds_each_rejected_row_as_it_was_and_no_live_formula(manager, commune, tmp_path):
    c = commune.code
    path = write(
        tmp_path,
        "loi.csv",
        [HEADER, f"R1,=1+2,1990,nam,,,,{c},,,,Kinh", f"R2,@SUM(A1),31/02/1990,nam,,,-5,{c},,,,Kinh"],
    )
    outcome = import_persons(actor=manager, path=path, source="xa", errors_dir=tmp_path)
    assert outcome.rejected == 2
    sheet = load_workbook(outcome.errors_file).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Dòng" and rows[0][-2:] == ("Cột lỗi", "Lý do")
    assert rows[1][:3] == (2, "R1", "'=1+2") and rows[1][-2] == "ho_ten"
    assert rows[2][2] == "'@SUM(A1)" and rows[2][7] == "'-5"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def _sheet_with_a_formula(path: Path, commune) -> None:
    import datetime as dt

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    for col, title in enumerate(
        ["Mã nguồn", "HỌ VÀ TÊN", "Ngày sinh", "Giới tính", "Số CCCD", "Mã xã", "Dân tộc"]
    ):
        sheet.write_string(0, col, title)
    sheet.write_string(1, 0, "X1")
    sheet.write_string(1, 1, "Nguyễn Thị Hường")
    sheet.write_datetime(1, 2, dt.datetime(1982, 4, 30), date)
    sheet.write_string(1, 3, "Nữ")
    sheet.write_string(1, 5, commune.code)
    sheet.write_string(1, 6, "Kinh")
    sheet.write_string(2, 0, "X2")
    sheet.write_formula(2, 1, '=CONCATENATE("Bùi Văn ","Đức")', None, "Bùi Văn Đức")
    sheet.write_number(2, 2, 1975)
    sheet.write_string(2, 3, "nam")
    sheet.write_string(2, 5, commune.code)
    sheet.write_string(2, 6, "Kinh")
    book.close()


def _as_saved_by_a_spreadsheet_program(path: Path) -> None:
    """xlsxwriter asks for a recalculation on opening (its stored formula values are guesses); a file saved by a
    spreadsheet program has computed them and does not: the same workbook without that flag."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_an_xlsx_with_vietnamese_headers_a_date_cell_and_a_computed_formula_reads_values(
    manager, commune, tmp_path
):
    path = tmp_path / "ds.xlsx"
    _sheet_with_a_formula(path, commune)
    _as_saved_by_a_spreadsheet_program(path)
    outcome = import_persons(actor=manager, path=path, source="bhxh", errors_dir=tmp_path)
    assert counts(outcome) == (2, 2, 0, 0, 0), outcome.rejected_rows
    assert Person.objects.get(full_name="Nguyễn Thị Hường").birth_date_iso == "1982-04-30"
    assert Person.objects.get(full_name="Bùi Văn Đức").birth_date_display == "1975"  # the formula's value


def test_a_formula_whose_value_was_never_computed_refuses_its_row(manager, commune, tmp_path):
    path = tmp_path / "ds.xlsx"
    _sheet_with_a_formula(path, commune)  # as xlsxwriter leaves it: to be recalculated on opening
    outcome = import_persons(actor=manager, path=path, source="bhxh", errors_dir=tmp_path)
    assert counts(outcome) == (2, 1, 0, 0, 1)
    assert outcome.rejected_rows[0]["line"] == 3 and "HỌ VÀ TÊN" in outcome.rejected_rows[0]["reason"]
    assert "công thức" in outcome.rejected_rows[0]["reason"]
    assert not Person.objects.filter(full_name__contains="Đức").exists()


@pytest.mark.parametrize(
    ("encoding", "name_bytes"),
    [
        ("tcvn3", bytes.fromhex("4E677579D46E205468DE2048ADEA6E67")),
        ("vni", bytes.fromhex("4E67757965E36E205468F22048F6F4F86E67")),
        ("cp1258", bytes.fromhex("4E677579EADE6E20546869F22048FDF5CC6E67")),
    ],
)
def test_a_legacy_encoded_file_is_imported_as_unicode(manager, commune, tmp_path, encoding, name_bytes):
    data = (
        b"ma_nguon,ho_ten,ngay_sinh,gioi_tinh,ma_xa\r\n"
        + b"E1,"
        + name_bytes
        + b",1982,nu,"
        + commune.code.encode()
        + b"\r\n"
    )
    path = tmp_path / "cu.csv"
    path.write_bytes(data)
    outcome = import_persons(actor=manager, path=path, source="xa", errors_dir=tmp_path)
    assert outcome.encoding == encoding and outcome.created == 1
    assert Person.objects.get().full_name == "Nguyễn Thị Hường"


def test_a_broken_csv_line_is_reported_for_its_row(manager, commune, tmp_path):
    c = commune.code
    path = write(
        tmp_path,
        "vo.csv",
        [
            "ma_nguon,ho_ten,ngay_sinh,gioi_tinh,ma_xa",
            f"B1,Nguyễn Văn An,1980,nam,{c}",
            f"B2,Nguyễn Văn Ba,1980,nam,{c},thừa,ô",
            f'B3,"Nguyễn "Văn" Ca,1980,nam,{c}',
            f"B4,Nguyễn Văn Da,1980,nam,{c}",
        ],
    )
    outcome = import_persons(actor=manager, path=path, source="xa", errors_dir=tmp_path)
    assert outcome.created == 2 and outcome.rejected == 2
    assert [r["line"] for r in outcome.rejected_rows] == [3, 4]


def test_a_file_without_a_required_column_is_refused_whole(manager, tmp_path):
    path = write(tmp_path, "thieu.csv", ["ma_nguon,ho_ten", "A,Nguyễn Văn An"])
    with pytest.raises(ApplicationError) as e:
        import_persons(actor=manager, path=path, source="xa", errors_dir=tmp_path)
    assert "ngay_sinh" in e.value.message and not ImportRun.objects.exists()


def test_a_saved_mapping_reads_next_months_file_with_its_own_headers(manager, commune, tmp_path):
    mapping_save(
        actor=manager,
        name="danh-sach-thon",
        kind="persons",
        columns={
            "STT hồ sơ": "ma_nguon",
            "Tên khai sinh": "ho_ten",
            "Năm sinh": "ngay_sinh",
            "Phái": "gioi_tinh",
            "Xã": "ma_xa",
        },
    )
    lines = ["STT hồ sơ;Tên khai sinh;Năm sinh;Phái;Xã", f"T1;Hà Thị Lan;1970;nữ;{commune.code}"]
    path = write(tmp_path, "thang.csv", lines)
    outcome = import_persons(actor=manager, path=path, mapping="danh-sach-thon", errors_dir=tmp_path)
    assert outcome.created == 1 and outcome.source == "danh-sach-thon"
    with pytest.raises(ApplicationError):
        mapping_save(actor=manager, name="x", kind="persons", columns={"A": "not_a_field"})


def test_a_viewer_cannot_import(communes, tmp_path):
    viewer = make_user(role="viewer", areas=["15"])
    with pytest.raises(ApplicationError) as e:
        import_persons(
            actor=viewer, path=family_file(tmp_path, communes["a"]), source="x", errors_dir=tmp_path
        )
    assert e.value.code == "permission_denied" and not Person.objects.exists()


def test_the_cli_imports_with_json_and_writes_the_template(commune, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    path = family_file(tmp_path, commune)
    dry = CliRunner().invoke(cli, ["import", "persons", str(path), "--source", "ca", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["created"] == 4 and not Person.objects.exists()
    real = CliRunner().invoke(cli, ["import", "persons", str(path), "--source", "ca", "--json"])
    data = json.loads(real.output)
    assert {k: data[k] for k in ("rows", "created", "updated", "unchanged", "rejected", "errors_file")} == {
        "rows": 4,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "errors_file": None,
    }
    again = json.loads(
        CliRunner().invoke(cli, ["import", "persons", str(path), "--source", "ca", "--json"]).output
    )
    assert again["unchanged"] == 4 and again["created"] == 0
    bad = CliRunner().invoke(cli, ["import", "persons", str(path), "--encoding", "tcvn3", "--json"])
    assert bad.exit_code == 2 and "0x" in bad.output  # UTF-8 bytes that TCVN3 does not have
    out = tmp_path / "mau.xlsx"
    made = CliRunner().invoke(cli, ["import", "template", "persons", "-o", str(out)])
    assert made.exit_code == 0, made.output
    header = next(load_workbook(out).active.iter_rows(values_only=True))
    assert header == (
        "ma_nguon",
        "ho_ten",
        "ngay_sinh",
        "gioi_tinh",
        "so_dinh_danh",
        "ma_so_bhxh",
        "dien_thoai",
        "ma_xa",
        "thon",
        "ma_ho",
        "quan_he_chu_ho",
        "dan_toc",
    )


def test_an_xlsx_typed_in_a_tcvn3_font_is_recognised_and_converted(manager, commune, tmp_path):
    # An ABC font shows TCVN3 bytes; the sheet stores them as the Latin-1 letters of those bytes
    # (ễ = 0xD4 'Ô', ị = 0xDE 'Þ', ư = 0xAD soft hyphen, ờ = 0xEA 'ê').
    tcvn3_text = bytes.fromhex("4E677579D46E205468DE2048ADEA6E67").decode("latin-1")
    path = tmp_path / "abc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for col, value in enumerate(["ma_nguon", "ho_ten", "ngay_sinh", "gioi_tinh", "ma_xa"]):
        sheet.write_string(0, col, value)
    for col, value in enumerate(["K1", tcvn3_text, "1982", "n÷", commune.code]):  # nữ: ữ = 0xF7 '÷'
        sheet.write_string(1, col, value)
    book.close()
    outcome = import_persons(actor=manager, path=path, source="abc", errors_dir=tmp_path)
    assert outcome.encoding == "tcvn3" and outcome.created == 1, outcome.rejected_rows
    assert Person.objects.get().full_name == "Nguyễn Thị Hường"


@pytest.mark.parametrize(
    "command", [["import"], ["import", "persons"], ["import", "template"], ["import", "mapping"]]
)
def test_every_import_command_has_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_a_person_who_moved_to_another_commune_leaves_the_old_communes_village(manager, communes, tmp_path):
    a, b = communes["a"], communes["b"]
    village_create(actor=manager, commune=a, name="Thôn Một")
    first = write(tmp_path, "t1.csv", [HEADER, f"M1,Nguyễn Văn An,1980,nam,,,,{a.code},Thôn Một,,,Kinh"])
    import_persons(actor=manager, path=first, source="xa", errors_dir=tmp_path)
    moved = write(tmp_path, "t2.csv", [HEADER, f"M1,Nguyễn Văn An,1980,nam,,,,{b.code},,,,Kinh"])
    outcome = import_persons(actor=manager, path=moved, source="xa", errors_dir=tmp_path)
    assert outcome.updated == 1, outcome.rejected_rows
    person = Person.objects.get()
    assert person.commune == b and person.village is None


def test_a_file_over_200_mb_is_refused_before_it_is_read(manager, tmp_path):
    path = tmp_path / "lon.csv"
    with path.open("wb") as f:
        f.truncate(200 * 1024 * 1024 + 1)  # sparse: no disk used, but the size a user would upload
    with pytest.raises(ApplicationError) as e:
        import_persons(actor=manager, path=path, source="xa", errors_dir=tmp_path)
    assert e.value.field == "file" and "200 MB" in e.value.message and not ImportRun.objects.exists()


def test_next_months_file_moves_a_person_whose_household_key_changed(manager, commune, tmp_path):
    c = commune.code
    first = write(
        tmp_path,
        "t1.csv",
        [
            HEADER,
            f"A1,Nguyễn Văn An,1980,nam,,,,{c},,H1,chủ hộ,Kinh",
            f"A2,Nguyễn Văn Bình,2005,nam,,,,{c},,H1,con,Kinh",
            f"B1,Trần Thị Lan,1985,nữ,,,,{c},,H2,chủ hộ,Kinh",
        ],
    )
    import_persons(actor=manager, path=first, source="xa", errors_dir=tmp_path)
    second = write(
        tmp_path,
        "t2.csv",
        [
            HEADER,
            f"A1,Nguyễn Văn An,1980,nam,,,,{c},,H1,chủ hộ,Kinh",
            f"A2,Nguyễn Văn Bình,2005,nam,,,,{c},,H2,chồng,Kinh",
            f"B1,Trần Thị Lan,1985,nữ,,,,{c},,H2,chủ hộ,Kinh",
        ],
    )
    outcome = import_persons(actor=manager, path=second, source="xa", errors_dir=tmp_path)
    assert (outcome.updated, outcome.unchanged, outcome.rejected) == (1, 2, 0), outcome.rejected_rows
    binh = Person.objects.get(full_name="Nguyễn Văn Bình")
    current = Membership.objects.get(person=binh, ended_on__isnull=True)
    assert current.household.head.full_name == "Trần Thị Lan" and current.relation == "spouse"
    assert Membership.objects.filter(person=binh, ended_on__isnull=False).count() == 1  # the old one, kept
