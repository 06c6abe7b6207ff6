"""Vietnamese text as communes hold it: UTF-8 (with or without BOM), Windows-1258 (CP1258), and the pre-Unicode
font encodings TCVN3 (ABC) and VNI (VNI-Windows). Every result is Unicode NFC.

The TCVN3 and VNI tables are data (``data/tcvn3.csv``, ``data/vni.csv``), transcribed from published converters
and checked against each other (docs/adr/0016-import-encodings-and-source-keys.md):

* TCVN3: duydev/vietnamese-conversion ``src/charsets.ts`` and backupvietsoft/HRM ``ConvertVNI/XtraForm1.cs``
  (the same byte for every letter), and GNU libc's ``iconv -f TCVN5712-1`` (same letters; it also gives the five
  combining tone marks at 0xB0–0xB4 that TCVN 5712:1993 places there). TCVN3 has no capital letters with a tone
  mark: ABC "capital" fonts draw the lower-case codes large, so such text comes in lower case (names are
  re-capitalised by the registry).
* VNI: lamdao/xvnkb ``vni.h`` and duydev/vietnamese-conversion ``src/charsets.ts``: a base letter followed by a
  mark byte (``Nguyeãn`` = Nguyễn), and single bytes for ơ ư đ and the marked i's and ỵ.

Detection (``detect``): a BOM or valid UTF-8 wins; otherwise each legacy candidate decodes the bytes and the one
whose words read as Vietnamese syllables best wins, if it reads well enough and clearly better than the next.
Otherwise the file is refused with a message that asks for the encoding to be chosen.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

from ansinh.core.errors import ApplicationError, ErrorCode

DATA_DIR = Path(__file__).resolve().parent / "data"

ENCODINGS = ("utf-8", "cp1258", "tcvn3", "vni")
CHOICES = ("auto", *ENCODINGS)
LEGACY = ("cp1258", "tcvn3", "vni")

# A decoded text must read at least this well (share of its non-ASCII words that are Vietnamese syllables), and
# the best candidate must beat the next one by the margin, or the file is refused as ambiguous.
MIN_SCORE = 0.8
MARGIN = 0.15


@cache
def tcvn3_table() -> dict[int, str]:
    with (DATA_DIR / "tcvn3.csv").open(encoding="utf-8", newline="") as f:
        return {int(row["byte"], 16): chr(int(row["unicode"][2:], 16)) for row in csv.DictReader(f)}


@cache
def vni_table() -> dict[str, str]:
    """VNI byte sequences (as Latin-1 text) -> Unicode."""
    table: dict[str, str] = {}
    with (DATA_DIR / "vni.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            seq = bytes(int(b, 16) for b in row["bytes"].split()).decode("latin-1")
            table[seq] = "".join(chr(int(u[2:], 16)) for u in row["unicode"].split())
    return table


def _decode_tcvn3(data: bytes) -> str:
    table = tcvn3_table()
    out = []
    for i, b in enumerate(data):
        if b < 0x80:
            out.append(chr(b))
        elif b in table:
            out.append(table[b])
        else:
            raise UnicodeDecodeError("tcvn3", data, i, i + 1, "byte not in TCVN3")
    return "".join(out)


@cache
def _vni_pattern() -> re.Pattern[str]:
    keys = sorted(vni_table(), key=len, reverse=True)  # two-byte sequences before single bytes
    return re.compile("|".join(re.escape(k) for k in keys))


def _decode_vni(data: bytes, *, strict: bool = False) -> str:
    """VNI text; a byte that is no part of a VNI letter stays the Latin-1 letter it is, or, ``strict`` (detection),
    makes its word unreadable: a mark byte alone (0xEA after 'y') is not VNI."""
    text = data.decode("latin-1")
    table = vni_table()
    out = _vni_pattern().sub(lambda m: "\x00" + table[m.group(0)], text)  # \x00 marks what the table made
    if not strict:
        return out.replace("\x00", "")
    kept = []
    made = False
    for ch in out:
        if ch == "\x00":
            made = True
            continue
        kept.append(ch if made or ch.isascii() else "\ufffd")
        made = False
    return "".join(kept)


def decode_as(data: bytes, encoding: str) -> str:
    """The bytes in the named encoding, as NFC text; a byte that the encoding lacks raises UnicodeDecodeError."""
    if encoding == "utf-8":
        text = data.decode("utf-8-sig")
    elif encoding == "cp1258":
        text = data.decode("cp1258")  # tone marks come as combining characters: NFC composes them
    elif encoding == "tcvn3":
        text = _decode_tcvn3(data)
    elif encoding == "vni":
        text = _decode_vni(data)
    else:
        raise ValueError(encoding)
    return unicodedata.normalize("NFC", text)


# --- how Vietnamese a text looks -----------------------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_INITIAL = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
_NUCLEUS = (
    "(?:uyê|uyu|uya|iêu|yêu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|ưu|"
    "iê|yê|uô|ươ|ưa|ưi|ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uơ|uy|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y)"
)
_FINAL = "(?:ch|ng|nh|c|k|m|n|p|t)?"  # k: Central Highlands names (Đắk Lắk)
_SYLLABLE = re.compile(f"^{_INITIAL}{_NUCLEUS}{_FINAL}$")
# A word: a run of anything but ASCII spaces, digits and punctuation, so that a stray symbol a wrong encoding
# makes ('¬', '\xad') stays inside the word it spoils instead of splitting it into clean ASCII pieces.
_WORD = re.compile(r"[^\x00-\x40\x5b-\x60\x7b-\x7f]+")


def _is_syllable(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for ch in decomposed if ch in _TONES)
    if tones > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    return bool(_SYLLABLE.match(base))


def vietnamese_score(text: str) -> tuple[float, int]:
    """(share of the words with a non-ASCII letter that are Vietnamese syllables, how many such words)."""
    words = [w for w in _WORD.findall(text) if not w.isascii()]
    if not words:
        return 1.0, 0
    good = sum(1 for w in words if _is_syllable(w))
    return good / len(words), len(words)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the encoding used
    detected: bool  # chosen by detection (False: given by the user)
    scores: dict[str, float]


def decode(data: bytes, encoding: str = "auto") -> Decoded:
    """The file's text as NFC, in the encoding given, or the one detected when ``encoding`` is 'auto'."""
    if encoding not in CHOICES:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("Unknown encoding %(name)s; choose one of: %(choices)s.")
            % {"name": encoding, "choices": ", ".join(CHOICES)},
            field="encoding",
        )
    if encoding != "auto":
        try:
            return Decoded(decode_as(data, encoding), encoding, False, {})
        except UnicodeDecodeError as e:
            raise ApplicationError(
                ErrorCode.INVALID,
                _("The file is not in %(name)s: byte %(byte)s at position %(pos)s does not belong to it.")
                % {"name": encoding, "byte": f"0x{data[e.start]:02X}", "pos": e.start},
                field="encoding",
            ) from None
    return detect(data)


def detect(data: bytes) -> Decoded:
    if b"\x00" in data[:4096]:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("This is not a text file (it holds NUL bytes); save the sheet as CSV or XLSX."),
            field="encoding",
        )
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(decode_as(data, "utf-8"), "utf-8", True, {})
    try:
        text = decode_as(data, "utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return Decoded(text, "utf-8", True, {})
    scores: dict[str, float] = {}
    texts: dict[str, str] = {}
    for name in LEGACY:
        try:
            texts[name] = decode_as(data, name)
        except UnicodeDecodeError:
            continue
        probe = unicodedata.normalize("NFC", _decode_vni(data, strict=True)) if name == "vni" else texts[name]
        scores[name], _n = vietnamese_score(probe)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if ranked and ranked[0][1] >= MIN_SCORE:
        best = ranked[0][0]
        rivals = [n for n, score in ranked[1:] if ranked[0][1] - score < MARGIN and texts[n] != texts[best]]
        if not rivals:  # clearly the best, or the close ones read the same text
            return Decoded(texts[best], best, True, scores)
    raise ApplicationError(
        ErrorCode.INVALID,
        _(
            "The file's encoding could not be recognised (it reads as Vietnamese in none of UTF-8, Windows-1258, "
            "TCVN3 or VNI). Check the file, or choose its encoding."
        ),
        field="encoding",
    )


def recode_text(text: str, encoding: str) -> str:
    """Text read from a spreadsheet cell typed in a legacy font (TCVN3 or VNI glyphs stored as Latin-1 letters)
    in Unicode. Text that is not Latin-1 is already Unicode and stays as it is."""
    if encoding in ("auto", "utf-8") or text.isascii():
        return unicodedata.normalize("NFC", text)
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return unicodedata.normalize("NFC", text)
    try:
        return decode_as(raw, encoding)
    except UnicodeDecodeError:
        return unicodedata.normalize("NFC", text)
