"""Nothing written to a spreadsheet is a live formula (issue 12; OWASP "CSV injection").

A CSV file has no types: a spreadsheet program opening it runs a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula. ``formula_safe`` prefixes such text with an apostrophe, which the
program shows as text. An XLSX cell has a type: ``workbook`` makes every xlsxwriter workbook write text as text
(``write`` never turns "=…" into a formula, "http…" into a link or "0123" into a number), so text keeps its
characters there. Every export and error report goes through these two."""

from __future__ import annotations

from typing import Any

import xlsxwriter

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def formula_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made inert; numbers, dates and None pass unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def workbook(target: Any, **options: Any) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook in which strings stay strings (``target``: a path or a BytesIO)."""
    settings = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    if not isinstance(target, str):
        settings["in_memory"] = True
    return xlsxwriter.Workbook(target, {**settings, **options})
