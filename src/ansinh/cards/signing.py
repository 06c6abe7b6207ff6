"""Signed card tokens: what a card's QR code carries, verifiable offline with the office's public key.

Token = base64url(compact JSON payload, sorted keys) + "." + base64url(Ed25519 signature of those JSON bytes),
both without padding. Payload keys are one or two letters to keep the QR small (a ~2 cm code on the card):

    v   format version (1)
    n   card number: the 10-digit SI number
    nm  full name, as printed
    b   birth date, as printed (dd/mm/yyyy, mm/yyyy or yyyy)
    f   valid from, ISO date
    t   valid to, ISO date
    kcb the registered primary-care facility's code (nơi đăng ký KCB ban đầu); absent on cards made before it
    k   key id: the first 8 hex digits of SHA-256 of the raw 32-byte public key
    i   the day the card was signed, ISO date (only on cards a field kit signed, below)

A card signed by a field kit (a laptop working offline, ADR 0027) is signed with the kit's own key, which the
office certified. Its token carries that certificate after the signature, so that whoever holds only the office's
public key can check it: ``body.signature.certificate-body.certificate-signature``. The certificate's body is
compact JSON signed with the office key:

    v   format version (1)
    kit the kit's number at the office
    p   the kit's raw 32-byte public key, base64url
    a   the area codes the kit was issued for
    f   valid from, ISO date
    t   valid to, ISO date
    k   the office key's id

The kit key's private half lives in the kit's keys directory as ``card-signing.key``, beside its certificate
``card-signing.cert``: a kit signs with its own key and attaches the certificate by itself.

The private key never enters the database: it lives in the keys directory (``ANSINH_KEYS_DIR``, else
``settings.ANSINH_KEYS_DIR``, else ``VAR_DIR/keys``) as ``card-signing.key`` (PEM, mode 0600) beside
``card-signing.pub``. Older public keys kept there as ``*.pub`` still verify the cards they signed (key rotation).

This module does not touch the database and never raises on a bad token: ``verify_token`` answers
``{"valid": False, "reason": <code>}`` instead, with ``reason`` one of ``REASONS``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

logger = logging.getLogger(__name__)

PRIVATE_NAME = "card-signing.key"
PUBLIC_NAME = "card-signing.pub"
VERSION = 1
MAX_TOKEN_LENGTH = 2000  # anything longer is not one of ours (a kit's card with its certificate: ~700)

# reason code -> English text (the doors translate it; see views.py / api.py)
REASONS = {
    "malformed": "The text is not a card code.",
    "unsupported_version": "The card code has a format this version does not know.",
    "unknown_key": "The card was signed with a key this office does not know.",
    "bad_signature": "The signature does not match: the card was altered or forged.",
    "revoked": "The card was cancelled (its payment was voided).",
    "outside_certificate": "The card was signed by a field kit outside the days its key was certified for.",
    "revoked_kit": "The card was signed by a field kit after the kit was revoked.",
}
CERTIFICATE_NAME = "card-signing.cert"


class KeyExistsError(Exception):
    """Raised by ``keys_init`` when a key exists and ``force`` is not given."""


def keys_dir() -> Path:
    env = os.environ.get("ANSINH_KEYS_DIR")
    if env:
        return Path(env)
    from django.conf import settings

    configured = getattr(settings, "ANSINH_KEYS_DIR", None)
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "keys"


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:8]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def keys_init(directory: Path | str | None = None, *, force: bool = False) -> str:
    """Write a new signing key pair and return its key id. Refuses to replace an existing key unless ``force``
    (a replaced key's public half is kept as ``<key id>.pub`` so that cards already printed still verify)."""
    directory = Path(directory) if directory is not None else keys_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_path, public_path = directory / PRIVATE_NAME, directory / PUBLIC_NAME
    if private_path.exists() and not force:
        raise KeyExistsError(f"a signing key already exists in {directory}; use --force to replace it")
    if private_path.exists():
        try:
            old = _load_private(private_path)
            (directory / f"{key_id_of(old.public_key())}.pub").write_bytes(public_pem(old.public_key()))
        except (ValueError, TypeError):
            logger.warning("the old signing key in %s could not be read; it is replaced", directory)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Write beside, then rename: a reader never sees half a key, and the mode is 0600 from the start.
    tmp = directory / f".{PRIVATE_NAME}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(tmp, 0o600)
    if force:
        os.replace(tmp, private_path)
    else:
        try:
            os.link(tmp, private_path)  # fails if another process created the key meanwhile
        except FileExistsError:
            os.unlink(tmp)
            raise KeyExistsError(f"a signing key already exists in {directory}") from None
        os.unlink(tmp)
    public_path.write_bytes(public_pem(key.public_key()))
    _cache.clear()
    return key_id_of(key.public_key())


def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} is not an Ed25519 key")
    return key


def _load_public(data: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError("not an Ed25519 public key")
    return key


# Loaded keys, by path and modification time: issuing a thousand cards reads the key file once.
_cache: dict[tuple, object] = {}


def _stamp(path: Path) -> tuple:
    try:
        st = path.stat()
    except FileNotFoundError:
        return (str(path), None)
    return (str(path), st.st_mtime_ns, st.st_size)


def signing_key(*, create: bool | None = None) -> tuple[Ed25519PrivateKey, str]:
    """The office's private key and its id. With ``create`` (by default the setting ANSINH_CREATE_SIGNING_KEY: on a
    laptop, not in production), a missing key is generated (first run) and logged."""
    if create is None:
        from django.conf import settings

        create = getattr(settings, "ANSINH_CREATE_SIGNING_KEY", True)
    directory = keys_dir()
    path = directory / PRIVATE_NAME
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no signing key in {directory}; run `ansinh keys init`")
        try:
            key_id = keys_init(directory)
            logger.warning(
                "no card-signing key was found: a new one (%s) was generated in %s", key_id, directory
            )
        except KeyExistsError:
            pass  # another process made it first
    stamp = ("private", *_stamp(path))
    cached = _cache.get(stamp)
    if cached is None:
        key = _load_private(path)
        cached = (key, key_id_of(key.public_key()))
        _cache[stamp] = cached
    return cached  # type: ignore[return-value]


def public_keys(directory: Path | None = None) -> dict[str, Ed25519PublicKey]:
    """Every public key this office knows (the current one and kept older ones), by key id."""
    directory = directory or keys_dir()
    stamp = (
        "public",
        str(directory),
        tuple(sorted(_stamp(p) for p in directory.glob("*.pub"))),
        _stamp(directory / PRIVATE_NAME),
    )
    cached = _cache.get(stamp)
    if cached is not None:
        return cached  # type: ignore[return-value]
    keys: dict[str, Ed25519PublicKey] = {}
    for p in sorted(directory.glob("*.pub")):
        try:
            key = _load_public(p.read_bytes())
        except (ValueError, TypeError):
            logger.warning("ignoring %s: not an Ed25519 public key", p)
            continue
        keys[key_id_of(key)] = key
    private = directory / PRIVATE_NAME
    if not keys and private.exists():  # a public half lost: derive it
        key = _load_private(private).public_key()
        keys[key_id_of(key)] = key
    _cache[stamp] = keys
    return keys


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    if not text or any(c not in _B64URL for c in text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64e(data) != text:  # unused trailing bits set: another spelling of the same bytes, refused
        raise ValueError("not canonical base64url")
    return data


def b64e(data: bytes) -> str:
    """base64url without padding, as the tokens write it (a field kit's exported journal signs with it too)."""
    return _b64e(data)


def b64d(text: str) -> bytes:
    return _b64d(text)


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def card_payload(
    *, number: str, name: str, birth_date: str, valid_from: str, valid_to: str, facility: str | None = None
) -> dict:
    payload = {"v": VERSION, "n": number, "nm": name, "b": birth_date, "f": valid_from, "t": valid_to}
    if facility:
        payload["kcb"] = facility
    return payload


def sign_card(
    payload: dict,
    *,
    private_key: Ed25519PrivateKey | None = None,
    certificate: str | None = None,
    signed_on: str | None = None,
) -> str:
    """Sign a card payload (keys as in the module docstring; ``v`` and ``k`` are filled in). With no key given,
    the keys directory's key signs, and its certificate (a field kit's) is attached when there is one."""
    if private_key is None:
        private_key, key_id = signing_key()
        certificate = kit_certificate()
    else:
        key_id = key_id_of(private_key.public_key())
    body_fields = {**payload, "v": VERSION, "k": key_id}
    if certificate:
        if signed_on is None:
            import datetime as dt

            signed_on = dt.date.today().isoformat()
        body_fields["i"] = signed_on
    body = _canonical(body_fields)
    token = f"{_b64e(body)}.{_b64e(private_key.sign(body))}"
    return f"{token}.{certificate}" if certificate else token


def kit_certificate(directory: Path | None = None) -> str | None:
    """The certificate of this machine's key when it is a field kit's, else None."""
    path = (directory or keys_dir()) / CERTIFICATE_NAME
    stamp = ("certificate", *_stamp(path))
    if stamp not in _cache:
        _cache[stamp] = path.read_text().strip() if path.exists() else None
    return _cache[stamp]  # type: ignore[return-value]


def raw_public_key(public_key: Ed25519PublicKey) -> str:
    return _b64e(public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def certify(
    *,
    kit: int,
    public_key: str,
    areas: list[str],
    valid_from: str,
    valid_to: str,
    private_key: Ed25519PrivateKey | None = None,
) -> str:
    """The office's certificate of a field kit's public key (``public_key``: raw, base64url), signed with the
    office key. Raises ValueError when ``public_key`` is not an Ed25519 public key."""
    try:
        raw = _b64d(public_key)
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError):
        raise ValueError("not an Ed25519 public key") from None
    if private_key is None:
        private_key, office_key_id = signing_key()
    else:
        office_key_id = key_id_of(private_key.public_key())
    body = _canonical(
        {
            "v": VERSION,
            "kit": kit,
            "p": public_key,
            "a": list(areas),
            "f": valid_from,
            "t": valid_to,
            "k": office_key_id,
        }
    )
    return f"{_b64e(body)}.{_b64e(private_key.sign(body))}"


def certificate_read(certificate: str, known: dict[str, Ed25519PublicKey]) -> dict | None:
    """The certificate's fields when an office key in ``known`` signed it, else None (never raises)."""
    try:
        body_text, signature_text = certificate.split(".")
        body, signature = _b64d(body_text), _b64d(signature_text)
        fields = json.loads(body.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(fields, dict) or fields.get("v") != VERSION or len(signature) != 64:
        return None
    key_id = fields.get("k")
    office = known.get(key_id) if isinstance(key_id, str) else None
    if office is None:
        return None
    try:
        office.verify(signature, body)
        key = Ed25519PublicKey.from_public_bytes(_b64d(fields["p"]))
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return None
    if not (isinstance(fields.get("kit"), int) and all(isinstance(fields.get(k), str) for k in ("f", "t"))):
        return None
    return {**fields, "key": key}


def _invalid(reason: str) -> dict:
    return {"valid": False, "reason": reason}


def verify_token(token, public_key: Ed25519PublicKey | bytes | str | None = None) -> dict:
    """Check a token offline. Never raises on bad input.

    ``public_key``: an Ed25519 public key (object or PEM) to check against; by default every public key in the
    keys directory. Returns ``{"valid": True, "number", "name", "birth_date", "valid_from", "valid_to",
    "key_id"}`` or ``{"valid": False, "reason": <a REASONS code>}``."""
    if not isinstance(token, str):
        return _invalid("malformed")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") not in (1, 3):
        return _invalid("malformed")
    body_text, signature_text, *certificate_parts = token.split(".")
    try:
        body, signature = _b64d(body_text), _b64d(signature_text)
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return _invalid("malformed")
    if not isinstance(payload, dict) or len(signature) != 64:
        return _invalid("malformed")
    if payload.get("v") != VERSION:
        return _invalid("unsupported_version")
    fields = ("n", "nm", "b", "f", "t", "k")
    if not all(isinstance(payload.get(k), str) for k in fields):
        return _invalid("malformed")
    if "kcb" in payload and not isinstance(payload["kcb"], str):
        return _invalid("malformed")
    if public_key is not None:
        try:
            key = (
                public_key
                if isinstance(public_key, Ed25519PublicKey)
                else _load_public(public_key.encode() if isinstance(public_key, str) else public_key)
            )
        except (ValueError, TypeError):
            return _invalid("unknown_key")
        known = {key_id_of(key): key}
    else:
        try:
            known = public_keys()
        except OSError:
            known = {}
    kit = None
    if certificate_parts:  # signed by a field kit: its key comes from the certificate the office signed
        certificate = certificate_read(".".join(certificate_parts), known)
        if certificate is None:
            return _invalid("unknown_key")
        if key_id_of(certificate["key"]) != payload["k"] or not isinstance(payload.get("i"), str):
            return _invalid("bad_signature")
        found, kit = certificate["key"], certificate
    else:
        found = known.get(payload["k"])
    if found is None:
        return _invalid("unknown_key")
    key = found
    try:
        key.verify(signature, body)
    except InvalidSignature:
        return _invalid("bad_signature")
    if kit is not None and not kit["f"] <= payload["i"] <= kit["t"]:
        return _invalid("outside_certificate")
    extra = {} if kit is None else {"kit": kit["kit"], "signed_on": payload["i"]}
    return {
        **extra,
        "valid": True,
        "number": payload["n"],
        "name": payload["nm"],
        "birth_date": payload["b"],
        "valid_from": payload["f"],
        "valid_to": payload["t"],
        "facility_code": payload.get("kcb"),
        "key_id": payload["k"],
    }
