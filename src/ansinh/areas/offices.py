"""The social insurance office of a province, by name, as printed at the head of papers."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Area, Level


def office_name(province_code: str, names: dict[str, tuple[str, str]] | None = None) -> str:
    """'BHXH tỉnh Lào Cai' from a province code (the issuing office printed on cards and receipts)."""
    if names is None:
        names = province_names([province_code])
    name, kind = names.get(province_code, ("", ""))
    if not name:
        return "Bảo hiểm xã hội Việt Nam"
    return f"BHXH {'thành phố' if kind == 'thanh_pho' else 'tỉnh'} {name}"


def province_names(codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{code: (name, kind)} of the given provinces, in one query."""
    return {
        code: (name, kind)
        for code, name, kind in Area.objects.filter(level=Level.PROVINCE, code__in=set(codes)).values_list(
            "code", "name", "kind"
        )
    }
