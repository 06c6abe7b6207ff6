"""Registry benchmark: demo generation rate and person search latency on PostgreSQL at province scale.

Run: ``python bench/bench_registry.py`` (``make bench``). Environment:

* ``ANSINH_BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/ansinh_bench``): the database
  is DROPPED and created again, migrated, and dropped at the end (keep it with ``ANSINH_BENCH_KEEP=1``);
* ``ANSINH_BENCH_PERSONS`` (default 1,000,000): people generated in Lào Cai (current province 15);
* ``ANSINH_BENCH_QUERIES_REPEAT`` (default 3): timed repetitions of each search after one warm-up pass.

The database's life cycle, the machine line and the docs writer are ``harness.py``'s.

What is measured, each beside a reference in the same run:

1. ``demo_generate`` (Python row building + Django ``bulk_create``), in persons per second; reference: the
   same rows (persons, households, memberships) loaded with PostgreSQL ``COPY FROM STDIN`` into copies of
   the three tables with the same indexes (the fastest way PostgreSQL can take them).
2. ``registry.selectors.person_search`` as an administrator of the province, for 50 searches of four kinds
   (full name typed without diacritics, given name only, personal ID, phone): median and p95 per kind;
   reference: the same searches as hand-written SQL through psycopg (same filters, ranking and limit).

It prints a markdown table and writes (or replaces) the "Registry" section of docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import statistics
import time

import psycopg
from harness import (
    analyze,
    database_url,
    env_int,
    fresh_database,
    log,
    machine,
    merge_docs,
    migrate,
    percentile,
)
from psycopg import sql

SECTION = "## Registry"


# --------------------------------------------------------------------------------------------------------
# Generation and its COPY reference
# --------------------------------------------------------------------------------------------------------


def bench_generation(persons: int) -> dict:
    from ansinh.demo.population import demo_generate

    done = {"n": 0, "next": 0}
    step_size = max(persons // 20, 1)

    def progress(label: str, n: int) -> None:
        done["n"] += n
        if done["n"] >= done["next"]:
            log(f"  {label}: {done['n']:,} / {persons:,}")
            done["next"] += step_size

    start = time.perf_counter()
    result = demo_generate(province_code="15", persons=persons, seed=1, progress=progress)
    seconds = time.perf_counter() - start
    return {**result, "seconds": seconds}


def bench_copy(url: str, tables: list[str] | None = None) -> dict:
    """Copies the generated rows out (not timed), then times COPY FROM STDIN into LIKE-copies with indexes; the
    tables of persons, households and memberships unless ``tables`` names others."""
    if tables is None:
        from ansinh.registry.models import Household, Membership, Person

        tables = [m._meta.db_table for m in (Person, Household, Membership)]
    out: dict = {"rows": {}, "seconds": {}}
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            copy_table = sql.Identifier(f"bench_copy_{table}")
            source = sql.Identifier(table)
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(copy_table))
            # Same columns, defaults, constraints and indexes (unique, B-tree, trigram), no foreign keys.
            conn.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(copy_table, source))
            buf = io.BytesIO()
            with conn.cursor().copy(sql.SQL("COPY {} TO STDOUT").format(source)) as copy:
                for chunk in copy:
                    buf.write(chunk)
            data = buf.getvalue()
            start = time.perf_counter()
            with (
                conn.transaction(),
                conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(copy_table)) as copy,
            ):
                view = memoryview(data)
                for i in range(0, len(view), 1 << 20):
                    copy.write(view[i : i + (1 << 20)])
            out["seconds"][table] = time.perf_counter() - start
            out["rows"][table] = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(copy_table)
            ).fetchone()[0]
            conn.execute(sql.SQL("DROP TABLE {}").format(copy_table))
    out["tables"] = tables
    return out


# --------------------------------------------------------------------------------------------------------
# Search and its SQL reference
# --------------------------------------------------------------------------------------------------------


def pick_queries(seed: int = 42) -> list[tuple[str, str]]:
    """50 searches a desk officer would type, drawn from the generated people."""
    from ansinh.registry.models import Person

    rng = random.Random(seed)
    ids = list(Person.objects.filter(province_code="15").order_by("pk").values_list("pk", flat=True)[:1])
    first = ids[0]
    last = Person.objects.filter(province_code="15").order_by("-pk").values_list("pk", flat=True).first()
    sample: list[Person] = []
    while len(sample) < 40:
        person = Person.objects.filter(pk__gte=rng.randint(first, last)).order_by("pk").first()
        if person is not None:
            sample.append(person)
    queries = [("full name, no diacritics", p.name_folded) for p in sample[:15]]
    queries += [("given name only", p.name_folded.split(" ")[-1]) for p in sample[15:30]]
    queries += [("personal ID", p.personal_id) for p in sample[30:40]]
    with_phone = Person.objects.filter(province_code="15").exclude(phone="").order_by("pk")
    count = with_phone.count()
    for _ in range(10):
        queries.append(("phone", with_phone[rng.randrange(count)].phone))
    return queries


_SELECT = """
SELECT p.*, c.name AS commune_name, v.name AS village_name,
       (SELECT m.household_id FROM registry_membership m
         WHERE m.person_id = p.id AND m.ended_on IS NULL LIMIT 1) AS household_id
  FROM registry_person p
  JOIN areas_area c ON c.id = p.commune_id
  LEFT JOIN areas_area v ON v.id = p.village_id
"""


def raw_search(cur, province_codes: list[str], text: str, limit: int = 50) -> list[tuple]:
    """The reference: what person_search asks, written by hand."""
    import re

    from ansinh.core.text import fold

    compact = re.sub(r"[\s.\-]", "", text)
    if re.fullmatch(r"\d{9,12}", compact):
        cur.execute(
            _SELECT
            + " WHERE p.province_code = ANY(%s) AND (p.personal_id = %s OR p.si_number = %s OR p.phone = %s)"
            " ORDER BY p.name_folded, p.id LIMIT %s",
            [province_codes, compact, compact, compact, limit],
        )
        return cur.fetchall()
    folded = fold(text)
    words = folded.split(" ")
    where = " AND ".join(["p.name_folded LIKE %s"] * len(words))
    like = [f"%{w}%" for w in words]
    cur.execute(
        _SELECT + f" WHERE p.province_code = ANY(%s) AND {where}"  # noqa: S608 (placeholders only)
        " ORDER BY CASE WHEN p.name_folded = %s THEN 0"
        " WHEN p.name_folded LIKE %s OR p.name_folded LIKE %s THEN 1"
        " WHEN p.name_folded LIKE %s OR p.name_folded LIKE %s THEN 2 ELSE 3 END,"
        " p.name_folded, p.id LIMIT %s",
        [province_codes, *like, folded, f"{folded} %", f"% {folded}", f"{folded}%", f"% {folded}%", limit],
    )
    return cur.fetchall()


def _stats(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000


def bench_search(url: str, repeat: int) -> dict:
    from ansinh.core.services import user_create
    from ansinh.registry.selectors import person_search

    user = user_create(actor=None, username="bench", role="administrator", area_codes=["15"])
    queries = pick_queries()
    kinds = list(dict.fromkeys(kind for kind, _q in queries))
    orm: dict[str, list[float]] = {k: [] for k in kinds}
    raw: dict[str, list[float]] = {k: [] for k in kinds}
    hits: dict[str, list[int]] = {k: [] for k in kinds}
    mismatches = 0
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        for kind, text in queries:  # warm-up: caches, plans, the user's scope
            a = person_search(user=user, text=text)
            b = raw_search(cur, ["15"], text)
            hits[kind].append(len(a))
            mismatches += [p.pk for p in a] != [row[0] for row in b]
        for _ in range(repeat):
            for kind, text in queries:
                start = time.perf_counter()
                person_search(user=user, text=text)
                orm[kind].append(time.perf_counter() - start)
                start = time.perf_counter()
                raw_search(cur, ["15"], text)
                raw[kind].append(time.perf_counter() - start)
    rows = []
    for kind in [*kinds, "all"]:
        o = [x for k in kinds for x in orm[k]] if kind == "all" else orm[kind]
        r = [x for k in kinds for x in raw[k]] if kind == "all" else raw[kind]
        h = [x for k in kinds for x in hits[k]] if kind == "all" else hits[kind]
        rows.append(
            {"kind": kind, "queries": len(h), "hits": statistics.mean(h), "orm": _stats(o), "raw": _stats(r)}
        )
    return {
        "rows": rows,
        "queries": len(queries),
        "repeat": repeat,
        "mismatches": mismatches,
        "examples": {k: next(q for kk, q in queries if kk == k) for k in kinds},
    }


# --------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------


def report(persons: int, gen: dict, copy: dict, search: dict, load_seconds: float) -> str:
    from ansinh.registry.models import Household, Membership, Person

    p, h, m = Person._meta.db_table, Household._meta.db_table, Membership._meta.db_table
    copy_total = sum(copy["seconds"].values())
    all_rows = gen["persons"] * 2 + gen["households"]
    lines = [
        SECTION,
        "",
        f"Run {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by `bench/bench_registry.py` "
        f"({persons:,} persons, Lào Cai, seed 1).",
        "",
        f"Machine: {machine()}.",
        "",
        "### Demo generation (`ansinh demo`)",
        "",
        "| what | rows | seconds | persons / s | rows / s (all tables) |",
        "|---|---:|---:|---:|---:|",
        f"| official areas loaded (`areas_load_official`) | – | {load_seconds:.1f} | – | – |",
        f"| `demo_generate` (Python rows + `bulk_create`, one transaction) | {gen['persons']:,} persons, "
        f"{gen['households']:,} households, {gen['persons']:,} memberships, {gen['villages']:,} villages | "
        f"{gen['seconds']:.1f} | {gen['persons'] / gen['seconds']:,.0f} | {all_rows / gen['seconds']:,.0f} |",
        f"| reference: `COPY FROM STDIN` of the same rows into tables with the same indexes | "
        f"{copy['rows'][p]:,} + {copy['rows'][h]:,} + {copy['rows'][m]:,} | {copy_total:.1f} "
        f"(persons {copy['seconds'][p]:.1f}) | {copy['rows'][p] / copy_total:,.0f} | "
        f"{all_rows / copy_total:,.0f} |",
        "",
        f"Generation runs at {copy_total / gen['seconds']:.0%} of the COPY reference "
        f"({gen['seconds'] / copy_total:.1f}× its time); the gap is building the rows in Python "
        "(names, identifiers, households) and Django's `INSERT … RETURNING` batches.",
        "",
        "### Person search (`registry.selectors.person_search`, administrator of province 15)",
        "",
        f"{search['queries']} searches, one warm-up pass, then {search['repeat']} timed passes; "
        "reference: the same searches as hand-written SQL through psycopg "
        "(same filters, ranking and limit 50). "
        f"Results identical to the reference for {search['queries'] - search['mismatches']} of "
        f"{search['queries']} searches.",
        "",
        "| kind | example | searches | mean hits (≤ 50) | median ms | p95 ms | SQL median ms | SQL p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in search["rows"]:
        example = f"`{search['examples'][row['kind']]}`" if row["kind"] in search["examples"] else ""
        if row["kind"] in ("personal ID", "phone") and example:
            example = f"`{search['examples'][row['kind']][:4]}…`"
        lines.append(
            f"| {row['kind']} | {example} | {row['queries']} | {row['hits']:.1f} | {row['orm'][0]:.1f} | "
            f"{row['orm'][1]:.1f} | {row['raw'][0]:.1f} | {row['raw'][1]:.1f} |"
        )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    persons = env_int("ANSINH_BENCH_PERSONS", 1_000_000)
    repeat = env_int("ANSINH_BENCH_QUERIES_REPEAT", 3)
    with fresh_database(database_url("ANSINH_BENCH_DATABASE_URL", "ansinh_bench")) as url:
        load_seconds = migrate()
        log(f"areas loaded in {load_seconds:.1f}s; generating {persons:,} persons")
        gen = bench_generation(persons)
        log(f"generated in {gen['seconds']:.1f}s ({gen['persons'] / gen['seconds']:,.0f} persons/s); ANALYZE")
        analyze()
        log("COPY reference")
        copy = bench_copy(url)
        log(f"COPY reference: {sum(copy['seconds'].values()):.1f}s; searching")
        search = bench_search(url, repeat)
        merge_docs(report(persons, gen, copy, search, load_seconds))


if __name__ == "__main__":
    main()
