"""The printed walk list of a team: village by village, household by household, with the members to see, what to
offer each household with its quote, and boxes to tick at the door.

Like every printed paper of ansinh (``ansinh.documents``) it is Vietnamese whatever the interface language: the teams
carry it through Vietnamese villages. The Document class of ``ansinh.documents.pdf`` brings the DejaVu fonts.
"""

from __future__ import annotations

from ansinh.areas.offices import office_name
from ansinh.core.money import format_vnd
from ansinh.documents.pdf import BLUE, DARK, GREY, Document

from .words import OFFERS, PRIORITIES, REASONS

BOXES = ["Đã đến", "Vắng nhà", "Đã tư vấn", "Đã tham gia", "Từ chối: ..........", "Hẹn lại: ..../..../......"]
MARGIN = 12
WIDTH = 210 - 2 * MARGIN


def offer_line(offer: dict, names: dict[int, str]) -> str:
    who = ", ".join(names.get(pid, str(pid)) for pid in offer.get("person_ids", []))
    text = f"{OFFERS.get(offer['kind'], offer['kind'])} — {who}"
    if offer.get("months") and offer["kind"] != "cashless":
        text += f" — {offer['months']} tháng"
    if offer.get("total_payable") is not None:
        text += f": {format_vnd(offer['total_payable'])}"
    elif offer["kind"] != "cashless":
        text += ": tính tại quầy"
    return text


def walk_list_pdf(target_list, team, rows) -> bytes:
    pdf = Document()
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_margins(MARGIN, 12, MARGIN)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.font(9, color=GREY)
    pdf.cell(WIDTH, 5, office_name(target_list.province_code), new_x="LMARGIN", new_y="NEXT")
    pdf.font(15, bold=True, color=BLUE)
    pdf.cell(
        WIDTH,
        8,
        f"DANH SÁCH ĐI ĐẾN TỪNG HỘ — {team.name if team else 'Tất cả'}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.font(10)
    head = f"{target_list.name} · ngày {target_list.on:%d/%m/%Y} · {len(rows)} hộ"
    if target_list.activity_id:
        head += f" · hoạt động: {target_list.activity.title}"
    pdf.multi_cell(WIDTH, 5, head, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    village = object()
    for n, row in enumerate(rows, start=1):
        name = row.village.name if row.village_id else row.commune.name
        if name != village:
            village = name
            pdf.ln(1)
            pdf.set_fill_color(228, 238, 248)
            pdf.font(12, bold=True, color=BLUE)
            pdf.cell(WIDTH, 7, f"{name} — {row.commune.name}", fill=True, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        _household(pdf, n, row)
    return bytes(pdf.output())


def _household(pdf, n: int, row) -> None:
    members = list(row.members.all())
    if pdf.get_y() + 22 + 5 * len(members) + 5 * len(row.offers) > pdf.h - 14:
        pdf.add_page()
    pdf.font(10.5, bold=True)
    pdf.cell(WIDTH - 50, 6, f"{n}. {row.label}")
    pdf.font(8.5, color=GREY)
    pdf.cell(50, 6, PRIORITIES.get(row.priority, ""), align="R", new_x="LMARGIN", new_y="NEXT")
    if row.address:
        pdf.font(9, color=GREY)
        pdf.cell(WIDTH, 4.5, f"Địa chỉ: {row.address}", new_x="LMARGIN", new_y="NEXT")
    names = {}
    for m in members:
        person = m.person
        names[person.pk] = person.full_name
        pdf.font(9.5)
        text = f"☐ {person.full_name} ({person.birth_date_display}) — " + ", ".join(
            REASONS.get(r, r) for r in m.reasons
        )
        if m.card_valid_to:
            text += f"; thẻ đến {m.card_valid_to:%d/%m/%Y}"
        if m.do_not_contact:
            text += " — không gửi tin nhắn"
        pdf.set_x(MARGIN + 4)
        pdf.multi_cell(WIDTH - 4, 4.8, text, new_x="LMARGIN", new_y="NEXT")
    for offer in row.offers:
        pdf.font(9.5, bold=True, color=DARK)
        pdf.set_x(MARGIN + 4)
        pdf.multi_cell(WIDTH - 4, 4.8, "→ " + offer_line(offer, names), new_x="LMARGIN", new_y="NEXT")
    pdf.font(9)
    pdf.set_x(MARGIN + 4)
    pdf.cell(WIDTH - 4, 6, "   ".join(f"☐ {b}" for b in BOXES), new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(190, 190, 190)
    pdf.line(MARGIN, pdf.get_y() + 1, MARGIN + WIDTH, pdf.get_y() + 1)
    pdf.ln(3)
