"""Vietnamese names searched and sorted without regard to diacritics (house rule 8)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """'Nguyễn Thị Huyền' -> 'nguyen thi huyen'; đ/Đ become d (NFD does not decompose them)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


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
