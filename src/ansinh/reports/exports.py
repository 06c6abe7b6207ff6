"""Coverage exports (XLSX for offices, PDF for the report upward), from the dict of reports.coverage."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, cast

from ansinh.core.dates import format_date
from ansinh.core.numbers import format_int, format_rate
from ansinh.core.spreadsheets import workbook

COLUMNS = [
    ("code", "Mã"),
    ("name", "Đơn vị"),
    ("population", "Dân số"),
    ("insured", "Có thẻ BHYT"),
    ("rate", "Tỷ lệ bao phủ"),
    ("rate_year_before", "Cùng kỳ năm trước"),
    ("gap_to_target", "Còn thiếu đến mục tiêu"),
    ("voluntary_si", "BHXH tự nguyện"),
    ("informal_working_age", "LĐ phi chính thức 15–60"),
    ("cash_pensioners", "Hưởng lương hưu bằng tiền mặt"),
    ("population_source_text", "Nguồn số dân"),
]
RATES = {"rate", "rate_year_before"}


def _population_source(row: dict[str, Any]) -> str:
    """Where a row's population comes from: the official figure (its source and date) or the registry."""
    src = row.get("population_source") or {}
    if src.get("kind") == "official":
        if not src.get("on"):  # a total of official figures only
            return "Số liệu chính thức"
        return f"{src['source']}, {format_date(dt.date.fromisoformat(src['on']))}"
    return "Sổ đăng ký" if src.get("kind", "registry") == "registry" else "Số liệu chính thức và sổ đăng ký"


def coverage_xlsx(result: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    book = workbook(out)
    sheet = book.add_worksheet("Bao phủ")
    bold = book.add_format({"bold": True})
    pct = book.add_format({"num_format": "0.0%"})
    num = book.add_format({"num_format": "#,##0"})
    sheet.write(0, 0, f"Bao phủ BHYT, BHXH tự nguyện — {result['area']['name']} — ngày {result['on']}", bold)
    sheet.write(
        1,
        0,
        f"Mục tiêu BHYT: {result['targets']['health_insurance']:.0%}; "
        f"BHXH tự nguyện: {result['targets']['voluntary_si']:.1%} lực lượng lao động",
    )
    for col, (_key, title) in enumerate(COLUMNS):
        sheet.write(3, col, title, bold)
    rows = [{"code": "", "name": "Tổng", **result["total"]}, *result["rows"]]
    rows = [{**row, "population_source_text": _population_source(row)} for row in rows]
    for r, row in enumerate(rows, start=4):
        for col, (key, _title) in enumerate(COLUMNS):
            value = row.get(key)
            if value is None:
                sheet.write_blank(r, col, None)
            elif key in RATES:
                sheet.write_number(r, col, value, pct)
            elif isinstance(value, int):
                sheet.write_number(r, col, value, num)
            else:
                sheet.write_string(r, col, str(value))
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, len(COLUMNS) - 1, 16)
    book.close()
    return out.getvalue()


def coverage_pdf(result: dict[str, Any]) -> bytes:
    from ansinh.documents.pdf import Document

    pdf = Document(orientation="L")
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_margins(12, 12, 12)
    pdf.add_page()
    pdf.font(14, bold=True)
    pdf.cell(0, 8, f"BÁO CÁO BAO PHỦ BHYT — {result['area']['name'].upper()}", new_x="LMARGIN", new_y="NEXT")
    pdf.font(10)
    pdf.cell(
        0,
        6,
        f"Ngày {format_date(dt.date.fromisoformat(result['on']))} · "
        f"mục tiêu BHYT {result['targets']['health_insurance']:.0%}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if result.get("note"):
        pdf.multi_cell(0, 5, result["note"], new_x="LMARGIN", new_y="NEXT")
    official = [r for r in result["rows"] if (r.get("population_source") or {}).get("kind") == "official"]
    if official:
        pdf.multi_cell(
            0,
            5,
            "Dân số: số liệu chính thức nơi đã nạp ("
            + "; ".join(f"{r['name']}: {_population_source(r)}" for r in official[:8])
            + ("; …" if len(official) > 8 else "")
            + "), số trong sổ đăng ký ở nơi khác.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)
    widths = [20, 62, 22, 24, 22, 24, 26, 24, 26]
    shown = [c for c in COLUMNS if c[0] != "population_source_text"][:9]
    keys = [k for k, _t in shown]
    titles = [t for _k, t in shown]
    pdf.font(8, bold=True)
    # The headers wrap inside their column (they overlapped when cut to one line), every cell as tall as the tallest.
    lines = [
        pdf.multi_cell(w, 4, title, dry_run=True, output="LINES")
        for w, title in zip(widths, titles, strict=True)
    ]
    height = 4 * max(len(cast(list, cell)) for cell in lines) + 2
    left, top = pdf.get_x(), pdf.get_y()
    for w, title in zip(widths, titles, strict=True):
        pdf.rect(pdf.get_x(), top, w, height)
        pdf.multi_cell(w, 4, title, new_x="RIGHT", new_y="TOP", padding=(1, 1), align="L")
    pdf.set_xy(left, top + height)
    pdf.font(8)
    for row in [{"code": "", "name": "Tổng", **result["total"]}, *result["rows"]]:
        for w, key in zip(widths, keys, strict=True):
            value = row.get(key)
            if value is None:
                text = "–"
            elif key in RATES:
                text = format_rate(value)
            elif isinstance(value, int):
                text = format_int(value)
            else:
                text = str(value)[:40]
            pdf.cell(w, 6, text, border=1, align="L" if key in ("code", "name") else "R")
        pdf.ln()
    return bytes(pdf.output())
