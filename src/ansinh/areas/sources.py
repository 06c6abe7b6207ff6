"""Where Vietnam's official administrative units come from: plain lists read at run time, no Django.

Nothing big is committed to the project: every list is read from an installed package or from a wheel that
``pip download`` put on the machine, so the data has a version and a checksum.

Sources
-------
* Current structure (from 1 July 2025: 34 provinces, 3,321 communes, no districts): the installed PyPI
  package ``vietnam-provinces`` (2025.10.1, data retrieved 2025-10-18 from the General Statistics Office),
  file ``vietnam_provinces/data/nested-divisions.json``.
* Legacy structure (before 1 July 2025: 63 provinces, 696 districts, 10,051 communes): the wheel
  ``vietnam_provinces-0.6.0-py3-none-any.whl`` (PyPI ``vietnam-provinces==0.6.0``, data retrieved
  2025-01-04), file ``vietnam_provinces/data/nested-divisions.json`` read straight out of the zip.
* Province succession 63 → 34: ``data/province_succession_2025.csv`` in this package, written by hand from
  Resolution 202/2025/QH15 (12 June 2025).
* Commune succession: the wheel ``vietnamadminunits-1.0.4-py3-none-any.whl`` (PyPI ``vietnamadminunits``,
  MIT, by Tran Ngoc Minh Hieu), files ``vietnamadminunits/data/converter_2025.json`` (old commune → new
  commune, by name keys, with the split communes listed separately) and ``vietnamadminunits/data/dataset.db``
  (the keys' codes). It is a community compilation of the 2025 commune-level resolutions of the Standing
  Committee of the National Assembly (NQ 16xx/NQ-UBTVQH15 of 16 June 2025), NOT the General Statistics
  Office's conversion table (``BangChuyendoiĐVHCmoi_cu_khong_merge``), which no package reachable here ships.
  Its codes are re-keyed here onto the two lists above, by code and name, see :func:`commune_succession`.

The wheels are looked for in ``$ANSINH_WHEELS_DIR`` if set, else in ``<sys.prefix>/wheels`` (the venv's
``wheels/`` folder). Put them there with::

    .venv/bin/pip download --no-deps --dest .venv/wheels 'vietnam-provinces==0.6.0' 'vietnamadminunits==1.0.4'

Known data issue: for 114 of the 3,321 current communes, the code in ``vietnam-provinces`` 2025.x differs
from the code that ``vietnamadminunits`` and the GSO conversion table use for the same commune (e.g. Phường
Cửa Nam, Hà Nội: 00073 here, 00082 there). :func:`current_commune_code_differences` lists them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sqlite3
import sys
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
PROVINCE_SUCCESSION_CSV = DATA_DIR / "province_succession_2025.csv"

LEGACY_WHEEL = "vietnam_provinces-0.6.0-py3-none-any.whl"
LEGACY_WHEEL_SHA256 = "4b5772870efdcb7c58a64fbdc0e0c9ce497e67017a0c189dff99582ddadb7815"
LEGACY_JSON = "vietnam_provinces/data/nested-divisions.json"

CONVERSION_WHEEL = "vietnamadminunits-1.0.4-py3-none-any.whl"
CONVERSION_WHEEL_SHA256 = "737ee3662e877290386c1c45ed4d71f2e5fae34ab6fb9c64bfb4cb74b216ea35"
CONVERSION_JSON = "vietnamadminunits/data/converter_2025.json"
CONVERSION_DB = "vietnamadminunits/data/dataset.db"

DOWNLOAD_COMMAND = (
    ".venv/bin/pip download --no-deps --dest .venv/wheels"
    " 'vietnam-provinces==0.6.0' 'vietnamadminunits==1.0.4'"
)


class SourceUnavailable(FileNotFoundError):
    """A wheel or package the data comes from is not on this machine (or is not the expected file)."""


# --------------------------------------------------------------------------------------------------------
# Locating and reading the sources
# --------------------------------------------------------------------------------------------------------


def wheels_dir() -> Path:
    """Where downloaded wheels are looked for: ``$ANSINH_WHEELS_DIR``, else ``<sys.prefix>/wheels``."""
    env = os.environ.get("ANSINH_WHEELS_DIR")
    return Path(env) if env else Path(sys.prefix) / "wheels"


def _wheel(filename: str, sha256: str) -> Path:
    path = wheels_dir() / filename
    if not path.is_file():
        raise SourceUnavailable(f"{path} is missing; download it with: {DOWNLOAD_COMMAND}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SourceUnavailable(f"{path} has sha256 {digest}, expected {sha256}")
    return path


def _read_from_wheel(filename: str, sha256: str, member: str) -> bytes:
    with zipfile.ZipFile(_wheel(filename, sha256)) as zf:
        return zf.read(member)


@lru_cache(maxsize=1)
def _current_raw() -> tuple[str, str, list[dict[str, Any]]]:
    try:
        import vietnam_provinces
    except ModuleNotFoundError as exc:  # pragma: no cover - it is a project dependency
        raise SourceUnavailable("the package vietnam-provinces is not installed") from exc
    path = Path(vietnam_provinces.__file__).parent / "data" / "nested-divisions.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return vietnam_provinces.__version__, vietnam_provinces.__data_version__, data


@lru_cache(maxsize=1)
def _legacy_raw() -> list[dict[str, Any]]:
    return json.loads(_read_from_wheel(LEGACY_WHEEL, LEGACY_WHEEL_SHA256, LEGACY_JSON))


def _conversion_db() -> sqlite3.Connection:
    raw = _read_from_wheel(CONVERSION_WHEEL, CONVERSION_WHEEL_SHA256, CONVERSION_DB)
    conn = sqlite3.connect(":memory:")
    conn.deserialize(raw)  # Python 3.11+
    return conn


def current_version() -> tuple[str, str]:
    """(package version, data retrieval date) of the installed ``vietnam-provinces``."""
    version, data_version, _ = _current_raw()
    return version, data_version


# --------------------------------------------------------------------------------------------------------
# Names and kinds
# --------------------------------------------------------------------------------------------------------

_PROVINCE_PREFIXES = ("Thành phố ", "Tỉnh ")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng


def _short_province_name(name: str) -> str:
    for prefix in _PROVINCE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def name_key(name: str) -> str:
    """A comparison key for Vietnamese names: case, spacing and tone-mark placement do not matter.

    "Hoà" and "Hòa", "Thuỷ" and "Thủy" give the same key; "Đông Thành" and "Đông Thạnh" do not.
    """
    syllables = []
    text = re.sub(r"[’‘ʼ`]", "'", name.strip().lower())
    for syllable in re.split(r"[\s\-–]+", unicodedata.normalize("NFD", text)):
        if not syllable:
            continue
        tones = "".join(ch for ch in syllable if ch in _TONES)
        base = "".join(ch for ch in syllable if ch not in _TONES)
        syllables.append(unicodedata.normalize("NFC", base) + tones)
    return " ".join(syllables)


def _commune_kind(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("phường"):
        return "phuong"
    if lowered.startswith("thị trấn"):
        return "thi_tran"
    if lowered.startswith("đặc khu"):
        return "dac_khu"
    return "xa"


def _district_kind(name: str) -> str:
    lowered = name.lower()
    for prefix, kind in (
        ("quận", "quan"),
        ("thị xã", "thi_xa"),
        ("thành phố", "thanh_pho"),
        ("huyện", "huyen"),
    ):
        if lowered.startswith(prefix):
            return kind
    raise ValueError(f"unknown district kind: {name!r}")


def _province_kind(name: str) -> str:
    return "thanh_pho" if name.lower().startswith("thành phố") else "tinh"


def _full_province_name(name: str, kind: str) -> str:
    if name.startswith(_PROVINCE_PREFIXES):
        return name
    return ("Thành phố " if kind == "thanh_pho" else "Tỉnh ") + name


# --------------------------------------------------------------------------------------------------------
# Current structure (from 1 July 2025)
# --------------------------------------------------------------------------------------------------------


def current_provinces() -> list[dict[str, str]]:
    """The 34 provinces since 1 July 2025.

    Source: installed ``vietnam-provinces`` (2025.10.1), ``data/nested-divisions.json``; legal basis
    Resolution 202/2025/QH15. Rows: ``{"code": "15", "name": "Lào Cai", "full_name": "Tỉnh Lào Cai",
    "kind": "tinh"|"thanh_pho"}``.
    """
    rows = []
    for p in _current_raw()[2]:
        kind = "thanh_pho" if p["division_type"] == "thành phố trung ương" else "tinh"
        rows.append(
            {
                "code": f"{p['code']:02d}",
                "name": _short_province_name(p["name"]),
                "full_name": _full_province_name(p["name"], kind),
                "kind": kind,
            }
        )
    return sorted(rows, key=lambda r: r["code"])


_CURRENT_COMMUNE_KINDS = {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"}


def current_communes() -> list[dict[str, str]]:
    """The 3,321 communes since 1 July 2025 (2,621 xã, 687 phường, 13 đặc khu).

    Source: installed ``vietnam-provinces`` (2025.10.1), ``data/nested-divisions.json``; legal basis the
    commune-level resolutions NQ 16xx/NQ-UBTVQH15 of 16 June 2025. Rows: ``{"code": "02269",
    "name": "Xã Thượng Lâm", "kind": "xa"|"phuong"|"dac_khu", "province_code": "08"}``.
    See the module docstring about 114 codes that other sources give differently.
    """
    rows = []
    for p in _current_raw()[2]:
        for w in p["wards"]:
            rows.append(
                {
                    "code": f"{w['code']:05d}",
                    "name": w["name"],
                    "kind": _CURRENT_COMMUNE_KINDS[w["division_type"]],
                    "province_code": f"{p['code']:02d}",
                }
            )
    return sorted(rows, key=lambda r: r["code"])


# --------------------------------------------------------------------------------------------------------
# Legacy structure (before 1 July 2025)
# --------------------------------------------------------------------------------------------------------


def legacy_provinces() -> list[dict[str, str]]:
    """The 63 provinces before 1 July 2025.

    Source: wheel ``vietnam_provinces-0.6.0`` (data 2025-01-04),
    ``vietnam_provinces/data/nested-divisions.json``.
    Rows: ``{"code": "15", "name": "Yên Bái", "full_name": "Tỉnh Yên Bái", "kind": "tinh"|"thanh_pho"}``.
    """
    rows = []
    for p in _legacy_raw():
        kind = _province_kind(p["name"])
        rows.append(
            {
                "code": f"{p['code']:02d}",
                "name": _short_province_name(p["name"]),
                "full_name": p["name"],
                "kind": kind,
            }
        )
    return sorted(rows, key=lambda r: r["code"])


def legacy_districts() -> list[dict[str, str]]:
    """The 696 districts before 1 July 2025 (the district level was abolished then).

    Source: as :func:`legacy_provinces`. Rows: ``{"code": "080", "name": "Thành phố Lào Cai",
    "kind": "quan"|"huyen"|"thi_xa"|"thanh_pho", "province_code": "10"}``. Five island districts have no
    commune: 318 Bạch Long Vĩ, 471 Cồn Cỏ, 498 Hoàng Sa, 536 Lý Sơn, 755 Côn Đảo.
    """
    rows = []
    for p in _legacy_raw():
        for d in p["districts"]:
            rows.append(
                {
                    "code": f"{d['code']:03d}",
                    "name": d["name"],
                    "kind": _district_kind(d["name"]),
                    "province_code": f"{p['code']:02d}",
                }
            )
    return sorted(rows, key=lambda r: r["code"])


def legacy_communes() -> list[dict[str, str]]:
    """The 10,051 communes of the GSO list as retrieved on 2025-01-04 (7,717 xã, 1,716 phường, 618 thị trấn).

    Source: as :func:`legacy_provinces`. Rows: ``{"code": "02647", "name": "Phường Kim Tân",
    "kind": "xa"|"phuong"|"thi_tran", "district_code": "080", "province_code": "10"}``.
    A few communes merged between January and June 2025 are still listed here as they were on that date.
    """
    rows = []
    for p in _legacy_raw():
        for d in p["districts"]:
            for w in d["wards"]:
                rows.append(
                    {
                        "code": f"{w['code']:05d}",
                        "name": w["name"],
                        "kind": _commune_kind(w["name"]),
                        "district_code": f"{d['code']:03d}",
                        "province_code": f"{p['code']:02d}",
                    }
                )
    return sorted(rows, key=lambda r: r["code"])


# --------------------------------------------------------------------------------------------------------
# Successions
# --------------------------------------------------------------------------------------------------------


def province_succession() -> list[tuple[str, str]]:
    """Legacy province code → current province code, one pair for each of the 63 legacy provinces.

    Source: ``data/province_succession_2025.csv`` (this project), from Resolution 202/2025/QH15 of the
    National Assembly (12 June 2025). Every legacy province passed whole into one current province.
    """
    with PROVINCE_SUCCESSION_CSV.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    return [(row["legacy_code"], row["current_code"]) for row in csv.DictReader(lines)]


def _rekey_current(their: list[tuple[str, str, str]]) -> dict[str, str]:
    """Map ``vietnamadminunits`` current commune codes onto :func:`current_communes` codes.

    ``their`` holds (code, province_code, name). By (province, name) first; a commune whose name is spelt
    differently falls back to the same code in the same province, unless that code was already claimed
    by name.
    """
    ours = current_communes()
    by_name = {(c["province_code"], name_key(c["name"])): c["code"] for c in ours}
    by_code = {c["code"]: c for c in ours}
    result: dict[str, str] = {}
    for code, province_code, name in their:
        hit = by_name.get((province_code, name_key(name)))
        if hit:
            result[code] = hit
    claimed = set(result.values())
    for code, province_code, _name in their:
        if code in result:
            continue
        same = by_code.get(code)
        if same and same["province_code"] == province_code and code not in claimed:
            result[code] = code
            claimed.add(code)
    return result


def _rekey_legacy(their: list[tuple[str, str, str]]) -> dict[str, str]:
    """Map ``vietnamadminunits`` legacy commune codes onto :func:`legacy_communes` codes.

    ``their`` holds (code, district_code, name). The same code in the same district with the same name; else
    the same name in the same district (a few Hồ Chí Minh City wards were renumbered); else the same code in
    the same district (the name is spelt differently: "Đắk"/"Đăk", "Quí"/"Quý", "NT"/"Nông trường", ...).
    """
    ours = legacy_communes()
    by_code = {c["code"]: c for c in ours}
    by_name = {(c["district_code"], name_key(c["name"])): c["code"] for c in ours}
    result: dict[str, str] = {}
    for code, district_code, name in their:
        same = by_code.get(code)
        if same and same["district_code"] == district_code and name_key(same["name"]) == name_key(name):
            result[code] = code
        elif (district_code, name_key(name)) in by_name:
            result[code] = by_name[(district_code, name_key(name))]
        elif same and same["district_code"] == district_code:
            result[code] = code
    return result


@lru_cache(maxsize=1)
def _succession_rows() -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    """Build the commune succession from ``vietnamadminunits`` and re-key it onto our two lists.

    Returns (commune rows, island-district rows).
    """
    conn = _conversion_db()
    try:
        legacy_rows = list(
            conn.execute(
                "SELECT provinceKey, districtKey, wardKey, wardCode, districtCode, ward"
                " FROM admin_units_legacy"
            )
        )
        current_rows = list(
            conn.execute("SELECT provinceKey, wardKey, wardCode, provinceCode, ward FROM admin_units")
        )
    finally:
        conn.close()
    conversion = json.loads(_read_from_wheel(CONVERSION_WHEEL, CONVERSION_WHEEL_SHA256, CONVERSION_JSON))

    legacy_by_key = {
        f"{pk}_{dk}_{wk or ''}": (code, district_code) for pk, dk, wk, code, district_code, _ in legacy_rows
    }
    current_by_key = {(pk, wk): code for pk, wk, code, _pc, _name in current_rows}
    legacy_map = _rekey_legacy([(code, dc, name) for _pk, _dk, _wk, code, dc, name in legacy_rows if code])
    current_map = _rekey_current([(code, pc, name) for _pk, _wk, code, pc, name in current_rows])

    # (legacy key, current key, split, primary), in the package's own keys
    raw: list[tuple[str, tuple[str, str], bool, bool]] = []
    for new_pk, wards in conversion["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wk, old_keys in wards.items():
            raw.extend((old_key, (new_pk, new_wk), False, True) for old_key in old_keys)
    for new_pk, olds in conversion["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            raw.extend(
                (old_key, (new_pk, t["newWardKey"]), True, bool(t["isDefaultNewWard"])) for t in targets
            )

    communes: dict[tuple[str, str], dict[str, Any]] = {}
    islands: dict[tuple[str, str], dict[str, Any]] = {}
    for old_key, new_key, split, primary in raw:
        current = current_map.get(current_by_key[new_key])
        old_code, district_code = legacy_by_key[old_key]
        if current is None:
            continue
        if old_code is None:  # an island district without communes → a special zone (đặc khu)
            islands[(district_code, current)] = {
                "legacy_district_code": district_code,
                "current_code": current,
            }
            continue
        legacy = legacy_map.get(old_code)
        if legacy is None:
            continue
        row = communes.get((legacy, current))
        if row is None:
            communes[(legacy, current)] = {
                "legacy_code": legacy,
                "current_code": current,
                "split": split,
                "primary": primary,
            }
        else:  # the same pair reached twice: keep the strongest flags
            row["split"] = row["split"] or split
            row["primary"] = row["primary"] or primary
    return tuple(communes[k] for k in sorted(communes)), tuple(islands[k] for k in sorted(islands))


def commune_succession_rows() -> list[dict[str, Any]]:
    """Each legacy commune → the current commune(s) it became (part of), with two flags.

    ``split`` is true when the legacy commune was divided between several current communes (each gets a row);
    ``primary`` marks, for a split commune, the current commune the source picks by default (where most of it
    went), and is true for a commune that was not split. Source: see :func:`commune_succession`.
    """
    return [dict(row) for row in _succession_rows()[0]]


def commune_succession() -> list[tuple[str, str]]:
    """Legacy commune code → current commune code, for every pair in which the legacy commune became
    (part of) the current one.

    Source: wheel ``vietnamadminunits-1.0.4`` (PyPI ``vietnamadminunits``, MIT), ``data/converter_2025.json``
    + ``data/dataset.db``, compiled by its author from the 2025 commune-level resolutions
    (NQ 16xx/NQ-UBTVQH15, in force 1 July 2025). Not the GSO conversion table itself (not installable
    here); a check of 78 Hà Nội pairs of that table found all of them here. Codes are re-keyed onto
    :func:`legacy_communes` and :func:`current_communes`: a current commune by (province, name) first, since
    114 current codes differ between the two packages; a legacy commune by code when the names agree, else by
    (district, name). Pairs that cannot be re-keyed are left out (19 legacy communes merged into a neighbour
    between January and June 2025); see :func:`commune_succession_coverage`.
    """
    return [(row["legacy_code"], row["current_code"]) for row in _succession_rows()[0]]


def island_district_succession() -> list[tuple[str, str]]:
    """Legacy island districts that had no commune → the current special zone (đặc khu) they became.

    (318 Bạch Long Vĩ, 471 Cồn Cỏ, 498 Hoàng Sa, 536 Lý Sơn, 755 Côn Đảo.)
    Source: as :func:`commune_succession`.
    """
    return [(row["legacy_district_code"], row["current_code"]) for row in _succession_rows()[1]]


def commune_succession_coverage() -> dict[str, Any]:
    """What the commune succession covers: counts and the codes left without a mapping."""
    pairs = commune_succession()
    legacy_mapped = {old for old, _ in pairs}
    current_mapped = {new for _, new in pairs} | {new for _, new in island_district_succession()}
    legacy_all = [c["code"] for c in legacy_communes()]
    current_all = [c["code"] for c in current_communes()]
    return {
        "pairs": len(pairs),
        "legacy_communes": len(legacy_all),
        "legacy_mapped": len(legacy_mapped),
        "legacy_unmapped": sorted(set(legacy_all) - legacy_mapped),
        "current_communes": len(current_all),
        "current_with_predecessor": len(current_mapped & set(current_all)),
        "current_without_predecessor": sorted(set(current_all) - current_mapped),
        "split_legacy_communes": len({r["legacy_code"] for r in _succession_rows()[0] if r["split"]}),
    }


def current_commune_code_differences() -> list[dict[str, str]]:
    """Current communes whose code in ``vietnam-provinces`` differs from the one in ``vietnamadminunits``.

    The latter agrees with the GSO conversion table (BangChuyendoiĐVHCmoi_cu) where checked. Rows:
    ``{"province_code", "name", "code" (ours), "other_code"}``.
    """
    conn = _conversion_db()
    try:
        theirs = {
            (province_code, name_key(name)): code
            for province_code, name, code in conn.execute(
                "SELECT provinceCode, ward, wardCode FROM admin_units"
            )
        }
    finally:
        conn.close()
    rows = []
    for c in current_communes():
        other = theirs.get((c["province_code"], name_key(c["name"])))
        if other and other != c["code"]:
            rows.append(
                {
                    "province_code": c["province_code"],
                    "name": c["name"],
                    "code": c["code"],
                    "other_code": other,
                }
            )
    return rows
