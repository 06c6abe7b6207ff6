"""A long name never runs off a card nor over an amount (issue 15): Document.fit_lines keeps every line inside its
width — one line while a readable size allows, then two at the largest size that fits, then an ellipsis — and the
card and the 80 mm receipt print the whole of a 58-character name."""

import io

from pypdf import PdfReader

from ansinh.cards.models import Card
from ansinh.cards.pdf import card_pdf
from ansinh.documents.pdf import Document
from ansinh.enrollment.services import enrollment_create
from ansinh.payments.models import Receipt
from ansinh.payments.pdf import receipt_pdf
from factories import make_person, make_point, make_user

LONG = "Nguyễn Hoàng Thị Phương Thảo Minh Châu Ngọc Anh Bảo Khánh"


def test_every_line_stays_inside_its_width():
    pdf = Document()
    pdf.add_page()
    assert pdf.fit_lines("Lò Văn Minh", 60, 8.5) == (8.5, ["Lò Văn Minh"])
    size, lines = pdf.fit_lines(LONG, 45, 8.5, bold=True, minimum=5.0)
    assert len(lines) == 2 and " ".join(lines) == LONG
    pdf.set_font("DejaVu", "B", size)
    assert all(pdf.get_string_width(line) <= 45 for line in lines)
    size, lines = pdf.fit_lines(LONG * 3, 30, 8.5, minimum=5.0)
    assert len(lines) == 2 and lines[-1].endswith("…")
    pdf.set_font("DejaVu", "", size)
    assert all(pdf.get_string_width(line) <= 30 for line in lines)


def _text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def test_the_card_and_the_receipt_print_a_long_name_whole(communes, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    make_point(area=communes["a"], agents=[agent])
    person = make_person(
        agent, area_code=communes["a"].code, full_name=LONG, sex="f", birth_date="1980-01-01"
    )
    enrollment, _ = enrollment_create(
        actor=agent, idempotency_key="long-name-1", scheme="hi_household", person_ids=[person.pk]
    )
    receipt = _text(receipt_pdf(Receipt.objects.get(enrollment=enrollment), "80mm"))
    assert LONG in receipt and "…" not in receipt
    card = _text(card_pdf(list(Card.objects.filter(coverage__enrollment=enrollment))))
    assert LONG.upper() in card and "…" not in card
