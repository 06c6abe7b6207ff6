"""Money is an integer number of đồng (house rule 4). Shown as ``1.263.600 ₫``."""

from __future__ import annotations

MAX_VND = 10**12  # the largest amount a form takes (a day's cash, a campaign's cost): far above any real one,
# and within every database's integers


def format_vnd(amount: int) -> str:
    if not isinstance(amount, int):
        raise TypeError("VND amounts are integers")
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " ₫"
