"""The probabilistic half of finding the same person twice (ADR 0015): a Fellegi–Sunter model run by Splink on an
in-process DuckDB database.

The records of an area go to DuckDB as one table; Splink generates the pairs that share a blocking key (the same
phone; the same name without tone marks and without the optional middle "Thị"/"Văn"; the same birth year and given
name in the same commune; the same full birth date and sex in the same commune; the same full birth date and given
name, or family name, anywhere in the area: a repeat in another commune, ADR 0015's amendment), compares each
pair field by field into levels, and adds the levels' match weights (log2 of m/u) to the prior. Everything runs as
SQL inside DuckDB: a province of a million records is compared without a Python loop over its pairs.

The m and u probabilities are set here, not trained: their ratios are the weights of the table in ADR 0015, which
the planted duplicates of ``bench/bench_dedup.py`` calibrate (precision and recall in docs/benchmarks.md). The
prior is that of a pair sharing a blocking key (about 1 in 1,000). A level's weight therefore means the same for a
commune of 300 people and a province of a million. ``estimate_u=True`` lets Splink re-estimate the u probabilities
from random pairs of the area instead; the benchmark reports both, and the hand-set weights are the default at
every size: the more precise and the faster (docs/benchmarks.md, "De-duplication at scale").

The deterministic half (the same personal ID or SI number; two different IDs are two people) stays in
``dedup.candidates``, before and after this."""

from __future__ import annotations

import logging
import math
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PRIOR_LOG2 = -10.0  # about 1 in 1,000 pairs sharing a blocking key are the same person
DUCKDB_MEMORY = "2GB"  # what the matching may hold in memory (a million records needs about 1 GB)
DUCKDB_THREADS = 2
DUPLICATE_SHARE = 0.01  # with u re-estimated: about one record in a hundred repeats another
# A word of a name is unusual in an area when fewer of its names hold it than one in 50,000 (and than 3): in a
# province of a million, fewer than 20 (ADR 0015, amendment of 5 December 2026).
UNUSUAL_SHARE = 50_000
UNUSUAL_AT_LEAST = 3

# Per field, its levels in order (the first that holds applies): the label the review page shows, the DuckDB
# condition, and the weight (log2 of m/u). u is the share of different people sharing a block who show the level,
# m the share of the same person's two records who do; only their ratio enters the probability.
_RATIO = "1 - levenshtein(core_l, core_r) / greatest(length(core_l), length(core_r))"
BOTH_DAYS = "prec_l = 'd' and prec_r = 'd'"
LEVELS: dict[str, list[tuple[str, str, float]]] = {
    "name": [
        ("exact", "lowered_l = lowered_r", 8.0),
        ("same_folded", "joined_l = joined_r", 7.5),  # the same letters: tone marks, case or a space lost
        ("same_without_middle", "core_l = core_r", 7.0),  # "Thị"/"Văn" left out
        # one letter apart, and a word of one name unusual in the area: a letter dropped or struck by mistake
        # more often makes a word nobody else is called than another person's name (UNUSUAL_SHARE)
        ("close_unusual", "damerau_levenshtein(joined_l, joined_r) <= 1 and (unusual_l or unusual_r)", 6.5),
        ("close", "damerau_levenshtein(joined_l, joined_r) <= 1", 5.5),  # one letter apart
        (
            "family_and_given",
            "family_l = family_r and given_l = given_r",
            5.0,
        ),  # another middle name left out
        ("similar", f"{_RATIO} >= 0.8", 2.0),
        ("different", "", -6.0),
    ],
    "birth": [
        ("exact", f"{BOTH_DAYS} and born_l = born_r", 6.0),
        ("day_month_swapped", f"{BOTH_DAYS} and y_l = y_r and d_l = m_r and m_l = d_r", 4.0),
        ("same_year", f"{BOTH_DAYS} and y_l = y_r", -2.0),
        ("same_year_partial", "y_l = y_r and (prec_l = 'y' or prec_r = 'y' or m_l = m_r)", 3.0),
        ("same_year", "y_l = y_r", -2.0),
        ("different", "", -8.0),
    ],
    "sex": [("same", "sex_l = sex_r", 1.0), ("different", "", -5.0)],
    "commune": [("same", "commune_l = commune_r", 1.5), ("different", "", -1.0)],
    "village": [("same", "village_l = village_r", 1.0), ("different", "", -0.5)],
    "household": [("same", "household_l = household_r", 2.0), ("different", "", -2.5)],
    "phone": [("same", "phone_l = phone_r", 4.0), ("different", "", -1.0)],
}
NULLABLE = {"village", "household", "phone"}  # a field either record lacks is "not known on both": weight 0
BLOCKS: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("core",),
    ("y", "given", "commune"),
    ("born", "sex", "commune"),
    ("born", "given"),
    ("born", "family"),
)


def _probabilities(levels: list[tuple[str, str, float]]) -> list[tuple[float, float]]:
    """(m, u) of each level with m/u = 2^weight, both within 0..1: any such pair gives the level its weight."""
    out = []
    for _label, _condition, weight in levels:
        if weight >= 0:
            m = 0.5
            out.append((m, m / 2.0**weight))
        else:
            u = 0.9
            out.append((u * 2.0**weight, u))
    return out


def _comparisons() -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    comparisons = []
    for field, levels in LEVELS.items():
        made: list[Any] = []
        if field in NULLABLE:
            made.append(cll.NullLevel(field))
        for (label, condition, _weight), (m, u) in zip(levels, _probabilities(levels), strict=True):
            level = cll.ElseLevel() if not condition else cll.CustomLevel(condition, label)
            made.append(level.configure(m_probability=m, u_probability=u, label_for_charts=label))
        comparisons.append(cl.CustomComparison(comparison_levels=made, output_column_name=field))
    return comparisons


def _model_weights(model: dict[str, Any]) -> dict[str, list[tuple[str, float]]]:
    """Each field's levels (label, weight) as the model holds them — the weights set here, or those Splink
    re-estimated."""
    out: dict[str, list[tuple[str, float]]] = {}
    for comparison in model["comparisons"]:
        field = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        out[field] = [
            (
                label,
                math.log2(lv["m_probability"] / lv["u_probability"]) if lv.get("u_probability") else math.inf,
            )
            for (label, _condition, _weight), lv in zip(LEVELS[field], levels, strict=True)
        ]
    return out


def _label(
    levels: list[tuple[str, float]], field: str, weight: float, a: dict[str, Any], b: dict[str, Any]
) -> str:
    """The level a pair reached on a field, from the field's match weight in Splink's answer (the level with that
    weight); "not known on both" is read from the records."""
    if field in NULLABLE and (a[field] is None or b[field] is None):
        return "unknown"
    return min(levels, key=lambda level: abs(level[1] - weight))[0]


def mark_unusual(rows: Sequence[dict[str, Any]]) -> None:
    """Sets each row's ``unusual``: a word of its name (``core``) is held by fewer of the rows' names than
    ``max(UNUSUAL_AT_LEAST, len(rows) // UNUSUAL_SHARE)`` — most often a letter dropped or struck by mistake."""
    words: Counter[str] = Counter()
    for row in rows:
        words.update(set(row["core"].split()))
    least = max(UNUSUAL_AT_LEAST, len(rows) // UNUSUAL_SHARE)
    for row in rows:
        row["unusual"] = any(words[w] < least for w in row["core"].split())


def probabilistic_pairs(
    rows: Sequence[dict[str, Any]], *, threshold: float, estimate_u: bool = False
) -> list[tuple[int, int, float, dict[str, str]]]:
    """(id, id, probability, levels) for every pair of ``rows`` sharing a block and at or above ``threshold``.

    A row: ``unique_id``, ``lowered`` (the name in lower case), ``joined`` (no tone marks, no spaces), ``core``
    (folded, without the optional middle), ``family``, ``given``, ``born`` (ISO date), ``y``, ``m``, ``d``,
    ``prec`` ("d", "m" or "y"), ``sex``, ``commune``, ``village``, ``household``, ``phone`` (None where
    unknown); ``unusual`` is set here (``mark_unusual``)."""
    if len(rows) < 2:
        return []
    mark_unusual(rows)
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    # set by hand, the weights are those of a pair sharing a block, and so is the prior; re-estimated from random
    # pairs of the whole area, u is that of any two records, and the prior that of any two records: about one
    # record in a hundred repeated (DUPLICATE_SHARE) among n(n-1)/2 pairs
    n = len(rows)
    prior = DUPLICATE_SHARE * n / (n * (n - 1) / 2) if estimate_u else 2.0**PRIOR_LOG2
    settings = SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=prior / (1 + prior),
        blocking_rules_to_generate_predictions=[block_on(*keys) for keys in BLOCKS],
        comparisons=_comparisons(),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,  # each field's match weight: the evidence shown
    )
    import duckdb

    # DuckDB takes 80 % of the machine's memory by default: on a server beside PostgreSQL it gets a bound, and
    # spills to a temporary folder beyond it
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": DUCKDB_MEMORY,
        "threads": DUCKDB_THREADS,
        "temp_directory": str(Path(tempfile.gettempdir()) / "ansinh-duckdb"),  # not the working folder
    }
    db = DuckDBAPI(duckdb.connect(config=config))
    linker = Linker(db.register(list(rows)), settings, log_level=logging.ERROR)
    if estimate_u:
        linker.training.estimate_u_using_random_sampling(max_pairs=min(1e7, len(rows) ** 2 / 2), seed=1)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    by_id = {row["unique_id"]: row for row in rows}
    weights = _model_weights(linker.misc.save_model_to_json())
    out = []
    for p in predictions.as_record_list():
        a, b = by_id[p["unique_id_l"]], by_id[p["unique_id_r"]]
        levels = {field: _label(weights[field], field, float(p[f"mw_{field}"]), a, b) for field in LEVELS}
        out.append((int(p["unique_id_l"]), int(p["unique_id_r"]), float(p["match_probability"]), levels))
    predictions.drop_table_from_database_and_remove_from_cache()
    return out
