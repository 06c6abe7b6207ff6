"""Amounts in Vietnamese words, as written on a receipt ("Bằng chữ: Một triệu hai trăm ... đồng").

The rules a reader checks first:
- a 1 after "mươi" (20 and up) is "mốt" (21 = hai mươi mốt), but after "mười" it stays "một" (11 = mười một);
- a 5 after a ten is "lăm" (15 = mười lăm, 25 = hai mươi lăm), but after "linh" it stays "năm" (105);
- an empty tens place between a hundreds place and a unit is "linh" (105 = một trăm linh năm);
- inside a larger number an empty hundreds place is said: 1.005 = một nghìn không trăm linh năm;
- groups that are all zero are skipped (1.000.005 = một triệu không trăm linh năm);
- above "tỷ" the count of tỷ is itself read as a number (1.000.000.000.000 = một nghìn tỷ).
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ("", "nghìn", "triệu")
BILLION = 1_000_000_000


def _group(n: int, *, full: bool) -> list[str]:
    """0 < n < 1000. ``full``: a higher group precedes, so an empty hundreds place is read ("không trăm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    return words


def _below_billion(n: int, *, full: bool) -> list[str]:
    words: list[str] = []
    groups = [(n // 1_000_000) % 1000, (n // 1000) % 1000, n % 1000]
    for value, scale in zip(groups, reversed(SCALES), strict=True):
        if value == 0:
            continue
        words += _group(value, full=full or bool(words))
        if scale:
            words.append(scale)
    return words


def number_in_words(n: int) -> str:
    """A non-negative integer in Vietnamese words, lower case ("một nghìn không trăm linh năm")."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("an integer is needed")
    if n < 0:
        return "âm " + number_in_words(-n)
    if n == 0:
        return DIGITS[0]
    return " ".join(_words(n, full=False))


def _words(n: int, *, full: bool) -> list[str]:
    if n < BILLION:
        return _below_billion(n, full=full)
    high, low = divmod(n, BILLION)
    words = _words(high, full=full) + ["tỷ"]
    if low:
        words += _below_billion(low, full=True)
    return words


def vnd_in_words(n: int) -> str:
    """An amount of đồng as written on a receipt: capitalised, ending in "đồng"."""
    text = number_in_words(n)
    return text[0].upper() + text[1:] + " đồng"
