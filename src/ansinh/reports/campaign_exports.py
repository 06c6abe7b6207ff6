"""The campaign report as documents: PDF for the report upward, XLSX for the office's own tables.

Both take the dict that ``figures.campaign_report`` returns and print it as it is — no figure is computed here,
so the page, the API, the PDF and the spreadsheet always say the same thing. Like the other printed documents
(cards, receipts), their wording is Vietnamese whatever the interface language: they are administrative papers
sent to the province and upward.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from fpdf.enums import TableCellFillMode
from fpdf.fonts import FontFace

from ansinh.areas.offices import office_name
from ansinh.core.dates import format_date, today
from ansinh.core.money import format_vnd
from ansinh.core.numbers import format_int, format_rate
from ansinh.core.spreadsheets import workbook
from ansinh.core.text import file_slug
from ansinh.documents.pdf import BLUE, GREY, Document

from .campaign_figures import REACH


def report_filename(campaign: Any, ext: str) -> str:
    """The report's file name, the same from the page and the API: ``bao-cao-chien-dich-<id>-<name>.<ext>``."""
    return f"bao-cao-chien-dich-{campaign.pk}-{file_slug(campaign.name)}.{ext}"


# The order a reader expects: health insurance first, then voluntary SI, then the outcomes.
ORDER = (
    "new_health_insurance",
    "new_voluntary_si",
    "renewals_health_insurance",
    "renewals_voluntary_si",
    "vssid_installs",
    "cashless_switches",
    "consulted",
)

FIGURE_VI = {
    "new_health_insurance": "Người tham gia BHYT mới",
    "new_voluntary_si": "Người tham gia BHXH tự nguyện mới",
    "renewals_health_insurance": "Người tái tục BHYT",
    "renewals_voluntary_si": "Người tái tục BHXH tự nguyện",
    "vssid_installs": "Người được hỗ trợ cài đặt VssID",
    "cashless_switches": "Người chuyển nhận lương hưu qua tài khoản",
    "consulted": "Người được tư vấn",
}
FIGURE_SHORT_VI = {
    "new_health_insurance": "BHYT mới",
    "new_voluntary_si": "BHXH TN mới",
    "renewals_health_insurance": "Tái tục BHYT",
    "renewals_voluntary_si": "Tái tục BHXH TN",
    "vssid_installs": "VssID",
    "cashless_switches": "Không tiền mặt",
    "consulted": "Tư vấn",
}
REACH_VI = {
    "livestream_views": "Lượt xem livestream",
    "livestream_interactions": "Lượt tương tác livestream",
    "booth_visitors": "Lượt khách tại gian tư vấn",
    "audience": "Khán giả, người tham dự",
    "banners": "Băng rôn, khẩu hiệu",
}
ACTIVITY_KIND_VI = {
    "banner": "Băng rôn, khẩu hiệu",
    "art_performance": "Chương trình nghệ thuật",
    "small_group_visit": "Truyền thông nhóm nhỏ",
    "job_fair_booth": "Gian tư vấn tại hội chợ việc làm",
    "livestream": "Livestream",
    "conference": "Hội nghị, đối thoại",
    "press": "Báo chí, phát thanh, truyền hình",
    "post_office_launch": "Ra quân cùng Bưu điện",
    "other": "Hoạt động khác",
}
CAMPAIGN_KIND_VI = {
    "month_of_promotion": "Tháng vận động",
    "small_group": "Chiến dịch truyền thông nhóm nhỏ",
    "launch_week": "Tuần ra quân",
    "other": "Chiến dịch khác",
}
FUNNEL_VI = {
    "consulted": "Được gặp, tư vấn",
    "enrolled": "Đăng ký tham gia",
    "paid": "Đã nộp tiền",
    "card_issued": "Đã cấp thẻ BHYT",
}
REACH_KEYS_VI = {
    "views": "lượt xem",
    "interactions": "tương tác",
    "shares": "chia sẻ",
    "visitors": "khách",
    "audience": "khán giả",
    "banners": "băng rôn",
    "participants": "người dự",
    "organisations": "tổ chức",
}

LIGHT_BLUE = (156, 195, 234)
GREEN = (23, 108, 58)


# ---------------------------------------------------------------------------------------------- formatting


def n(value: Any) -> str:
    """12345 -> '12.345'; None -> '—'."""
    return "—" if value is None else format_int(value)


def money(value: Any) -> str:
    return "—" if value is None else format_vnd(int(value))


def rate(value: Any) -> str:
    """0.7512 -> '75,1 %' (the report's rate, written the Vietnamese way)."""
    return "—" if value is None else format_rate(value)


def day(iso: str) -> str:
    return format_date(dt.date.fromisoformat(iso))


def area_names(codes: list[str]) -> tuple[dict[str, str], str]:
    """The names of the campaign's areas, and its province code (for the office's name)."""
    from ansinh.areas.models import Area

    rows = list(Area.objects.filter(code__in=codes).values_list("code", "name", "province_code"))
    return {code: name for code, name, _p in rows}, (rows[0][2] if rows else "")


def goal_of(report: dict, figure: str) -> dict | None:
    return report["goals"].get(figure)


# ---------------------------------------------------------------------------------------------------- PDF


class _Report(Document):
    """The report on A4 with margins, page numbers in the footer, section headings and tables."""

    def __init__(self, title: str):
        super().__init__(orientation="P", format="A4")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)
        self.set_title(title)
        self.alias_nb_pages()
        self.doc_title = title

    def footer(self) -> None:
        self.set_y(-10)
        self.font(7, color=GREY)
        self.cell(0, 4, f"{self.doc_title} · Trang {self.page_no()}/{{nb}}", align="R")

    def heading(self, text: str, need: float = 30) -> None:
        """A section title, on a new page when less than ``need`` mm are left below it."""
        if self.get_y() + need > self.h - self.b_margin:
            self.add_page()
        self.ln(3)
        self.font(11, bold=True, color=BLUE)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.font(8.5)

    def grid(self, header: list[str], rows: list[list[str]], widths: tuple[float, ...], *, first_left=1):
        """A table: the first ``first_left`` columns are text (left), the others numbers (right)."""
        self.font(8.5)
        self.set_fill_color(255, 255, 255)
        align = tuple(["LEFT"] * first_left + ["RIGHT"] * (len(header) - first_left))
        with self.table(
            col_widths=widths,
            text_align=align,
            line_height=5.2,
            padding=(0.8, 1.2),
            headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=BLUE),
            cell_fill_color=(243, 247, 252),
            cell_fill_mode=TableCellFillMode.ROWS,
            borders_layout="SINGLE_TOP_LINE",
            first_row_as_headings=True,
        ) as table:
            table.row(header)
            for row in rows:
                table.row(row)


def _bar_chart(pdf: _Report, days: list[dict[str, Any]]) -> None:
    """New participants per day: stacked bars, health insurance (dark) under voluntary SI (light)."""
    left, width, height = pdf.l_margin + 12, pdf.w - pdf.l_margin - pdf.r_margin - 14, 48
    if pdf.get_y() + height + 16 > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y() + 4
    base = top + height
    values = [(d["new_health_insurance"], d["new_voluntary_si"]) for d in days]
    peak = max([a + b for a, b in values] + [1])
    magnitude = 10 ** max(0, len(str(peak)) - 1)
    step = magnitude if peak // magnitude >= 4 else max(1, magnitude // 2)
    ceiling = -(-peak // step) * step
    pdf.set_draw_color(225, 229, 235)
    pdf.set_line_width(0.2)
    pdf.font(6.5, color=GREY)
    for v in range(0, ceiling + 1, step):
        y = base - height * v / ceiling
        pdf.line(left, y, left + width, y)
        label = n(v)
        pdf.text(left - 1.5 - pdf.get_string_width(label), y + 1.1, label)
    slot = width / max(1, len(days))
    for i, ((hi, vsi), d) in enumerate(zip(values, days, strict=True)):
        x = left + i * slot + slot * 0.15
        h_hi, h_vsi = height * hi / ceiling, height * vsi / ceiling
        if hi:
            pdf.set_fill_color(*BLUE)
            pdf.rect(x, base - h_hi, slot * 0.7, h_hi, style="F")
        if vsi:
            pdf.set_fill_color(*LIGHT_BLUE)
            pdf.rect(x, base - h_hi - h_vsi, slot * 0.7, h_vsi, style="F")
        if len(days) <= 16 or i % 2 == 0:
            label = dt.date.fromisoformat(d["day"]).strftime("%d/%m")
            pdf.font(5.5, color=GREY)
            pdf.text(left + i * slot + slot / 2 - pdf.get_string_width(label) / 2, base + 3.5, label)
    pdf.set_draw_color(138, 150, 166)
    pdf.line(left, base, left + width, base)
    y = base + 8
    pdf.set_fill_color(*BLUE)
    pdf.rect(left, y - 2.4, 3, 3, style="F")
    pdf.font(7.5)
    pdf.text(left + 4.5, y, FIGURE_VI["new_health_insurance"])
    x2 = left + 8 + pdf.get_string_width(FIGURE_VI["new_health_insurance"])
    pdf.set_fill_color(*LIGHT_BLUE)
    pdf.rect(x2, y - 2.4, 3, 3, style="F")
    pdf.text(x2 + 4.5, y, FIGURE_VI["new_voluntary_si"])
    pdf.set_y(y + 3)


def _funnel_chart(pdf: _Report, funnel: dict[str, int]) -> None:
    """The funnel as horizontal bars, each labelled with its number."""
    label_w, width = 42, pdf.w - pdf.l_margin - pdf.r_margin - 62
    peak = max([*funnel.values(), 1])
    y = pdf.get_y() + 1
    for key, label in FUNNEL_VI.items():
        value = funnel.get(key, 0)
        pdf.font(8.5)
        pdf.text(pdf.l_margin, y + 3.6, label)
        w = max(0.6, width * value / peak)
        pdf.set_fill_color(*(GREEN if key == "card_issued" else BLUE))
        pdf.rect(pdf.l_margin + label_w, y, w, 5, style="F")
        pdf.font(8.5, bold=True)
        pdf.text(pdf.l_margin + label_w + w + 2, y + 3.6, n(value))
        y += 7
    pdf.set_y(y + 1)


def report_pdf(report: dict[str, Any]) -> bytes:
    """The campaign report on A4, in Vietnamese: the figures attributed to the campaign and in its areas against
    the goals, the funnel, the reach, and the figures by activity kind, by area and by day, with a bar chart."""
    c = report["campaign"]
    names, province = area_names(c["area_codes"])
    pdf = _Report(f"Báo cáo chiến dịch: {c['name']}")
    pdf.add_page()
    pdf.font(8, color=GREY)
    pdf.cell(0, 4, office_name(province).upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.font(14, bold=True, color=BLUE)
    pdf.multi_cell(0, 7, "BÁO CÁO KẾT QUẢ CHIẾN DỊCH", new_x="LMARGIN", new_y="NEXT")
    pdf.font(12, bold=True)
    pdf.multi_cell(0, 6, c["name"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.font(9)
    facts = [
        ("Loại chiến dịch", CAMPAIGN_KIND_VI.get(c["kind"], c["kind"])),
        ("Thời gian", f"từ {day(c['starts_on'])} đến {day(c['ends_on'])}"),
        ("Địa bàn", ", ".join(f"{names.get(code, code)} ({code})" for code in c["area_codes"])),
        ("Số hoạt động", n(len(report["activities"]))),
        ("Tổng chi phí", money(report["cost"]["total"])),
        ("Chi phí cho mỗi người tham gia mới", money(report["cost"]["per_new_participant"])),
    ]
    for label, value in facts:
        pdf.font(9, color=GREY)
        pdf.cell(62, 5, label + ":")
        pdf.font(9)
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")

    pdf.heading("1. Kết quả so với mục tiêu")
    rows = []
    for figure in ORDER:
        goal = goal_of(report, figure)
        rows.append(
            [
                FIGURE_VI[figure],
                n(report["attributed"][figure]),
                n(report["in_area"][figure]),
                n(goal["target"]) if goal else "—",
                rate(goal["rate"]) if goal else "—",
            ]
        )
    pdf.grid(
        ["Chỉ tiêu", "Tại hoạt động của chiến dịch", "Toàn địa bàn trong thời gian", "Mục tiêu", "Tỷ lệ đạt"],
        rows,
        (70, 30, 30, 25, 25),
    )
    pdf.font(7, color=GREY)
    pdf.multi_cell(
        0,
        3.6,
        "Người tham gia mới: không có thẻ BHYT (hoặc không đóng BHXH tự nguyện) ngày nào trong 90 ngày trước ngày "
        "nộp tiền; mỗi người được tính một lần cho mỗi chỉ tiêu; biên lai đã hủy không được tính. Tỷ lệ đạt so "
        "kết quả tại các hoạt động của chiến dịch với mục tiêu.",
        new_x="LMARGIN",
        new_y="NEXT",
    )

    pdf.heading("2. Từ tư vấn đến cấp thẻ (người gặp tại các hoạt động)")
    _funnel_chart(pdf, report["funnel"])

    pdf.heading("3. Mức độ lan tỏa")
    pdf.grid(["Kênh", "Số lượng"], [[REACH_VI[k], n(report["reach"][k])] for k in REACH], (120, 60))

    pdf.heading("4. Người tham gia mới theo ngày", need=75)
    _bar_chart(pdf, report["by_day"])

    pdf.heading("5. Theo loại hoạt động")
    rows = []
    for kind, row in report["by_activity_kind"].items():
        rows.append(
            [
                ACTIVITY_KIND_VI.get(kind, kind),
                n(row["activities"]),
                n(row["new_health_insurance"]),
                n(row["new_voluntary_si"]),
                n(row["renewals_health_insurance"]),
                n(row["vssid_installs"]),
                n(row["cashless_switches"]),
                n(row["cost"]),
                n(row["cost_per_new_participant"]),
            ]
        )
    pdf.grid(
        [
            "Loại hoạt động",
            "Số HĐ",
            "BHYT mới",
            "BHXH TN mới",
            "Tái tục BHYT",
            "VssID",
            "Không tiền mặt",
            "Chi phí (₫)",
            "₫ / người mới",
        ],
        rows,
        (40, 12, 16, 18, 18, 14, 18, 22, 22),
    )

    pdf.heading("6. Theo địa bàn (nơi người tham gia cư trú)")
    rows = []
    for row in report["by_area"]:
        goal = row["goals"].get("new_health_insurance")
        rows.append(
            [
                f"{row['name']} ({row['code']})",
                n(row["new_health_insurance"]),
                n(row["new_voluntary_si"]),
                n(row["renewals_health_insurance"]),
                n(row["renewals_voluntary_si"]),
                n(goal) if goal is not None else "—",
            ]
        )
    if not rows:
        rows = [["—", "", "", "", "", ""]]
    pdf.grid(
        ["Địa bàn", "BHYT mới", "BHXH TN mới", "Tái tục BHYT", "Tái tục BHXH TN", "Mục tiêu BHYT mới"],
        rows,
        (60, 22, 24, 24, 26, 24),
    )

    pdf.heading("7. Theo ngày")
    pdf.grid(
        ["Ngày", *(FIGURE_SHORT_VI[f] for f in ORDER)],
        [[day(d["day"]), *(n(d[f]) for f in ORDER)] for d in report["by_day"]],
        (22, 22, 22, 22, 24, 18, 26, 24),
    )

    pdf.heading("8. Các hoạt động")
    rows = []
    for a in report["activities"]:
        reach = ", ".join(f"{REACH_KEYS_VI.get(k, k)} {n(v)}" for k, v in (a["reach"] or {}).items())
        rows.append(
            [
                f"{day(a['starts_on'])}–{day(a['ends_on'])}",
                ACTIVITY_KIND_VI.get(a["kind"], a["kind"]),
                a["title"],
                reach or "—",
                n(a["cost"]),
            ]
        )
    if not rows:
        rows = [["—", "", "", "", ""]]
    pdf.grid(
        ["Thời gian", "Loại", "Hoạt động", "Lan tỏa", "Chi phí (₫)"], rows, (30, 32, 52, 44, 22), first_left=4
    )
    pdf.ln(4)
    pdf.font(7, color=GREY)
    pdf.multi_cell(
        0,
        3.6,
        f"Số liệu lập từ các bản ghi của ansinh ngày {format_date(today())}; cùng định nghĩa với "
        "trang theo dõi chiến dịch, API và bảng tính XLSX.",
    )
    return bytes(pdf.output())


# --------------------------------------------------------------------------------------------------- XLSX


def report_xlsx(report: dict[str, Any]) -> bytes:
    """The campaign report as a workbook; every number is a number cell (sums and charts work in the sheet)."""

    c = report["campaign"]
    names, _province = area_names(c["area_codes"])
    out = io.BytesIO()
    book = workbook(out)
    title = book.add_format({"bold": True, "font_size": 14, "font_color": "#0054A6"})
    bold = book.add_format({"bold": True})
    head = book.add_format(
        {
            "bold": True,
            "bg_color": "#0054A6",
            "font_color": "#FFFFFF",
            "text_wrap": True,
            "valign": "top",
            "border": 1,
        }
    )
    num = book.add_format({"num_format": "#,##0"})
    pct = book.add_format({"num_format": "0.0%"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    key = book.add_format({"font_color": "#808080"})

    def header(sheet, row: int, labels: list[str]) -> None:
        for col, label in enumerate(labels):
            sheet.write(row, col, label, head)

    def number(sheet, row: int, col: int, value) -> None:
        if value is None:
            sheet.write_blank(row, col, None)
        else:
            sheet.write_number(row, col, value, num)

    # Tổng hợp
    s = book.add_worksheet("Tổng hợp")
    s.set_column(0, 0, 48)
    s.set_column(1, 1, 26)
    s.set_column(2, 5, 18)
    s.write(0, 0, "Báo cáo kết quả chiến dịch", title)
    s.write(1, 0, c["name"], bold)
    facts = [
        ("Loại chiến dịch", CAMPAIGN_KIND_VI.get(c["kind"], c["kind"])),
        ("Từ ngày", dt.date.fromisoformat(c["starts_on"])),
        ("Đến ngày", dt.date.fromisoformat(c["ends_on"])),
        ("Địa bàn", ", ".join(f"{names.get(code, code)} ({code})" for code in c["area_codes"])),
    ]
    row = 3
    for label, value in facts:
        s.write(row, 0, label)
        if isinstance(value, dt.date):
            s.write_datetime(row, 1, dt.datetime.combine(value, dt.time()), date)
        else:
            s.write(row, 1, value)
        row += 1
    row += 1
    header(
        s, row, ["Chỉ tiêu", "Mã", "Tại hoạt động của chiến dịch", "Toàn địa bàn", "Mục tiêu", "Tỷ lệ đạt"]
    )
    for figure in ORDER:
        row += 1
        goal = goal_of(report, figure)
        s.write(row, 0, FIGURE_VI[figure])
        s.write(row, 1, figure, key)
        number(s, row, 2, report["attributed"][figure])
        number(s, row, 3, report["in_area"][figure])
        number(s, row, 4, goal["target"] if goal else None)
        if goal and goal["rate"] is not None:
            s.write_number(row, 5, goal["rate"], pct)
    row += 2
    header(s, row, ["Từ tư vấn đến cấp thẻ", "Mã", "Số người"])
    for k, label in FUNNEL_VI.items():
        row += 1
        s.write(row, 0, label)
        s.write(row, 1, f"funnel.{k}", key)
        number(s, row, 2, report["funnel"][k])
    row += 2
    header(s, row, ["Mức độ lan tỏa", "Mã", "Số lượng"])
    for k in REACH:
        row += 1
        s.write(row, 0, REACH_VI[k])
        s.write(row, 1, f"reach.{k}", key)
        number(s, row, 2, report["reach"][k])
    row += 2
    header(s, row, ["Chi phí", "Mã", "Đồng"])
    for k, label in (
        ("total", "Tổng chi phí"),
        ("per_new_participant", "Chi phí cho mỗi người tham gia mới"),
    ):
        row += 1
        s.write(row, 0, label)
        s.write(row, 1, f"cost.{k}", key)
        number(s, row, 2, report["cost"][k])

    # Theo loại hoạt động
    s = book.add_worksheet("Theo loại hoạt động")
    s.set_column(0, 0, 34)
    s.set_column(1, 1, 20)
    s.set_column(2, 12, 14)
    cols = ["activities", *ORDER, "cost", "cost_per_new_participant"]
    header(
        s,
        0,
        [
            "Loại hoạt động",
            "Mã",
            "Số hoạt động",
            *(FIGURE_SHORT_VI[f] for f in ORDER),
            "Chi phí (₫)",
            "Chi phí / người mới (₫)",
        ],
    )
    for r, (kind, data) in enumerate(report["by_activity_kind"].items(), start=1):
        s.write(r, 0, ACTIVITY_KIND_VI.get(kind, kind))
        s.write(r, 1, kind, key)
        for col, k in enumerate(cols, start=2):
            number(s, r, col, data[k])
    s.freeze_panes(1, 2)

    # Theo địa bàn
    s = book.add_worksheet("Theo địa bàn")
    s.set_column(0, 0, 30)
    s.set_column(1, 1, 10)
    s.set_column(2, 9, 15)
    area_figures = ORDER[:4]
    header(
        s,
        0,
        [
            "Địa bàn",
            "Mã",
            *(FIGURE_SHORT_VI[f] for f in area_figures),
            *(f"Mục tiêu {FIGURE_SHORT_VI[f]}" for f in area_figures),
        ],
    )
    for r, data in enumerate(report["by_area"], start=1):
        s.write(r, 0, data["name"])
        s.write(r, 1, data["code"])
        for col, k in enumerate(area_figures, start=2):
            number(s, r, col, data[k])
        for col, k in enumerate(area_figures, start=2 + len(area_figures)):
            number(s, r, col, data["goals"].get(k))
    s.freeze_panes(1, 2)

    # Theo ngày
    s = book.add_worksheet("Theo ngày")
    s.set_column(0, 0, 12)
    s.set_column(1, len(ORDER), 14)
    header(s, 0, ["Ngày", *(FIGURE_SHORT_VI[f] for f in ORDER)])
    for r, data in enumerate(report["by_day"], start=1):
        s.write_datetime(r, 0, dt.datetime.combine(dt.date.fromisoformat(data["day"]), dt.time()), date)
        for col, k in enumerate(ORDER, start=1):
            number(s, r, col, data[k])
    s.freeze_panes(1, 1)
    if report["by_day"]:
        last = len(report["by_day"])
        chart = book.add_chart({"type": "column", "subtype": "stacked"})
        for col in (1, 2):  # new health insurance, new voluntary SI
            chart.add_series(
                {
                    "name": ["Theo ngày", 0, col],
                    "categories": ["Theo ngày", 1, 0, last, 0],
                    "values": ["Theo ngày", 1, col, last, col],
                }
            )
        chart.set_title({"name": "Người tham gia mới theo ngày"})
        chart.set_size({"width": 760, "height": 320})
        s.insert_chart(1, len(ORDER) + 2, chart)

    # Hoạt động
    s = book.add_worksheet("Hoạt động")
    s.set_column(0, 0, 8)
    s.set_column(1, 1, 30)
    s.set_column(2, 2, 44)
    s.set_column(3, 5, 12)
    from ansinh.campaigns.models import REACH_KEYS

    header(
        s,
        0,
        [
            "Mã số",
            "Loại",
            "Hoạt động",
            "Từ ngày",
            "Đến ngày",
            "Địa bàn",
            "Chi phí (₫)",
            *(REACH_KEYS_VI[k].capitalize() for k in REACH_KEYS),
        ],
    )
    for r, a in enumerate(report["activities"], start=1):
        s.write_number(r, 0, a["id"])
        s.write(r, 1, ACTIVITY_KIND_VI.get(a["kind"], a["kind"]))
        s.write(r, 2, a["title"])
        s.write_datetime(r, 3, dt.datetime.combine(dt.date.fromisoformat(a["starts_on"]), dt.time()), date)
        s.write_datetime(r, 4, dt.datetime.combine(dt.date.fromisoformat(a["ends_on"]), dt.time()), date)
        s.write(r, 5, a["area_code"])
        number(s, r, 6, a["cost"])
        for col, k in enumerate(REACH_KEYS, start=7):
            number(s, r, col, (a["reach"] or {}).get(k))
    s.freeze_panes(1, 3)

    book.close()
    return out.getvalue()
