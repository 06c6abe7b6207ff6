"""Files in: a CSV (csv module; a broken line is reported for its row, the others are read) or an XLSX
(python-calamine reads each cell's value; a formula is read as the value it last showed, never as its text).

A reader gives the header and the rows as lists of text, each row with its line number in the file, and the
problems it met (row number, message) — the import reports those rows as rejected."""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeXML
from django.utils.translation import gettext as _

from ansinh.core.errors import ApplicationError, ErrorCode

from .encodings import MIN_SCORE, Decoded, decode, detect, recode_text, vietnamese_score

MAX_BYTES = 200 * 1024 * 1024  # the "200 MB file": refused whole, with a message, before reading it
MAX_CELL = 1000  # characters; a longer cell is cut at this length and the row rejected


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line or row number in the file, cells)
    problems: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (line, message, raw cells)
    encoding: str = ""
    detected: bool = False


def read_table(path: Path, *, encoding: str = "auto") -> Table:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The file is too large (%(size)s MB); split it into files of at most %(max)s MB.")
            % {"size": size // (1024 * 1024), "max": MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        return read_xlsx(data, encoding=encoding)
    return read_csv(data, encoding=encoding)


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv(data: bytes, *, encoding: str = "auto") -> Table:
    decoded: Decoded = decode(data, encoding)
    text = decoded.text
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    table = Table(header=[], rows=[], encoding=decoded.encoding, detected=decoded.detected)
    try:
        table.header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise ApplicationError(
            ErrorCode.INVALID, _("The file is empty or has no header row."), field="file"
        ) from None
    width = len(table.header)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            table.problems.append(
                (line, _("This line is broken and cannot be read (%(error)s).") % {"error": e}, [])
            )
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            table.problems.append(
                (
                    line,
                    _("This line has %(n)s cells, the header has %(m)s.") % {"n": len(row), "m": width},
                    row,
                )
            )
            continue
        row = (row + [""] * width)[:width]
        if any(len(cell) > MAX_CELL for cell in row):
            table.problems.append((line, _("A cell is longer than %(n)s characters.") % {"n": MAX_CELL}, row))
            continue
        table.rows.append((line, [cell.strip() for cell in row]))
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 0912345678 typed as a number loses its 0: the phone check says so
    if isinstance(value, dt.datetime):
        return value.date().strftime("%d/%m/%Y") if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def read_xlsx(data: bytes, *, encoding: str = "auto") -> Table:
    """The first sheet. Cells typed in a TCVN3 or VNI font hold those fonts' Latin-1 letters: they are converted
    with the encoding given, or the one recognised (see _sheet_encoding)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False)
    except Exception as e:  # calamine raises its own error types for a damaged or foreign file
        raise ApplicationError(
            ErrorCode.INVALID, _("The spreadsheet cannot be read (%(error)s).") % {"error": e}, field="file"
        ) from None
    if not values:
        raise ApplicationError(ErrorCode.INVALID, _("The file is empty or has no header row."), field="file")
    texts = [[_cell_text(v) for v in raw] for raw in values]
    legacy, detected = _sheet_encoding(texts, encoding)
    header = [recode_text(t, legacy) for t in texts[0]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    table = Table(header=header, rows=[], encoding=legacy, detected=detected)
    unknown = _formulas_without_value(data)
    for number, raw in enumerate(texts[1:], start=2):
        cells = [recode_text(t, legacy) for t in raw]
        cells = (cells + [""] * width)[:width]
        if not any(cells):
            continue
        if number in unknown:
            column = unknown[number]
            name = header[column] if column < width else ""
            table.problems.append(
                (
                    number,
                    _(
                        "The cell %(column)s holds a formula whose value was never computed: open the file in a "
                        "spreadsheet program and save it, or paste the values instead of the formulas."
                    )
                    % {"column": name or _column_letters(column)},
                    cells,
                )
            )
            continue
        if any(len(cell) > MAX_CELL for cell in cells):
            table.problems.append(
                (number, _("A cell is longer than %(n)s characters.") % {"n": MAX_CELL}, cells)
            )
            continue
        table.rows.append((number, cells))
    return table


def _sheet_encoding(texts: list[list[str]], encoding: str) -> tuple[str, bool]:
    """A sheet is Unicode, but text typed in a TCVN3 or VNI font is stored as the font's Latin-1 letters
    ('NguyÔn' for Nguyễn). Given, the encoding is used; on 'auto', such text is recognised as for a CSV file:
    only when every letter is Latin-1 and the text does not read as Vietnamese as it is."""
    if encoding in ("tcvn3", "vni", "cp1258"):
        return encoding, False
    if encoding == "utf-8":
        return "utf-8", False
    joined = "\n".join("\t".join(row) for row in texts)
    if joined.isascii():
        return "utf-8", True
    try:
        raw = joined.encode("latin-1")
    except UnicodeEncodeError:
        return "utf-8", True  # letters beyond Latin-1: real Unicode
    score, _n = vietnamese_score(joined)
    if score >= MIN_SCORE:
        return "utf-8", True
    try:
        found = detect(raw)
    except ApplicationError:
        return "utf-8", True  # left as it is: the rows' own checks will speak
    return found.encoding if found.encoding in ("tcvn3", "vni", "cp1258") else "utf-8", True


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _formulas_without_value(data: bytes) -> dict[int, int]:
    """Row number -> column index of a formula cell of the first sheet whose stored value cannot be trusted:
    none stored, or the workbook asks to be recalculated when opened (a file written by a program that never
    computed its formulas, as xlsxwriter does). Such a cell's value is unknown, so its row is refused; a formula
    that a spreadsheet program computed and saved is read as its value."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            workbook = SafeXML.fromstring(z.read("xl/workbook.xml"))
            calc = workbook.find(f"{_MAIN}calcPr")
            recalc = calc is not None and calc.get("fullCalcOnLoad") in ("1", "true")
            first = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
            if first is None:
                return {}
            rels = SafeXML.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = next(
                (r.get("Target", "") for r in rels if r.get("Id") == first.get(f"{_REL}id")),
                "worksheets/sheet1.xml",
            )
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            found: dict[int, int] = {}
            with z.open(path) as sheet:
                for _event, cell in SafeXML.iterparse(sheet):
                    if cell.tag != f"{_MAIN}c":
                        continue
                    formula, value = cell.find(f"{_MAIN}f"), cell.find(f"{_MAIN}v")
                    if formula is not None and (recalc or value is None or not (value.text or "")):
                        m = _CELL.match(cell.get("r", ""))
                        if m:
                            found.setdefault(int(m.group(2)), _column_index(m.group(1)))
                    cell.clear()
            return found
    except (
        KeyError,
        ValueError,
        zipfile.BadZipFile,
        SafeXML.ParseError,
    ):  # DefusedXmlException is a ValueError
        return {}  # not an Office Open XML workbook (an ODS): calamine's values stand
