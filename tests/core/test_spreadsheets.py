"""Nothing written to a spreadsheet is a live formula (issue 12): one rule for CSV cells and XLSX workbooks."""

import io

from openpyxl import load_workbook

from ansinh.core.spreadsheets import formula_safe, workbook


def test_text_a_spreadsheet_would_run_is_made_inert_and_the_rest_passes():
    for text in ("=1+1", "+33", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert formula_safe(text) == "'" + text
    assert formula_safe("Nguyễn Thị Huyền") == "Nguyễn Thị Huyền"
    assert formula_safe(-5) == -5 and formula_safe(None) is None


def test_a_workbook_writes_strings_as_strings():
    out = io.BytesIO()
    book = workbook(out)
    sheet = book.add_worksheet()
    sheet.write(0, 0, "=1+1")
    sheet.write(0, 1, "http://example.invalid")
    sheet.write(0, 2, "0123456789")
    book.close()
    cells = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))[0]
    assert cells == ("=1+1", "http://example.invalid", "0123456789") or cells[0] == "=1+1"
    raw = load_workbook(io.BytesIO(out.getvalue())).active
    assert raw["A1"].data_type == "s" and raw["C1"].value == "0123456789"
