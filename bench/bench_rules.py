"""Rules benchmark: household HI and voluntary SI over 1,000,000 synthetic persons with ``ansinh.rules.batch``;
reference: openfisca-core (bench-only dependency, if installed) computing the same household-HI formula.

Both sides are timed the same way (``harness.measure``: one warm-up call, then ``--repeat`` timed calls, median
and spread): OpenFisca as a whole run (simulation built, input set, calculated) and its ``calculate()`` alone
(simulation built before the clock starts), ansinh's batch call as it is.

Run: ``python bench/bench_rules.py [--n 1000000] [--repeat 5]``; writes the "Rules" section of
docs/benchmarks.md (``--no-write`` or ``ANSINH_BENCH_NO_WRITE=1``: print only).
"""

from __future__ import annotations

import argparse
import os
from datetime import date

import numpy as np
from harness import machine, measure, merge_docs

from ansinh.rules import batch, hi, vsi
from ansinh.rules.params import default

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

    def build():  # type: ignore[no-untyped-def]
        sim = SimulationBuilder().build_default_simulation(tbs, count=len(ranks))
        sim.set_input("hi_rank", "2025-09", ranks)
        return sim

    def calculate(sim):  # type: ignore[no-untyped-def]
        return sim.calculate("hi_payable_12", "2025-09")

    return build, calculate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if args.no_write:
        os.environ["ANSINH_BENCH_NO_WRITE"] = "1"
    n, repeat = args.n, args.repeat
    data = synthetic(n)
    default()  # load parameters outside the timings
    ranks = batch.household_ranks(data["hh"], data["gidx"] == 0)
    hh_ranks = ranks[data["gidx"] == 0]
    zeros = np.zeros(len(hh_ranks), dtype=np.int64)

    rows = []  # (what, persons, Timing, exactness)
    rows.append(
        (
            "ansinh batch: household HI (all groups, exact int64)",
            n,
            measure(lambda: batch.hi_household(ON, data["gidx"], ranks, 12), repeat=repeat),
            "exact",
        )
    )
    rows.append(
        (
            "ansinh batch: household ranks",
            n,
            measure(lambda: batch.household_ranks(data["hh"], data["gidx"] == 0), repeat=repeat),
            "exact",
        )
    )
    rows.append(
        (
            "ansinh batch: voluntary SI (12 months)",
            n,
            measure(lambda: batch.vsi(ON, data["income"], data["vgroup"], 12, data["so_far"]), repeat=repeat),
            "exact",
        )
    )
    ours = measure(lambda: batch.hi_household(ON, zeros, hh_ranks, 12), repeat=repeat)
    rows.append(("ansinh batch: household HI (household scheme only)", len(hh_ranks), ours, "exact"))
    rows.append(
        (
            "ansinh single quote (hi.quote_household, 3 members) x 1000",
            1000,
            measure(lambda: [hi.quote_household(ON, 3) for _ in range(1000)], repeat=repeat),
            "exact",
        )
    )

    of_note = "openfisca-core not installed"
    try:
        import openfisca_core  # noqa: F401

        build, calculate = openfisca_household_hi(hh_ranks)
        whole = measure(lambda: calculate(build()), repeat=repeat)
        calc = measure(calculate, setup=build, repeat=repeat)
        mism = int(np.sum(np.asarray(whole.result, dtype=np.int64) != ours.result["payable"]))
        exact = f"{mism} of {len(hh_ranks)} differ"
        rows.append(("openfisca-core: household HI (household scheme only)", len(hh_ranks), whole, exact))
        rows.append(
            (
                "openfisca-core: household HI (household scheme only), calculate() only",
                len(hh_ranks),
                calc,
                exact,
            )
        )
        of_note = (
            f"Speed-up of ansinh on the same formula, median against median: {whole.median / ours.median:.1f}x "
            f"counting OpenFisca's simulation building, {calc.median / ours.median:.1f}x against its calculate() "
            "alone (target: at least 10x). OpenFisca's float32 happens to be exact here (every amount < 2^24); "
            "it would not be above 16,777,216 đồng."
        )
    except ImportError:
        pass

    table = ["| what | persons | median s | fastest–slowest s | exactness |", "|---|---:|---:|---:|---|"]
    for what, count, timing, exact in rows:
        table.append(f"| {what} | {count:,} | {timing.median:.3f} | {timing.spread_s()} | {exact} |")
    body = "\n".join(
        [
            SECTION,
            "",
            f"Run on {date.today().isoformat()} by `python bench/bench_rules.py` ({n:,} persons). Each line: one "
            f"warm-up call, then {repeat} timed calls (median, fastest–slowest), the same for ansinh and OpenFisca.",
            "",
            f"Machine: {machine(database=False, packages=('numpy', 'openfisca-core'))}. Load average at the end "
            "(the machine is shared): {:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min).".format(*os.getloadavg()),
            "",
            *table,
            "",
            of_note,
            "",
        ]
    )
    merge_docs(body)


if __name__ == "__main__":
    main()
