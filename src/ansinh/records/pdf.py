"""The printed participation history ("quá trình tham gia"), for the person to take home: like the page of the
same name in VssID, the health-insurance cards, the voluntary-SI months and the payments, oldest first.

Like every printed paper of ansinh (cards/pdf.py) it is in Vietnamese whatever the interface language, on the
Document class of cards/pdf.py (DejaVu fonts: every Vietnamese letter and the ₫ sign).
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from fpdf.fonts import FontFace

from ansinh.areas.offices import office_name
from ansinh.cards.pdf import SEXES
from ansinh.core.access import mask_personal_id
from ansinh.core.dates import format_date
from ansinh.core.money import format_vnd
from ansinh.documents.pdf import BLUE, DARK, GREY, Document
from ansinh.payments.pdf import METHODS, SCHEMES
from ansinh.rules import cards as card_rules

STATES = {
    card_rules.IN_FORCE: "Còn hiệu lực",
    card_rules.NOT_YET: "Chưa có hiệu lực",
    card_rules.EXPIRED: "Hết hạn",
    card_rules.VOID: "Đã huỷ",
}
MARGIN = 14.0
WIDTH = 210 - 2 * MARGIN
HEAD = FontFace(emphasis="BOLD", fill_color=(232, 241, 251))


def _d(value: dt.date | None) -> str:
    return format_date(value) if value else ""


def _m(value: dt.date | None) -> str:
    return value.strftime("%m/%Y") if value else ""


def _section(pdf: Document, title: str) -> None:
    if pdf.get_y() > 297 - 40:
        pdf.add_page()
    pdf.ln(3)
    pdf.font(11.5, bold=True, color=BLUE)
    pdf.cell(WIDTH, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.font(9)


def _none(pdf: Document, text: str) -> None:
    pdf.font(9.5, color=GREY)
    pdf.cell(WIDTH, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.font(9)


def _table(pdf: Document, widths: tuple, aligns: tuple, heads: tuple, rows: list[tuple[list[str], bool]]):
    """A table with a heading row repeated on each page; a void row is printed grey with a red note."""
    pdf.font(8.5)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=4.8,
        first_row_as_headings=True,
        headings_style=HEAD,
        repeat_headings=1,
        width=WIDTH,
    ) as table:
        head = table.row()
        for title in heads:
            head.cell(title)
        for cells, void in rows:
            row = table.row(style=FontFace(color=GREY) if void else None)
            for cell in cells:
                row.cell(cell)


def history_pdf(record: dict, *, user, printed_on: dt.date) -> bytes:
    """``record``: records.history.person_history. The personal ID is masked for a user who may not see it."""
    from ansinh.core.group_names import hi_group_label

    person = record["person"]
    pdf = _HistoryDoc()
    pdf.set_title(f"Quá trình tham gia BHXH, BHYT - {person.full_name}")
    pdf.set_margins(MARGIN, 12, MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages()
    pdf.add_page()

    pdf.font(9, bold=True)
    pdf.text(MARGIN, 16, office_name(person.province_code).upper())
    pdf.font(9, bold=True)
    pdf.text_center(150, 16, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    pdf.font(9)
    pdf.text_center(150, 20.5, "Độc lập - Tự do - Hạnh phúc")
    pdf.font(14.5, bold=True, color=BLUE)
    pdf.text_center(105, 33, "QUÁ TRÌNH THAM GIA BHXH, BHYT")
    pdf.font(9.5, color=GREY)
    pdf.text_center(105, 38.5, f"Tình trạng tính đến ngày {format_date(record['on'])}")

    pdf.set_y(44)
    place = ", ".join(x for x in (person.village.name if person.village_id else "", person.commune.name) if x)
    facts = [
        ("Họ và tên", person.full_name),
        ("Ngày sinh", person.birth_date_display),
        ("Giới tính", SEXES.get(person.sex, person.sex)),
        ("Mã số BHXH", person.si_number or "—"),
        ("Số định danh cá nhân", mask_personal_id(user, person.personal_id) or "—"),
        ("Nơi cư trú", place),
    ]
    for label, value in facts:
        pdf.font(9.5, color=GREY)
        pdf.cell(45, 5.6, label + ":")
        pdf.font(9.5, bold=True, color=DARK)
        pdf.cell(WIDTH - 45, 5.6, value, new_x="LMARGIN", new_y="NEXT")

    current = record["current"]
    pdf.ln(1.5)
    pdf.font(10, bold=True, color=DARK)
    if current is None:
        line = "Thẻ BHYT: chưa có thẻ."
    else:
        line = (
            f"Thẻ BHYT hiện tại: {current['card_number'] or current['card_code']}, "
            f"từ {_d(current['valid_from'])} đến {_d(current['valid_to'])} — {STATES[current['state']].lower()}."
        )
    pdf.multi_cell(WIDTH, 5.6, line, new_x="LMARGIN", new_y="NEXT")

    with translation.override("vi"):
        spans = [
            (
                [
                    str(i),
                    _d(s["valid_from"]),
                    _d(s["valid_to"]),
                    hi_group_label(s["group"]),
                    f"{s['card_number'] or ''}\n{s['card_code']}".strip(),
                    # FACILITY (issue 11): the primary-care facility of the span, once spans carry one.
                    (s["facility"] or {}).get("name") or "—",
                    STATES.get(s["state"], s["state"]),
                ],
                s["void"],
            )
            for i, s in enumerate(reversed(record["spans"]), 1)
        ]
    _section(pdf, "1. Bảo hiểm y tế")
    if spans:
        _table(
            pdf,
            (10, 21, 21, 42, 32, 28, 28),
            ("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT"),
            ("STT", "Từ ngày", "Đến ngày", "Đối tượng", "Mã số / mã thẻ", "Nơi ĐK KCB ban đầu", "Trạng thái"),
            spans,
        )
    else:
        _none(pdf, "Chưa có thời gian tham gia bảo hiểm y tế.")

    _section(pdf, "2. Bảo hiểm xã hội tự nguyện")
    vsi = list(reversed(record["vsi_months"]))
    if vsi:
        _table(
            pdf,
            (10, 19, 19, 14, 28, 28, 26, 21),
            ("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            (
                "STT",
                "Từ tháng",
                "Đến tháng",
                "Số tháng",
                "Thu nhập/tháng",
                "Mức đóng/tháng",
                "NN hỗ trợ/tháng",
                "Tháng hỗ trợ",
            ),
            [
                (
                    [
                        str(i),
                        _m(v["first_month"]),
                        _m(v["last_month"]),
                        str(v["months"]),
                        format_vnd(v["monthly_income"]),
                        format_vnd(v["monthly_contribution"]),
                        format_vnd(v["monthly_support"]),
                        str(v["supported_months"]) + (" (huỷ)" if v["void"] else ""),
                    ],
                    v["void"],
                )
                for i, v in enumerate(vsi, 1)
            ],
        )
        pdf.ln(1.5)
        pdf.font(9.5)
        limit = record["vsi_support_months_limit"]
        used = record["vsi_support_months_used"]
        text = f"Tổng số tháng đã đóng: {record['vsi_months_paid']}. Số tháng đã được Nhà nước hỗ trợ: {used}"
        text += f" / tối đa {limit} tháng." if limit else "."
        pdf.multi_cell(WIDTH, 5.2, text, new_x="LMARGIN", new_y="NEXT")
    else:
        _none(pdf, "Chưa có tháng đóng bảo hiểm xã hội tự nguyện.")

    _section(pdf, "3. Các lần đóng tiền")
    payments = list(reversed(record["payments"]))
    if payments:
        _table(
            pdf,
            (10, 21, 29, 38, 27, 24, 33),
            ("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"),
            ("STT", "Ngày đóng", "Số biên lai", "Loại hình", "Số tiền", "Hình thức", "Ghi chú"),
            [
                (
                    [
                        str(i),
                        _d(p["paid_on"]),
                        p["receipt_number"] or "",
                        f"{SCHEMES.get(p['scheme'], p['scheme'])}, {p['months']} tháng",
                        format_vnd(p["amount"]),
                        METHODS.get(p["method"], p["method"]),
                        _payment_note(p),
                    ],
                    p["void"],
                )
                for i, p in enumerate(payments, 1)
            ],
        )
    else:
        _none(pdf, "Chưa có lần đóng tiền nào.")

    pdf.ln(4)
    pdf.font(8, color=GREY)
    pdf.multi_cell(
        WIDTH,
        4.2,
        "Bản tổng hợp từ dữ liệu của cơ quan BHXH tại ngày in, để người tham gia lưu giữ và đối chiếu. "
        "Không thay thế thẻ BHYT, sổ BHXH hay biên lai thu tiền. Thời hạn thẻ và số tháng đóng chính thức tra "
        "cứu trên ứng dụng VssID hoặc tại cơ quan BHXH.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(WIDTH, 4.2, f"Ngày in: {format_date(printed_on)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _payment_note(p: dict) -> str:
    notes = []
    if p["void"]:
        notes.append("ĐÃ HUỶ")
    elif p["payment_status"] == "pending":
        notes.append("chờ chuyển khoản")
    if p["share"] != p["amount"]:
        notes.append(f"phần của người này: {format_vnd(p['share'])}")
    return "; ".join(notes)


class _HistoryDoc(Document):
    def footer(self) -> None:
        """'Trang x/y' at the foot of every page ({nb}: the number of pages, filled in at the end)."""
        self.set_xy(MARGIN, 297 - 11)
        self.font(7.5, color=GREY)
        self.cell(WIDTH, 4, f"Trang {self.page_no()}/{{nb}}", align="R")
