"""The fast QR drawing of card tokens (documents.qr) gives exactly the modules segno gives for the same settings, so
cards issued before and after it print the same code; anything it does not handle itself goes to segno."""

from __future__ import annotations

import random
import string

import numpy as np
import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.cards import pdf, signing
from ansinh.documents import qr

TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_."


def segno_matrix(text: str) -> np.ndarray:
    code = segno.make_qr(text, error=pdf.QR_ERROR, mask=pdf.QR_MASK, boost_error=False)
    return np.array([list(row) for row in code.matrix], dtype=np.uint8)


def segno_path(text: str) -> tuple[int, str]:
    rows = segno_matrix(text)
    parts = []
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                parts.append(f"{start} {r} {c - start} 1 re")
            c += 1
    return len(rows), " ".join(parts)


def test_every_token_length_of_the_first_versions_draws_what_segno_draws():
    rng = random.Random(1)
    for length in range(1, 420):  # versions 1 to 15, every block layout on the way
        token = "e" + "".join(rng.choice(TOKEN_ALPHABET) for _ in range(length - 1))
        assert np.array_equal(qr.matrix(token), segno_matrix(token)), length


def test_a_signed_card_token_gives_segnos_path():
    private_key, _key_id = signing.signing_key()
    token = signing.sign_card(
        signing.card_payload(
            number="1500000065",
            name="Nguyễn Thị Huyền",
            birth_date="12/03/1997",
            valid_from="2026-12-25",
            valid_to="2027-12-24",
        ),
        private_key=private_key,
    )
    assert qr.path(token) == segno_path(token)
    assert pdf.qr_path(token) == qr.path(token)


@pytest.mark.parametrize("text", ["0123456789", "ABC-123 $%", "Nguyễn Văn An", "x" * 2000])
def test_what_is_not_a_short_byte_mode_token_is_left_to_segno(text):
    assert np.array_equal(qr.matrix(text), segno_matrix(text))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=TOKEN_ALPHABET, min_size=1, max_size=1200))
def test_any_token_draws_what_segno_draws(token):
    assert np.array_equal(qr.matrix(token), segno_matrix(token))
