"""Printed documents: the text layer keeps Vietnamese intact, and the QR code printed on a card decodes, with
a real decoder, to a token that verifies. Set ANSINH_SHOTS_DIR to keep PNG renderings of each page."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone
from pypdf import PdfReader

from ansinh.cards import pdf, signing
from ansinh.cards.services import card_issue
from ansinh.payments import pdf as payment_pdf
from ansinh.payments.models import DayClose


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def page_sizes_mm(content: bytes) -> list[tuple[float, float]]:
    return [
        (round(float(p.mediabox.width) * 25.4 / 72, 1), round(float(p.mediabox.height) * 25.4 / 72, 1))
        for p in PdfReader(io.BytesIO(content)).pages
    ]


def images(content: bytes, name: str, scale: float = 300 / 72):
    """Each page as a PIL image at 300 dpi (kept as PNG when ANSINH_SHOTS_DIR is set)."""
    document = pypdfium2.PdfDocument(content)
    shots = os.environ.get("ANSINH_SHOTS_DIR")
    out = []
    for i in range(len(document)):
        image = document[i].render(scale=scale).to_pil()
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            image.save(Path(shots) / f"{name}-{i + 1}.png")
        out.append(image)
    return out


def qr_texts(image) -> list[str]:
    """The card tokens read from an image. On a page of ten dense codes the decoder now and then also reports a
    short phantom "code" (seen: '7486') made of modules of its neighbours; a token always has its signature after a
    dot, so only those count."""
    found = [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return [t for t in found if "." in t]


@pytest.fixture
def huyen_card(agent, make_coverage):
    coverage = make_coverage(full_name="Nguyễn Thị Huyền", sex="f", birth_date="1997-03-12")
    return card_issue(actor=agent, coverage=coverage)


def test_a_card_is_bank_card_size_with_the_name_and_facts_in_its_text(huyen_card):
    content = pdf.card_pdf([huyen_card])
    assert page_sizes_mm(content) == [(85.6, 54.0)]
    text = text_of(content)
    assert "THẺ BẢO HIỂM Y TẾ" in text
    assert "NGUYỄN THỊ HUYỀN" in text  # printed in capitals, as on the national card
    assert huyen_card.number in text and "12/03/1997" in text and "Nữ" in text
    assert "13/05/2025 – 12/05/2026" in text
    assert "BHXH tỉnh Lào Cai" in text


def test_the_qr_code_on_a_printed_card_decodes_to_its_token_which_verifies(huyen_card):
    [image] = images(pdf.card_pdf([huyen_card]), "card")
    assert qr_texts(image) == [huyen_card.token]
    result = signing.verify_token(qr_texts(image)[0])
    assert result["valid"] is True and result["name"] == "Nguyễn Thị Huyền"


def test_the_qr_code_still_reads_at_office_printer_resolution(huyen_card):
    [image] = images(pdf.card_pdf([huyen_card]), "card-150dpi", scale=150 / 72)
    assert qr_texts(image) == [huyen_card.token]


def test_a_batch_prints_ten_cards_to_an_a4_page_and_every_code_reads(agent, make_coverage):
    cards = [card_issue(actor=agent, coverage=make_coverage()) for _ in range(12)]
    content = pdf.cards_pdf_a4(cards)
    assert page_sizes_mm(content) == [(210.0, 297.0), (210.0, 297.0)]
    first, second = images(content, "batch-a4")
    assert sorted(qr_texts(first)) == sorted(c.token for c in cards[:10])
    assert sorted(qr_texts(second)) == sorted(c.token for c in cards[10:])
    text = text_of(content)
    assert all(c.coverage.person.full_name.upper() in text for c in cards)


def test_one_card_per_page_for_a_card_printer(agent, make_coverage):
    cards = [card_issue(actor=agent, coverage=make_coverage()) for _ in range(3)]
    assert len(page_sizes_mm(pdf.card_pdf(cards))) == 3


def test_a_long_name_shrinks_to_fit_the_card(agent, make_coverage):
    name = "Tôn Nữ Hoàng Thị Phương Thảo Nguyễn Ngọc"
    card = card_issue(actor=agent, coverage=make_coverage(full_name=name))
    content = pdf.card_pdf([card])
    assert name.upper() in text_of(content)
    assert qr_texts(images(content, "card-long-name")[0]) == [card.token]


@pytest.fixture
def family_receipt(agent, communes, make_receipt):
    from factories import make_person

    people = [
        make_person(agent, area_code=communes["a"].code, full_name="Nguyễn Thị Huyền", sex="f"),
        make_person(agent, area_code=communes["a"].code, full_name="Trần Văn Đức", sex="m"),
        make_person(agent, area_code=communes["a"].code, full_name="Trần Ngọc Ánh", sex="f"),
    ]
    return make_receipt(people, [631_800, 442_260, 189_540])


@pytest.mark.parametrize(
    "paper, size", [("a5", (148.0, 210.0)), ("a6", (105.0, 148.0)), ("80mm", (80.0, None))]
)
def test_a_receipt_prints_on_each_paper_with_the_amount_in_figures_and_words(family_receipt, paper, size):
    content = payment_pdf.receipt_pdf(family_receipt, paper=paper)
    [(width, height)] = page_sizes_mm(content)
    assert width == size[0]
    if size[1]:
        assert height == size[1]
    else:
        assert 100 < height < 250  # a roll is cut where the receipt ends
    text = " ".join(text_of(content).split())
    assert "BIÊN LAI THU TIỀN" in text
    assert f"Số: {family_receipt.number:07d}" in text and "BL25" in text
    assert "1.263.600 ₫" in text
    assert "Một triệu hai trăm sáu mươi ba nghìn sáu trăm đồng" in text
    for name in ("Nguyễn Thị Huyền", "Trần Văn Đức", "Trần Ngọc Ánh"):
        assert name in text
    assert "631.800 ₫" in text and "BHYT hộ gia đình" in text and "13/05/2025 – 12/05/2026" in text
    assert "Tiền mặt" in text and "13/05/2025" in text
    assert "ĐÃ HUỶ" not in text
    images(content, f"receipt-{paper}")


def test_a_void_receipt_carries_the_stamp_and_the_reason(family_receipt):
    family_receipt.voided_at = timezone.now()
    family_receipt.void_reason = "Ghi sai số tiền"
    family_receipt.save()
    for paper in ("a5", "80mm"):
        content = payment_pdf.receipt_pdf(family_receipt, paper=paper)
        text = " ".join(text_of(content).split())
        assert "ĐÃ HUỶ" in text and "Ghi sai số tiền" in text
        images(content, f"receipt-void-{paper}")


def test_an_unknown_paper_is_refused(family_receipt):
    with pytest.raises(ValueError):
        payment_pdf.receipt_pdf(family_receipt, paper="letter")


def test_the_handover_sheet_lists_the_days_receipts_and_the_cash(
    family_receipt, agent, point, make_receipt, communes
):
    from factories import make_person

    other = make_receipt(
        [make_person(agent, area_code=communes["a"].code, full_name="Lò Văn Páo")],
        [1_105_650],
        method="bank_transfer",
    )
    other.voided_at, other.void_reason = timezone.now(), "Trùng"
    other.save()
    close = DayClose.objects.create(  # the day the money was taken: the receipts were issued today
        point=point,
        agent=agent,
        day=timezone.localdate(),
        receipts=2,
        voided=1,
        cash_expected=1_263_600,
        cash_counted=1_263_000,
        transfers=0,
        received_by="Phạm Thu Trang",
        province_code=point.province_code,
    )
    content = payment_pdf.handover_pdf(close)
    assert page_sizes_mm(content) == [(210.0, 297.0)]
    text = " ".join(text_of(content).split())
    assert "BIÊN BẢN BÀN GIAO TIỀN THU" in text
    assert family_receipt.display_number in text and other.display_number in text
    assert "Nguyễn Thị Huyền" in text and "Lò Văn Páo" in text and "ĐÃ HUỶ" in text
    assert "1.263.600 ₫" in text and "1.263.000 ₫" in text and "-600 ₫" in text
    assert "Người nộp" in text and "Người nhận" in text and "Phạm Thu Trang" in text
    images(content, "handover")


@pytest.mark.parametrize("paper", ["a5", "a6", "80mm"])
def test_a_receipt_shows_the_cash_given_and_the_change_on_one_page(family_receipt, paper):
    family_receipt.tendered = 1_500_000
    family_receipt.save(update_fields=["tendered"])
    content = payment_pdf.receipt_pdf(family_receipt, paper=paper)
    assert len(page_sizes_mm(content)) == 1  # the two lines do not push the signatures onto a second page
    text = " ".join(text_of(content).split())
    assert "Tiền khách đưa: 1.500.000 ₫" in text and "Tiền thừa trả lại: 236.400 ₫" in text
    images(content, f"receipt-change-{paper}")
