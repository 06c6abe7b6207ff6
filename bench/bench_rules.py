"""Benchmark: household HI and voluntary SI over 1,000,000 synthetic persons with ansinh.rules.batch,
against openfisca-core (bench-only dependency, if installed) computing the same household-HI formula.

Prints a markdown table and writes/merges the "Rules" section of docs/benchmarks.md.
Run: .venv/bin/python bench/bench_rules.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ansinh.rules import batch, hi, vsi  # noqa: E402
from ansinh.rules.params import default  # noqa: E402

ON = date(2025, 9, 1)
SECTION = "## Rules (household HI and voluntary SI, batch)"


def synthetic(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 8, size=n)  # household sizes 1..7
    hh = np.repeat(np.arange(n), sizes)[:n]
    groups = hi.all_groups()
    in_force = [groups.index(g) for g in [hi.HOUSEHOLD, *hi.subsidised_groups(on=ON)]]
    gidx = np.where(rng.random(n) < 0.8, 0, rng.choice(in_force, size=n)).astype(np.int64)
    income = rng.integers(1_500_000, 20_000_000, size=n)
    vgroup = rng.integers(0, len(vsi.GROUPS), size=n)
    so_far = rng.integers(0, 130, size=n)
    return {"hh": hh, "gidx": gidx, "income": income, "vgroup": vgroup, "so_far": so_far}


def timed(fn, repeat: int = 3):  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def openfisca_household_hi(ranks: np.ndarray):  # type: ignore[no-untyped-def]
    """The household-HI premium (12 months, household-scheme members only) in OpenFisca (float32)."""
    from openfisca_core.entities import build_entity
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.periods import MONTH
    from openfisca_core.simulations import SimulationBuilder
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    household = build_entity(
        key="household",
        plural="households",
        label="Household",
        roles=[{"key": "member", "plural": "members", "label": "Member"}],
    )
    person = build_entity(key="person", plural="persons", label="Person", is_person=True)

    class hi_rank(Variable):  # noqa: N801
        value_type = int
        entity = person
        definition_period = MONTH
        label = "rank among household-scheme members"

    class hi_payable_12(Variable):  # noqa: N801
        value_type = float
        entity = person
        definition_period = MONTH
        label = "household HI payable for 12 months"

        def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
            p = parameters(period)
            rank = person("hi_rank", period)
            factor = np.select(
                [rank == 1, rank == 2, rank == 3, rank == 4],
                [p.hi.factor_1, p.hi.factor_2, p.hi.factor_3, p.hi.factor_4],
                p.hi.factor_5,
            )
            return np.round(p.base_salary * p.hi.rate * factor) * 12

    tbs = TaxBenefitSystem([person, household])
    tbs.add_variables(hi_rank, hi_payable_12)

    def val(v):  # type: ignore[no-untyped-def]
        return {"values": {"2024-07-01": {"value": v}}}

    tbs.parameters = ParameterNode(
        "",
        data={
            "base_salary": val(2340000),
            "hi": {
                "rate": val(0.045),
                "factor_1": val(1.0),
                "factor_2": val(0.7),
                "factor_3": val(0.6),
                "factor_4": val(0.5),
                "factor_5": val(0.4),
            },
        },
    )

    def run():  # type: ignore[no-untyped-def]
        sim = SimulationBuilder().build_default_simulation(tbs, count=len(ranks))
        sim.set_input("hi_rank", "2025-09", ranks)
        return sim.calculate("hi_payable_12", "2025-09")

    def calculate_only():  # type: ignore[no-untyped-def]
        sim = SimulationBuilder().build_default_simulation(tbs, count=len(ranks))
        sim.set_input("hi_rank", "2025-09", ranks)
        start = time.perf_counter()
        sim.calculate("hi_payable_12", "2025-09")
        return time.perf_counter() - start

    run.calculate_only = calculate_only  # type: ignore[attr-defined]
    return run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    n = args.n
    data = synthetic(n)
    default()  # load parameters outside the timings
    ranks = batch.household_ranks(data["hh"], data["gidx"] == 0)

    rows = []
    t_hi, out_hi = timed(lambda: batch.hi_household(ON, data["gidx"], ranks, 12))
    rows.append(("ansinh batch: household HI (all groups, exact int64)", t_hi, "exact"))
    t_rank, _ = timed(lambda: batch.household_ranks(data["hh"], data["gidx"] == 0))
    rows.append(("ansinh batch: household ranks", t_rank, "exact"))
    t_vsi, _ = timed(lambda: batch.vsi(ON, data["income"], data["vgroup"], 12, data["so_far"]))
    rows.append(("ansinh batch: voluntary SI (12 months)", t_vsi, "exact"))

    hh_mask = data["gidx"] == 0
    hh_ranks = ranks[hh_mask]
    t_hh, ours = timed(lambda: batch.hi_household(ON, np.zeros(len(hh_ranks), dtype=np.int64), hh_ranks, 12))
    rows.append(("ansinh batch: household HI (household scheme only)", t_hh, "exact"))

    t_single, _ = timed(lambda: [hi.quote_household(ON, 3) for _ in range(1000)], repeat=1)
    rows.append(("ansinh single quote (hi.quote_household, 3 members) x 1000", t_single, "exact"))

    of_note = "openfisca-core not installed"
    try:
        import openfisca_core  # noqa: F401

        run = openfisca_household_hi(hh_ranks)
        t_of, of_out = timed(run, repeat=1)
        mism = int(np.sum(np.asarray(of_out, dtype=np.int64) != ours["payable"]))
        of_version = __import__("importlib.metadata").metadata.version("openfisca-core")
        rows.append(
            (
                f"openfisca-core {of_version}: household HI (household scheme only)",
                t_of,
                f"{mism} of {len(hh_ranks)} differ",
            )
        )
        t_of_calc = min(run.calculate_only() for _ in range(3))
        rows.append(
            (
                f"openfisca-core {of_version}: household HI (household scheme only), calculate() only",
                t_of_calc,
                f"{mism} of {len(hh_ranks)} differ",
            )
        )
        of_note = (
            f"speed-up ansinh vs OpenFisca on the same formula: {t_of / t_hh:.1f}x counting OpenFisca's simulation "
            f"building, {t_of_calc / t_hh:.1f}x against its calculate() alone (target: at least 10x); OpenFisca's "
            "float32 happens to be exact here (every amount < 2^24), it would not be above 16,777,216 đồng"
        )
    except ImportError:
        pass

    table = ["| what | persons | seconds | exactness |", "|---|---:|---:|---|"]
    for what, t, exact in rows:
        count = 1000 if "x 1000" in what else (len(hh_ranks) if "household scheme only" in what else n)
        table.append(f"| {what} | {count:,} | {t:.3f} | {exact} |")
    machine = (
        f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )
    body = "\n".join(
        [
            SECTION,
            "",
            f"Run on {date.today().isoformat()}; machine: {machine}; "
            f"{__import__('os').cpu_count()} cores. `python bench/bench_rules.py`.",
            "",
            *table,
            "",
            of_note,
            "",
        ]
    )
    print(body)
    if not args.no_write:
        doc = ROOT / "docs" / "benchmarks.md"
        text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n\n"
        pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\Z)", re.S)
        text = (
            pattern.sub(body.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + body
        )
        doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
