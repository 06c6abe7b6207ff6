"""VietQR: the EMVCo merchant-presented QR payload that Vietnamese banking apps read (NAPAS 247 transfers).

A payload is a sequence of ID (2 digits) + length (2 digits) + value fields; field 38 carries the NAPAS GUID,
the beneficiary bank's BIN and account and the service code; field 54 the amount in đồng; field 62/08 the
transfer's purpose (our payment reference, which the office reconciles against); field 63 a CRC-16/CCITT-FALSE
over everything before it, including "6304". (EMVCo QR Code Specification for Payment Systems, Merchant-
Presented Mode; NAPAS VietQR specification.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
_REFERENCE = re.compile(r"^[A-Z0-9 ]{1,25}$")


class VietQRError(ValueError):
    pass


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


@dataclass(frozen=True)
class VietQR:
    bank_bin: str
    account: str
    amount: int
    reference: str

    def payload(self) -> str:
        if not re.fullmatch(r"[0-9]{6}", self.bank_bin):
            raise VietQRError("a bank BIN has 6 digits")
        if not re.fullmatch(r"[0-9A-Za-z]{1,19}", self.account):
            raise VietQRError("an account number has 1 to 19 letters or digits")
        if not isinstance(self.amount, int) or self.amount <= 0:
            raise VietQRError("the amount is a positive whole number of đồng")
        if not _REFERENCE.match(self.reference):
            raise VietQRError("the reference has 1 to 25 capital letters, digits or spaces")
        beneficiary = _field("00", self.bank_bin) + _field("01", self.account)
        merchant = _field("00", NAPAS_GUID) + _field("01", beneficiary) + _field("02", SERVICE_TO_ACCOUNT)
        body = (
            _field("00", "01")
            + _field("01", "12")  # dynamic: the QR is for one payment of this amount
            + _field("38", merchant)
            + _field("53", CURRENCY_VND)
            + _field("54", str(self.amount))
            + _field("58", "VN")
            + _field("62", _field("08", self.reference))
            + "6304"
        )
        return body + f"{crc16_ccitt(body.encode('ascii')):04X}"


def parse_fields(payload: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    i = 0
    while i < len(payload):
        if i + 4 > len(payload):
            raise VietQRError("the payload ends inside a field header")
        tag, length = payload[i : i + 2], payload[i + 2 : i + 4]
        if not (tag.isdigit() and length.isdigit()):
            raise VietQRError(f"malformed field header at position {i}")
        end = i + 4 + int(length)
        if end > len(payload):
            raise VietQRError(f"field {tag} runs past the end of the payload")
        fields[tag] = payload[i + 4 : end]
        i = end
    return fields


def parse(payload: str) -> VietQR:
    """Reads a VietQR payload back, checking its structure and CRC."""
    payload = (payload or "").strip()
    if not payload.isascii():
        raise VietQRError("a VietQR payload has only ASCII characters")
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise VietQRError("the payload does not end with a CRC field")
    expected = f"{crc16_ccitt(payload[:-4].encode('ascii')):04X}"
    if payload[-4:].upper() != expected:
        raise VietQRError("the CRC does not match: the payload was altered or mistyped")
    fields = parse_fields(payload)
    merchant = parse_fields(fields.get("38", ""))
    if merchant.get("00") != NAPAS_GUID:
        raise VietQRError("not a NAPAS VietQR payload")
    beneficiary = parse_fields(merchant.get("01", ""))
    if fields.get("53") != CURRENCY_VND or "54" not in fields:
        raise VietQRError("the payload has no amount in đồng")
    additional = parse_fields(fields.get("62", ""))
    try:
        amount = int(fields["54"])
    except ValueError:
        raise VietQRError("the amount is not a whole number of đồng") from None
    return VietQR(beneficiary.get("00", ""), beneficiary.get("01", ""), amount, additional.get("08", ""))
