"""The columns of a file mapped to ansinh's standard fields: the standard headers of each kind of file, and the
Vietnamese (and English) names offices give them, recognised without regard to diacritics, case and punctuation."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.text import fold

PERSONS = (
    "ma_nguon",
    "ho_ten",
    "ngay_sinh",
    "gioi_tinh",
    "so_dinh_danh",
    "ma_so_bhxh",
    "dien_thoai",
    "ma_xa",
    "thon",
    "ma_ho",
    "quan_he_chu_ho",
    "dan_toc",
)
POPULATION = ("ma_xa", "thon", "ngay", "dan_so", "nguon")
# A card or a pension row names its person by personal ID, SI number, or the person's key in the persons file of
# the same source (ma_nguon_nguoi); a card's SI number may also be read from its 15-character code.
CARDS = (
    "ma_nguon",
    "so_dinh_danh",
    "ma_so_bhxh",
    "ma_nguon_nguoi",
    "ma_the",
    "nhom",
    "gia_tri_tu",
    "gia_tri_den",
    "noi_kcb",
)
# A voluntary-SI row is one payment: the months from tu_thang (mm/yyyy), at the chosen monthly income, paid on
# ngay_nop (default: the first day of tu_thang); so_tien, when given, is checked against the rules of that day.
VSI = (
    "ma_nguon",
    "so_dinh_danh",
    "ma_so_bhxh",
    "ma_nguon_nguoi",
    "tu_thang",
    "so_thang",
    "muc_thu_nhap",
    "so_tien",
    "ngay_nop",
)
# tu_ngay (optional): the day the pension starts or stops; with it a change is a change in life from that day
# (ADR 0031), without it a correction of the record
PENSIONS = (
    "ma_nguon",
    "so_dinh_danh",
    "ma_so_bhxh",
    "ma_nguon_nguoi",
    "huong_luong_huu",
    "hinh_thuc_nhan",
    "tu_ngay",
)
STANDARD = {"persons": PERSONS, "cards": CARDS, "vsi": VSI, "pensions": PENSIONS, "population": POPULATION}
REQUIRED = {
    "persons": ("ma_nguon", "ho_ten", "ngay_sinh", "gioi_tinh", "ma_xa"),
    "cards": ("ma_nguon", "gia_tri_tu", "gia_tri_den"),
    "vsi": ("ma_nguon", "tu_thang", "so_thang", "muc_thu_nhap"),
    "pensions": ("ma_nguon",),
    "population": ("ma_xa", "ngay", "dan_so"),
}

# Header names as offices write them, folded (lower case, no diacritics, đ -> d, punctuation -> space).
ALIASES: dict[str, tuple[str, ...]] = {
    "ma_nguon": ("ma nguon", "ma", "ma doi tuong", "ma ca nhan", "ma nguoi", "ma ho so", "source key", "id"),
    "ho_ten": ("ho va ten", "ho ten", "ho ten day du", "ten", "ten nguoi", "full name", "name"),
    "ngay_sinh": (
        "ngay sinh",
        "ngay thang nam sinh",
        "nam sinh",
        "ngay sinh dd mm yyyy",
        "sinh ngay",
        "birth date",
        "date of birth",
        "dob",
    ),
    "gioi_tinh": ("gioi tinh", "gioi", "nam nu", "sex", "gender"),
    "so_dinh_danh": (
        "so dinh danh",
        "so dinh danh ca nhan",
        "ma dinh danh",
        "so cccd",
        "cccd",
        "so can cuoc",
        "so can cuoc cong dan",
        "cmnd cccd",
        "so cmnd cccd",
        "so cmnd",
        "cmnd",
        "personal id",
    ),
    "ma_so_bhxh": (
        "ma so bhxh",
        "ma bhxh",
        "so bhxh",
        "ma so bao hiem xa hoi",
        "so so bhxh",
        "si number",
    ),
    "dien_thoai": ("dien thoai", "so dien thoai", "sdt", "so dt", "dt", "phone"),
    "ma_xa": ("ma xa", "ma xa phuong", "ma phuong xa", "ma don vi hanh chinh", "ma dvhc", "commune code"),
    "thon": ("thon", "thon ban", "thon xom", "thon to", "to dan pho", "ban", "xom", "ap", "village"),
    "ma_ho": ("ma ho", "ma ho gia dinh", "ma hgd", "so ho khau", "ma so ho", "household", "household key"),
    "quan_he_chu_ho": (
        "quan he chu ho",
        "quan he voi chu ho",
        "quan he",
        "qh voi chu ho",
        "relation",
    ),
    "dan_toc": ("dan toc", "ethnicity", "ethnic group"),
    "ngay": ("ngay", "ngay so lieu", "thoi diem", "tai ngay", "date"),
    "dan_so": ("dan so", "so dan", "tong dan so", "so nhan khau", "tong so nhan khau", "population"),
    "nguon": ("nguon", "nguon so lieu", "source"),
    "ma_nguon_nguoi": ("ma nguon nguoi", "ma nguoi tham gia", "person key"),
    "ma_the": ("ma the", "ma the bhyt", "so the", "so the bhyt", "card code", "card number"),
    "nhom": ("nhom", "nhom doi tuong", "doi tuong", "group"),
    "gia_tri_tu": ("gia tri tu", "tu ngay", "hieu luc tu", "gt tu", "han the tu", "valid from"),
    "gia_tri_den": ("gia tri den", "den ngay", "hieu luc den", "gt den", "han the den", "valid to"),
    "noi_kcb": (
        "noi kcb",
        "ma noi kcb",
        "noi dang ky kcb",
        "noi dang ky kcb ban dau",
        "ma kcb",
        "ma cskcb",
        "facility code",
    ),
    "tu_thang": ("tu thang", "dong tu thang", "thang bat dau", "tu thang nam", "ky dong tu", "from month"),
    "so_thang": ("so thang", "so thang dong", "so thang nop", "months"),
    "muc_thu_nhap": (
        "muc thu nhap",
        "thu nhap",
        "thu nhap thang",
        "muc thu nhap lam can cu dong",
        "muc thu nhap chon dong",
        "income",
    ),
    "so_tien": ("so tien", "so tien dong", "so tien nop", "tien dong", "thanh tien", "amount"),
    "ngay_nop": ("ngay nop", "ngay dong", "ngay nop tien", "ngay thu tien", "paid on"),
    "tu_ngay": ("tu ngay", "huong tu ngay", "ngay huong", "ngay bat dau huong", "hieu luc tu", "from"),
    "huong_luong_huu": ("huong luong huu", "luong huu", "dang huong", "huong che do", "pension recipient"),
    "hinh_thuc_nhan": (
        "hinh thuc nhan",
        "hinh thuc chi tra",
        "phuong thuc nhan",
        "phuong thuc chi tra",
        "payout method",
    ),
}

_PUNCT = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """'Số CCCD' -> 'so cccd'; 'MA_NGUON' -> 'ma nguon'; 'Ngày sinh (dd/mm/yyyy)' -> 'ngay sinh dd mm yyyy'."""
    return _PUNCT.sub(" ", fold(text)).strip()


def _lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for name in STANDARD[kind]:
        table[header_key(name)] = name
        for alias in ALIASES.get(name, ()):
            table.setdefault(alias, name)
    return table


def map_headers(header: list[str], *, kind: str, saved: dict[str, str] | None = None) -> dict[str, int]:
    """The column index of each standard field found. A saved mapping (file header -> field) is tried first,
    then the standard names and their aliases. A field named twice, or a required field missing, is refused."""
    if kind not in STANDARD:
        raise ApplicationError(
            ErrorCode.INVALID, _("Unknown kind of file: %(kind)s.") % {"kind": kind}, field="kind"
        )
    lookup = _lookup(kind)
    by_key = {header_key(k): v for k, v in (saved or {}).items()}
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        key = header_key(text)
        field = by_key.get(key) or lookup.get(key)
        if not field:
            continue
        if field in columns:
            raise ApplicationError(
                ErrorCode.INVALID,
                _(
                    "Two columns of the file mean %(field)s: %(a)s and %(b)s. Keep one, or say which with a mapping."
                )
                % {"field": field, "a": header[columns[field]], "b": text},
                field=field,
            )
        columns[field] = index
    missing = [f for f in REQUIRED[kind] if f not in columns]
    if missing:
        raise ApplicationError(
            ErrorCode.INVALID,
            _(
                "The file has no column for: %(fields)s. Name the columns as in the template, or use a mapping."
            )
            % {"fields": ", ".join(missing)},
            field=missing[0],
        )
    return columns


def validate_mapping(columns: dict[str, str], *, kind: str) -> dict[str, str]:
    """A mapping to save: each file header names a standard field of this kind."""
    if kind not in STANDARD:
        raise ApplicationError(
            ErrorCode.INVALID, _("Unknown kind of file: %(kind)s.") % {"kind": kind}, field="kind"
        )
    clean: dict[str, str] = {}
    for header, field in columns.items():
        if field not in STANDARD[kind]:
            raise ApplicationError(
                ErrorCode.INVALID,
                _("%(field)s is not a field of this kind of file; the fields are: %(fields)s.")
                % {"field": field, "fields": ", ".join(STANDARD[kind])},
                field="columns",
            )
        if not header.strip():
            raise ApplicationError(ErrorCode.INVALID, _("A column name is empty."), field="columns")
        clean[header.strip()] = field
    if not clean:
        raise ApplicationError(ErrorCode.INVALID, _("The mapping names no column."), field="columns")
    return clean


def guess_columns(header: list[str], *, kind: str, saved: dict[str, str] | None = None) -> list[str]:
    """For each column of the file, the standard field it is taken for ("" for none): what the page shows for
    the user to check and change. Unlike ``map_headers`` it refuses nothing; a field is given to its first
    column only."""
    lookup = _lookup(kind)
    by_key = {header_key(k): v for k, v in (saved or {}).items()}
    out: list[str] = []
    for text in header:
        key = header_key(text)
        field = by_key.get(key) or lookup.get(key) or ""
        out.append("" if field in out else field)
    return out
