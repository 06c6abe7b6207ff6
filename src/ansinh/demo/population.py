"""A synthetic but realistic population for one province, in its real current communes (``ansinh demo``).

What it creates, and the figures it follows (rounded, from public GSO and provincial reports):

* villages under every commune that has none yet: *tổ dân phố* in a ward (phường), *bản* in highland
  communes, *thôn* elsewhere; 8–22 a commune, with their codes ``<commune code>.<3 digits>``;
* households of 1–9 people (mean about 3.8; larger in the highlands), each with a head and relatives
  (spouse, children, parents, grandchildren, siblings); household codes ``DEMO-<province>-<serial>``;
* ages that follow Vietnam's pyramid (about a quarter under 15, a tenth 65 and over) and a male-leaning sex
  ratio among young children;
* the ethnic mix of the commune's former district: for Lào Cai (current 15 = legacy Lào Cai 10 + legacy
  Yên Bái 15) a profile for each of the 18 former districts (Mông in Sa Pa, Si Ma Cai, Mù Cang Chải and Trạm
  Tấu; Tày in Bảo Yên, Văn Bàn, Lục Yên; Thái around Nghĩa Lộ; Kinh in the cities...), with names that fit
  each group (Giàng A Páo, Triệu Thị Mẩy, Lò Văn Khằm, Nguyễn Thị Huyền); other provinces get a coarser
  profile (northern-mountain or lowland) from their legacy provinces;
* poverty by household (poor / near-poor, certified in the year before the reference date), far higher in
  highland communes; pupils and students; pensioners (cash or bank account); social-assistance recipients;
  the commune-level statuses (ethnic minority in a listed commune, ATK commune, island commune);
* birth dates, some known only by year or by month and year (older highland people above all);
* personal IDs valid under Decree 137/2015 (province of birth registration: the commune's legacy province,
  or a lowland province for some Kinh adults who moved in; sex and century digit; year digits; serial),
  unique across the database; SI numbers for most; Vietnamese mobile numbers for most adults.

Determinism: every draw comes from ``random.Random`` instances seeded from ``seed`` (villages from one, people
from another), never the global generator, and the reference date is fixed (``DEMO_AS_OF``), so the same seed
on the same areas gives the same rows (only ``created_at`` and the database ids differ).

Transactions: the whole run (replacing, villages, every batch, the audit event) is ONE transaction, so a
failed or interrupted run leaves nothing behind and a concurrent reader never sees half a province. On
PostgreSQL a million people in one transaction is ordinary; on SQLite it holds the write lock until the end.

Scale: rows are built in memory a batch of about ``BATCH`` people at a time and written with ``bulk_create``
(persons, then their households with the head already known, then memberships), three statements a batch and
no per-row query; ``--persons 1000000`` takes minutes (see docs/benchmarks.md).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from ansinh.areas.models import LEGACY_PREFIX, Area, AreaSuccession, Level
from ansinh.core.audit import audit_record
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.identifiers import CCCD_PROVINCE_CODES
from ansinh.core.text import fold
from ansinh.registry.models import (
    Audit,
    BirthDatePrecision,
    Employment,
    Household,
    Membership,
    Payout,
    Person,
    Poverty,
    Relation,
    Sex,
)

Progress = Callable[[str, int], None]

DEMO_PREFIX = "DEMO-"
DEMO_AS_OF = dt.date(2025, 10, 1)  # fixed, so that a seed gives the same ages whatever the day
BATCH = 5000
_AS_OF_ORDINAL = DEMO_AS_OF.toordinal()
# Days from DEMO_AS_OF back to the same day ``n`` years earlier, for n = 0..120.
_YEAR_ORDINALS = [
    _AS_OF_ORDINAL - DEMO_AS_OF.replace(year=DEMO_AS_OF.year - n).toordinal() for n in range(122)
]

# --------------------------------------------------------------------------------------------------------
# Tables: weights are relative (they need not sum to 100)
# --------------------------------------------------------------------------------------------------------

KINH, TAY, THAI, HOA, MUONG, NUNG, MONG, DAO = "01", "02", "03", "04", "06", "07", "08", "09"
SAN_CHAY, GIAY, HA_NHI, LA_CHI, PHU_LA, BO_Y = "15", "25", "35", "38", "40", "49"

URBAN, MIDLAND, HIGHLAND, LOWLAND = "urban", "midland", "highland", "lowland"


@dataclass(frozen=True)
class Profile:
    terrain: str  # urban / midland / highland / lowland (a ward is always urban)
    poor: float  # share of households certified poor
    near_poor: float
    mix: dict[str, float]  # ethnicity code -> weight


# The 18 former districts of Lào Cai (legacy 10) and Yên Bái (legacy 15), by legacy district code.
# Shares after the 2019 census and the provinces' poverty reviews, rounded.
DISTRICT_PROFILES: dict[str, Profile] = {
    "080": Profile(
        URBAN, 0.01, 0.02, {KINH: 80, TAY: 6, GIAY: 3, DAO: 3, NUNG: 2, MONG: 2, HOA: 2, THAI: 1, PHU_LA: 1}
    ),
    "082": Profile(
        HIGHLAND,
        0.19,
        0.11,
        {MONG: 26, DAO: 25, KINH: 20, GIAY: 12, HA_NHI: 7, TAY: 5, PHU_LA: 3, NUNG: 1, HOA: 1},
    ),
    "083": Profile(
        HIGHLAND, 0.21, 0.11, {MONG: 43, NUNG: 30, KINH: 12, DAO: 5, PHU_LA: 3, GIAY: 3, TAY: 2, BO_Y: 2}
    ),
    "084": Profile(HIGHLAND, 0.26, 0.11, {MONG: 82, NUNG: 14, KINH: 3, PHU_LA: 1}),
    "085": Profile(HIGHLAND, 0.22, 0.11, {MONG: 50, TAY: 15, DAO: 12, NUNG: 10, KINH: 10, PHU_LA: 3}),
    "086": Profile(
        MIDLAND,
        0.07,
        0.06,
        {KINH: 56, TAY: 10, DAO: 10, MONG: 7, GIAY: 5, PHU_LA: 5, NUNG: 3, HOA: 2, THAI: 2},
    ),
    "087": Profile(MIDLAND, 0.12, 0.10, {TAY: 42, KINH: 25, DAO: 20, MONG: 8, NUNG: 3, PHU_LA: 2}),
    "088": Profile(HIGHLAND, 0.15, 0.09, {MONG: 52, DAO: 25, KINH: 16, GIAY: 4, TAY: 2, PHU_LA: 1}),
    "089": Profile(HIGHLAND, 0.13, 0.09, {TAY: 40, KINH: 25, DAO: 18, MONG: 14, PHU_LA: 2, GIAY: 1}),
    "132": Profile(URBAN, 0.01, 0.02, {KINH: 88, TAY: 7, DAO: 2, NUNG: 1, MUONG: 1, HOA: 1}),
    "133": Profile(URBAN, 0.03, 0.04, {THAI: 48, KINH: 45, MONG: 3, TAY: 2, MUONG: 2}),
    "135": Profile(MIDLAND, 0.10, 0.10, {TAY: 50, KINH: 22, DAO: 18, NUNG: 8, MONG: 1, SAN_CHAY: 1}),
    "136": Profile(MIDLAND, 0.10, 0.09, {KINH: 52, DAO: 30, TAY: 12, MONG: 3, NUNG: 2, MUONG: 1}),
    "137": Profile(HIGHLAND, 0.34, 0.11, {MONG: 91, THAI: 5, KINH: 3, DAO: 1}),
    "138": Profile(MIDLAND, 0.05, 0.06, {KINH: 72, TAY: 13, DAO: 12, MUONG: 2, SAN_CHAY: 1}),
    "139": Profile(HIGHLAND, 0.34, 0.11, {MONG: 77, THAI: 18, KINH: 4, DAO: 1}),
    "140": Profile(MIDLAND, 0.15, 0.10, {KINH: 40, THAI: 25, TAY: 15, MONG: 10, DAO: 8, MUONG: 2}),
    "141": Profile(MIDLAND, 0.05, 0.06, {KINH: 60, TAY: 20, DAO: 10, NUNG: 5, SAN_CHAY: 4, MUONG: 1}),
}

# Legacy provinces of the northern mountains (GSO codes): there a commune that is not a ward is highland.
NORTHERN_MOUNTAIN = frozenset({"02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "20"})
MOUNTAIN_PROFILE = Profile(
    HIGHLAND, 0.14, 0.09, {KINH: 30, TAY: 18, MONG: 16, DAO: 10, THAI: 10, NUNG: 9, MUONG: 7}
)
URBAN_PROFILE = Profile(URBAN, 0.01, 0.02, {KINH: 95, TAY: 1.5, MUONG: 1, HOA: 1.5, NUNG: 0.5, THAI: 0.5})
LOWLAND_PROFILE = Profile(LOWLAND, 0.03, 0.04, {KINH: 95, MUONG: 1.5, TAY: 1, THAI: 1, HOA: 1, NUNG: 0.5})

# Birth registration of adults who moved in from the lowlands (personal-ID province codes).
MIGRANT_ORIGINS = {
    "025": 20,
    "034": 12,
    "036": 10,
    "030": 8,
    "001": 12,
    "035": 5,
    "037": 5,
    "038": 10,
    "040": 8,
    "033": 5,
    "026": 5,
}

HOUSEHOLD_SIZES = {1: 9, 2: 18, 3: 22, 4: 25, 5: 13, 6: 7, 7: 3, 8: 2, 9: 1}  # mean ≈ 3.6
HIGHLAND_HOUSEHOLD_SIZES = {1: 5, 2: 12, 3: 18, 4: 25, 5: 18, 6: 11, 7: 6, 8: 3, 9: 2}  # mean ≈ 4.2

# Viettel dominates in the mountains; the rest are VinaPhone, MobiFone, Vietnamobile (all valid prefixes).
PHONE_PREFIXES = {
    "086": 6,
    "096": 9,
    "097": 10,
    "098": 9,
    "032": 5,
    "033": 5,
    "034": 5,
    "035": 5,
    "036": 4,
    "037": 4,
    "038": 4,
    "039": 4,
    "091": 5,
    "094": 4,
    "088": 2,
    "081": 2,
    "082": 2,
    "083": 2,
    "084": 2,
    "085": 2,
    "090": 4,
    "093": 3,
    "089": 2,
    "070": 2,
    "076": 1,
    "077": 1,
    "078": 1,
    "079": 1,
    "056": 1,
    "058": 1,
    "092": 1,
    "052": 0.5,
    "059": 0.5,
}


@dataclass(frozen=True)
class NameStyle:
    families: Mapping[str, float]
    male_middle: Mapping[str, float]
    female_middle: Mapping[str, float]
    male_given: Sequence[str]
    female_given: Sequence[str]


_KINH_MALE = (
    "Anh",
    "Hùng",
    "Dũng",
    "Tuấn",
    "Hải",
    "Nam",
    "Long",
    "Minh",
    "Quân",
    "Thắng",
    "Sơn",
    "Cường",
    "Đức",
    "Hiếu",
    "Huy",
    "Khoa",
    "Phong",
    "Trung",
    "Bình",
    "Hoàng",
    "Lâm",
    "Tùng",
    "Thành",
    "Tú",
    "Việt",
    "Vinh",
    "Hưng",
    "Kiên",
    "Lợi",
    "Toàn",
    "Quang",
    "Tài",
    "Tâm",
    "Thịnh",
    "Đạt",
    "Khánh",
    "Phúc",
    "An",
    "Bảo",
    "Đăng",
    "Khôi",
    "Nhật",
    "Duy",
    "Hiệp",
    "Chiến",
    "Thái",
)
_KINH_FEMALE = (
    "Huyền",
    "Hoa",
    "Lan",
    "Hương",
    "Hằng",
    "Hà",
    "Linh",
    "Mai",
    "Ngọc",
    "Nga",
    "Nhung",
    "Oanh",
    "Phương",
    "Thảo",
    "Thủy",
    "Trang",
    "Tuyết",
    "Vân",
    "Yến",
    "Hạnh",
    "Dung",
    "Giang",
    "Hiền",
    "Hồng",
    "Lệ",
    "Loan",
    "Ly",
    "My",
    "Nhàn",
    "Quỳnh",
    "Thơm",
    "Thu",
    "Uyên",
    "Vy",
    "Anh",
    "Chi",
    "Diệp",
    "Hòa",
    "Liên",
    "Ngân",
    "Thoa",
    "Xuân",
)
_VAN = {"Văn": 70, "Đức": 6, "Minh": 6, "Xuân": 4, "Quang": 4, "Thanh": 4, "Hữu": 3, "Ngọc": 3}
_THI = {"Thị": 80, "Thu": 5, "Ngọc": 4, "Thanh": 4, "Minh": 3, "Hồng": 4}

NAME_STYLES: dict[str, NameStyle] = {
    KINH: NameStyle(
        {
            "Nguyễn": 38,
            "Trần": 11,
            "Lê": 9.5,
            "Phạm": 7,
            "Hoàng": 5,
            "Phan": 4,
            "Vũ": 4,
            "Đặng": 2,
            "Bùi": 2,
            "Đỗ": 1.5,
            "Hồ": 1,
            "Ngô": 1.3,
            "Dương": 1,
            "Đinh": 1,
            "Đào": 1,
            "Lương": 1,
            "Trịnh": 1,
            "Hà": 1,
            "Lý": 0.5,
            "Mai": 0.5,
            "Tạ": 0.5,
            "Cao": 0.5,
            "Lưu": 0.5,
            "Đoàn": 0.5,
            "Chu": 0.3,
            "Tô": 0.3,
            "Kiều": 0.2,
            "Quách": 0.2,
            "Khúc": 0.1,
            "Võ": 0.8,
            "Huỳnh": 0.5,
        },
        {
            "Văn": 35,
            "Đức": 10,
            "Minh": 10,
            "Quang": 6,
            "Hữu": 6,
            "Xuân": 4,
            "Tiến": 3,
            "Thanh": 4,
            "Ngọc": 3,
            "Anh": 3,
            "Công": 4,
            "Trung": 3,
            "Mạnh": 3,
            "Duy": 3,
            "Gia": 3,
            "Bảo": 2,
        },
        {
            "Thị": 55,
            "Thu": 6,
            "Ngọc": 6,
            "Thanh": 5,
            "Minh": 4,
            "Phương": 3,
            "Hồng": 3,
            "Kim": 3,
            "Bảo": 3,
            "Khánh": 3,
            "Hải": 2,
            "Mai": 2,
            "Diệu": 2,
            "Quỳnh": 2,
            "Thùy": 2,
        },
        _KINH_MALE,
        _KINH_FEMALE,
    ),
    MONG: NameStyle(
        {
            "Giàng": 16,
            "Thào": 14,
            "Vàng": 14,
            "Sùng": 12,
            "Lý": 10,
            "Lù": 8,
            "Hầu": 6,
            "Mùa": 6,
            "Ly": 4,
            "Cứ": 3,
            "Hạng": 3,
            "Tráng": 3,
            "Lầu": 2,
            "Má": 2,
            "Chá": 1,
            "Phàng": 1,
        },
        {"A": 35, "Seo": 25, "Văn": 20, "Chá": 5, "": 15},
        {"Thị": 55, "Mí": 25, "": 20},
        (
            "Páo",
            "Dế",
            "Sính",
            "Chứ",
            "Lử",
            "Súa",
            "Pó",
            "Tủa",
            "Dình",
            "Chư",
            "Mua",
            "Lềnh",
            "Cáng",
            "Thề",
            "Phử",
            "Chính",
            "Sềnh",
            "Chảo",
            "Chìa",
            "Khua",
            "Nhà",
            "Vừ",
            "Lầu",
            "Pao",
            "Sáng",
            "Chu",
            "Tồng",
            "Sình",
            "Của",
            "Dơ",
            "Giống",
            "Tú",
        ),
        (
            "Mai",
            "Súa",
            "Dính",
            "Mỷ",
            "Dợ",
            "Pà",
            "Sua",
            "Dí",
            "Lan",
            "Chá",
            "Mảy",
            "Mẩy",
            "Say",
            "Xúa",
            "Chía",
            "Sì",
            "Chi",
            "Lìa",
            "Dua",
            "Máy",
            "Vàng",
            "Lử",
            "Sinh",
            "Và",
            "Ma",
            "Ly",
            "Cở",
            "Dinh",
        ),
    ),
    DAO: NameStyle(
        {
            "Triệu": 22,
            "Bàn": 16,
            "Lý": 14,
            "Đặng": 14,
            "Tẩn": 10,
            "Phàn": 8,
            "Chảo": 8,
            "Hoàng": 4,
            "Phùng": 4,
        },
        {"Văn": 45, "Láo": 15, "Tà": 10, "Seo": 10, "Quý": 5, "Tiến": 5, "": 10},
        {"Thị": 60, "Tả": 15, "Mùi": 10, "Sử": 5, "": 10},
        (
            "Phin",
            "Lở",
            "Tả",
            "Chàn",
            "Quẩy",
            "Sinh",
            "Kiềm",
            "Thanh",
            "Phú",
            "Lồ",
            "Chài",
            "Tòng",
            "Lìn",
            "Vần",
            "Tiến",
            "Dụ",
            "Kim",
            "Sành",
            "Chiêu",
            "Quyên",
            "Liều",
            "Phấu",
            "San",
            "Xuân",
        ),
        (
            "Mẩy",
            "Lai",
            "Lở",
            "Chạn",
            "Xuân",
            "Mây",
            "Sử",
            "Dảo",
            "Nái",
            "Tả",
            "Lin",
            "Mười",
            "Phượng",
            "Hoa",
            "Lan",
            "Liên",
            "Hương",
            "Chài",
            "Kiều",
            "Sinh",
        ),
    ),
    TAY: NameStyle(
        {
            "Hoàng": 20,
            "Nông": 15,
            "Lương": 10,
            "Ma": 8,
            "Hà": 6,
            "Nguyễn": 6,
            "Đàm": 5,
            "Vi": 4,
            "Lục": 4,
            "Bế": 4,
            "La": 4,
            "Triệu": 3,
            "Lâm": 3,
            "Đinh": 3,
            "Hứa": 2,
            "Phùng": 2,
        },
        _VAN,
        _THI,
        _KINH_MALE[:30] + ("Pản", "Khiêm", "Đoàn", "Thào", "Vượng", "Chung"),
        _KINH_FEMALE[:30] + ("Ún", "Mến", "Chiêm", "Quyến"),
    ),
    NUNG: NameStyle(
        {
            "Nông": 14,
            "Hoàng": 12,
            "Vi": 8,
            "Lương": 6,
            "Triệu": 6,
            "Lù": 6,
            "Tráng": 6,
            "Lục": 5,
            "Sần": 4,
            "Sìn": 4,
            "Lò": 3,
            "Lý": 4,
        },
        {"Văn": 60, "Seo": 15, "A": 5, "Chẩn": 5, "": 15},
        {"Thị": 70, "Mí": 10, "": 20},
        (
            "Sềnh",
            "Chắn",
            "Dình",
            "Pờ",
            "Sình",
            "Hìn",
            "Chấn",
            "Vần",
            "Phủ",
            "Pao",
            "Lùng",
            "Thắng",
            "Hùng",
            "Minh",
            "Sơn",
            "Dũng",
            "Tiến",
            "Lâm",
        ),
        ("Sành", "Mìn", "Chía", "Lìn", "Phấu", "Mùi", "Tắng", "Mai", "Hoa", "Lan", "Xuân", "Hương", "Hạnh"),
    ),
    GIAY: NameStyle(
        {"Hoàng": 15, "Lù": 12, "Vàng": 10, "Lò": 10, "Sần": 8, "Lồ": 6, "Nông": 4, "Ly": 4, "Hà": 3},
        {"Văn": 70, "Seo": 10, "A": 5, "": 15},
        {"Thị": 80, "": 20},
        (
            "Dìn",
            "Chin",
            "Lềnh",
            "Ngần",
            "Dùng",
            "Sáng",
            "Phin",
            "Chuyên",
            "Hưng",
            "Minh",
            "Thắng",
            "Tiến",
            "Dũng",
            "Quý",
            "Thanh",
        ),
        ("Mao", "Dìn", "Chiêm", "Mỷ", "Pấu", "Dung", "Hoa", "Lan", "Hương", "Xuân", "Mai", "Thu", "Hà"),
    ),
    THAI: NameStyle(
        {
            "Lò": 20,
            "Hà": 12,
            "Cầm": 10,
            "Lường": 10,
            "Tòng": 6,
            "Quàng": 6,
            "Vì": 6,
            "Điêu": 5,
            "Lù": 5,
            "Hoàng": 4,
            "Bạc": 3,
            "Sa": 3,
            "Đinh": 3,
            "Mè": 2,
        },
        {"Văn": 85, "": 15},
        {"Thị": 90, "": 10},
        (
            "Khằm",
            "Pắn",
            "Xiêng",
            "Thoong",
            "Phanh",
            "Bun",
            "Inh",
            "Chiến",
            "Hùng",
            "Minh",
            "Tiến",
            "Thanh",
            "Khiêm",
            "Xôm",
            "Ngoan",
            "Hịa",
            "Quyết",
            "Thành",
            "Ánh",
        ),
        (
            "Ún",
            "Pâng",
            "Xuân",
            "Hoa",
            "Ngọc",
            "Bua",
            "Thoa",
            "Lả",
            "Ánh",
            "Chăm",
            "Ín",
            "Phanh",
            "Ơn",
            "Hom",
            "Lả",
            "Yến",
            "Dung",
            "Thương",
        ),
    ),
    HA_NHI: NameStyle(
        {"Chu": 18, "Ly": 12, "Pờ": 12, "Lỳ": 10, "Sừ": 10, "Phu": 8, "Lù": 6, "Chang": 4, "Hầu": 3},
        {"Văn": 40, "Giờ": 10, "Chà": 10, "": 40},
        {"Thị": 40, "Mé": 20, "": 40},
        ("Xá", "Pu", "Chừ", "Giờ", "Xe", "Cà", "Pờ", "Lò", "Hừ", "Sè", "Chu", "Phà", "Chè", "Gió"),
        ("Mé", "Pu", "Gió", "Xé", "Xó", "Hờ", "Chà", "Nhù", "Lù", "Mơ", "Sà", "Có", "Mì"),
    ),
    PHU_LA: NameStyle(
        {"Vàng": 15, "Lý": 12, "Hoàng": 12, "Sần": 10, "Tráng": 8, "Lồ": 6, "Lù": 5, "Thào": 3},
        {"Văn": 70, "Seo": 10, "A": 5, "": 15},
        {"Thị": 75, "Mí": 5, "": 20},
        ("Lìn", "Hùng", "Dào", "Sín", "Chẩn", "Páo", "Thắng", "Thanh", "Dũng", "Sơn", "Chín", "Phủ"),
        ("Sinh", "Mỷ", "Xuyến", "Lan", "Hoa", "Mai", "Lìn", "Dung", "Hương", "Chiên"),
    ),
    MUONG: NameStyle(
        {"Bùi": 30, "Đinh": 25, "Quách": 12, "Hà": 10, "Xa": 5, "Cao": 5, "Phạm": 5, "Nguyễn": 5},
        _VAN,
        _THI,
        _KINH_MALE,
        _KINH_FEMALE,
    ),
    HOA: NameStyle(
        {
            "Lý": 12,
            "Trương": 10,
            "Lâm": 10,
            "Hoàng": 8,
            "Trần": 8,
            "Lưu": 8,
            "Dương": 6,
            "Tăng": 5,
            "Quan": 5,
            "Châu": 5,
            "Diệp": 4,
            "Mạc": 3,
        },
        {"Văn": 30, "A": 10, "Quốc": 10, "Minh": 15, "Gia": 10, "Vĩnh": 5, "": 20},
        {"Thị": 40, "Mỹ": 15, "Ngọc": 15, "Tú": 10, "": 20},
        ("Phát", "Tài", "Lộc", "Cường", "Hưng", "Thịnh", "Hoa", "Quang", "Kiệt", "Vinh", "Sáng", "Phúc"),
        ("Lệ", "Mỹ", "Linh", "Phương", "Anh", "Ngọc", "Quyên", "Hoa", "Châu", "Mai", "Tuyết", "Xuân"),
    ),
    SAN_CHAY: NameStyle(
        {"Lâm": 15, "Hoàng": 12, "Trương": 10, "Hà": 8, "Diệp": 8, "Triệu": 6, "Lục": 6, "Nịnh": 4},
        _VAN,
        _THI,
        _KINH_MALE,
        _KINH_FEMALE,
    ),
    BO_Y: NameStyle(
        {"Lồ": 12, "Vương": 10, "Lù": 8, "Hoàng": 8, "Sần": 6, "Sáo": 4},
        {"Văn": 70, "Seo": 15, "": 15},
        {"Thị": 80, "": 20},
        ("Pao", "Sính", "Chẩn", "Lìn", "Thắng", "Phúc", "Dũng", "Sơn", "Hùng"),
        ("Mỷ", "Lìn", "Hoa", "Lan", "Mai", "Sinh", "Xuân"),
    ),
}

_OCCUPATIONS: dict[str, dict[str, tuple[str, ...]] | tuple[str, ...]] = {
    Employment.FARMER: {
        URBAN: ("Làm ruộng", "Trồng rau"),
        LOWLAND: ("Làm ruộng", "Chăn nuôi", "Trồng rau"),
        MIDLAND: ("Làm ruộng", "Trồng rừng", "Trồng chè", "Chăn nuôi", "Trồng quế"),
        HIGHLAND: ("Làm nương", "Làm ruộng", "Trồng rừng", "Chăn nuôi", "Trồng thảo quả"),
    },
    Employment.FORMAL: (
        "Công nhân",
        "Giáo viên",
        "Nhân viên văn phòng",
        "Cán bộ",
        "Y sĩ",
        "Kế toán",
        "Công nhân mỏ",
        "Nhân viên bán hàng",
        "Bộ đội",
        "Công an",
    ),
    Employment.INFORMAL: (
        "Buôn bán",
        "Lao động tự do",
        "Thợ xây",
        "Lái xe",
        "Thợ may",
        "Bán hàng",
        "Thợ mộc",
        "Hướng dẫn viên du lịch",
        "Làm thuê",
        "Sửa xe máy",
    ),
    Employment.UNEMPLOYED: ("Nội trợ", "Không có việc làm"),
}


class _Table:
    """A weighted table that draws with one ``random()`` and a bisect (much faster than ``choices``)."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, weights: Mapping[Any, float] | Sequence[Any]):
        if isinstance(weights, Mapping):
            items = [(k, w) for k, w in weights.items() if w > 0]
        else:
            items = [(k, 1.0) for k in weights]
        self.values = [k for k, _w in items]
        self.cum = list(itertools.accumulate(w for _k, w in items))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass
class _Style:
    families: _Table
    male_middle: _Table
    female_middle: _Table
    male_given: _Table
    female_given: _Table


_STYLES = {
    code: _Style(
        _Table(s.families),
        _Table(s.male_middle),
        _Table(s.female_middle),
        _Table(s.male_given),
        _Table(s.female_given),
    )
    for code, s in NAME_STYLES.items()
}


def _style(ethnicity: str) -> _Style:
    return _STYLES.get(ethnicity) or _STYLES[TAY]  # groups without their own table name like their neighbours


def _name(rng: random.Random, style: _Style, sex: str, family: str | None = None) -> str:
    family = family or style.families.draw(rng)
    if sex == Sex.MALE:
        middle, given = style.male_middle.draw(rng), style.male_given.draw(rng)
    else:
        middle, given = style.female_middle.draw(rng), style.female_given.draw(rng)
    return f"{family} {middle} {given}" if middle else f"{family} {given}"


@dataclass
class _Commune:
    id: int
    code: str
    name: str
    path: str
    kind: str
    profile: Profile
    mix: _Table
    birth_prefixes: _Table  # personal-ID province codes of people born here
    listed: bool  # an ethnic-minority commune on the list of especially difficult communes
    atk: bool
    island: bool
    villages: list[tuple[int, str]] = field(default_factory=list)
    village_table: _Table | None = None

    @property
    def terrain(self) -> str:
        return URBAN if self.kind == "phuong" else self.profile.terrain


# --------------------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------------------


def demo_generate(
    *,
    province_code: str = "15",
    persons: int = 50_000,
    seed: int = 1,
    progress: Progress | None = None,
    replace: bool = False,
    actor=None,
) -> dict:
    """Creates ``persons`` synthetic people in households and villages of the current communes of one
    province (see the module docstring for what and why). One transaction for the whole run.

    Refuses (``ApplicationError``) when the official areas are not loaded, when the province is unknown, and
    when the province already has demo households, unless ``replace`` is true: then the demo households of
    the province (code ``DEMO-…``) and the people who were ever members of them are deleted first. Villages
    are kept and reused, so a replacement with the same seed gives the same rows.

    ``progress(label, n)`` names the phase (``label``) and the number ``n`` of people written since the
    previous call, so that a progress bar of length ``persons`` can wrap it: ("replacing", 0),
    ("villages", 0), then ("persons", n) once a batch; the increments add up to ``persons``.
    """
    step = progress or (lambda label, n: None)
    if persons < 0:
        raise ApplicationError(
            ErrorCode.INVALID, _("The number of people cannot be negative."), field="persons"
        )
    code = (province_code or "").strip()
    if code.isdigit() and len(code) < 2:
        code = code.zfill(2)
    if not Area.objects.filter(level=Level.PROVINCE).exists():
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The official areas are not loaded yet; run 'ansinh migrate' (which loads them) first."),
            field="province_code",
        )
    province = Area.objects.filter(level=Level.PROVINCE, code=code).first()
    if province is None:
        raise ApplicationError(
            ErrorCode.NOT_FOUND,
            _("There is no current province with code %(code)s.") % {"code": code},
            field="province_code",
        )
    try:
        with transaction.atomic():
            result = _generate(province, persons=persons, seed=seed, step=step, replace=replace)
            audit_record(
                actor=actor,
                action=Audit.DEMO_GENERATE,
                obj=province,
                after={"seed": seed, "replace": replace, **result},
            )
    except IntegrityError as e:  # deferred foreign keys: demo people referenced by other records
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _(
                "The previous demo data of this province is referenced by other records "
                "and cannot be replaced."
            ),
            field="replace",
        ) from e
    return result


def _generate(province: Area, *, persons: int, seed: int, step: Progress, replace: bool) -> dict:
    demo_households = Household.objects.filter(province_code=province.code, code__startswith=DEMO_PREFIX)
    if demo_households.exists():
        if not replace:
            raise ApplicationError(
                ErrorCode.CONFLICT,
                _("Province %(name)s already has demo data; use replace to generate it again.")
                % {"name": province.name},
                field="province_code",
            )
        step("replacing", 0)
        _delete_demo(province.code)

    communes = _communes(province, seed)
    if not communes:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("Province %(name)s has no communes.") % {"name": province.name},
            field="province_code",
        )
    villages = _ensure_villages(province, communes, seed)
    step("villages", 0)

    gen = _PeopleGenerator(province, communes, seed)
    households = 0
    done = 0
    for batch in gen.batches(persons):
        households += _write(batch, province.code)
        n = sum(len(h.members) for h in batch)
        done += n
        step("persons", n)
    return {"villages": villages, "households": households, "persons": done}


def _delete_demo(province_code: str) -> None:
    """Set-based deletes (no rows loaded into Python) of the demo households of the province and of every
    person who was ever a member of one. Foreign keys are deferred to the commit (Django creates them
    DEFERRABLE INITIALLY DEFERRED), so the order only has to leave nothing dangling at the end."""
    p, h, m = (connection.ops.quote_name(model._meta.db_table) for model in (Person, Household, Membership))
    demo = f"SELECT id FROM {h} WHERE province_code = %s AND code LIKE %s"  # noqa: S608 (table names only)
    members = f"SELECT person_id FROM {m} WHERE household_id IN ({demo})"  # noqa: S608
    args = [province_code, DEMO_PREFIX + "%"]
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {h} SET head_id = NULL WHERE id IN ({demo}) OR head_id IN ({members})", args * 2)  # noqa: S608
        # What the models say goes with a person (their status changes, a list's rows, messages to them) goes
        # too, and what only points at one forgets them — as Django's own delete would, without loading rows.
        for relation in Person._meta.related_objects:
            if not (relation.one_to_many or relation.one_to_one) or relation.related_model in (
                Membership,
                Household,
            ):
                continue
            table = connection.ops.quote_name(relation.related_model._meta.db_table)
            column = connection.ops.quote_name(str(relation.field.column))
            if relation.on_delete is models.CASCADE:
                cur.execute(f"DELETE FROM {table} WHERE {column} IN ({members})", args)  # noqa: S608
            elif relation.on_delete is models.SET_NULL:
                cur.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} IN ({members})", args)  # noqa: S608
        cur.execute(f"DELETE FROM {p} WHERE id IN ({members})", args)  # noqa: S608
        # The memberships of the deleted people, in demo households or (after a move) elsewhere.
        cur.execute(
            f"DELETE FROM {m} WHERE household_id IN ({demo})"  # noqa: S608
            f" OR ({m}.province_code = %s AND NOT EXISTS (SELECT 1 FROM {p} WHERE {p}.id = {m}.person_id))",
            [*args, province_code],
        )
        cur.execute(f"DELETE FROM {h} WHERE id IN ({demo})", args)  # noqa: S608


def _legacy_of_communes(province: Area) -> tuple[dict[int, list[str]], list[str]]:
    """For each current commune of the province, the legacy district codes (``legacy:NNN`` without the
    prefix) it was formed from; and the legacy province codes that passed into the province."""
    rows = AreaSuccession.objects.filter(current__province_code=province.code).values_list(
        "current_id", "current__level", "legacy__level", "legacy__code", "legacy__parent__code"
    )
    districts: dict[int, list[str]] = {}
    provinces: list[str] = []
    for current_id, current_level, legacy_level, legacy_code, legacy_parent in rows:
        if current_level == Level.PROVINCE and legacy_level == Level.LEGACY_PROVINCE:
            provinces.append(legacy_code.removeprefix(LEGACY_PREFIX))
        elif legacy_level == Level.LEGACY_COMMUNE and legacy_parent:
            districts.setdefault(current_id, []).append(legacy_parent.removeprefix(LEGACY_PREFIX))
    return districts, sorted(set(provinces))


def _communes(province: Area, seed: int) -> list[_Commune]:
    rng = random.Random(f"{seed}:communes:{province.code}")
    districts, legacy_provinces = _legacy_of_communes(province)
    district_province = {
        code.removeprefix(LEGACY_PREFIX): pcode.removeprefix(LEGACY_PREFIX)
        for code, pcode in Area.objects.filter(level=Level.LEGACY_DISTRICT).values_list(
            "code", "province_code"
        )
    }
    fallback_prefixes = [f"0{c}" for c in legacy_provinces if f"0{c}" in CCCD_PROVINCE_CODES]
    if not fallback_prefixes:
        own = f"0{province.code}"
        fallback_prefixes = [own] if own in CCCD_PROVINCE_CODES else ["001"]
    mountain_province = bool(NORTHERN_MOUNTAIN.intersection(legacy_provinces))
    out = []
    for a in Area.objects.filter(level=Level.COMMUNE, province_code=province.code).order_by("code"):
        origin = sorted(districts.get(a.id, []))
        profiles = [DISTRICT_PROFILES[d] for d in origin if d in DISTRICT_PROFILES]
        if profiles:
            profile = profiles[0]
            if len(profiles) > 1:  # a commune merged from several former districts: blend their mixes
                mix: dict[str, float] = {}
                for p in profiles:
                    for k, w in p.mix.items():
                        mix[k] = mix.get(k, 0) + w / len(profiles)
                profile = Profile(
                    profile.terrain,
                    sum(p.poor for p in profiles) / len(profiles),
                    sum(p.near_poor for p in profiles) / len(profiles),
                    mix,
                )
        elif a.kind == "phuong":
            profile = URBAN_PROFILE
        elif mountain_province:
            profile = MOUNTAIN_PROFILE
        else:
            profile = LOWLAND_PROFILE
        if a.kind == "phuong" and profile.terrain != URBAN:
            profile = Profile(URBAN, min(profile.poor, 0.03), min(profile.near_poor, 0.04), profile.mix)
        prefixes: dict[str, float] = {}
        for d in origin:
            pc = district_province.get(d)
            if pc and f"0{pc}" in CCCD_PROVINCE_CODES:
                prefixes[f"0{pc}"] = prefixes.get(f"0{pc}", 0) + 1
        if not prefixes:
            prefixes = dict.fromkeys(fallback_prefixes, 1.0)
        minority = 1 - profile.mix.get(KINH, 0) / sum(profile.mix.values())
        out.append(
            _Commune(
                id=a.id,
                code=a.code,
                name=a.name,
                path=a.path,
                kind=a.kind,
                profile=profile,
                mix=_Table(profile.mix),
                birth_prefixes=_Table(prefixes),
                listed=a.kind == "xa" and profile.terrain == HIGHLAND and rng.random() < 0.3 + 0.6 * minority,
                atk=a.kind == "xa" and rng.random() < 0.04,
                island=a.kind == "dac_khu",
            )
        )
    return out


# --------------------------------------------------------------------------------------------------------
# Villages
# --------------------------------------------------------------------------------------------------------

HIGHLAND_PLACES = (
    "Nậm Cang",
    "Lao Chải",
    "Tả Van",
    "Séo Mý Tỷ",
    "Cát Cát",
    "Sín Chải",
    "Nậm Pung",
    "Ma Quai Hồ",
    "Pa Cheo",
    "Cốc San",
    "Phìn Hồ",
    "Làng Mô",
    "Hầu Thào",
    "Suối Thầu",
    "Lùng Vai",
    "Na Lốc",
    "Ná Hàng",
    "Khe Bàn",
    "Cán Cấu",
    "Lử Thẩn",
    "Tả Thàng",
    "Nậm Chảy",
    "Pả Ban",
    "Tả Phìn",
    "Sử Pán",
    "Nậm Toóng",
    "Lao Hạ",
    "Ý Lình Hồ",
    "Tả Giàng Phình",
    "Mường Bo",
    "Trung Chải",
    "Séo Trung Hồ",
    "Cốc Ngù",
    "Pờ Hồ",
    "Làng Giàng",
    "Pa Chài",
    "Ngải Thầu",
    "Mường Hum",
    "Dền Sáng",
    "Dền Thàng",
    "Y Tý",
    "Sàng Ma Sáo",
    "Na Mạ",
    "Pạc Tà",
    "Lùng Phình",
    "Sín Chéng",
    "Nàn Sín",
    "Cán Chư Sử",
    "Mản Thẩn",
    "Lùng Sui",
    "Tả Củ Tỷ",
    "Hoàng Thu Phố",
    "Nậm Mòn",
    "Nậm Đét",
    "Lầu Thí Ngài",
    "Lùng Cải",
    "Nậm Khánh",
    "Khao Mang",
    "Mồ Dề",
    "Chế Tạo",
    "Dế Xu Phình",
    "Nậm Khắt",
    "Púng Luông",
    "Cao Phạ",
    "Kim Nọi",
    "Chế Cu Nha",
    "Hồ Bốn",
    "Pá Hu",
    "Hát Lìu",
    "Xà Hồ",
    "Làng Nhì",
    "Pá Lau",
    "Tà Si Láng",
    "Túc Đán",
    "Phình Hồ",
    "Nà Hẩu",
    "Khe Hóp",
    "Pà Cheo",
    "Sa Pả",
    "Lếch Mông",
    "Nậm Nhùn",
    "Cốc Mỳ",
    "Phìn Ngan",
    "Ô Quy Hồ",
    "Thải Giàng Phố",
)
MIDLAND_PLACES = (
    "Đồng Tâm",
    "Tân Lập",
    "Khe Lếch",
    "Làng Mới",
    "Đoàn Kết",
    "Thống Nhất",
    "Hợp Nhất",
    "Tiên Phong",
    "Quyết Tiến",
    "Bình Minh",
    "Hòa Bình",
    "Tân Thành",
    "Xuân Lý",
    "Làng Cạn",
    "Khe Cam",
    "Ngòi Nhì",
    "An Thịnh",
    "Đồng Lụa",
    "Khe Vải",
    "Bến Đền",
    "Cây Thị",
    "Làng Chành",
    "Gốc Đa",
    "Đầm Hồng",
    "Phú Thịnh",
    "Minh Tân",
    "Làng Câu",
    "Cầu Nhò",
    "Khe Mạ",
    "Na Hằn",
    "Làng Lớn",
    "Đồng Bông",
    "Tân Tiến",
    "Trung Tâm",
    "Yên Thịnh",
    "Đức Tiến",
    "Ngòi Lâu",
    "Khuôn Thống",
    "Làng Đạo",
    "Khe Dứa",
)


def _village_names(rng: random.Random, terrain: str, count: int) -> list[tuple[str, str]]:
    """(name, kind) for ``count`` villages of a commune, distinct within it."""
    if terrain == URBAN:
        return [(f"Tổ dân phố {i}", "to_dan_pho") for i in range(1, count + 1)]
    if terrain == HIGHLAND:
        places = rng.sample(HIGHLAND_PLACES, min(count, len(HIGHLAND_PLACES)))
        names = [(f"Bản {p}", "ban") if rng.random() < 0.75 else (f"Thôn {p}", "thon") for p in places]
    else:
        numbered = rng.random() < 0.5
        if numbered:
            return [(f"Thôn {i}", "thon") for i in range(1, count + 1)]
        places = rng.sample(MIDLAND_PLACES, min(count, len(MIDLAND_PLACES)))
        names = [(f"Thôn {p}", "thon") for p in places]
    names += [(f"Thôn {i}", "thon") for i in range(len(names) + 1, count + 1)]
    return names


def _ensure_villages(province: Area, communes: list[_Commune], seed: int) -> int:
    """Creates villages under the communes that have none; returns how many were created. Every commune's
    village list (existing or new, in code order) is attached to it for the people generator."""
    existing: dict[int, list[tuple[int, str, str]]] = {}
    for pk, parent_id, code, name in (
        Area.objects.filter(level=Level.VILLAGE, province_code=province.code)
        .order_by("code")
        .values_list("id", "parent_id", "code", "name")
    ):
        existing.setdefault(parent_id, []).append((pk, code, name))
    new: list[Area] = []
    for c in communes:
        if c.id in existing:
            continue
        rng = random.Random(f"{seed}:villages:{c.code}")
        terrain = c.terrain
        count = rng.randint(8, 18) if terrain in (URBAN, MIDLAND, LOWLAND) else rng.randint(10, 22)
        for i, (name, kind) in enumerate(_village_names(rng, terrain, count), start=1):
            code = f"{c.code}.{i:03d}"
            new.append(
                Area(
                    code=code,
                    name=name,
                    name_folded=fold(name),
                    kind=kind,
                    level=Level.VILLAGE,
                    parent_id=c.id,
                    path=f"{c.path}{code}/",
                    province_code=province.code,
                )
            )
    if new:
        Area.objects.bulk_create(new, batch_size=BATCH)
        existing = {}
        for pk, parent_id, code, name in (
            Area.objects.filter(level=Level.VILLAGE, province_code=province.code)
            .order_by("code")
            .values_list("id", "parent_id", "code", "name")
        ):
            existing.setdefault(parent_id, []).append((pk, code, name))
    for c in communes:
        c.villages = [(pk, name) for pk, _code, name in existing.get(c.id, [])]
        if c.villages:
            rng = random.Random(f"{seed}:village-sizes:{c.code}")
            c.village_table = _Table({i: rng.uniform(0.4, 1.6) for i in range(len(c.villages))})
    return len(new)


# --------------------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------------------


@dataclass
class _Household:
    commune: _Commune
    village_id: int | None
    address: str
    code: str
    members: list[Person]
    relations: list[str]
    formed: dt.date


class _PeopleGenerator:
    def __init__(self, province: Area, communes: list[_Commune], seed: int):
        self.province = province
        self.communes = communes
        self.rng = random.Random(f"{seed}:people:{province.code}")
        self.sizes = _Table(HOUSEHOLD_SIZES)
        self.highland_sizes = _Table(HIGHLAND_HOUSEHOLD_SIZES)
        self.migrants = _Table(MIGRANT_ORIGINS)
        self.phone_prefixes = _Table(PHONE_PREFIXES)
        prefixes = set().union(*(c.birth_prefixes.values for c in communes), self.migrants.values)
        # Identifiers already in the database (other provinces, people registered by hand) stay unique.
        self.personal_ids: set[str] = set()
        for prefix in prefixes:
            self.personal_ids.update(
                pid
                for pid in Person.objects.filter(personal_id__startswith=prefix).values_list(
                    "personal_id", flat=True
                )
                if pid
            )
        self.si_numbers: set[str] = set()
        for prefix in {p[1:] for p in prefixes}:
            self.si_numbers.update(
                si
                for si in Person.objects.filter(si_number__startswith=prefix).values_list(
                    "si_number", flat=True
                )
                if si
            )
        self.phones: set[str] = set()
        self.serial = itertools.count(1)
        kind = {"tinh": "tỉnh", "thanh_pho": "thành phố"}.get(province.kind, "")
        self.province_label = f"{kind} {province.name}".strip()
        self.poverty_year = DEMO_AS_OF.year - 1

    def quotas(self, persons: int) -> list[int]:
        """People per commune: wards are denser; largest remainders so that the quotas add up."""
        rng = random.Random(f"{self.rng.random()}:quotas")
        weights = [(2.2 if c.kind == "phuong" else 1.0) * rng.uniform(0.5, 1.5) for c in self.communes]
        total = sum(weights)
        raw = [persons * w / total for w in weights]
        quotas = [int(r) for r in raw]
        rest = persons - sum(quotas)
        for i in sorted(range(len(raw)), key=lambda i: raw[i] - quotas[i], reverse=True)[:rest]:
            quotas[i] += 1
        return quotas

    def batches(self, persons: int):
        batch: list[_Household] = []
        size = 0
        for commune, quota in zip(self.communes, self.quotas(persons), strict=True):
            while quota > 0:
                household = self.household(commune, quota)
                quota -= len(household.members)
                batch.append(household)
                size += len(household.members)
                if size >= BATCH:
                    yield batch
                    batch, size = [], 0
        if batch:
            yield batch

    # -- one household ------------------------------------------------------------------------------------

    def household(self, c: _Commune, room: int) -> _Household:
        rng = self.rng
        terrain = c.terrain
        size = min(room, (self.highland_sizes if terrain == HIGHLAND else self.sizes).draw(rng))
        ethnicity = c.mix.draw(rng)
        style = _style(ethnicity)

        # Who lives here: (relation, age, sex); ages on DEMO_AS_OF.
        specs: list[tuple[str, int, str]] = []
        if size == 1:
            age = rng.randint(20, 40) if rng.random() < 0.45 else rng.randint(55, 92)
            specs.append((Relation.HEAD, age, Sex.MALE if rng.random() < 0.5 else Sex.FEMALE))
        else:
            head_age = int(min(88, max(20, rng.gauss(48, 14))))
            married = rng.random() < 0.85
            # Husbands are recorded as heads; a head without a spouse is most often a widow.
            head_sex = Sex.MALE if rng.random() < (0.88 if married else 0.4) else Sex.FEMALE
            specs.append((Relation.HEAD, head_age, head_sex))
            if married:
                gap = rng.randint(-8, 1) if head_sex == Sex.MALE else rng.randint(-1, 8)
                specs.append(
                    (
                        Relation.SPOUSE,
                        max(18, head_age + gap),
                        Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE,
                    )
                )
            mother_age = min(a for _r, a, _s in specs)  # the younger partner bounds the children's ages
            parents = 0
            while len(specs) < size:
                n_children = sum(1 for r, _a, _s in specs if r == Relation.CHILD)
                r = rng.random()
                if head_age < 60 and parents < 2 and r < 0.13:  # three generations under one roof
                    parents += 1
                    specs.append(
                        (
                            Relation.PARENT,
                            min(98, head_age + rng.randint(20, 32)),
                            Sex.FEMALE if rng.random() < 0.62 else Sex.MALE,
                        )
                    )
                    continue
                if head_age >= 55 and n_children >= 1 and r < 0.6:
                    parent_age = max(a for r, a, _s in specs if r == Relation.CHILD)
                    if parent_age >= 20:
                        specs.append(
                            (Relation.GRANDCHILD, rng.randint(0, min(parent_age - 18, 20)), _child_sex(rng))
                        )
                        continue
                if n_children < 6:
                    lo, hi = max(0, mother_age - 42), max(0, mother_age - 18)
                    specs.append((Relation.CHILD, rng.randint(lo, hi), _child_sex(rng)))
                    continue
                rel = Relation.SIBLING if rng.random() < 0.5 else Relation.OTHER
                specs.append((rel, max(0, head_age + rng.randint(-12, 12)), _child_sex(rng)))

        # Household facts shared by the members.
        r = rng.random()
        poverty = (
            Poverty.POOR
            if r < c.profile.poor
            else (Poverty.NEAR_POOR if r < c.profile.poor + c.profile.near_poor else Poverty.NONE)
        )
        village_id, village_name = (None, "")
        if c.village_table is not None:
            village_id, village_name = c.villages[c.village_table.draw(rng)]
        house = f"Số {rng.randint(1, 250)}, " if terrain == URBAN else ""
        address = f"{house}{village_name + ', ' if village_name else ''}{c.name}, {self.province_label}"
        head_age = specs[0][1]
        formed_year = max(1975, min(DEMO_AS_OF.year - 1, DEMO_AS_OF.year - head_age + rng.randint(18, 30)))
        formed = dt.date(formed_year, rng.randint(1, 12), rng.randint(1, 28))
        agricultural = poverty == Poverty.NONE and terrain != URBAN and rng.random() < 0.15

        head_family = style.families.draw(rng)
        members: list[Person] = []
        relations: list[str] = []
        for i, (relation, age, sex) in enumerate(specs):
            # Spouses, parents and others may come from another group; children take the father's family name.
            eth = ethnicity if relation != Relation.SPOUSE or rng.random() < 0.9 else c.mix.draw(rng)
            st = style if eth == ethnicity else _style(eth)
            family = None
            if i == 0:
                family = head_family
            elif relation in (Relation.CHILD, Relation.GRANDCHILD, Relation.SIBLING):
                father_is_spouse = (
                    specs[0][2] == Sex.FEMALE and len(specs) > 1 and specs[1][0] == Relation.SPOUSE
                )
                family = members[1].full_name.split(" ")[0] if father_is_spouse else head_family
            members.append(self.person(c, eth, st, relation, age, sex, family, poverty, agricultural))
            relations.append(relation)
        code = f"{DEMO_PREFIX}{self.province.code}-{next(self.serial):07d}"
        return _Household(c, village_id, address, code, members, relations, formed)

    def person(
        self,
        c: _Commune,
        ethnicity: str,
        style: _Style,
        relation: str,
        age: int,
        sex: str,
        family: str | None,
        poverty: str,
        agricultural: bool,
    ) -> Person:
        rng = self.rng
        terrain = c.terrain
        # A birth date that makes the person exactly ``age`` on DEMO_AS_OF (1 October: no 29 February issue).
        latest = _AS_OF_ORDINAL - _YEAR_ORDINALS[age]
        birth = dt.date.fromordinal(latest - rng.randrange(_YEAR_ORDINALS[age + 1] - _YEAR_ORDINALS[age]))
        year = birth.year
        precision = BirthDatePrecision.DAY
        unknown = (0.14 if terrain == HIGHLAND else 0.03) if age >= 50 else 0.005
        r = rng.random()
        if r < unknown:
            precision, birth = BirthDatePrecision.YEAR, dt.date(year, 1, 1)
        elif r < unknown * 1.5:
            precision, birth = BirthDatePrecision.MONTH, birth.replace(day=1)

        # Employment, schooling, pension.
        employment, occupation, student = Employment.UNKNOWN, "", False
        pension, payout = False, Payout.NONE
        retire_age = 61 if sex == Sex.MALE else 57
        if age < 6:
            employment = Employment.CHILD
        elif age < 18:
            in_school = (
                0.97 if age < 15 else (0.9 if terrain == URBAN else 0.8 if terrain != HIGHLAND else 0.6)
            )
            if rng.random() < in_school:
                employment, occupation, student = Employment.STUDENT, "Học sinh", True
            elif age < 15:
                employment = Employment.CHILD
            else:
                employment = Employment.FARMER if terrain != URBAN else Employment.INFORMAL
        elif age <= 22 and rng.random() < {URBAN: 0.45, LOWLAND: 0.3, MIDLAND: 0.25, HIGHLAND: 0.1}[terrain]:
            employment, occupation, student = Employment.STUDENT, "Sinh viên", True
        elif (
            age >= retire_age
            and rng.random() < {URBAN: 0.4, LOWLAND: 0.2, MIDLAND: 0.15, HIGHLAND: 0.04}[terrain]
        ):
            employment, occupation, pension = Employment.RETIRED, "Nghỉ hưu", True
            account = {URBAN: 0.65, LOWLAND: 0.45, MIDLAND: 0.35, HIGHLAND: 0.15}[terrain]
            payout = Payout.ACCOUNT if rng.random() < account else Payout.CASH
        else:
            shares = {
                URBAN: ((Employment.FORMAL, 0.35), (Employment.INFORMAL, 0.40), (Employment.FARMER, 0.10)),
                LOWLAND: ((Employment.FORMAL, 0.2), (Employment.INFORMAL, 0.3), (Employment.FARMER, 0.4)),
                MIDLAND: ((Employment.FORMAL, 0.12), (Employment.INFORMAL, 0.23), (Employment.FARMER, 0.55)),
                HIGHLAND: ((Employment.FORMAL, 0.04), (Employment.INFORMAL, 0.06), (Employment.FARMER, 0.85)),
            }[terrain]
            if age >= 70:
                shares = ((Employment.FARMER, 0.4), (Employment.FARMER, 0.0), (Employment.FARMER, 0.0))
            r, employment = rng.random(), Employment.UNEMPLOYED
            for kind, share in shares:
                if r < share:
                    employment = kind
                    break
                r -= share
            options = _OCCUPATIONS[employment]
            choices: Sequence[str] = options[terrain] if isinstance(options, dict) else options
            occupation = choices[int(rng.random() * len(choices))]
        social = (age >= 80 and not pension) or rng.random() < 0.012

        # Identifiers.
        if age >= 25 and ethnicity == KINH and rng.random() < 0.2:
            prefix = self.migrants.draw(rng)
        else:
            prefix = c.birth_prefixes.draw(rng)
        digit = (year // 100 - 19) * 2 + (0 if sex == Sex.MALE else 1)
        head = f"{prefix}{digit}{year % 100:02d}"
        while True:
            personal_id = f"{head}{rng.randrange(1_000_000):06d}"
            if personal_id not in self.personal_ids:
                self.personal_ids.add(personal_id)
                break
        si_number = None
        if pension or employment == Employment.FORMAL or rng.random() < (0.55 if age < 1 else 0.8):
            while True:
                si_number = f"{prefix[1:]}{rng.randrange(100_000_000):08d}"
                if si_number not in self.si_numbers:
                    self.si_numbers.add(si_number)
                    break
        phone = ""
        if age >= 18 and rng.random() < {URBAN: 0.92, LOWLAND: 0.85, MIDLAND: 0.8, HIGHLAND: 0.6}[terrain]:
            while True:
                phone = f"{self.phone_prefixes.draw(rng)}{rng.randrange(10_000_000):07d}"
                if phone not in self.phones:
                    self.phones.add(phone)
                    break

        full_name = _name(rng, style, sex, family)
        return Person(
            full_name=full_name,
            name_folded=fold(full_name),
            birth_date=birth,
            birth_date_precision=precision,
            sex=sex,
            ethnicity=ethnicity,
            personal_id=personal_id,
            si_number=si_number,
            phone=phone,
            province_code=self.province.code,
            commune_id=c.id,
            occupation=occupation,
            employment=employment,
            poverty=poverty,
            poverty_year=self.poverty_year if poverty else None,
            is_student=student,
            ethnic_minority_listed_commune=c.listed and ethnicity != KINH,
            social_assistance=social,
            atk_commune=c.atk,
            agricultural_household=agricultural,
            island_commune=c.island,
            pension_recipient=pension,
            payout_method=payout,
        )


def _child_sex(rng: random.Random) -> str:
    return Sex.MALE if rng.random() < 0.525 else Sex.FEMALE  # sex ratio at birth about 111


def _write(batch: list[_Household], province_code: str) -> int:
    people = [p for h in batch for p in h.members]
    for h in batch:
        for p in h.members:
            p.village_id = h.village_id
    Person.objects.bulk_create(people, batch_size=BATCH)
    households = [
        Household(
            code=h.code,
            address=h.address,
            province_code=province_code,
            commune_id=h.commune.id,
            village_id=h.village_id,
            head_id=h.members[0].pk,
        )
        for h in batch
    ]
    Household.objects.bulk_create(households, batch_size=BATCH)
    memberships = [
        Membership(
            person_id=p.pk,
            household_id=hh.pk,
            relation=rel,
            province_code=province_code,
            started_on=max(p.birth_date, h.formed),
        )
        for h, hh in zip(batch, households, strict=True)
        for p, rel in zip(h.members, h.relations, strict=True)
    ]
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    return len(households)
