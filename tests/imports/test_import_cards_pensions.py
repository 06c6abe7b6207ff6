"""HI cards and pension recipients from a file: recorded through the enrollment's and the registry's services,
each rejected row with its reason (overlap, unknown person, eligibility), dry run counts, idempotent re-import,
audit events naming the import, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from ansinh.cli import cli
from ansinh.core.models import AuditEvent
from ansinh.enrollment.models import HICoverage
from ansinh.enrollment.selectors import eligibility
from ansinh.imports.headers import CARDS, PENSIONS
from ansinh.imports.models import ImportRun, SourceLink
from ansinh.imports.services import import_cards, import_pensions
from ansinh.registry.models import Person
from factories import make_person, make_user, personal_id_for

pytestmark = pytest.mark.usefixtures("vietnamese")  # tests/conftest.py


@pytest.fixture
def people(communes):
    manager = make_user(role="manager", areas=["15"])
    c = communes["a"].code
    a = make_person(
        manager,
        area_code=c,
        full_name="Lò Văn Sáng",
        sex="m",
        birth_date="1980-01-01",
        personal_id=personal_id_for(sex="m", year=1980, province="015", serial=111),
    )
    b = make_person(manager, area_code=c, full_name="Vàng Thị Mai", sex="f", birth_date="1990-02-02")
    employee = make_person(
        manager,
        area_code=c,
        full_name="Giàng A Pao",
        sex="m",
        birth_date="1985-03-03",
        employment="formal",
        personal_id=personal_id_for(sex="m", year=1985, province="015", serial=222),
    )
    return {"manager": manager, "a": a, "b": b, "employee": employee}


def write(tmp_path: Path, name: str, header: tuple[str, ...], lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(",".join(header) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def card_file(tmp_path: Path, people) -> Path:
    a, b, employee = people["a"], people["b"], people["employee"]
    return write(
        tmp_path,
        "the.csv",
        CARDS,
        [
            f"T1,{a.personal_id},,,,household,01/01/2025,31/12/2025,",  # recorded
            f"T2,{a.personal_id},,,,household,01/06/2025,31/05/2026,",  # overlaps T1
            "T3,015099999999,,,,household,01/01/2025,31/12/2025,",  # nobody
            f"T4,{employee.personal_id},,,,household,01/01/2025,31/12/2025,",  # an employee: not eligible
            f"T5,{employee.personal_id},,,,employee,01/01/2025,31/12/2025,",  # the employer's card: fine
            "T6,,,,,household,31/02/2025,31/12/2025,",  # no such day
            f"T7,,,{b.pk},,household,01/01/2025,31/12/2025,",  # a person key that the source does not know
        ],
    )


def test_cards_are_recorded_through_the_service_with_a_reason_per_rejected_row(tmp_path, people):
    path = card_file(tmp_path, people)
    dry = import_cards(actor=people["manager"], path=path, dry_run=True, errors_dir=tmp_path)
    assert (dry.created, dry.rejected, dry.unchanged) == (2, 5, 0)
    assert not HICoverage.objects.exists() and not ImportRun.objects.exists()

    out = import_cards(actor=people["manager"], path=path, errors_dir=tmp_path)
    assert (out.rows, out.created, out.updated, out.unchanged, out.rejected) == (7, 2, 0, 0, 5)
    spans = HICoverage.objects.filter(source="import")
    assert {(s.person_id, s.group) for s in spans} == {
        (people["a"].pk, "household"),
        (people["employee"].pk, "employee"),
    }
    reasons = {r["line"]: (r["column"], r["reason"]) for r in out.rejected_rows}
    assert reasons[3][0] == "gia_tri_tu" and "31/12/2025" in reasons[3][1]  # the card it meets
    assert reasons[4][0] == "so_dinh_danh"
    assert reasons[5][0] == "nhom" and "Giàng A Pao" in reasons[5][1]  # the eligibility rule, in words
    assert reasons[7][0] == "gia_tri_tu"
    assert reasons[8][0] == "ma_nguon_nguoi"
    assert out.errors_file and Path(out.errors_file).exists()
    for span in spans:
        event = AuditEvent.objects.get(action="coverage_import", object_id=str(span.pk))
        assert event.after["import_id"] == out.import_id
        assert AuditEvent.objects.filter(action="coverage_record_external", object_id=str(span.pk)).exists()

    again = import_cards(actor=people["manager"], path=path, errors_dir=tmp_path)
    assert (again.created, again.unchanged, again.rejected) == (0, 2, 5)
    assert HICoverage.objects.count() == 2


def test_a_card_found_by_its_code_and_the_group_read_from_its_letters(tmp_path, people):
    from ansinh.rules import cards as card_rules

    a = people["a"]
    Person.objects.filter(pk=a.pk).update(si_number="1512345678")
    letters, level = card_rules.card_code("household", dt.date(2025, 1, 1))
    code = f"{letters}{level}15" + "1512345678"
    path = write(tmp_path, "c.csv", CARDS, [f"K1,,,,{code},,01/01/2025,31/12/2025,"])
    out = import_cards(actor=people["manager"], path=path, errors_dir=tmp_path)
    assert out.created == 1, out.rejected_rows
    assert HICoverage.objects.get().group == "household"


def test_a_changed_card_row_is_refused_not_silently_rewritten(tmp_path, people):
    a = people["a"]
    first = write(tmp_path, "c1.csv", CARDS, [f"T1,{a.personal_id},,,,household,01/01/2025,31/12/2025,"])
    import_cards(actor=people["manager"], path=first, source="agency")
    second = write(tmp_path, "c2.csv", CARDS, [f"T1,{a.personal_id},,,,household,01/01/2025,30/06/2025,"])
    out = import_cards(actor=people["manager"], path=second, source="agency", errors_dir=tmp_path)
    assert out.rejected == 1 and out.rejected_rows[0]["column"] == "ma_nguon"
    assert HICoverage.objects.get().valid_to == dt.date(2025, 12, 31)


def test_pensions_update_the_person_and_the_eligibility_follows(tmp_path, people):
    a, b = people["a"], people["b"]
    assert eligibility(person=a, on=dt.date(2025, 1, 1)).vsi.allowed
    path = write(
        tmp_path,
        "luong-huu.csv",
        PENSIONS,
        [
            f"L1,{a.personal_id},,,có,tài khoản",
            "L2,015099999999,,,có,tiền mặt",  # nobody
            f"L3,{a.personal_id},,,không,tiền mặt",  # a payout without a pension (and a duplicate person)
            "L4,,,,có,bưu điện",
        ],
    )
    out = import_pensions(actor=people["manager"], path=path, errors_dir=tmp_path)
    assert (out.created, out.rejected) == (1, 3)
    a.refresh_from_db()
    assert a.pension_recipient and a.payout_method == "account"
    assert not eligibility(person=a, on=dt.date(2025, 1, 1)).vsi.allowed
    assert AuditEvent.objects.filter(action="pension_import", object_id=str(a.pk)).count() == 1
    assert AuditEvent.objects.filter(action="person_update", object_id=str(a.pk)).count() == 1
    assert SourceLink.objects.filter(entity="pension").count() == 1
    again = import_pensions(actor=people["manager"], path=path, errors_dir=tmp_path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    nxt = write(tmp_path, "thang-sau.csv", PENSIONS, [f"L1,{a.personal_id},,,có,tiền mặt"])
    out = import_pensions(actor=people["manager"], path=nxt, source="luong-huu")
    assert out.updated == 1
    a.refresh_from_db()
    assert a.payout_method == "cash"
    assert not Person.objects.filter(pk=b.pk, pension_recipient=True).exists()


def test_cli_imports_cards_and_writes_templates(tmp_path, people):
    path = card_file(tmp_path, people)
    result = CliRunner().invoke(
        cli, ["import", "cards", str(path), "--dry-run", "--json", "--errors-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {k: data[k] for k in ("rows", "created", "rejected")} == {"rows": 7, "created": 2, "rejected": 5}
    for kind, header in (("cards", CARDS), ("pensions", PENSIONS)):
        out = tmp_path / f"mau-{kind}.csv"
        result = CliRunner().invoke(cli, ["import", "template", kind, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(header)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258"])
def test_a_pension_list_typed_before_unicode_with_vietnamese_headers(tmp_path, people, encoding):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "encodings_tests", Path(__file__).with_name("test_encodings.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _inverse_encoders = module._inverse_encoders

    a, b = people["a"], people["b"]
    Person.objects.filter(pk=b.pk).update(
        personal_id=personal_id_for(sex="f", year=1990, province="015", serial=9)
    )
    b.refresh_from_db()
    text = (
        "Mã nguồn,Họ và tên,Số CCCD,Hưởng lương hưu,Hình thức nhận\n"
        f"L1,Lò Văn Sáng,{a.personal_id},có,tài khoản\n"
        f"L2,Vàng Thị Mai,{b.personal_id},có,tiền mặt\n"
    )
    path = tmp_path / f"luong-huu-{encoding}.csv"
    path.write_bytes(_inverse_encoders()[encoding](text))
    out = import_pensions(actor=people["manager"], path=path, errors_dir=tmp_path)
    assert out.encoding == encoding and (out.created, out.rejected) == (2, 0), out.rejected_rows
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.payout_method, b.payout_method) == ("account", "cash")


def test_a_card_list_in_xlsx_with_a_formula_cell(tmp_path, people):
    import xlsxwriter

    a = people["a"]
    path = tmp_path / "the.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for c, h in enumerate(["Mã nguồn", "Số CCCD", "Nhóm đối tượng", "Giá trị từ", "Giá trị đến", "Mã KCB"]):
        sheet.write_string(0, c, h)
    for c, v in enumerate(["T1", a.personal_id, "household", "01/01/2025", "31/12/2025", ""]):
        sheet.write_string(1, c, v)
    sheet.write_string(2, 0, "T2")
    sheet.write_formula(2, 1, '=HYPERLINK("http://x","y")', None, "=HYPERLINK")
    for c, v in enumerate(["household", "01/01/2025", "31/12/2025", ""], start=2):
        sheet.write_string(2, c, v)
    book.close()
    out = import_cards(actor=people["manager"], path=path, errors_dir=tmp_path)
    assert (out.created, out.rejected) == (1, 1)
    assert out.rejected_rows[0]["line"] == 3


def test_a_pension_from_a_day_is_a_change_in_life_and_a_bad_day_is_a_rejected_row(tmp_path, people):
    from ansinh.registry.models import StatusChange

    a, b = people["a"], people["b"]
    path = write(
        tmp_path,
        "luong-huu-tu-ngay.csv",
        PENSIONS,
        [
            f"L1,{a.personal_id},,,có,tài khoản,01/07/2025",
            f"L2,{b.personal_id},,,có,tiền mặt,2025",  # not a full day
        ],
    )
    out = import_pensions(actor=people["manager"], path=path, errors_dir=tmp_path)
    assert (out.created, out.rejected) == (1, 1)
    change = StatusChange.objects.get(person=a)
    assert (change.field, change.before, change.after, change.effective_on) == (
        "pension_recipient",
        False,
        True,
        dt.date(2025, 7, 1),
    )
    a.refresh_from_db()
    # voluntary SI until the pension starts, not from that day (the rule reads each day's statuses)
    assert eligibility(person=a, on=dt.date(2025, 6, 30)).vsi.allowed
    assert not eligibility(person=a, on=dt.date(2025, 7, 1)).vsi.allowed
    rows = list(load_workbook(out.errors_file).active.iter_rows(values_only=True))
    assert rows[1][-2] == "tu_ngay" and "dd/mm/yyyy" in rows[1][-1]  # the column at fault, and why


def test_a_unit_of_rows_finds_each_person_as_a_row_alone_does(tmp_path, people, communes):
    """Cards and payments read their persons a unit at a time (services._UnitReads: one query per kind of
    identifier); each row gets the person, or the column and reason, that one query per identifier gives."""
    from ansinh.imports import services
    from ansinh.registry.services import si_number_assign

    manager, a, b = people["manager"], people["a"], people["b"]
    b = si_number_assign(actor=manager, person=b)
    admin = make_user(role="administrator", areas=["01"])
    elsewhere = make_person(
        admin,
        area_code=communes["other"].code,
        full_name="Nguyễn Văn Hà",
        sex="m",
        birth_date="1970-01-01",
        personal_id=personal_id_for(sex="m", year=1970, province="001", serial=333),
    )
    SourceLink.objects.create(
        source="the", entity="person", key="P-A", person=a, province_code=a.province_code
    )
    si = f"{b.si_number[:4]} {b.si_number[4:7]}.{b.si_number[7:]}"  # as typed on a paper list
    code = f"GD4{b.si_number[:2]}{b.si_number}"  # the household scheme's letters
    path = write(
        tmp_path,
        "unit.csv",
        CARDS,
        [
            f"U1,{a.personal_id},,,,household,01/01/2025,31/12/2025,",
            f"U2,,{si},,,household,01/01/2025,31/12/2025,",
            "U3,,,P-A,,household,01/01/2025,31/12/2025,",
            f"U4,{a.personal_id},,P-A,,household,01/01/2025,31/12/2025,",  # both name a: fine
            f"U5,{a.personal_id},{b.si_number},,,household,01/01/2025,31/12/2025,",  # a and b
            f"U6,{elsewhere.personal_id},,,,household,01/01/2025,31/12/2025,",  # not in the manager's areas
            "U7,,,P-X,,household,01/01/2025,31/12/2025,",  # a key the source does not know
            f"U8,,,,{code},,01/01/2025,31/12/2025,",  # by the SI number in the card code
            f"U9,,,,{code},Tham gia theo hộ gia đình,01/01/2025,31/12/2025,",  # the group by its Vietnamese label
        ],
    )
    plan = services._plan_cards(actor=manager, path=path, encoding="auto", mapping=None, source="the")
    rows = [row for unit in plan.units for row in unit]
    assert not plan.rejected and len(rows) == 9
    assert rows[8].data["group"] == "household"
    unit = services._UnitReads(manager, "the", rows, "card")

    def found(reads):
        out = []
        for row in rows:
            try:
                person = services._find_person(
                    actor=manager, row=row, source="the", card=row.data["card"], reads=reads
                )
                out.append(person.pk)
            except services.RowError as e:
                out.append((e.column, e.message))
        return out

    alone = found(None)
    assert found(unit) == alone
    no_one = "Không có người nào mang số này trong danh sách thuộc địa bàn của bạn."
    assert alone == [
        a.pk,
        b.pk,
        a.pk,
        a.pk,
        ("ma_so_bhxh", "Các số định danh trong dòng này chỉ những người khác nhau."),
        ("so_dinh_danh", no_one),
        ("ma_nguon_nguoi", no_one),
        b.pk,
        b.pk,
    ]
