"""`make bench`: every benchmark in this folder, one after the other; each prints its table and writes its
section of docs/benchmarks.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "bench_rules.py",
    "bench_registry.py",
    "bench_desk.py",
    "bench_coverage.py",
    "bench_campaigns.py",
    "bench_imports.py",
    "bench_dedup.py",
    "bench_demo.py",
    "bench_field.py",
]

if __name__ == "__main__":
    failed = []
    for name in BENCHES:
        print(f"== {name}", flush=True)
        if subprocess.call([sys.executable, str(HERE / name)]) != 0:  # noqa: S603 (our own scripts)
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
