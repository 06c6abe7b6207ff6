"""The health-insurance card as a document: one per page for a card printer, or ten to an A4 sheet.

Drawn with the document library (``ansinh.documents``: fonts, the QR code as one vector path stored with the
card when it is issued). The QR mask is fixed (see ``QR_MASK``), which lets ``documents.qr`` draw a token's code
from a template of its version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ansinh.areas.offices import office_name, province_names
from ansinh.core.dates import format_date
from ansinh.documents import qr
from ansinh.documents.pdf import BLUE, GREY, Document, qr_path

__all__ = ["CardFacts", "card_facts", "card_pdf", "cards_pdf_a4", "qr_path"]

CARD_W, CARD_H = 85.6, 54.0  # ISO/IEC 7810 ID-1, a bank card
QR_SIZE = 21.0  # mm, quiet zone included
QR_ERROR = qr.ERROR  # 15 % of the code may be scratched off and it still reads
# A fixed mask pattern: choosing the "best" of the eight costs segno about 8 ms per code (70 % of a card's
# time). Any mask is valid ISO/IEC 18004 and every decoder reads it; the tests decode the printed cards.
QR_MASK = qr.MASK

SEXES = {"m": "Nam", "f": "Nữ"}


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
    names = province_names({c.province_code for c in loaded.values()})
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


def _draw_card(pdf: Document, f: CardFacts, ox: float, oy: float, qr: tuple[int, str] | None = None) -> None:
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
    size, names = pdf.fit_lines(f.name.upper(), CARD_W - 27.5, 8.5, bold=True, minimum=5.0, lines=1)
    if names[0].endswith("…"):  # two smaller lines in the same band
        size, names = pdf.fit_lines(f.name.upper(), CARD_W - 27.5, 6.0, bold=True, minimum=4.5)
    pdf.font(size, bold=True)
    if len(names) == 1:
        pdf.text(x, oy + 27.0, names[0])
    else:  # two lines between the label and the facts below (never clipped at the card's edge)
        pdf.text(x, oy + 25.9, names[0])
        pdf.text(x, oy + 28.5, names[1])

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
    pdf = Document(orientation="L", format=(CARD_H, CARD_W))
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
    pdf = Document(format="A4")
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
