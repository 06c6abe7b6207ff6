"""Vietnamese names searched and sorted without regard to diacritics (house rule 8)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


class _Unmarked(dict[int, int | str | None]):
    """``str.translate``'s table for fold, filled as characters are met: a combining mark (Unicode category Mn)
    is dropped, đ/Đ become d/D (NFD does not decompose them), any other character stays."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)) == "Mn" else code
        self[code] = kept
        return kept


_UNMARKED = _Unmarked({ord("đ"): "d", ord("Đ"): "D"})


def fold(text: str) -> str:
    """'Nguyễn Thị Huyền' -> 'nguyen thi huyen': without marks, đ as d, single spaces, lower case."""
    stripped = unicodedata.normalize("NFD", text).translate(_UNMARKED)
    return " ".join(stripped.split()).lower()  # split() and the regex \s agree on what a space is


def file_slug(text: str, limit: int = 60) -> str:
    """A Vietnamese title as a file name part: 'Tháng vận động' -> 'thang-van-dong' (đ is d, not dropped)."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    return "-".join(words)[:limit].strip("-")


def clean_name(text: str) -> str:
    """A person's name as stored: NFC, single spaces, each word capitalised."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split(" "))


def clean_text(text: str) -> str:
    """A title as stored (a facility's name): NFC, single spaces, the writer's own capitals."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


# Characters a person never types into a name or a title: control characters, zero-width characters and the
# bidirectional overrides (they defeat search and make a name show as something else) — issue 12.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds a control, zero-width or direction-override character."""
    return bool(_INVISIBLE.search(text or ""))
