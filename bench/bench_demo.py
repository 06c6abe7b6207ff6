"""The demo province with its history (issue 15, ADR 0026): `ansinh demo --persons N` on a fresh SQLite database,
as `make run` does, timed from the outside (schema and official areas not included), with the coverage band of
the last 36 months it leaves. Sizes: ``ANSINH_BENCH_DEMO_SIZES`` (default ``5000,20000``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, log, merge_docs

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


def report(rows: list[dict]) -> str:
    lines = [
        SECTION,
        "",
        "`ansinh demo --persons N --if-empty` on a fresh SQLite database (as `make run`), 2019 to today: people,",
        "list cards, imported cards before go-live, the desk since (1 January of last year), voluntary SI and",
        "the May campaign (ADR 0026).",
        "The COPY reference for the persons alone is in the Registry section.",
        "",
        "| persons | seconds | persons / s | HI coverage, last 36 months (min – max) |",
        "|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['persons']:,} | {r['seconds']:.1f} | {r['persons'] / r['seconds']:,.0f} | "
            f"{r['low']:.1%} – {r['high']:.1%} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sizes = [int(s) for s in os.environ.get("ANSINH_BENCH_DEMO_SIZES", "5000,20000").split(",")]
    merge_docs(report([run(n) for n in sizes]))
