"""Money is an integer number of đồng (house rule 4). Shown as ``1.263.600 ₫``."""

from __future__ import annotations


def format_vnd(amount: int) -> str:
    if not isinstance(amount, int):
        raise TypeError("VND amounts are integers")
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " ₫"
