"""Coverage benchmark: ``reports.coverage.coverage`` by commune on PostgreSQL at province scale, beside the best
hand-written SQL for the same figures, at two registry sizes; and a commune's target list.

Run: ``python bench/bench_coverage.py`` (part of ``make bench``). Environment:

* ``ANSINH_BENCH_COVERAGE_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/ansinh_bench_coverage``):
  the database is DROPPED and created again for each size, migrated, and dropped at the end;
* ``ANSINH_BENCH_PERSONS`` (default 1,000,000): the big registry (Lào Cai, province 15); the small one is
  100,000 persons (a tenth of the big one when that is smaller, for a quick run);
* ``ANSINH_BENCH_SPANS_PER_PERSON`` (default 3): health-insurance coverage spans per person on average;
* ``ANSINH_BENCH_REPEAT`` (default 5): timed runs (the median is reported) after one warm-up run.

Data: ``demo_generate`` builds the people (as ``ansinh demo`` does); the rest is written with PostgreSQL ``COPY``
(the services that normally write it are benchmarked elsewhere): about 0.6 % of the people dead; per person a
chain of 0–6 coverage spans over the past years (12, 6 or 3 months, or 3–5 years for subsidised groups; mostly
back to back, some overlapping a few days, some with gaps; 3 % void; most people's latest card valid today);
for about 5 % of informal and farming working-age people a chain of 1–4 voluntary-SI contribution runs, each
with its completed enrollment. Then ``ANALYZE``.

What is measured:

1. ``coverage(user=SystemActor(), area_code="15", on=today, level="commune")`` — the whole call (rows of every
   commune, the totals, and the same date a year before): median of the timed runs;
2. the reference: one hand-written statement through psycopg returning, by commune, population, insured,
   voluntary-SI participants, informal working-age, pensioners, cash pensioners, and the year-before population
   and insured (the totals are the sums); every figure is checked equal to ansinh's;
3. at the big size: each SQL statement ansinh sends, with its ``EXPLAIN ANALYZE`` time, and the call again
   after creating candidate indexes (created in the benchmark database only) when ansinh misses the target;
4. ``outreach.services.target_list_create`` for one commune (all criteria, one team), when it exists.

It prints a markdown table and writes (or replaces) the "Coverage" section of docs/benchmarks.md. The data is
loaded by ``data.py`` (shared with bench_campaigns.py); the database's life cycle, the timing (the same warm-up
and repeats for ansinh and the reference, interleaved), the statement profile and the docs writer are
``harness.py``'s.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable

import psycopg
from data import PROVINCE, add_deaths, bench_point, insert_hi_spans, insert_vsi, people
from harness import (
    close_connections,
    database_url,
    drop_database,
    env_int,
    log,
    machine,
    measure,
    merge_docs,
    migrate,
    other_benchmarks,
    recreate_database,
    set_jit,
    setup_django,
    try_indexes,
)
from harness import interleaved as interleaved_timings
from harness import profile as harness_profile

SECTION = "## Coverage"
TARGET_MS = 500
TARGET_RATIO = 1.5
TARGET_LIST_MS = 200
TARGET_LIST_RUNS = 7
CRITERIA = ["uninsured", "lapsed", "expiring", "vsi_due", "cash_pension"]


# --------------------------------------------------------------------------------------------------------
# The hand-written reference
# --------------------------------------------------------------------------------------------------------

REFERENCE_SQL = """
WITH hi AS (
    SELECT person_id,
           bool_or(valid_from <= %(on)s AND valid_to >= %(on)s) AS now,
           bool_or(valid_from <= %(before)s AND valid_to >= %(before)s) AS before
      FROM enrollment_hicoverage
     WHERE NOT is_void AND valid_from <= %(on)s AND valid_to >= %(before)s
       AND ((valid_from <= %(on)s AND valid_to >= %(on)s) OR (valid_from <= %(before)s AND valid_to >= %(before)s))
     GROUP BY person_id
), vsi AS (
    SELECT DISTINCT person_id
      FROM enrollment_vsicontribution
     WHERE NOT is_void AND first_month <= %(month)s AND last_month >= %(month)s
), p AS (
    SELECT id, commune_id, employment, pension_recipient, payout_method, birth_date,
           (died_on IS NULL OR died_on > %(on)s) AND birth_date <= %(on)s AS alive,
           (died_on IS NULL OR died_on > %(before)s) AND birth_date <= %(before)s AS alive_before
      FROM registry_person
     WHERE province_code = %(province)s AND birth_date <= %(on)s
)
SELECT p.commune_id,
       count(*) FILTER (WHERE alive) AS population,
       count(*) FILTER (WHERE alive AND hi.now) AS insured,
       count(*) FILTER (WHERE alive AND vsi.person_id IS NOT NULL) AS vsi,
       count(*) FILTER (WHERE alive AND employment IN ('informal', 'farmer')
                          AND birth_date <= %(youngest)s AND birth_date > %(oldest)s) AS informal,
       count(*) FILTER (WHERE alive AND pension_recipient) AS pensioners,
       count(*) FILTER (WHERE alive AND pension_recipient AND payout_method = 'cash') AS cash_pensioners,
       count(*) FILTER (WHERE alive_before) AS population_before,
       count(*) FILTER (WHERE alive_before AND hi.before) AS insured_before
  FROM p
  LEFT JOIN hi ON hi.person_id = p.id
  LEFT JOIN vsi ON vsi.person_id = p.id
 GROUP BY p.commune_id
"""
# The persons' figures by commune, shared by the two grouped references.
POP_CTE = """
WITH pop AS (
    SELECT commune_id,
           count(*) FILTER (WHERE died_on IS NULL OR died_on > %(on)s) AS population,
           count(*) FILTER (WHERE (died_on IS NULL OR died_on > %(on)s) AND employment IN ('informal', 'farmer')
                              AND birth_date <= %(youngest)s AND birth_date > %(oldest)s) AS informal,
           count(*) FILTER (WHERE (died_on IS NULL OR died_on > %(on)s) AND pension_recipient) AS pensioners,
           count(*) FILTER (WHERE (died_on IS NULL OR died_on > %(on)s) AND pension_recipient
                              AND payout_method = 'cash') AS cash_pensioners,
           count(*) FILTER (WHERE (died_on IS NULL OR died_on > %(before)s) AND birth_date <= %(before)s)
               AS population_before
      FROM registry_person
     WHERE province_code = %(province)s AND birth_date <= %(on)s
     GROUP BY commune_id
)"""
# The same figures, another shape: the persons' figures, the cards joined to their holder, the contributions
# likewise, each grouped by commune with conditional counts, joined by commune.
REFERENCE_SQL_GROUPED = (
    POP_CTE  # noqa: S608 (constant text, no input)
    + """, ins AS (
    SELECT p.commune_id,
           count(DISTINCT h.person_id) FILTER (WHERE h.valid_from <= %(on)s AND h.valid_to >= %(on)s
                                                AND (p.died_on IS NULL OR p.died_on > %(on)s)) AS insured,
           count(DISTINCT h.person_id) FILTER (WHERE h.valid_from <= %(before)s AND h.valid_to >= %(before)s
                                                AND p.birth_date <= %(before)s
                                                AND (p.died_on IS NULL OR p.died_on > %(before)s)) AS insured_before
      FROM enrollment_hicoverage h
      JOIN registry_person p ON p.id = h.person_id
     WHERE NOT h.is_void AND h.valid_from <= %(on)s AND h.valid_to >= %(before)s
       AND p.province_code = %(province)s AND p.birth_date <= %(on)s
     GROUP BY p.commune_id
), vsi AS (
    SELECT p.commune_id, count(DISTINCT v.person_id) AS vsi
      FROM enrollment_vsicontribution v
      JOIN registry_person p ON p.id = v.person_id
     WHERE NOT v.is_void AND v.first_month <= %(month)s AND v.last_month >= %(month)s
       AND p.province_code = %(province)s AND p.birth_date <= %(on)s AND (p.died_on IS NULL OR p.died_on > %(on)s)
     GROUP BY p.commune_id
)
SELECT pop.commune_id, population, coalesce(insured, 0), coalesce(vsi, 0), informal, pensioners, cash_pensioners,
       population_before, coalesce(insured_before, 0)
  FROM pop
  LEFT JOIN ins ON ins.commune_id = pop.commune_id
  LEFT JOIN vsi ON vsi.commune_id = pop.commune_id
"""
)
# The same figures from the same schema as ansinh: persons grouped by commune, and the coverage periods
# (reports_coverageperiod: each person's coverage merged, cut to their life, placed where they live) counted by
# commune — what a hand-written report against ansinh's tables would do.
REFERENCE_SQL_PERIODS = (
    POP_CTE  # noqa: S608 (constant text, no input)
    + """, per AS (
    SELECT commune_id,
           count(*) FILTER (WHERE scheme = 'hi' AND valid_from <= %(on)s AND valid_to >= %(on)s) AS insured,
           count(*) FILTER (WHERE scheme = 'hi' AND valid_from <= %(before)s AND valid_to >= %(before)s)
               AS insured_before,
           count(*) FILTER (WHERE scheme = 'vsi' AND valid_from <= %(on)s AND valid_to >= %(on)s) AS vsi
      FROM reports_coverageperiod
     WHERE province_code = %(province)s AND valid_from <= %(on)s AND valid_to >= %(before)s
     GROUP BY commune_id
)
SELECT pop.commune_id, population, coalesce(insured, 0), coalesce(vsi, 0), informal, pensioners, cash_pensioners,
       population_before, coalesce(insured_before, 0)
  FROM pop
  LEFT JOIN per ON per.commune_id = pop.commune_id
"""
)
REFERENCES = {
    "coverage periods (ansinh's schema)": REFERENCE_SQL_PERIODS,
    "coverage rows, one pass, flags per person": REFERENCE_SQL,
    "coverage rows, grouped by commune per table": REFERENCE_SQL_GROUPED,
}
REFERENCE_FIELDS = ("population", "insured", "vsi", "informal", "pensioners", "cash_pensioners",
                    "population_before", "insured_before")  # fmt: skip


def reference_args(on: dt.date) -> dict:
    from ansinh.reports.coverage import WORKING_AGE

    before = on.replace(year=on.year - 1) if not (on.month == 2 and on.day == 29) else on - dt.timedelta(365)
    return {
        "on": on,
        "before": before,
        "month": on.replace(day=1),
        "province": PROVINCE,
        "youngest": on.replace(year=on.year - WORKING_AGE[0]),
        "oldest": on.replace(year=on.year - WORKING_AGE[1] - 1),
    }


def reference(cur, on: dt.date, statement: str = REFERENCE_SQL_GROUPED) -> dict[int, dict[str, int]]:
    cur.execute(statement, reference_args(on))  # type: ignore[arg-type]
    return {row[0]: dict(zip(REFERENCE_FIELDS, row[1:], strict=True)) for row in cur.fetchall()}


def compare(result: dict, ref: dict[int, dict[str, int]]) -> list[str]:
    """Differences between ansinh's answer and the reference ([] when every figure is equal)."""
    from ansinh.areas.models import Area

    codes = dict(Area.objects.filter(pk__in=list(ref)).values_list("pk", "code"))
    by_code = {codes[k]: v for k, v in ref.items()}
    problems = []
    keys = {"population": "population", "insured": "insured", "voluntary_si": "vsi",
            "informal_working_age": "informal", "pensioners": "pensioners",
            "cash_pensioners": "cash_pensioners"}  # fmt: skip
    rows = {r["code"]: r for r in result["rows"]}
    if set(rows) != set(by_code):
        problems.append(f"units differ: {sorted(set(rows) ^ set(by_code))[:5]}")
    total = dict.fromkeys(REFERENCE_FIELDS, 0)
    for figures in ref.values():
        for k in REFERENCE_FIELDS:
            total[k] += figures[k]
    for code, figures in [*by_code.items(), (None, total)]:
        row = result["total"] if code is None else rows.get(code)
        if row is None:
            continue
        for theirs, ours in keys.items():
            if row[theirs] != figures[ours]:
                problems.append(f"{code or 'total'} {theirs}: ansinh {row[theirs]}, SQL {figures[ours]}")
        pop, ins = figures["population_before"], figures["insured_before"]
        rate = round(ins / pop, 4) if pop else None
        if row["rate_year_before"] != rate:
            problems.append(
                f"{code or 'total'} rate_year_before: ansinh {row['rate_year_before']}, SQL {rate}"
            )
    return problems


# --------------------------------------------------------------------------------------------------------
# One size
# --------------------------------------------------------------------------------------------------------


def build(url: str, persons: int, on: dt.date, per_person: float) -> dict:
    from ansinh.demo.population import demo_generate
    from ansinh.enrollment.periods import coverage_periods_rebuild

    migrate()
    start = time.perf_counter()
    demo_generate(province_code=PROVINCE, persons=persons, seed=1)
    gen_seconds = time.perf_counter() - start
    log(f"  {persons:,} persons generated in {gen_seconds:.0f}s; COPY coverage and contributions")
    point = bench_point()
    start = time.perf_counter()
    with psycopg.connect(url) as conn:
        deaths = add_deaths(conn, on)
        everyone = people(conn)
        spans = insert_hi_spans(conn, everyone, on, seed=1, per_person=per_person)
        enrollments, contributions = insert_vsi(conn, everyone, on, seed=1, point_id=point.pk)
        conn.commit()
    load_seconds = time.perf_counter() - start
    log(f"  {spans:,} spans, {contributions:,} contributions loaded in {load_seconds:.0f}s; coverage periods")
    start = time.perf_counter()
    periods = coverage_periods_rebuild(
        province_code=PROVINCE
    )  # as an import that writes coverage in bulk does
    periods_seconds = time.perf_counter() - start
    log(f"  {periods:,} coverage periods built in {periods_seconds:.0f}s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        void = conn.execute("SELECT count(*) FROM enrollment_hicoverage WHERE is_void").fetchone()[0]
    return {"persons": len(everyone), "deaths": deaths, "spans": spans, "void": void, "enrollments": enrollments,
            "contributions": contributions, "gen_seconds": gen_seconds, "load_seconds": load_seconds,
            "periods": periods, "periods_seconds": periods_seconds}  # fmt: skip


def run_size(url: str, persons: int, on: dt.date, repeat: int, per_person: float, big: bool) -> dict:
    from django.db import connection

    from ansinh.core.access import SystemActor
    from ansinh.reports.coverage import coverage

    data = build(url, persons, on, per_person)
    user = SystemActor()

    def ansinh():
        return coverage(user=user, area_code=PROVINCE, on=on, level="commune")

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        fns: dict[str, Callable[[], object]] = {"ansinh": ansinh}
        for name, statement in REFERENCES.items():
            fns[name] = lambda st=statement: reference(cur, on, st)
        # the same warm-up and repeats for every side, twice, interleaved: a burst of load elsewhere does not
        # favour one side
        timings = interleaved_timings(fns, repeat=repeat, rounds=2)
        result = timings["ansinh"].result
        variants = {
            name: {
                "ms": timings[name].ms,
                "spread": timings[name].spread_ms(),
                "result": timings[name].result,
            }
            for name in REFERENCES
        }
        set_jit(cur, False)
        best_now = min(variants, key=lambda k: variants[k]["ms"])
        nojit = {
            "orm_ms": measure(ansinh, repeat=repeat).ms,
            "sql_ms": measure(fns[best_now], repeat=repeat).ms,
        }
        set_jit(cur, True)
        log(f"  jit off: {nojit}")
    for v in variants.values():
        v["problems"] = compare(result, v["result"])
    best = min(variants, key=lambda k: variants[k]["ms"])
    out = {
        **data,
        "orm_ms": timings["ansinh"].ms,
        "orm_spread": timings["ansinh"].spread_ms(),
        "sql_spread": variants[best]["spread"],
        "sql_ms": variants[best]["ms"],
        "sql_best": best,
        "sql_variants": {k: {"ms": v["ms"], "problems": v["problems"]} for k, v in variants.items()},
        "problems": [p for v in variants.values() for p in v["problems"]],
        "nojit": nojit,
        "communes": len(result["rows"]),
        "total": result["total"],
    }
    log(f"  coverage {out['orm_ms']:.0f} ms, SQL {out['sql_ms']:.0f} ms, {len(out['problems'])} differences")
    for p in out["problems"][:10]:
        log(f"    {p}")
    if big:
        out["queries"] = profile(url, ansinh)
        if out["orm_ms"] > TARGET_MS or out["orm_ms"] > TARGET_RATIO * out["sql_ms"]:
            best_sql = REFERENCES[out["sql_best"]]
            with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
                sides = {"orm": ansinh, "sql": lambda: reference(cur, on, best_sql)}
                out["indexes"] = {"steps": try_indexes(url, CANDIDATE_INDEXES, sides, repeat=repeat)}
        out["target_list"] = bench_target_list(on, repeat)
    connection.close()
    return out


def profile(url: str, fn: Callable[[], object]) -> list[dict]:
    return harness_profile(url, fn, "ansinh_bench_coverage_plans.txt")


CANDIDATE_INDEXES = [
    # Valid cards on a date, the person at hand: an index-only scan instead of reading the 3M-row heap.
    "CREATE INDEX bench_hi_valid_idx ON enrollment_hicoverage (valid_from, valid_to, person_id) WHERE NOT is_void",
    # Population by commune: an index-only scan of persons instead of the heap.
    "CREATE INDEX bench_person_cov_idx ON registry_person (province_code, commune_id) INCLUDE "
    "(birth_date, died_on, employment, pension_recipient, payout_method)",
]


def bench_target_list(on: dt.date, repeat: int) -> dict:
    """target_list_create for a commune of median size (all criteria, one team), when the service exists: the
    whole call, and within the same calls its read (``target_candidates``), its pricing (``price_rows``) and the
    rest (checks, writing the list, teams, the audit event, the commit)."""
    try:
        from ansinh.outreach import services
    except ImportError as e:
        return {"error": f"not yet measurable ({e})"}
    from django.db.models import Count

    from ansinh.areas.models import Area
    from ansinh.core.services import user_create
    from ansinh.registry.models import Person

    sizes = list(Person.objects.filter(province_code=PROVINCE).values("commune_id").annotate(n=Count("id"))
                 .order_by("n", "commune_id"))  # fmt: skip
    median = sizes[len(sizes) // 2]
    commune = Area.objects.get(pk=median["commune_id"])
    user = user_create(
        actor=None, username="bench-officer", role="communication_officer", area_codes=[PROVINCE]
    )
    counter = iter(range(1_000))
    phases: dict[str, list[float]] = {"read": [], "price": []}
    last: dict[str, list] = {}

    def timing(phase: str, fn: Callable) -> Callable:
        def call(*args, **kwargs):
            start = time.perf_counter()
            result = fn(*args, **kwargs)
            phases[phase].append((time.perf_counter() - start) * 1000)
            last[phase] = result
            return result

        return call

    def create():
        return services.target_list_create(actor=user, name=f"Bench {next(counter)}", area_codes=[commune.code],
                                           criteria=CRITERIA, on=on)  # fmt: skip

    original = services.target_candidates, services.price_rows
    services.target_candidates = timing("read", original[0])  # type: ignore[assignment]
    services.price_rows = timing("price", original[1])  # type: ignore[assignment]
    try:
        timing = measure(create, repeat=TARGET_LIST_RUNS)
        totals, target_list = [x * 1000 for x in timing.samples], timing.result
    except Exception as e:  # the service is being changed: report, do not fail the benchmark
        log(f"  target list failed: {type(e).__name__}: {e}")
        return {"error": f"failed: {type(e).__name__}: {e}"}
    finally:
        services.target_candidates, services.price_rows = original  # type: ignore[assignment]
    floor = target_list_floor(create, target_list.pk)  # type: ignore[attr-defined]
    read, price = phases["read"][1:], phases["price"][1:]  # the warm-up's left out
    out = {"commune": f"{commune.name} ({commune.code})", "persons": median["n"],
           "create_ms": statistics.median(totals), "read_ms": statistics.median(read),
           "price_ms": statistics.median(price),
           "write_ms": statistics.median(t - r - p for t, r, p in zip(totals, read, price, strict=True)),
           "households": target_list.households.count(),  # type: ignore[attr-defined]
           "members": sum(len(row.persons) for row in last["read"]),
           "offers": sum(len(offers) for _row, offers in last["price"]), **floor}  # fmt: skip
    log(f"  target list: {out}")
    return out


def target_list_floor(create: Callable[[], object], list_id: int) -> dict:
    """What the same list costs with no Python work at all, on this machine: the reads replayed through psycopg
    (the very statements and parameters one ``target_list_create`` sent, result rows fetched), and the writes as
    raw COPY of the list's rows already encoded (read back from a list ansinh wrote), into the same tables with
    the same constraints, committed. Nothing about pricing, ordering or splitting is in it: it is the cost of the
    tables, not of a way to fill them."""
    from django.db import connection

    statements: list[tuple[str, object]] = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT") and not many:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        create()
    url = connection.settings_dict
    dsn = f"postgresql://{url['USER']}@{url['HOST']}:{url['PORT']}/{url['NAME']}"
    households = "outreach_targethousehold"
    h_cols = ("target_list_id, position, household_id, commune_id, village_id, address, label, priority, offers, "
              "team_id, status, follow_up_on, province_code")  # fmt: skip
    m_cols = "target_household_id, person_id, reasons, card_valid_to, do_not_contact, province_code"
    with psycopg.connect(dsn, options="-c jit=off") as conn:  # as ansinh's connections (settings/base.py)

        def copy_out(query: str) -> bytes:
            with conn.cursor() as cur, cur.copy(f"COPY ({query}) TO STDOUT") as copy:
                return b"".join(bytes(chunk) for chunk in copy)

        mine = f"SELECT id FROM {households} WHERE target_list_id = {int(list_id)}"  # noqa: S608 (constants)
        h_data = copy_out(f"SELECT {h_cols} FROM {households} WHERE id IN ({mine}) ORDER BY position")  # noqa: S608
        m_data = copy_out(
            f"SELECT {m_cols} FROM outreach_targetmember WHERE target_household_id IN ({mine}) "  # noqa: S608
            "ORDER BY id"
        )
        conn.commit()

        def reads():
            cur = psycopg.ClientCursor(conn)  # the binding Django uses
            for sql, params in statements:
                cur.execute(sql, params)
                cur.fetchall()
            conn.commit()

        def writes():  # the same rows once more, beside the originals (the list has no unique position)
            with conn.cursor() as cur:
                with cur.copy(f"COPY {households} ({h_cols}) FROM STDIN") as copy:
                    copy.write(h_data)
                with cur.copy(f"COPY outreach_targetmember ({m_cols}) FROM STDIN") as copy:
                    copy.write(m_data)
            conn.commit()

        last_id = conn.execute(f"SELECT max(id) FROM {households}").fetchone()[0]  # noqa: S608 (constant)
        read_ms = measure(reads, repeat=TARGET_LIST_RUNS).ms
        write_ms = measure(writes, repeat=TARGET_LIST_RUNS).ms
        rows = len(h_data.splitlines()) + len(m_data.splitlines())
        conn.execute(
            "DELETE FROM outreach_targetmember WHERE target_household_id > %s", [last_id]
        )  # the copies
        conn.execute(f"DELETE FROM {households} WHERE id > %s", [last_id])  # noqa: S608 (constant)
        conn.commit()
    log(
        f"  target list floor: reads {read_ms:.0f} ms ({len(statements)} statements), writes {write_ms:.0f} ms"
    )
    return {"floor_read_ms": read_ms, "floor_write_ms": write_ms, "floor_statements": len(statements),
            "floor_rows": rows}  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def report(on: dt.date, sizes: list[dict], repeat: int, others: list[str]) -> str:
    small, big = sizes[0], sizes[-1]
    lines = [
        SECTION,
        "",
        f"Run {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by `bench/bench_coverage.py` (Lào Cai, seed 1; "
        f'`coverage(user=SystemActor(), area_code="15", on={on.isoformat()}, level="commune")`).',
        "",
        f"Machine: {machine()}."
        + (f" Running at the same time: {', '.join(others)}." if others else " No other benchmark running.")
        + " Load average at the end: {:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min).".format(*os.getloadavg()),
        "",
        "Data: persons from `demo_generate`; then written with `COPY`: deaths, health-insurance coverage spans "
        "(chains of 12-, 6-, 3-month and 3–5-year cards per person, back to back, overlapping or with gaps; 3 % void; "
        "most people's latest card valid on the date), voluntary-SI contribution runs (about 5 % of informal and "
        "farming working-age people, each run with its enrollment); then the coverage periods built from those rows "
        "by `enrollment.periods.coverage_periods_rebuild` (as an import that writes coverage in bulk does; "
        + ", ".join(
            f"{s['periods']:,} periods in {s['periods_seconds']:.0f} s at {s['persons']:,} persons"
            for s in sizes
        )
        + "); `VACUUM ANALYZE`.",
        "",
        f"Timing: the whole call (every commune's row, the totals, the same date a year before), {repeat} timed "
        f"runs after a warm-up, twice, interleaved with the reference; median of the {2 * repeat}. Reference: one "
        "hand-written statement through psycopg giving the same figures by commune (population, insured, "
        "voluntary-SI participants, informal working-age, pensioners, cash pensioners, year-before population and "
        "insured; the totals are their sums). Three hand-written variants are timed: from the coverage periods "
        "(the same tables ansinh reads) and, to show what the periods buy and to check them, two from the raw "
        "coverage rows and persons; ansinh's figures are checked equal to each.",
        "",
        "| persons | HI spans (void) | VSI runs | communes | ansinh ms (fastest–slowest) "
        "| best SQL ms (fastest–slowest) | ansinh / SQL | figures equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in sizes:
        equal = "yes" if not s["problems"] else f"**no** ({len(s['problems'])} differences)"
        lines.append(
            f"| {s['persons']:,} | {s['spans']:,} ({s['void']:,}) | {s['contributions']:,} | {s['communes']} | "
            f"{s['orm_ms']:.0f} ({s['orm_spread']}) | {s['sql_ms']:.0f} ({s['sql_spread']}) | "
            f"{s['orm_ms'] / s['sql_ms']:.2f}× | {equal} |"
        )
    lines += ["", "With JIT compilation off (`SET jit = off` for the session; PostgreSQL's default is on and its "
              "cost thresholds are crossed by every statement here), median ms, ansinh / best SQL: "
              + "; ".join(f"{s['persons']:,} persons: {s['nojit']['orm_ms']:.0f} / {s['nojit']['sql_ms']:.0f}"
                          for s in sizes) + "."]  # fmt: skip
    lines += ["", "Hand-written variants (median ms, every figure checked against ansinh's): " + "; ".join(
        f"{s['persons']:,} persons: " + ", ".join(f"{k} {v['ms']:.0f}" for k, v in s["sql_variants"].items())
        for s in sizes) + ". The best one is the reference."]  # fmt: skip
    t = big["total"]
    ratio = big["orm_ms"] / big["sql_ms"]
    lines += [
        "",
        f"Totals on {on.isoformat()} ({big['persons']:,} persons): population {t['population']:,}, insured "
        f"{t['insured']:,} (rate {t['rate']:.1%}, a year before {t['rate_year_before']:.1%}), voluntary SI "
        f"{t['voluntary_si']:,} of {t['informal_working_age']:,} informal working-age, "
        f"{t['cash_pensioners']:,} of {t['pensioners']:,} pensioners paid in cash.",
        "",
        f"Growth {small['persons']:,} → {big['persons']:,} persons ({big['persons'] / small['persons']:.0f}× the "
        f"people): ansinh {big['orm_ms'] / small['orm_ms']:.1f}× the time, SQL {big['sql_ms'] / small['sql_ms']:.1f}×.",
        "",
        f"Targets (issue 6): under {TARGET_MS} ms — {_verdict(big['orm_ms'] < TARGET_MS)} "
        f"({big['orm_ms']:.0f} ms); within {TARGET_RATIO}× of the hand-written SQL — "
        f"{_verdict(ratio <= TARGET_RATIO)} ({ratio:.2f}×).",
    ]
    if big.get("queries"):
        lines += ["", f"The {len(big['queries'])} statements ansinh sends ({big['persons']:,} persons; "
                  "`EXPLAIN ANALYZE` time, one run):", "",
                  "| # | statement | ms |", "|---:|---|---:|"]  # fmt: skip
        for i, q in enumerate(big["queries"], 1):
            lines.append(f"| {i} | {describe(q['sql'])} | {q['ms']:.0f} |")
    if big.get("indexes"):
        lines += ["", "Candidate indexes (created in the benchmark database only, cumulatively):", "",
                  "| with | ansinh ms | SQL ms |", "|---|---:|---:|",
                  f"| (none) | {big['orm_ms']:.0f} | {big['sql_ms']:.0f} |"]  # fmt: skip
        for step in big["indexes"]["steps"]:
            ddl = step["ddl"].replace("CREATE INDEX ", "")
            lines.append(f"| `{ddl}` | {step['orm_ms']:.0f} | {step['sql_ms']:.0f} |")
    tl = big.get("target_list") or {}
    lines += ["", "### Target list of a commune (`outreach.services.target_list_create`)", ""]
    if "error" in tl:
        lines.append(f"Target under {TARGET_LIST_MS} ms: {tl['error']}.")
    else:
        lines += [
            f"Commune of median size {tl['commune']}, {tl['persons']:,} persons; all criteria "
            f"({', '.join(CRITERIA)}), one team, built by a communication officer of the province; median of "
            f"{TARGET_LIST_RUNS} after a warm-up. The parts are timed inside the same calls (the rest is the whole "
            "call less the read and the pricing); medians, so they need not add up exactly.",
            "",
            "| what | ms | rows |",
            "|---|---:|---:|",
            f"| `target_list_create`, the whole call | {tl['create_ms']:.0f} | {tl['households']:,} households |",
            f"| of which the read: `outreach.selectors.target_candidates` | {tl['read_ms']:.0f} | "
            f"{tl['members']:,} persons |",
            f"| of which pricing the offers: `outreach.services.price_rows` | {tl['price_ms']:.0f} | "
            f"{tl['offers']:,} offers |",
            f"| of which the rest: checks, writing the list, teams, the audit event, the commit | "
            f"{tl['write_ms']:.0f} | {tl['households'] + tl['members']:,} rows |",
            f"| floor, reads: the {tl['floor_statements']} SELECT statements of one call replayed through psycopg "
            f"| {tl['floor_read_ms']:.0f} | |",
            f"| floor, writes: the same rows by raw `COPY` of rows already encoded, same constraints, commit "
            f"| {tl['floor_write_ms']:.0f} | {tl['floor_rows']:,} rows |",
            f"| floor, together (no Python work: no criteria, pricing, ordering or splitting) "
            f"| {tl['floor_read_ms'] + tl['floor_write_ms']:.0f} | |",
            "",
            f"Target under {TARGET_LIST_MS} ms: {_verdict(tl['create_ms'] < TARGET_LIST_MS)}.",
        ]
    lines.append("")
    return "\n".join(lines)


def describe(text: str) -> str:
    """A short name for a statement ansinh sends."""
    t = text.lower()
    if "reports_coverageperiod" in t:
        what = "insured and voluntary-SI participants (coverage periods)"
    elif "enrollment_hicoverage" in t:
        what = "insured (valid cards)"
    elif "enrollment_vsicontribution" in t:
        what = "voluntary-SI participants"
    elif "registry_person" in t and "count(" in t:
        what = (
            "persons: population, informal working-age, pensioners, cash pensioners, year-before population"
        )
    else:
        what = "areas, parameters"
    head = t.split(" from ")[0]
    by = "by commune" if 'commune_id"' in head else "total" if "group by" in t else ""
    return f"{what} {by}".strip()


def main() -> None:
    url = database_url("ANSINH_BENCH_COVERAGE_DATABASE_URL", "ansinh_bench_coverage")
    big = env_int("ANSINH_BENCH_PERSONS", 1_000_000)
    small = min(100_000, max(big // 10, 1000))
    repeat = env_int("ANSINH_BENCH_REPEAT", 5)
    per_person = float(os.environ.get("ANSINH_BENCH_SPANS_PER_PERSON", "3"))
    setup_django(url)
    from ansinh.core.dates import today

    on = today()
    others = other_benchmarks()
    if others:
        log(f"note: other benchmarks running: {others}")
    sizes = []
    try:
        for n in (small, big):  # a fresh database for each size
            log(f"size {n:,}")
            close_connections()
            recreate_database(url)
            sizes.append(run_size(url, n, on, repeat, per_person, big=n == big))
        others = sorted(set(others) | set(other_benchmarks()))
        merge_docs(report(on, sizes, repeat, others))
    finally:
        close_connections()
        if os.environ.get("ANSINH_BENCH_KEEP") != "1":
            drop_database(url)


if __name__ == "__main__":
    main()
