"""Printed documents: health-insurance cards, receipts and the day's handover sheet (fpdf2, QR by cards.qr).

Documents are Vietnamese administrative papers, so their wording is Vietnamese whatever the interface language.
The font (DejaVu Sans, shipped in ``fonts/``) covers every Vietnamese letter and the ₫ sign.

Speed (cards are printed by the hundred at the end of an event): one FPDF document per batch, so the fonts are
parsed once; the QR code is drawn as one vector path of horizontal runs (no image per card), stored with the
card when it is issued; and the QR mask is fixed (see ``QR_MASK``), which lets cards.qr draw a token's code from
a template of its version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse
from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.syntax import PDFContentStream

from ansinh.core.dates import format_date
from ansinh.core.money import format_vnd

from . import qr
from .words import vnd_in_words

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"

CARD_W, CARD_H = 85.6, 54.0  # ISO/IEC 7810 ID-1, a bank card
QR_SIZE = 21.0  # mm, quiet zone included
QR_ERROR = qr.ERROR  # 15 % of the code may be scratched off and it still reads
# A fixed mask pattern: choosing the "best" of the eight costs segno about 8 ms per code (70 % of a card's
# time). Any mask is valid ISO/IEC 18004 and every decoder reads it; the tests decode the printed cards.
QR_MASK = qr.MASK

BLUE = (0, 84, 166)
DARK = (20, 20, 20)
GREY = (110, 110, 110)
RED = (200, 16, 32)

SCHEMES = {
    "hi_household": "BHYT hộ gia đình",
    "hi_group": "BHYT (nhóm được hỗ trợ)",
    "vsi": "BHXH tự nguyện",
}
METHODS = {"cash": "Tiền mặt", "bank_transfer": "Chuyển khoản"}
SEXES = {"m": "Nam", "f": "Nữ"}


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser's viewer (printed from there), saved under ``filename`` if kept."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _month(value: dt.date | None) -> str:
    return value.strftime("%m/%Y") if value else ""


class _Doc(FPDF):
    def __init__(self, *, orientation: str = "P", format="A4"):
        super().__init__(orientation=orientation, unit="mm", format=format)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.set_creator("ansinh")
        self.set_lang("vi")

    def font(self, size: float, bold: bool = False, color=DARK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def text_right(self, x_right: float, y: float, text: str) -> None:
        self.text(x_right - self.get_string_width(text), y, text)

    def text_center(self, x_center: float, y: float, text: str) -> None:
        self.text(x_center - self.get_string_width(text) / 2, y, text)

    def fit(self, text: str, width: float, size: float, bold: bool = False, minimum: float = 5.0) -> float:
        """The largest font size up to ``size`` at which ``text`` fits in ``width`` (long names shrink)."""
        self.set_font(FONT, "B" if bold else "", size)
        w = self.get_string_width(text)
        if w <= width:
            return size
        return max(minimum, size * width / w)

    def qr(
        self, token: str, x: float, y: float, size: float, prepared: tuple[int, str] | None = None
    ) -> None:
        """The token as a QR code: one filled path of horizontal runs, in module units (raw PDF operators)."""
        n, path = prepared or qr_path(token)
        m = size / (n + 8) * self.k  # four modules of quiet zone on each side
        ox, oy = (x * self.k) + 4 * m, (self.h - y) * self.k - 4 * m
        self._out(f"q 0 g {m:.4f} 0 0 {-m:.4f} {ox:.2f} {oy:.2f} cm {path} f Q")


# The one PDF document class of ansinh (A4 or any format, DejaVu fonts registered); other apps use it.
Document = _Doc

# Content streams compressed fast: a thousand cards are printed at the end of an event; the file is a little
# larger (measured: +60 %), which a local printer does not mind.
PDFContentStream._COMPRESSION_LEVEL = 1


@lru_cache(maxsize=2048)
def qr_path(token: str) -> tuple[int, str]:
    return _qr_path(token)


def _qr_path(token: str) -> tuple[int, str]:
    """(modules per side, PDF path of the dark modules as ``x y w 1 re`` with y growing downwards)."""
    return qr.path(token)


# ---------------------------------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class CardFacts:
    number: str
    name: str
    birth_date: str  # as printed: dd/mm/yyyy, mm/yyyy or yyyy
    sex: str  # "m" / "f"
    valid_from: dt.date
    valid_to: dt.date
    office: str
    token: str
    qr: tuple[int, str] | None = None  # stored with the card at issuance, when there
    facility: str = ""  # the registered primary-care facility, "name (code)", when there


def office_name(province_code: str, names: dict[str, tuple[str, str]] | None = None) -> str:
    """'BHXH tỉnh Lào Cai' from a province code (the issuing office printed on cards and receipts)."""
    if names is None:
        names = _province_names([province_code])
    name, kind = names.get(province_code, ("", ""))
    if not name:
        return "Bảo hiểm xã hội Việt Nam"
    return f"BHXH {'thành phố' if kind == 'thanh_pho' else 'tỉnh'} {name}"


def _province_names(codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    from ansinh.areas.models import Area, Level

    return {
        code: (name, kind)
        for code, name, kind in Area.objects.filter(level=Level.PROVINCE, code__in=set(codes)).values_list(
            "code", "name", "kind"
        )
    }


def card_facts(cards: Sequence) -> list[CardFacts]:
    """What is printed on each card, read in two queries whatever the number of cards."""
    from .models import Card

    ids = [c.pk for c in cards]
    loaded = {
        c.pk: c
        for c in Card.objects.filter(pk__in=ids).select_related(
            "coverage", "coverage__person", "coverage__facility"
        )
    }
    names = _province_names({c.province_code for c in loaded.values()})
    facts = []
    for pk in ids:
        card = loaded[pk]
        person = card.coverage.person
        facts.append(
            CardFacts(
                number=card.number,
                name=person.full_name,
                birth_date=person.birth_date_display,
                sex=person.sex,
                valid_from=card.coverage.valid_from,
                valid_to=card.coverage.valid_to,
                office=office_name(card.province_code, names),
                token=card.token,
                qr=(card.qr_modules, card.qr_path) if card.qr_path else None,
                facility=_facility_line(card.coverage.facility),
            )
        )
    return facts


def _facility_line(facility) -> str:
    return f"{facility.name} ({facility.code})" if facility is not None else ""


def _draw_card(pdf: _Doc, f: CardFacts, ox: float, oy: float, qr: tuple[int, str] | None = None) -> None:
    # frame and header band
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.3)
    pdf.set_fill_color(*BLUE)
    pdf.rect(ox, oy, CARD_W, 10.5, style="F")
    pdf.rect(ox + 0.15, oy + 0.15, CARD_W - 0.3, CARD_H - 0.3)
    pdf.font(5.5, color=(255, 255, 255))
    pdf.text_center(ox + CARD_W / 2, oy + 3.6, "BẢO HIỂM XÃ HỘI VIỆT NAM")
    pdf.font(9.5, bold=True, color=(255, 255, 255))
    pdf.text_center(ox + CARD_W / 2, oy + 8.4, "THẺ BẢO HIỂM Y TẾ")

    # photo placeholder (3 x 4)
    px, py = ox + 3.5, oy + 13.5
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=0.8, gap=0.6)
    pdf.rect(px, py, 18, 24)
    pdf.set_dash_pattern()
    pdf.font(5.5, color=GREY)
    pdf.text_center(px + 9, py + 12.8, "Ảnh 3x4")

    # number and name across the card
    x = ox + 24.5
    pdf.font(5.5, color=GREY)
    pdf.text(x, oy + 14.6, "Mã số")
    pdf.font(13, bold=True, color=BLUE)
    pdf.text(x, oy + 19.6, f.number)
    pdf.font(5.5, color=GREY)
    pdf.text(x, oy + 23.3, "Họ và tên")
    size = pdf.fit(f.name.upper(), CARD_W - 27.5, 8.5, bold=True)
    pdf.font(size, bold=True)
    pdf.text(x, oy + 27.0, f.name.upper())

    # facts to the left of the QR code
    qx, qy = ox + CARD_W - QR_SIZE - 1.5, oy + CARD_H - QR_SIZE - 1.5
    width = qx - x - 0.5
    y = oy + 31.0
    for label, value, dx in (("Ngày sinh", f.birth_date, 0.0), ("Giới tính", SEXES.get(f.sex, f.sex), 21.0)):
        pdf.font(5.5, color=GREY)
        pdf.text(x + dx, y, label)
        pdf.font(7, bold=True)
        pdf.text(x + dx, y + 3.1, value)
    rows = [("Giá trị sử dụng", f"{format_date(f.valid_from)} – {format_date(f.valid_to)}")]
    if f.facility:
        rows.append(("Nơi đăng ký KCB ban đầu", f.facility))
    rows.append(("Nơi cấp", f.office))
    step = 6.8 if len(rows) < 3 else 5.6  # three rows still end above the card's lower edge
    for label, value in rows:
        y += step
        pdf.font(5.5, color=GREY)
        pdf.text(x, y, label)
        pdf.font(pdf.fit(value, width, 7, bold=True), bold=True)
        pdf.text(x, y + 3.1, value)

    pdf.qr(f.token, qx, qy, QR_SIZE, prepared=qr)


def _facts(cards) -> list[CardFacts]:
    cards = list(cards)
    if cards and isinstance(cards[0], CardFacts):
        return cards
    return card_facts(cards)


def card_pdf(cards) -> bytes:
    """Cards at bank-card size, one per page (for a card printer). ``cards``: Card rows or CardFacts."""
    pdf = _Doc(orientation="L", format=(CARD_H, CARD_W))
    pdf.set_title("Thẻ BHYT")
    facts = _facts(cards)
    for f in facts:
        qr = f.qr or qr_path(f.token)
        pdf.add_page()
        _draw_card(pdf, f, 0, 0, qr)
    return bytes(pdf.output())


A4_COLS, A4_ROWS, A4_GAP_X, A4_GAP_Y = 2, 5, 4.0, 2.0


def cards_pdf_a4(cards) -> bytes:
    """Ten cards to an A4 page, with cut lines, to print a whole event at once on an office printer."""
    pdf = _Doc(format="A4")
    pdf.set_title("Thẻ BHYT — in hàng loạt")
    left = (210 - A4_COLS * CARD_W - (A4_COLS - 1) * A4_GAP_X) / 2
    top = (297 - A4_ROWS * CARD_H - (A4_ROWS - 1) * A4_GAP_Y) / 2
    per_page = A4_COLS * A4_ROWS
    facts = _facts(cards)
    for i, f in enumerate(facts):
        qr = f.qr or qr_path(f.token)
        slot = i % per_page
        if slot == 0:
            pdf.add_page()
            pdf.font(6, color=GREY)
            pdf.text(left, top - 2.5, f"Thẻ BHYT · trang {pdf.page_no()}")
        col, row = slot % A4_COLS, slot // A4_COLS
        _draw_card(pdf, f, left + col * (CARD_W + A4_GAP_X), top + row * (CARD_H + A4_GAP_Y), qr)
    if pdf.page_no() == 0:
        pdf.add_page()
    return bytes(pdf.output())


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


def _void_stamp(pdf: _Doc, cx: float, cy: float, size: float) -> None:
    with pdf.local_context(fill_opacity=0.6, stroke_opacity=0.6), pdf.rotation(angle=18, x=cx, y=cy):
        pdf.font(size, bold=True, color=RED)
        w = pdf.get_string_width("ĐÃ HUỶ")
        h = size * 0.3528 * 1.25
        pdf.set_draw_color(*RED)
        pdf.set_line_width(size / 25)
        pdf.rect(cx - w / 2 - size * 0.08, cy - h / 2 - size * 0.05, w + size * 0.16, h + size * 0.1)
        pdf.text(cx - w / 2, cy + h * 0.33, "ĐÃ HUỶ")


def _draw_receipt(pdf: _Doc, receipt, paper: str, lines: list[_ReceiptLine], top: float) -> float:
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
        size = pdf.fit(value, inner - lw, base, bold=bold, minimum=base * 0.6)
        pdf.font(size, bold=bold)
        pdf.text(left + lw, y + lh * 0.8, value)
        y += lh

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
        size = pdf.fit(name, inner - aw - 3, base, bold=True, minimum=base * 0.6)
        pdf.font(size, bold=True)
        pdf.text(left, y + lh * 0.8, name)
        y += lh
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
        probe = _Doc(format=(width, 1000))
        probe.c_margin = 0
        probe.add_page()
        height = _draw_receipt(probe, receipt, paper, lines, margin)
    pdf = _Doc(format=(width, height))
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
        from .selectors import receipts_for_day_close

        receipts = receipts_for_day_close(day_close=day_close)
    receipts = list(receipts)
    pdf = _Doc(format="A4")
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
