"""Signed card tokens: a genuine card verifies; any change, another key or garbage does not, and nothing raises."""

import base64
import json
import logging
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ansinh.cards import signing

PAYLOAD = signing.card_payload(
    number="1512345678",
    name="Nguyễn Thị Huyền",
    birth_date="12/03/1997",
    valid_from="2025-05-13",
    valid_to="2026-05-12",
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def token(keys_dir):
    signing.keys_init(keys_dir)
    return signing.sign_card(PAYLOAD)


def test_a_genuine_token_verifies_with_the_card_facts(token, keys_dir):
    result = signing.verify_token(token)
    assert result == {
        "valid": True,
        "number": "1512345678",
        "name": "Nguyễn Thị Huyền",
        "birth_date": "12/03/1997",
        "valid_from": "2025-05-13",
        "valid_to": "2026-05-12",
        "facility_code": None,  # a card made before facilities were carried verifies unchanged
        "key_id": signing.key_id_of(signing.signing_key()[0].public_key()),
    }
    assert len(result["key_id"]) == 8


def test_the_payload_is_compact_json_with_sorted_keys(token):
    body = _unb64(token.split(".")[0])
    payload = json.loads(body)
    assert set(payload) == {"v", "n", "nm", "b", "f", "t", "k"} and payload["v"] == 1
    assert body == json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_a_token_is_short_enough_for_a_small_qr_code(keys_dir):
    signing.keys_init(keys_dir)
    long_name = signing.card_payload(
        number="1512345678",
        name="Hoàng Thị Phương Thảo Nguyễn",
        birth_date="12/03/1997",
        valid_from="2025-05-13",
        valid_to="2026-05-12",
    )
    assert len(signing.sign_card(long_name)) < 300


def test_flipping_any_byte_of_the_payload_makes_it_invalid(token):
    body_text, signature_text = token.split(".")
    body = _unb64(body_text)
    for i in range(len(body)):
        changed = bytearray(body)
        changed[i] ^= 0x01
        result = signing.verify_token(f"{_b64(bytes(changed))}.{signature_text}")
        assert result["valid"] is False, i
        assert result["reason"] in {"bad_signature", "malformed", "unsupported_version", "unknown_key"}


def test_flipping_any_byte_of_the_signature_makes_it_invalid(token):
    body_text, signature_text = token.split(".")
    signature = _unb64(signature_text)
    for i in range(len(signature)):
        changed = bytearray(signature)
        changed[i] ^= 0x80
        assert signing.verify_token(f"{body_text}.{_b64(bytes(changed))}") == {
            "valid": False,
            "reason": "bad_signature",
        }


def test_changing_any_character_of_the_token_makes_it_invalid(token):
    for i, c in enumerate(token):
        replacement = "A" if c != "A" else "B"
        assert signing.verify_token(token[:i] + replacement + token[i + 1 :])["valid"] is False, i


def test_a_changed_name_with_the_old_signature_is_refused(token):
    body_text, signature_text = token.split(".")
    payload = json.loads(_unb64(body_text))
    payload["nm"] = "Nguyễn Thị Huyên"
    forged = _b64(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    assert signing.verify_token(f"{forged}.{signature_text}") == {"valid": False, "reason": "bad_signature"}


def test_a_token_signed_by_another_key_is_refused(token):
    other = Ed25519PrivateKey.generate()
    assert signing.verify_token(signing.sign_card(PAYLOAD, private_key=other)) == {
        "valid": False,
        "reason": "unknown_key",
    }
    # another key claiming to be the office's key
    office_id = signing.verify_token(token)["key_id"]
    body = json.dumps(
        {**PAYLOAD, "k": office_id}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    forged = f"{_b64(body)}.{_b64(other.sign(body))}"
    assert signing.verify_token(forged) == {"valid": False, "reason": "bad_signature"}


def test_a_given_public_key_is_the_only_one_trusted(token):
    other = Ed25519PrivateKey.generate()
    assert signing.verify_token(token, public_key=other.public_key()) == {
        "valid": False,
        "reason": "unknown_key",
    }
    office = signing.signing_key()[0].public_key()
    assert signing.verify_token(token, public_key=office)["valid"] is True
    pem = (signing.keys_dir() / signing.PUBLIC_NAME).read_bytes()
    assert signing.verify_token(token, public_key=pem)["valid"] is True


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        ".",
        "..",
        "abc",
        "abc.def",
        "a.b.c",
        "!!!.???",
        "eyJ2IjoxfQ.",
        ".AAAA",
        "é.é",
        "x" * 5000,
        _b64(b"not json") + "." + _b64(b"\0" * 64),
        _b64(b"[1,2]") + "." + _b64(b"\0" * 64),
        _b64(b'{"v":2}') + "." + _b64(b"\0" * 64),
        _b64(b'{"v":1,"n":1}') + "." + _b64(b"\0" * 64),
        _b64(b"\xff\xfe") + "." + _b64(b"\0" * 64),
        None,
        12345,
        b"bytes.token",
    ],
)
def test_malformed_input_is_invalid_and_never_raises(token, garbage):
    result = signing.verify_token(garbage)
    assert result["valid"] is False and result["reason"] in signing.REASONS


def test_with_no_key_at_all_a_token_is_of_an_unknown_key(keys_dir, token, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "empty"))
    assert signing.verify_token(token) == {"valid": False, "reason": "unknown_key"}


def test_keys_init_writes_a_private_key_only_the_owner_reads(keys_dir):
    key_id = signing.keys_init(keys_dir)
    private, public = keys_dir / signing.PRIVATE_NAME, keys_dir / signing.PUBLIC_NAME
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert len(key_id) == 8 and list(keys_dir.glob("*.tmp")) == []


def test_keys_init_refuses_to_replace_a_key_without_force(keys_dir):
    signing.keys_init(keys_dir)
    before = (keys_dir / signing.PRIVATE_NAME).read_bytes()
    with pytest.raises(signing.KeyExistsError):
        signing.keys_init(keys_dir)
    assert (keys_dir / signing.PRIVATE_NAME).read_bytes() == before


def test_a_forced_new_key_still_verifies_cards_signed_by_the_old_one(token, keys_dir):
    old_id = signing.verify_token(token)["key_id"]
    new_id = signing.keys_init(keys_dir, force=True)
    assert new_id != old_id
    assert signing.verify_token(token)["valid"] is True
    assert signing.verify_token(signing.sign_card(PAYLOAD))["key_id"] == new_id


def test_the_first_card_without_a_key_makes_one_and_says_so(keys_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="ansinh.cards.signing"):
        token = signing.sign_card(PAYLOAD)
    assert (keys_dir / signing.PRIVATE_NAME).exists()
    assert "new one" in caplog.text
    assert signing.verify_token(token)["valid"] is True
