"""VietQR payloads: built, read back, CRC checked (a published CRC check value and property tests)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansinh.payments.vietqr import VietQR, VietQRError, crc16_ccitt, parse


def test_the_crc_is_crc16_ccitt_false():
    assert crc16_ccitt(b"123456789") == 0x29B1  # the standard check value of CRC-16/CCITT-FALSE


def test_a_payload_carries_bank_account_amount_and_reference():
    payload = VietQR("970436", "0011004321", 1263600, "ANSINH 000123").payload()
    assert payload.startswith("000201010212")
    assert "5303704" in payload and "540712636005802VN" in payload
    assert parse(payload) == VietQR("970436", "0011004321", 1263600, "ANSINH 000123")


@given(
    st.from_regex(r"\A[0-9]{6}\Z"),
    st.from_regex(r"\A[0-9]{6,19}\Z"),
    st.integers(min_value=1, max_value=10**12),
    st.from_regex(r"\A[A-Z0-9]{1,25}\Z"),
)
def test_every_payload_reads_back_to_what_was_written(bin_, account, amount, reference):
    qr = VietQR(bin_, account, amount, reference)
    assert parse(qr.payload()) == qr


def test_an_altered_amount_is_caught_by_the_crc():
    payload = VietQR("970436", "0011004321", 1263600, "ANSINH 1").payload()
    tampered = payload.replace("1263600", "1263000")
    with pytest.raises(VietQRError, match="CRC"):
        parse(tampered)


@pytest.mark.parametrize("payload", ["", "hello", "0002016304ABCD", "000201" + "6304" + "0000"])
def test_malformed_payloads_are_refused(payload):
    with pytest.raises(VietQRError):
        parse(payload)
