"""Legacy Vietnamese text: each sample is written as the bytes a published table gives for it (not produced by
our own encoder), decoded to NFC, and recognised by detection; garbage is refused."""

from __future__ import annotations

import random
import shutil
import subprocess
import unicodedata

import pytest

from ansinh.core.errors import ApplicationError
from ansinh.imports.encodings import decode, decode_as, tcvn3_table, vni_table

NAMES = ["Nguyễn Thị Hường", "Đắk Lắk", "Bùi Văn Đức"]

# TCVN3 (ABC), one byte per letter: ễ D4, ị DE, ư AD, ờ EA, Đ A7, ắ BE, ù EF, ă A8, ứ F8 — as in
# duydev/vietnamese-conversion src/charsets.ts, backupvietsoft/HRM ConvertVNI, and glibc's TCVN5712-1.
TCVN3 = [
    bytes.fromhex("4E677579D46E205468DE2048ADEA6E67"),
    bytes.fromhex("A7BE6B204CBE6B"),
    bytes.fromhex("42EF692056A86E20A7F863"),
]
# VNI-Windows, base letter + mark byte: e+E3 = ễ, F2 = ị, F6 = ư, F4+F8 = ờ, D1 = Đ, a+E9 = ắ, u+F8 = ù,
# a+EA = ă, F6+F9 = ứ — as in lamdao/xvnkb vni.h and duydev/vietnamese-conversion src/charsets.ts.
VNI = [
    bytes.fromhex("4E67757965E36E205468F22048F6F4F86E67"),
    bytes.fromhex("D161E96B204C61E96B"),
    bytes.fromhex("4275F869205661EA6E20D1F6F963"),
]
# Windows-1258 (Microsoft's code page table): ê EA + combining tilde DE, i + combining dot F2, ư FD, ơ F5 +
# combining grave CC, Đ D0, ă E3 + combining acute EC, ù F9.
CP1258 = [
    bytes.fromhex("4E677579EADE6E20546869F22048FDF5CC6E67"),
    bytes.fromhex("D0E3EC6B204CE3EC6B"),
    bytes.fromhex("42F9692056E36E20D0FDEC63"),
]
SAMPLES = {"tcvn3": TCVN3, "vni": VNI, "cp1258": CP1258}


def csv_file(names_bytes: list[bytes]) -> bytes:
    """A small list as a commune would keep it: a header and one row per name (the bytes of the names as given)."""
    lines = [b"ma_nguon,ho_ten,ngay_sinh"]
    for i, name in enumerate(names_bytes, start=1):
        lines.append(b"N%d," % i + name + b",01/02/1980")
    return b"\r\n".join(lines) + b"\r\n"


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258"])
def test_each_name_decodes_to_its_nfc_text(encoding):
    for raw, expected in zip(SAMPLES[encoding], NAMES, strict=True):
        text = decode_as(raw, encoding)
        assert text == expected
        assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258"])
def test_detection_picks_the_encoding_of_a_real_file(encoding):
    data = csv_file(SAMPLES[encoding])
    result = decode(data)
    assert result.encoding == encoding and result.detected
    for name in NAMES:
        assert name in result.text


def test_a_longer_list_of_names_and_places_is_detected_in_each_encoding():
    # TCVN3 for "Lò Văn Páo, Giàng Seo Phử, Hà Giang, Phạm Thị Ngọc Ánh" from the table: ò DF, ă A8, á B8,
    # à B5, ử F6, ạ B9, ị DE, ọ E4, Á written in lower case (TCVN3 has no marked capitals) B8.
    tcvn = bytes.fromhex(
        "4CDF 20 56A86E 20 50B86F2C 20 4769B56E67 20 53656F 20 5068F62C 20 48B5 20 4769616E672C"
        " 20 5068B96D 20 5468DE 20 4E67E463 20 B86E68"
    )
    text = decode(tcvn).text
    assert decode(tcvn).encoding == "tcvn3"
    assert text == "Lò Văn Páo, Giàng Seo Phử, Hà Giang, Phạm Thị Ngọc ánh"


def test_utf8_with_and_without_bom():
    text = "ma_nguon,ho_ten\nN1,Nguyễn Thị Hường\n"
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        result = decode(data)
        assert result.encoding == "utf-8" and result.text == text


def test_decomposed_utf8_becomes_nfc():
    text = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    assert decode(text.encode("utf-8")).text == "Nguyễn Thị Hường"


def test_an_explicit_encoding_wins_over_detection():
    data = csv_file(VNI)
    assert decode(data, "vni").encoding == "vni"
    # The same bytes read as Windows-1258 on request: the user asked for it, the result is what it is.
    forced = decode(data, "cp1258")
    assert forced.encoding == "cp1258" and "Nguyễn" not in forced.text


def test_an_explicit_encoding_that_cannot_hold_the_bytes_is_refused_with_the_byte():
    with pytest.raises(ApplicationError) as e:
        decode(b"ma_nguon\nN1,\x81\x82\n", "tcvn3")
    assert "0x81" in e.value.message and e.value.field == "encoding"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_are_refused(seed):
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(1, 256) for _ in range(2000))
    with pytest.raises(ApplicationError) as e:
        decode(data)
    assert e.value.field == "encoding"


def test_a_binary_file_is_refused():
    with pytest.raises(ApplicationError):
        decode(b"\x00\x01\x02PDF" * 50)


def test_latin1_text_that_is_not_vietnamese_is_refused():
    data = "nom,ville\nFrançoise Müller,Zürich\nJosé Gonçalves,Besançon\nSøren Ærø,Ålborg\n".encode("latin-1")
    with pytest.raises(ApplicationError):
        decode(data)


def test_unknown_encoding_name_is_refused():
    with pytest.raises(ApplicationError):
        decode(b"abc", "koi8-r")


def test_the_tables_are_complete():
    # 67 lower-case letters with a mark or a tone (+ đ) in TCVN3, the 7 capitals it has, NBSP and five combining
    # tone marks; VNI: the 67 letters in both cases.
    assert len(tcvn3_table()) == 67 + 7 + 1 + 5
    assert len(vni_table()) == 134
    assert len(set(vni_table().values())) == 134


@pytest.mark.skipif(shutil.which("iconv") is None, reason="GNU iconv is the third, independent TCVN table")
def test_tcvn3_table_agrees_with_glibc_iconv():
    iconv = shutil.which("iconv") or "iconv"
    for byte, char in tcvn3_table().items():
        prefix = b"a" if unicodedata.combining(char) else b" "
        out = subprocess.run(  # noqa: S603 (a fixed command and arguments)
            [iconv, "-f", "TCVN5712-1", "-t", "UTF-8"],
            input=prefix + bytes([byte]),
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert unicodedata.normalize("NFC", out) == unicodedata.normalize("NFC", prefix.decode() + char), hex(
            byte
        )


def _inverse_encoders():
    """Encoders made by inverting the tables (only to produce many files; the tables themselves are checked
    against published bytes above)."""
    tcvn = {v: bytes([k]) for k, v in tcvn3_table().items() if not unicodedata.combining(v)}
    vni = {v: k.encode("latin-1") for k, v in vni_table().items()}
    tones = "\u0300\u0301\u0303\u0309\u0323"

    def cp1258(text: str) -> bytes:
        out = b""
        for ch in text:
            try:
                out += ch.encode("cp1258")
            except UnicodeEncodeError:  # a toned letter: base letter, then the combining tone mark
                parts = unicodedata.normalize("NFD", ch)
                base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
                out += base.encode("cp1258") + "".join(c for c in parts if c in tones).encode("cp1258")
        return out

    return {
        "tcvn3": lambda t: b"".join(tcvn.get(c) or tcvn.get(c.lower()) or c.encode("ascii") for c in t),
        "vni": lambda t: b"".join(vni.get(c) or c.encode("latin-1") for c in t),
        "cp1258": cp1258,
    }


def test_detection_is_right_on_many_lists_of_ten_generated_names():
    from faker import Faker

    fake = Faker("vi_VN")
    Faker.seed(13)
    encoders = _inverse_encoders()
    for _ in range(40):
        text = "ma_nguon,ho_ten,thon\n" + "".join(f"N{i},{fake.name()},{fake.city()}\n" for i in range(10))
        for encoding, encode in encoders.items():
            result = decode(encode(text))
            assert result.encoding == encoding, text
            expected = text if encoding != "tcvn3" else None  # TCVN3 has no toned capitals
            if expected is not None:
                assert result.text == unicodedata.normalize("NFC", text)
