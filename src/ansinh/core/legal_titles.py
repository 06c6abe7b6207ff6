"""Legal references in the reader's language. The parameter files cite the law in English (the team's working
language, and the form the tests read); a Vietnamese page shows the Vietnamese citation: "Decree 146/2018/ND-CP
Art. 7(1)(e)" is "Nghị định 146/2018/NĐ-CP Điều 7 khoản 1 điểm e". Citations are translated by their form; a
title that says more than a citation has its Vietnamese text in ``data/legal_titles_vi.yaml`` (a test fails on any
title whose Vietnamese form still holds English words)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

_TABLE = Path(__file__).resolve().parent / "data" / "legal_titles_vi.yaml"
_PARAMETERS = Path(__file__).resolve().parent / "data" / "parameter_titles_vi.yaml"
_UNITS_VI = {
    "VND/month": "₫/tháng",
    "years": "năm",
    "months": "tháng",
    "days": "ngày",
    "rate": "tỷ lệ",
    "rate per month": "tỷ lệ mỗi tháng",
    "multiple": "số lần",
    "code": "mã",
    "law": "luật",
    "rule": "quy tắc",
    "rate table": "bảng tỷ lệ",
    "coefficient by year": "hệ số theo năm",
    "months per year": "số tháng cho mỗi năm",
    "age by year": "tuổi theo năm",
    "month-day": "tháng-ngày",
}

_FORMS: tuple[tuple[str, str], ...] = (
    (r"\bLaw on Health Insurance\b", "Luật Bảo hiểm y tế"),
    (r"\bLaw on Social Insurance\b", "Luật Bảo hiểm xã hội"),
    (r"\bLabour Code\b", "Bộ luật Lao động"),
    (r"\bLaw (?=\d)", "Luật "),
    (r"\bDecree\b", "Nghị định"),
    (r"\bDecision\b", "Quyết định"),
    (r"\bCircular\b", "Thông tư"),
    (r"\bResolution\b", "Nghị quyết"),
    (r"\bNotice\b", "Thông báo"),
    (r"/ND-CP\b", "/NĐ-CP"),
    (r"/QD-", "/QĐ-"),
    (r"TT-BLDTBXH", "TT-BLĐTBXH"),
    (r"\bArt\. (\d+)\((\d+)\)\(([a-zđ])\)", r"Điều \1 khoản \2 điểm \3"),
    (r"\bArt\. (\d+)\((\d+)\)", r"Điều \1 khoản \2"),
    (r"\bArt\. (\d+)", r"Điều \1"),
    (r"\bas amended by\b", "sửa đổi bởi"),
    (r"\bas amended\b", "sửa đổi"),
    (r"\bin force (\S+) to (\S+?)\)", r"hiệu lực \1 đến \2)"),
    (r"\bin force\b", "hiệu lực"),
    (r"\bapplied from\b", "áp dụng từ"),
    (r"\bat least\b", "ít nhất"),
    (r"\bat most\b", "tối đa"),
    (r"\band\b", "và"),
)
_RETURN = re.compile(
    r"^Average monthly investment return of the SI fund in (\d{4}), announced by Vietnam Social Security for (\d{4})$"
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    data = yaml.safe_load(_TABLE.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


@lru_cache(maxsize=1024)
def title_vi(title: str) -> str:
    """The Vietnamese form of a legal reference's title."""
    if title in _table():
        return _table()[title]
    if match := _RETURN.match(title):
        return (
            f"Lãi suất đầu tư bình quân tháng của quỹ BHXH năm {match[1]}, "
            f"do BHXH Việt Nam công bố cho năm {match[2]}"
        )
    text = title
    for pattern, replacement in _FORMS:
        text = re.sub(pattern, replacement, text)
    return _ISO.sub(r"\3/\2/\1", text)


def title_in(language: str | None, title: str) -> str:
    """The title as a reader of ``language`` reads it (Vietnamese for "vi", the file's English otherwise)."""
    return title_vi(title) if (language or "vi").startswith("vi") else title


@lru_cache(maxsize=1)
def _parameters() -> dict[str, str]:
    data = yaml.safe_load(_PARAMETERS.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def parameter_title(language: str | None, name: str, description: str | None) -> str:
    """A legal parameter's heading: its Vietnamese title on a Vietnamese page (``data/parameter_titles_vi.yaml``),
    the parameter file's description otherwise."""
    if (language or "vi").startswith("vi") and name in _parameters():
        return _parameters()[name]
    return description or name


def unit_in(language: str | None, unit: str) -> str:
    return _UNITS_VI.get(unit, unit) if (language or "vi").startswith("vi") else unit
