"""The demo province with its history (issue 15, ADR 0026): `ansinh demo --persons N` on a fresh SQLite database,
as `make run` does, timed from the outside (schema and official areas not included), with the coverage band of
the last 36 months it leaves. Sizes: ``ANSINH_BENCH_DEMO_SIZES`` (default ``5000,20000``).

Then the same on PostgreSQL (``ANSINH_BENCH_DEMO_PG_PERSONS``, default 20000; 0 leaves it out) beside its
reference: every row the demo wrote, in every table, taken out and written again with ``COPY FROM STDIN`` into
copies of the same tables with the same indexes (bench_registry's ``bench_copy``). A million-person province with
its history takes hours on these machines; the rate at the largest size measured, and its arithmetic for a
million, are in the report."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, database_cpu, database_url, drop_database, log, machine, merge_docs
from harness import recreate_database as fresh

SECTION = "## Demo province with history"
ANSINH = str(Path(sys.executable).with_name("ansinh"))
BAND = """
import django, json
django.setup()
from ansinh.core.access import SystemActor
from ansinh.reports.coverage import trend
rates = [r["rate"] for r in trend(user=SystemActor(), area_code="15", months=36)]
print(json.dumps([min(rates), max(rates)]))
"""


def run(persons: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ansinh-bench-demo-") as var:
        env = {**os.environ, "ANSINH_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "ansinh.config.settings.base"}
        env.pop("ANSINH_DATABASE_URL", None)
        subprocess.run([ANSINH, "migrate"], env=env, check=True, capture_output=True, cwd=ROOT)  # noqa: S603
        start = time.perf_counter()
        out = subprocess.run(  # noqa: S603
            [ANSINH, "demo", "--persons", str(persons), "--if-empty", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        seconds = time.perf_counter() - start
        band = subprocess.run(  # noqa: S603
            [sys.executable, "-c", BAND], env=env, check=True, capture_output=True, text=True, cwd=ROOT
        )
        low, high = json.loads(band.stdout.strip().splitlines()[-1])
        try:
            counts = json.loads(out.stdout)
        except ValueError:
            counts = {}
    log(f"  {persons:,} persons: {seconds:.1f} s, coverage {low:.1%}–{high:.1%}")
    return {"persons": persons, "seconds": seconds, "low": low, "high": high, "counts": counts}


def _counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def run_pg(persons: int) -> dict:
    """The demo on PostgreSQL, its CPU and the database's, then COPY of every row it wrote."""
    import resource

    from bench_registry import bench_copy

    url = database_url("ANSINH_BENCH_DATABASE_URL", "ansinh_bench_demo")
    fresh(url)
    try:
        with tempfile.TemporaryDirectory(prefix="ansinh-bench-demo-") as var:
            env = {
                **os.environ,
                "ANSINH_VAR_DIR": var,
                "ANSINH_DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "ansinh.config.settings.base",
            }
            subprocess.run([ANSINH, "migrate"], env=env, check=True, capture_output=True, cwd=ROOT)  # noqa: S603
            os.environ["ANSINH_DATABASE_URL"] = url
            where = machine(packages=("django",))
            before = _counts(url)  # the schema's own rows and the official areas
            log(f"  PostgreSQL: the demo of {persons:,} persons")
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            demo = subprocess.Popen(  # noqa: S603
                [ANSINH, "demo", "--persons", str(persons), "--if-empty", "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                cwd=ROOT,
            )
            backends: dict[int, float] = {}
            while demo.poll() is None:  # a backend's CPU can be read only while it lives: every 5 s
                try:
                    demo.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    backends.update(database_cpu(url))
            seconds = time.perf_counter() - start
            after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after_children.ru_utime - children.ru_utime) + (
                after_children.ru_stime - children.ru_stime
            )
            out = demo.stdout.read() if demo.stdout else ""
            if demo.returncode != 0:
                raise SystemExit(f"bench: the demo failed ({demo.returncode})")
            band = subprocess.run(  # noqa: S603
                [sys.executable, "-c", BAND], env=env, check=True, capture_output=True, text=True, cwd=ROOT
            )
            low, high = json.loads(band.stdout.strip().splitlines()[-1])
        after = _counts(url)
        written = {t: n - before.get(t, 0) for t, n in after.items() if n > before.get(t, 0)}
        log(f"  PostgreSQL: {seconds:.1f} s, {sum(written.values()):,} rows; COPY of the same rows")
        copy = bench_copy(url, tables=sorted(written))
    finally:
        drop_database(url)
    return {
        "persons": persons,
        "seconds": seconds,
        "machine": where,
        "cpu": cpu,
        "db_cpu": sum(backends.values()),
        "low": low,
        "high": high,
        "written": written,
        "copy": copy,
        "counts": json.loads(out) if out.strip().startswith("{") else {},
    }


def report(rows: list[dict], pg: dict | None) -> str:
    lines = [
        SECTION,
        "",
        f"{pg['machine'] if pg else machine(database=False, packages=('django',))}. `python bench/bench_demo.py`, "
        f"{dt.date.today().isoformat()}.",
        "",
        "`ansinh demo --persons N --if-empty` on a fresh SQLite database (as `make run`), 2019 to today: people,",
        "list cards, imported cards before go-live, the desk since (1 January of last year), voluntary SI and",
        "the May campaign (ADR 0026).",
        "",
        "| persons | seconds | persons / s | HI coverage, last 36 months (min – max) |",
        "|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['persons']:,} | {r['seconds']:.1f} | {r['persons'] / r['seconds']:,.0f} | "
            f"{r['low']:.1%} – {r['high']:.1%} |"
        )
    if pg:
        lines += _report_pg(pg, [r["persons"] / r["seconds"] for r in rows])
    return "\n".join(lines) + "\n"


def _report_pg(pg: dict, rates: list[float]) -> list[str]:
    n, seconds, copy = pg["persons"], pg["seconds"], pg["copy"]
    rows = sum(pg["written"].values())
    copy_seconds = sum(copy["seconds"].values())
    copied = sum(copy["rows"].values())
    per_person = rows / n
    million = 1_000_000 / n * seconds
    spread = (
        f"on SQLite above, {min(rates):,.0f}–{max(rates):,.0f} persons a second at every size"
        if rates
        else "one history per household"
    )
    lines = [
        "",
        f"The same demo of {n:,} persons on PostgreSQL, beside COPY of the {rows:,} rows it wrote "
        f"({per_person:.0f} per person, in {len(pg['written'])} tables: the history's coverage rows, receipts, "
        "cards, periods and audit events, the people and their households), taken out after the run and written "
        "again with `COPY FROM STDIN` into copies of the same tables with the same indexes. The demo is timed "
        "from its process's start to its end (starting Python and Django: about 0.7 s); COPY from the first row "
        "to the commit of each table, its rows already in memory:",
        "",
        "| | rows | seconds | rows / s | CPU s (the process) | CPU s (database, sampled every 5 s) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `ansinh demo --persons {n:,}` | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | {pg['cpu']:.1f} | "
        f"{pg['db_cpu']:.1f} |",
        f"| COPY of the same tables (the areas' table whole: the villages are added to the official units) | "
        f"{copied:,} | {copy_seconds:.1f} | {copied / copy_seconds:,.0f} | | |",
        "",
        "| table | rows written |",
        "|---|---:|",
    ]
    for table, count in sorted(pg["written"].items(), key=lambda kv: -kv[1])[:12]:
        lines.append(f"| `{table}` | {count:,} |")
    lines += [
        "",
        f"HI coverage of the last 36 months: {pg['low']:.1%} – {pg['high']:.1%}. The demo writes at "
        f"**{copy_seconds / seconds:.1%} of COPY's speed** on the same rows: every row goes through the services "
        "that the desk, the lists and the imports use (each payment quoted by the rules of its day, its receipt "
        "numbered, its card and coverage period made, its audit event written), and each decision asks the "
        "eligibility rule.",
        "",
        f"A million persons: the time grows with the number of persons ({spread}), so at {n / seconds:,.0f} "
        f"persons a second a province of 1,000,000 with the same history takes about "
        f"1,000,000 / {n / seconds:,.0f} = {million:,.0f} s ({million / 3600:.1f} h); "
        f"COPY would write its ~{per_person * 1_000_000 / 1e6:.0f} million rows in about "
        f"{copy_seconds * 1_000_000 / n:,.0f} s. That run was not made on these shared 2-core machines "
        "(a core and the database for hours); "
        "`ANSINH_BENCH_DEMO_PG_PERSONS=1000000 python bench/bench_demo.py` makes it.",
    ]
    return lines


if __name__ == "__main__":
    sizes = [int(s) for s in os.environ.get("ANSINH_BENCH_DEMO_SIZES", "5000,20000").split(",") if s]
    pg_persons = int(os.environ.get("ANSINH_BENCH_DEMO_PG_PERSONS", "20000"))
    measured = [run(n) for n in sizes]
    merge_docs(report(measured, run_pg(pg_persons) if pg_persons else None))
