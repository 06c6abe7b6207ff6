"""The payments' documents: a receipt (A5, A6 or an 80 mm thermal roll) and the day's handover sheet (A4).

Drawn with the document library (``ansinh.documents``); Vietnamese whatever the interface language, as every
administrative paper of ansinh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fpdf.fonts import FontFace

from ansinh.areas.offices import office_name
from ansinh.core.dates import format_date
from ansinh.core.money import format_vnd
from ansinh.documents.pdf import BLUE, DARK, GREY, RED, Document
from ansinh.documents.words import vnd_in_words

SCHEMES = {
    "hi_household": "BHYT hộ gia đình",
    "hi_group": "BHYT (nhóm được hỗ trợ)",
    "vsi": "BHXH tự nguyện",
}
METHODS = {"cash": "Tiền mặt", "bank_transfer": "Chuyển khoản"}


def _month(value: dt.date | None) -> str:
    return value.strftime("%m/%Y") if value else ""


# ------------------------------------------------------------------------------------------------- receipts

PAPERS = {
    # name: (width, height or None for a roll, margin, base font size)
    "a5": (148.0, 210.0, 12.0, 10.0),
    "a6": (105.0, 148.0, 7.0, 7.5),
    "80mm": (80.0, None, 4.0, 7.5),
}


@dataclass
class _ReceiptLine:
    name: str
    scheme: str
    period: str
    amount: int


def _receipt_lines(receipt) -> list[_ReceiptLine]:
    enrollment = receipt.enrollment
    scheme = SCHEMES.get(enrollment.scheme, enrollment.scheme)
    periods: dict[int, str] = {}
    for c in enrollment.hi_coverage.all():
        periods[c.person_id] = f"{format_date(c.valid_from)} – {format_date(c.valid_to)}"
    for v in enrollment.vsi_contributions.all():
        periods[v.person_id] = f"{_month(v.first_month)} – {_month(v.last_month)} ({v.months} tháng)"
    lines = []
    for m in enrollment.members.select_related("person").order_by("position"):
        period = periods.get(m.person_id) or f"{enrollment.months} tháng"
        lines.append(_ReceiptLine(m.person.full_name, scheme, period, m.payable))
    return lines


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _void_stamp(pdf: Document, cx: float, cy: float, size: float) -> None:
    with pdf.local_context(fill_opacity=0.6, stroke_opacity=0.6), pdf.rotation(angle=18, x=cx, y=cy):
        pdf.font(size, bold=True, color=RED)
        w = pdf.get_string_width("ĐÃ HUỶ")
        h = size * 0.3528 * 1.25
        pdf.set_draw_color(*RED)
        pdf.set_line_width(size / 25)
        pdf.rect(cx - w / 2 - size * 0.08, cy - h / 2 - size * 0.05, w + size * 0.16, h + size * 0.1)
        pdf.text(cx - w / 2, cy + h * 0.33, "ĐÃ HUỶ")


def _draw_receipt(pdf: Document, receipt, paper: str, lines: list[_ReceiptLine], top: float) -> float:
    """Draw the receipt from ``top``; return where it ends (the roll paper is cut there)."""
    width, _height, margin, base = PAPERS[paper]
    left, right = margin, width - margin
    inner = right - left
    lh = base * 0.3528 * 1.45  # line height in mm for the base size
    compact = paper != "a5"
    y = top

    pdf.font(base * 0.85, bold=True)
    pdf.text_center(width / 2, y + lh * 0.8, office_name(receipt.province_code).upper())
    y += lh
    pdf.font(base * 0.85)
    pdf.text_center(width / 2, y + lh * 0.8, receipt.point.name)
    y += lh * 1.6
    pdf.font(base * 1.5, bold=True, color=BLUE)
    pdf.text_center(width / 2, y + lh * 1.1, "BIÊN LAI THU TIỀN")
    y += lh * 1.7
    pdf.font(base)
    pdf.text_center(width / 2, y + lh * 0.8, f"Ký hiệu: {receipt.series}    Số: {receipt.number:07d}")
    y += lh
    pdf.font(base * 0.9, color=GREY)
    pdf.text_center(width / 2, y + lh * 0.8, f"Ngày {format_date(receipt.paid_on)}")
    y += lh * 1.5

    def field(label: str, value: str, bold: bool = False) -> None:
        nonlocal y
        pdf.font(base, color=GREY)
        pdf.text(left, y + lh * 0.8, label)
        lw = pdf.get_string_width(label + " ")
        size, parts = pdf.fit_lines(value, inner - lw, base, bold=bold, minimum=base * 0.7)
        pdf.font(size, bold=bold)
        for part in parts:  # a long name wraps under itself
            pdf.text(left + lw, y + lh * 0.8, part)
            y += lh if part is parts[-1] else lh * 0.8

    field("Người nộp:", receipt.payer_name, bold=True)
    field("Điểm thu:", receipt.point.name)
    y += lh * 0.4
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.2)
    pdf.line(left, y, right, y)
    y += lh * 0.3

    for i, line in enumerate(lines, 1):
        amount = format_vnd(line.amount)
        pdf.font(base, bold=True)
        aw = pdf.get_string_width(amount)
        pdf.text_right(right, y + lh * 0.8, amount)
        name = f"{i}. {line.name}"
        size, parts = pdf.fit_lines(name, inner - aw - 3, base, bold=True, minimum=base * 0.7)
        pdf.font(size, bold=True)
        for part in parts:  # a long name wraps beside the amount, never over it
            pdf.text(left, y + lh * 0.8, part)
            y += lh if part is parts[-1] else lh * 0.8
        pdf.font(base * 0.85, color=GREY)
        detail = f"{line.scheme} · {line.period}"
        if compact and pdf.get_string_width(detail) > inner - 3:
            pdf.text(left + 3, y + lh * 0.75, line.scheme)
            y += lh * 0.9
            pdf.text(left + 3, y + lh * 0.75, line.period)
        else:
            pdf.text(left + 3, y + lh * 0.75, detail)
        y += lh * 1.05
    pdf.line(left, y, right, y)
    y += lh * 0.4

    pdf.font(base * 1.15, bold=True)
    pdf.text(left, y + lh, "TỔNG CỘNG")
    pdf.text_right(right, y + lh, format_vnd(receipt.amount))
    y += lh * 1.5
    pdf.font(base * 0.9)
    pdf.set_xy(left, y)
    pdf.multi_cell(
        inner,
        lh * 0.95,
        f"Bằng chữ: {vnd_in_words(receipt.amount)}.",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    y = pdf.get_y() + lh * 0.3
    method = METHODS.get(receipt.method, receipt.method)
    reference = getattr(getattr(receipt.enrollment, "payment", None), "reference", "")
    if receipt.method == "bank_transfer" and reference:
        method += f" (nội dung: {reference})"
    field("Hình thức:", method)
    if receipt.tendered is not None and receipt.method == "cash":  # the cash handed over, and the change given
        field("Tiền khách đưa:", format_vnd(receipt.tendered))
        field("Tiền thừa trả lại:", format_vnd(receipt.tendered - receipt.amount))
    field("Người thu:", _user_name(receipt.issued_by))
    y += lh * 0.6

    # signatures
    half = inner / 2
    pdf.font(base * 0.9, bold=True)
    pdf.text_center(left + half / 2, y + lh * 0.8, "Người nộp tiền")
    pdf.text_center(left + half * 1.5, y + lh * 0.8, "Người thu tiền")
    pdf.font(base * 0.75, color=GREY)
    pdf.text_center(left + half / 2, y + lh * 1.7, "(Ký, ghi rõ họ tên)")
    pdf.text_center(left + half * 1.5, y + lh * 1.7, "(Ký, ghi rõ họ tên)")
    y += lh * (4.5 if paper == "a5" else 3.6)
    pdf.font(base * 0.9)
    pdf.text_center(left + half * 1.5, y, _user_name(receipt.issued_by))
    y += lh * 0.8

    if receipt.voided_at:
        y += lh * 0.5
        pdf.font(base, bold=True, color=RED)
        local = receipt.voided_at
        try:
            from django.utils import timezone

            local = timezone.localtime(receipt.voided_at)
        except (ImportError, ValueError):
            pass
        pdf.set_xy(left, y)
        pdf.multi_cell(
            inner,
            lh,
            f"ĐÃ HUỶ ngày {format_date(local.date())}. Lý do: {receipt.void_reason}",
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        y = pdf.get_y()
        stamp = 44 if paper == "a5" else 30
        _void_stamp(pdf, width / 2, top + (y - top) * 0.45, stamp)
    pdf.set_text_color(*DARK)
    return y + margin


def receipt_pdf(receipt, paper: str = "a5") -> bytes:
    """A receipt on A5, A6, or an 80 mm thermal roll (as long as it needs to be)."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
    width, height, margin, _base = PAPERS[paper]
    lines = _receipt_lines(receipt)
    if height is None:
        # A roll: lay the receipt out once to learn its length, then print it on a page that long.
        probe = Document(format=(width, 1000))
        probe.c_margin = 0
        probe.add_page()
        height = _draw_receipt(probe, receipt, paper, lines, margin)
    pdf = Document(format=(width, height))
    pdf.set_title(f"Biên lai {receipt.display_number}")
    pdf.set_auto_page_break(paper != "80mm", margin=margin)
    pdf.set_margins(margin, margin, margin)
    pdf.c_margin = 0
    pdf.add_page()
    _draw_receipt(pdf, receipt, paper, lines, margin)
    return bytes(pdf.output())


# ---------------------------------------------------------------------------------------------- handover


def handover_pdf(day_close, receipts=None) -> bytes:
    """The day's handover sheet (A4): the receipts, the cash counted against them, two signatures.
    ``receipts``: the day's receipts; by default those the agent issued at the point that day."""
    if receipts is None:
        from .selectors import day_receipts

        receipts = day_receipts(point=day_close.point, agent=day_close.agent, day=day_close.day)
    receipts = list(receipts)
    pdf = Document(format="A4")
    pdf.set_title(f"Biên bản bàn giao {day_close.point} {format_date(day_close.day)}")
    margin = 15.0
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = 210 - 2 * margin

    pdf.font(9, bold=True)
    pdf.text(margin, 18, office_name(day_close.province_code).upper())
    pdf.font(9)
    pdf.text(margin, 22.5, day_close.point.name)
    pdf.font(9, bold=True)
    pdf.text_center(155, 18, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    pdf.font(9)
    pdf.text_center(155, 22.5, "Độc lập - Tự do - Hạnh phúc")
    pdf.font(15, bold=True, color=BLUE)
    pdf.text_center(105, 36, "BIÊN BẢN BÀN GIAO TIỀN THU")
    pdf.font(10)
    pdf.text_center(105, 42, f"Ngày {format_date(day_close.day)}")

    pdf.set_y(48)
    pdf.font(10)
    info = [
        ("Điểm thu", f"{day_close.point.name} ({day_close.point.code})"),
        ("Người nộp (đại lý thu)", _user_name(day_close.agent)),
        ("Người nhận", day_close.received_by),
    ]
    for label, value in info:
        pdf.font(10, color=GREY)
        pdf.cell(55, 6, label + ":")
        pdf.font(10, bold=True)
        pdf.cell(width - 55, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.font(9)
    with pdf.table(
        col_widths=(10, 32, 60, 30, 28, 20),
        text_align=("RIGHT", "LEFT", "LEFT", "RIGHT", "LEFT", "CENTER"),
        line_height=5.5,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 241, 251)),
    ) as table:
        head = table.row()
        for title in ("STT", "Số biên lai", "Người nộp", "Số tiền", "Hình thức", "Huỷ"):
            head.cell(title)
        for i, r in enumerate(receipts, 1):
            row = table.row()
            row.cell(str(i))
            row.cell(r.display_number)
            row.cell(r.payer_name)
            row.cell(format_vnd(r.amount))
            row.cell(METHODS.get(r.method, r.method))
            row.cell("ĐÃ HUỶ" if r.voided_at else "")
    pdf.ln(4)

    valid = [r for r in receipts if not r.voided_at]
    totals = [
        ("Số biên lai", f"{len(receipts)} (trong đó huỷ: {len(receipts) - len(valid)})"),
        ("Tiền mặt phải nộp (theo biên lai)", format_vnd(day_close.cash_expected)),
        ("Tiền mặt đã đếm", format_vnd(day_close.cash_counted)),
        ("Chênh lệch (đếm − phải nộp)", format_vnd(day_close.difference)),
        ("Chuyển khoản (đối chiếu ngân hàng)", format_vnd(day_close.transfers)),
    ]
    for label, value in totals:
        pdf.font(10, color=GREY)
        pdf.cell(80, 6.5, label + ":")
        pdf.font(10, bold=True, color=RED if label.startswith("Chênh") and day_close.difference else DARK)
        pdf.cell(width - 80, 6.5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.font(9)
    pdf.set_x(margin)
    pdf.multi_cell(
        width,
        5,
        f"Bằng chữ (tiền mặt đã đếm): {vnd_in_words(day_close.cash_counted)}.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if day_close.note:
        pdf.multi_cell(width, 5, f"Ghi chú: {day_close.note}", new_x="LMARGIN", new_y="NEXT")

    # signature boxes, kept together on one page
    if pdf.get_y() + 50 > 297 - 15:
        pdf.add_page()
    y = pdf.get_y() + 6
    box_w, box_h = (width - 10) / 2, 42
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.3)
    for i, (title, name) in enumerate(
        (("Người nộp", _user_name(day_close.agent)), ("Người nhận", day_close.received_by))
    ):
        x = margin + i * (box_w + 10)
        pdf.rect(x, y, box_w, box_h)
        pdf.font(10, bold=True)
        pdf.text_center(x + box_w / 2, y + 6, title)
        pdf.font(8, color=GREY)
        pdf.text_center(x + box_w / 2, y + 10.5, "(Ký, ghi rõ họ tên)")
        pdf.font(10)
        pdf.text_center(x + box_w / 2, y + box_h - 4, name)
    return bytes(pdf.output())
