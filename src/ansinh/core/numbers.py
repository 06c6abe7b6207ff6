"""Counts and rates written the Vietnamese way: ``12.345`` (dot between thousands), ``88,6 %`` (decimal comma).
One place for pages (the ``thousands`` and ``percent`` filters), charts and exports. Money: ``money.py``."""

from __future__ import annotations


def format_int(value: int) -> str:
    """12345 -> '12.345'."""
    return f"{int(value):,}".replace(",", ".")


def format_rate(value: float, digits: int = 1) -> str:
    """0.8856 -> '88,6 %' (a share, shown as a percentage with a decimal comma)."""
    return f"{float(value) * 100:.{int(digits)}f}".replace(".", ",") + " %"
