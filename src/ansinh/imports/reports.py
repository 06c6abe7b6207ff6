"""Files the imports app writes: the error report (every rejected row as it was, the column at fault, the
reason) and the templates with the standard headers. Text is never a live spreadsheet formula: every cell is
written with ``write_string``, and a text that starts with = + - @ (or a tab or carriage return) is prefixed with
an apostrophe, as OWASP's "CSV injection" page advises, so that it stays text when the sheet is saved as CSV."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.core.spreadsheets import formula_safe as spreadsheet_safe
from ansinh.core.spreadsheets import workbook as new_workbook

from .headers import STANDARD


def formula_safe(text: Any) -> str:
    """The cell's text, made inert where a spreadsheet would run it (core.spreadsheets, the one rule)."""
    return str(spreadsheet_safe("" if text is None else str(text)))


def write_error_report(
    *, header: list[str], columns: dict[str, int], rows: Iterable[Any], directory: Path, stem: str
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
    path = directory / f"loi-{stem}-{stamp}.xlsx"
    workbook = new_workbook(str(path))
    sheet = workbook.add_worksheet(_("Rejected rows")[:31])
    bold = workbook.add_format({"bold": True})
    titles = [_("Line"), *header, _("Column at fault"), _("Reason")]
    for c, title in enumerate(titles):
        sheet.write_string(0, c, formula_safe(title), bold)
    for r, row in enumerate(rows, start=1):
        sheet.write_number(r, 0, row.line)
        cells = list(row.cells) + [""] * max(0, len(header) - len(row.cells))
        for c, value in enumerate(cells, start=1):
            sheet.write_string(r, c, formula_safe(value))
        column = header[columns[row.column]] if row.column in columns else row.column
        sheet.write_string(r, len(cells) + 1, formula_safe(column))
        sheet.write_string(r, len(cells) + 2, formula_safe(row.reason))
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, len(titles), 18)
    workbook.close()
    return path


TEMPLATE_EXAMPLES = {
    "persons": [
        [
            "HGD001-1",
            "Nguyễn Văn An",
            "15/03/1980",
            "nam",
            "",
            "",
            "0912345678",
            "02647",
            "",
            "HGD001",
            "chủ hộ",
            "Kinh",
        ],
        ["HGD001-2", "Nguyễn Thị Hường", "1982", "nữ", "", "", "", "02647", "", "HGD001", "vợ", "Kinh"],
    ],
    "population": [["02647", "", "01/07/2025", "52300", "Thống kê tỉnh"]],
    "cards": [["THE001", "", "0123456789", "", "HG4010123456789", "", "01/01/2026", "31/12/2026", "01001"]],
    "vsi": [["TN001", "", "0123456789", "", "01/2026", "12", "2.000.000", "", "05/01/2026"]],
    "pensions": [["LH001", "", "0123456789", "", "có", "tài khoản"]],
}


def write_template(*, kind: str, path: Path, examples: bool = False) -> Path:
    """A template with the standard headers (the header row only, unless examples are asked for)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    headers = STANDARD[kind]
    if path.suffix.lower() == ".csv":
        import csv

        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers)
            for row in TEMPLATE_EXAMPLES.get(kind, []) if examples else []:
                writer.writerow(row)
        return path
    workbook = new_workbook(str(path))
    sheet = workbook.add_worksheet(kind)
    text = workbook.add_format({"num_format": "@"})  # typed IDs keep their leading zeros
    bold = workbook.add_format({"bold": True, "num_format": "@"})
    for c, name in enumerate(headers):
        sheet.write_string(0, c, name, bold)
    sheet.set_column(0, len(headers) - 1, 16, text)
    for r, row in enumerate(TEMPLATE_EXAMPLES.get(kind, []) if examples else [], start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, formula_safe(value))
    sheet.freeze_panes(1, 0)
    workbook.close()
    return path
