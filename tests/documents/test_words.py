"""Amounts in Vietnamese words, as a receipt writes them."""

import pytest

from ansinh.documents.words import number_in_words, vnd_in_words


@pytest.mark.parametrize(
    "amount, words",
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (11, "Mười một đồng"),
        (15, "Mười lăm đồng"),
        (20, "Hai mươi đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi bốn đồng"),
        (25, "Hai mươi lăm đồng"),
        (101, "Một trăm linh một đồng"),
        (105, "Một trăm linh năm đồng"),
        (110, "Một trăm mười đồng"),
        (115, "Một trăm mười lăm đồng"),
        (1_000, "Một nghìn đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (1_010, "Một nghìn không trăm mười đồng"),
        (1_263_600, "Một triệu hai trăm sáu mươi ba nghìn sáu trăm đồng"),
        (1_000_005, "Một triệu không trăm linh năm đồng"),
        (10_000_000, "Mười triệu đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (2_001_000_000, "Hai tỷ không trăm linh một triệu đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
    ],
)
def test_an_amount_reads_as_a_receipt_writes_it(amount, words):
    assert vnd_in_words(amount) == words


def test_a_one_after_mười_stays_một_but_after_mươi_becomes_mốt():
    assert number_in_words(11) == "mười một"
    assert number_in_words(31) == "ba mươi mốt"
    assert number_in_words(1_021) == "một nghìn không trăm hai mươi mốt"


def test_a_five_after_linh_stays_năm():
    assert number_in_words(205) == "hai trăm linh năm"
    assert number_in_words(5_000_005) == "năm triệu không trăm linh năm"


def test_only_integers_are_read():
    with pytest.raises(TypeError):
        vnd_in_words(1.5)  # type: ignore[arg-type]
