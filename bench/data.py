"""The data the coverage and campaign benchmarks load with PostgreSQL ``COPY`` (the services that normally write
it are benchmarked elsewhere): deaths, chains of health-insurance coverage spans, voluntary-SI contribution runs
with their enrollments, a collection point. Used by bench_coverage.py and bench_campaigns.py."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

import psycopg

PROVINCE = "15"


_ISO: dict[int, str] = {}


def iso(ordinal: int) -> str:
    """The ISO text of a date given as an ordinal (cached: COPY lines are built from millions of dates)."""
    text = _ISO.get(ordinal)
    if text is None:
        text = _ISO[ordinal] = dt.date.fromordinal(ordinal).isoformat()
    return text


def month_iso(index: int) -> str:
    """The first day of month ``index`` (year * 12 + month - 1)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01"


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def copy_lines(conn: psycopg.Connection, table: str, columns: list[str], lines: Iterable[str]) -> int:
    """COPY FROM STDIN (text format) of tab-separated ``lines`` (no trailing newline) into ``table``."""
    cols = ", ".join(f'"{c}"' for c in columns)
    n = 0
    chunk: list[str] = []
    with conn.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[arg-type]
        for line in lines:
            chunk.append(line)
            n += 1
            if len(chunk) >= 50_000:
                copy.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            copy.write("\n".join(chunk) + "\n")
    return n


def next_id(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]  # noqa: S608


def sync_sequence(conn: psycopg.Connection, table: str) -> None:
    """After COPY with explicit ids: the identity column goes on after the largest id."""
    conn.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # noqa: S608
    )


def people(conn: psycopg.Connection, province: str = PROVINCE) -> list[tuple[int, int, str, int]]:
    """(id, birth date ordinal, employment, commune id) of every person of the province, by id."""
    rows = conn.execute(
        "SELECT id, birth_date, employment, commune_id FROM registry_person WHERE province_code = %s ORDER BY id",
        [province],
    ).fetchall()
    return [(pk, born.toordinal(), employment, commune) for pk, born, employment, commune in rows]


def add_deaths(conn: psycopg.Connection, on: dt.date, per_thousand: int = 6) -> int:
    """Some people died over the past years (a deterministic pick, not random())."""
    cur = conn.execute(
        "UPDATE registry_person SET died_on = %s::date - ((id * 7919) %% 2000)::int"
        " WHERE province_code = %s AND (id * 2654435761) %% 1000 < %s AND birth_date < %s::date - 2000",
        [on, PROVINCE, per_thousand, on],
    )
    return cur.rowcount


def bench_point(province: str = PROVINCE):
    """A collection point for the enrollments written by COPY (created through the ORM, one row)."""
    from ansinh.areas.models import Area, Level
    from ansinh.payments.models import CollectionPoint

    area = Area.objects.get(level=Level.PROVINCE, code=province)
    point, _created = CollectionPoint.objects.get_or_create(
        code="BENCH-1",
        defaults={"name": "Bench desk", "kind": "si_office", "area": area, "province_code": province},
    )
    return point


ENROLLMENT_COLUMNS = [
    "id", "idempotency_key", "fingerprint", "scheme", "status", "activity_id", "paid_on", "backdated", "months",
    "group", "income", "quote", "total_payable", "vssid_install_assisted", "cashless_switched", "province_code",
    "created_at", "completed_at", "created_by_id", "point_id",
]  # fmt: skip
HI_COLUMNS = [
    "person_id", "enrollment_id", "valid_from", "valid_to", "group", "group_code", "benefit_level", "card_code",
    "rule", "is_void", "province_code", "created_at",
]  # fmt: skip
VSI_COLUMNS = [
    "person_id", "enrollment_id", "first_month", "months", "last_month", "monthly_income", "monthly_contribution",
    "monthly_support", "supported_months", "total_payable", "is_void", "province_code",
]  # fmt: skip
NOW = "2026-01-01 00:00:00+07"


def enrollment_line(pk: int, scheme: str, status: str, activity_id: int | None, paid_on: str, months: int,
                    total: int, point_id: int, income: int | None = None, tag: str = "b") -> str:  # fmt: skip
    return (
        f"{pk}\tbench-{tag}-{pk}\tx\t{scheme}\t{status}\t{activity_id if activity_id else chr(92) + 'N'}\t{paid_on}"
        f"\tf\t{months}\t\t{income if income is not None else chr(92) + 'N'}\t{{}}\t{total}\tf\tf\t{PROVINCE}"
        f"\t{NOW}\t{NOW if status == 'completed' else chr(92) + 'N'}\t\\N\t{point_id}"
    )


def hi_line(person: int, enrollment: int | None, start: int, end: int, void: bool) -> str:
    return (
        f"{person}\t{enrollment if enrollment else chr(92) + 'N'}\t{iso(start)}\t{iso(end)}\thi_household\tGD\t4"
        f"\tGD4{PROVINCE}{person:010d}\tbench\t{'t' if void else 'f'}\t{PROVINCE}\t{NOW}"
    )


def vsi_line(
    person: int, enrollment: int, first: int, months: int, void: bool, income: int = 1_500_000
) -> str:
    contribution = income * 22 // 100
    return (
        f"{person}\t{enrollment}\t{month_iso(first)}\t{months}\t{month_iso(first + months - 1)}\t{income}"
        f"\t{contribution}\t{0}\t{0}\t{contribution * months}\t{'t' if void else 'f'}\t{PROVINCE}"
    )


_SPAN_COUNTS = [0, 1, 2, 3, 4, 5, 6]
_SPAN_WEIGHTS = [3, 13, 19, 32, 18, 10, 5]  # mean 2.99


def hi_spans(
    persons: list[tuple[int, int, str, int]], on: dt.date, seed: int, per_person: float = 3.0
) -> Iterable[tuple[int, int, int, bool]]:
    """(person, first day, last day, void) ordinals: a chain of spans per person, the latest one first drawn."""
    rng = random.Random(seed)
    today = on.toordinal()
    earliest = dt.date(2015, 1, 1).toordinal()
    scale = per_person / 2.99
    counts = rng.choices(_SPAN_COUNTS, weights=_SPAN_WEIGHTS, k=len(persons))
    for (pk, born, _employment, _commune), n in zip(persons, counts, strict=True):
        if scale != 1.0:
            n = round(n * scale)
        if n == 0:
            continue
        # The latest span: valid today for most people, else ended a while ago.
        end = today + rng.randint(1, 360) if rng.random() < 0.93 else today - rng.randint(1, 900)
        for _i in range(n):
            r = rng.random()
            length = 365 if r < 0.65 else 182 if r < 0.80 else 91 if r < 0.90 else rng.randint(1095, 1826)
            start = max(end - length + 1, born)
            if start > end:
                break
            yield pk, start, end, rng.random() < 0.03
            r = rng.random()  # how the span before this one ended
            end = (
                start - 1
                if r < 0.60
                else start - 1 + rng.randint(1, 30)
                if r < 0.75
                else start - rng.randint(2, 300)
            )
            if end < max(born, earliest):
                break


def insert_hi_spans(
    conn: psycopg.Connection, persons, on: dt.date, seed: int, per_person: float = 3.0
) -> int:
    lines = (hi_line(pk, None, s, e, v) for pk, s, e, v in hi_spans(persons, on, seed, per_person))
    return copy_lines(conn, "enrollment_hicoverage", HI_COLUMNS, lines)


def working_age(born: int, on: dt.date) -> bool:
    """15 to 60 on the date, as reports.coverage counts it."""
    youngest = on.replace(year=on.year - 15).toordinal()
    oldest = on.replace(year=on.year - 61).toordinal()
    return oldest < born <= youngest


def insert_vsi(conn: psycopg.Connection, persons, on: dt.date, seed: int, point_id: int, share: float = 0.05,
               ) -> tuple[int, int]:  # fmt: skip
    """Voluntary-SI contribution runs, each with its completed enrollment: (enrollments, contributions)."""
    rng = random.Random(seed + 1)
    this_month = month_index(on)
    first_id = pk = next_id(conn, "enrollment_enrollment")
    enrollments: list[str] = []
    contributions: list[str] = []
    for person, born, employment, _commune in persons:
        if employment not in ("informal", "farmer") or not working_age(born, on) or rng.random() >= share:
            continue
        last = this_month + rng.randint(0, 5) if rng.random() < 0.65 else this_month - rng.randint(1, 24)
        for _i in range(rng.randint(1, 4)):
            months = rng.choice((1, 3, 6, 12))
            first = last - months + 1
            paid = dt.date(first // 12, first % 12 + 1, 1).toordinal() - rng.randint(0, 20)
            enrollments.append(enrollment_line(pk, "vsi", "completed", None, iso(paid), months,
                                               330_000 * months, point_id, 1_500_000, "cov"))  # fmt: skip
            contributions.append(vsi_line(person, pk, first, months, rng.random() < 0.02))
            pk += 1
            last = first - 1 - (0 if rng.random() < 0.7 else rng.randint(1, 6))
    copy_lines(conn, "enrollment_enrollment", ENROLLMENT_COLUMNS, enrollments)
    copy_lines(conn, "enrollment_vsicontribution", VSI_COLUMNS, contributions)
    sync_sequence(conn, "enrollment_enrollment")
    return pk - first_id, len(contributions)
