"""Counts and rates written the Vietnamese way: ``12.345`` (dot between thousands), ``88,6 %`` (decimal comma),
and read back as people type them. One place for pages (the ``thousands`` and ``percent`` filters, the forms),
charts and exports. Money: ``money.py``."""

from __future__ import annotations

import re

_TYPED = re.compile(r"[\s.,₫đ]", re.IGNORECASE)


def format_int(value: int) -> str:
    """12345 -> '12.345'."""
    return f"{int(value):,}".replace(",", ".")


def format_rate(value: float, digits: int = 1) -> str:
    """0.8856 -> '88,6 %' (a share, shown as a percentage with a decimal comma)."""
    return f"{float(value) * 100:.{int(digits)}f}".replace(".", ",") + " %"


def parse_whole(text: str | None, *, digits: int = 15) -> int | None:
    """A whole number as people type it ('1.500.000', '1,500,000', '1 500 000 ₫'), or None: only the ASCII digits
    0-9 (not '²'), at most ``digits`` of them (no number a database cannot hold)."""
    cleaned = _TYPED.sub("", (text or "").strip())
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= digits else None


def parse_id(text: str | None) -> int | None:
    """A row id as it comes in a form or a link ('42'), or None."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
