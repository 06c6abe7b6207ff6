"""The QR code of a card token, drawn fast: the same modules as
``segno.make_qr(token, error="m", mask=1, boost_error=False)`` (tests/cards/test_qr.py compares them), in about
a tenth of the time (0.26 ms instead of 2.9 ms for a card token, path included).

Every card issued at the desk draws its QR code once (cards.services), and segno, written in pure Python for any
content, took a seventh of the server's CPU per enrollment for it (ADR 0009). A card token is always one
byte-mode segment at error level M with the fixed mask 1, so everything but the message is the same for every
token of a version: the function patterns, the format and version information and the mask over the data
modules are drawn once per version (by segno's own functions, so they cannot differ), with the order in which
data bits fill the symbol. Per token there remain the message bytes, the Reed–Solomon codewords (a shift
register on Python integers) and one XOR of the bits into the drawn symbol. Anything else (text that segno
would not encode as one byte-mode segment) goes to segno.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

import numpy as np
import segno
from segno import consts, encoder

ERROR = "m"
MASK = 1
_ERROR = consts.ERROR_LEVEL_M
_BYTE = consts.MODE_BYTE
_PAD = bytes([0xEC, 0x11])
# segno's tables, typed: data bits by version and error level; error-correction blocks by version and level
_CAPACITY = cast(dict[int, dict[int, int]], consts.SYMBOL_CAPACITY)
_BLOCKS = cast(dict[int, dict[int, Any]], consts.ECC)


def matrix(token: str) -> np.ndarray:
    """The modules of the token's QR code (rows of 0 = light, 1 = dark), without the quiet zone."""
    try:
        data = token.encode("iso-8859-1")  # segno's byte-mode encoding when the text fits it
    except UnicodeEncodeError:
        return _segno(token)
    if not data or encoder.find_mode(data) != _BYTE:
        return _segno(token)
    version = _version(len(data))
    if version is None:
        return _segno(token)  # too long for one symbol: segno says why
    layout = _layout(version)
    message = _message(version, data)
    bits = np.unpackbits(np.frombuffer(message, dtype=np.uint8))
    drawn = layout.base.copy()
    drawn.reshape(-1)[layout.positions[: len(bits)]] ^= bits
    return drawn


def path(token: str) -> tuple[int, str]:
    """(modules per side, PDF path of the dark modules as ``x y w 1 re`` with y growing downwards): what a card
    stores and Document.qr draws."""
    modules = matrix(token)
    size = len(modules)
    edges = np.zeros((size, size + 2), dtype=np.int8)
    edges[:, 1:-1] = modules
    edges = np.diff(edges, axis=1)  # +1 where a dark run starts, -1 one past its end
    rows, starts = np.nonzero(edges == 1)  # row by row, left to right
    ends = np.nonzero(edges == -1)[1]
    runs = np.stack([starts, rows, ends - starts], axis=1).ravel().tolist()
    return size, " ".join(["%d %d %d 1 re"] * len(rows)) % tuple(runs)


def _segno(token: str) -> np.ndarray:
    code = segno.make_qr(token, error=ERROR, mask=MASK, boost_error=False)
    return np.array([list(row) for row in code.matrix], dtype=np.uint8)


def _count_bits(version: int) -> int:
    return consts.CHAR_COUNT_INDICATOR_LENGTH[_BYTE][encoder.version_range(version)]


@cache
def _version(length: int) -> int | None:
    """The smallest version whose capacity at level M holds ``length`` bytes (mode and count included)."""
    for version in range(1, 41):
        if _CAPACITY[version][_ERROR] >= 4 + _count_bits(version) + 8 * length:
            return version
    return None


def _message(version: int, data: bytes) -> bytes:
    """The final message: data codewords (mode, count, bytes, terminator, padding as segno writes them) split
    into blocks, each followed by its Reed–Solomon codewords, interleaved."""
    count_bits = _count_bits(version)
    value = (((_BYTE << count_bits) | len(data)) << (8 * len(data))) | int.from_bytes(data, "big")
    # + the 4-bit terminator: a byte-mode stream then ends on a byte boundary, where segno writes one more zero
    # byte before the pad codewords (harmless: readers stop at the terminator)
    head = (value << 4).to_bytes((4 + count_bits + 8 * len(data) + 4) // 8, "big") + b"\0"
    capacity = _CAPACITY[version][_ERROR] // 8
    codewords = (head + _PAD * capacity)[:capacity]
    data_blocks, ecc_blocks = [], []
    at = 0
    for ec in _BLOCKS[version][_ERROR]:
        ecc_length = ec.num_total - ec.num_data
        for _block in range(ec.num_blocks):
            block = codewords[at : at + ec.num_data]
            at += ec.num_data
            data_blocks.append(block)
            ecc_blocks.append(_reed_solomon(block, ecc_length))
    out = bytearray()
    for blocks in (data_blocks, ecc_blocks):
        for i in range(max(len(b) for b in blocks)):
            out.extend(b[i] for b in blocks if i < len(b))
    return bytes(out)


def _reed_solomon(block: bytes, length: int) -> bytes:
    """The error-correction codewords of a block: the remainder of the polynomial division by the generator,
    kept as one integer of ``length`` bytes (a shift register)."""
    table = _generator_multiples(length)
    top, full = 8 * (length - 1), (1 << (8 * length)) - 1
    remainder = 0
    for byte in block:
        remainder = ((remainder << 8) & full) ^ table[(remainder >> top) ^ byte]
    return remainder.to_bytes(length, "big")


@cache
def _generator_multiples(length: int) -> tuple[int, ...]:
    """The generator polynomial (without its leading 1) times each coefficient 0–255 in GF(256), as integers."""
    log, exp, generator = consts.GALIOS_LOG, consts.GALIOS_EXP, consts.GEN_POLY[length]
    rows = [0]
    for c in range(1, 256):
        rows.append(int.from_bytes(bytes(exp[log[c] + g] for g in generator), "big"))
    return tuple(rows)


class _Layout:
    __slots__ = ("base", "positions")

    def __init__(self, base: np.ndarray, positions: np.ndarray):
        self.base, self.positions = base, positions


@cache
def _layout(version: int) -> _Layout:
    """The symbol of a version with every data module light, then masked, with format and version information
    (drawn by segno's functions, as segno.make_qr draws them), and the flat index of each data module in the order
    the message's bits fill them (ISO/IEC 18004:2015 §7.7.3, as segno.encoder.add_codewords walks it)."""
    size = encoder.calc_matrix_size(version)
    drawing = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(drawing, size, size)
    encoder.add_alignment_patterns(drawing, size, size)
    positions = []
    for column in range(size - 1, 0, -2):
        right = column - 1 if column <= 6 else column  # the vertical timing pattern is skipped
        for vertical in range(size):
            for z in (0, 1):
                j = right - z
                upwards = ((right & 2) == 0) ^ (j < 6)
                i = size - 1 - vertical if upwards else vertical
                if drawing[i][j] == 0x2:
                    drawing[i][j] = 0x0
                    positions.append(i * size + j)
    encoder.find_and_apply_best_mask(drawing, size, size, MASK)
    encoder.add_format_info(drawing, version, _ERROR, MASK)
    encoder.add_version_info(drawing, version)
    base = np.array([list(row) for row in drawing], dtype=np.uint8)
    return _Layout(base, np.array(positions, dtype=np.intp))
