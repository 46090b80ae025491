"""Checkpoint series and algorithm tables (the paper's training-step figures and Table 3).

``training_steps``: pass@1 and pass@k_max with their bootstrap bands for every point of every
run (the base at step 0), read off the pass_at_k table, so no second bootstrap runs here.
``algorithms``: the same for each algorithm model and its base, plus ΔSE = pass@k(base) −
pass@1(model) with the paired interval of :func:`comparisons.pair_statistics`, which needs the
per-problem counts (a ΔSE band cannot be rebuilt from two marginal bands).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..defaults import BENCHMARK_ROLE, BOOTSTRAP_SEED, LEVEL, RESAMPLES
from ..records import TABLES
from .comparisons import pair_statistics, sentences_page


def _curve_points(pass_at_k: pd.DataFrame, model: str, benchmark: str) -> dict[str, Any] | None:
    """pass@1 and pass@k_max of one model on one benchmark with their bands, or None."""
    rows = pass_at_k[(pass_at_k["model"] == model) & (pass_at_k["benchmark"] == benchmark)]
    if rows.empty:
        return None
    rows = rows.sort_values("k")
    first, last = rows.iloc[0], rows.iloc[-1]
    if int(first["k"]) != 1:
        raise ValueError(f"pass_at_k table: {model} on {benchmark} has no k = 1 row")
    return {"n_problems": int(last["n_problems"]), "k_max": int(last["k"]),
            "pass1": first["pass_at_k"], "pass1_ci_low": first["ci_low"],
            "pass1_ci_high": first["ci_high"], "pass_kmax": last["pass_at_k"],
            "pass_kmax_ci_low": last["ci_low"], "pass_kmax_ci_high": last["ci_high"]}


def _benchmarks(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["benchmark"]))


def training_steps_rows(pass_at_k: pd.DataFrame, points: Iterable[Mapping[str, Any]],
                        roles: Mapping[str, str]) -> pd.DataFrame:
    """One row per run point × benchmark the point's model has pass@k rows for."""
    rows = []
    for point in points:
        for benchmark in _benchmarks(pass_at_k):
            values = _curve_points(pass_at_k, point["model"], benchmark)
            if values is None:
                continue
            rows.append({"run": point["run"], "step": int(point["step"]),
                         "model": point["model"], "algorithm": point["algorithm"],
                         "base": point["base"], "benchmark": benchmark,
                         "role": roles.get(benchmark, BENCHMARK_ROLE), **values})
    return TABLES["training_steps"].frame(rows)


def _counts(counts: pd.DataFrame, model: str, benchmark: str) -> pd.DataFrame:
    here = counts[(counts["model"] == model) & (counts["benchmark"] == benchmark)]
    return here[["problem_id", "n", "c"]]


def algorithm_rows(pass_at_k: pd.DataFrame, counts: pd.DataFrame,
                   models: Iterable[Mapping[str, Any]], roles: Mapping[str, str],
                   resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED,
                   level: float = LEVEL) -> pd.DataFrame:
    """Per benchmark: each base once (algorithm "", no ΔSE), then each algorithm model trained
    from it with ΔSE = pass@k(base) − pass@1(model) and its paired bootstrap interval."""
    models = list(models)
    rows = []
    for benchmark in _benchmarks(pass_at_k):
        role = roles.get(benchmark, BENCHMARK_ROLE)
        for base in dict.fromkeys(m["base"] for m in models):
            values = _curve_points(pass_at_k, base, benchmark)
            if values is None:
                continue
            rows.append({"algorithm": "", "model": base, "base": base, "run": "", "step": "",
                         "benchmark": benchmark, "role": role, **values})
            for model in (m for m in models if m["base"] == base):
                ours = _curve_points(pass_at_k, model["model"], benchmark)
                if ours is None:
                    continue
                stats = pair_statistics(_counts(counts, base, benchmark),
                                        _counts(counts, model["model"], benchmark),
                                        resamples, seed, level)
                rows.append({
                    "algorithm": model["algorithm"], "model": model["model"], "base": base,
                    "run": model["run"], "step": str(model["step"]) if model["run"] else "",
                    "benchmark": benchmark, "role": role, **ours,
                    **{key: stats[key] for key in ("delta_se", "delta_se_k", "delta_se_ci_low",
                                                   "delta_se_ci_high")}})
    return TABLES["algorithms"].frame(rows)


def _movement(first: Mapping[str, Any], last: Mapping[str, Any], key: str) -> str:
    """How a metric moved from the first point to the last, judged by their bootstrap bands
    (not a paired test: overlapping bands are reported as such, not as "no change")."""
    if last[f"{key}_ci_low"] > first[f"{key}_ci_high"]:
        return "up, beyond both bands"
    if last[f"{key}_ci_high"] < first[f"{key}_ci_low"]:
        return "down, beyond both bands"
    return "the bands overlap"


def training_sentences(table: pd.DataFrame, level: float = LEVEL) -> list[dict[str, str]]:
    """Per run and benchmark: pass@1 and pass@k_max at the first and the last point of the
    run (step 0 is its base) and whether the change leaves the bootstrap bands."""
    out = []
    for (run, benchmark), rows in table.groupby(["run", "benchmark"], sort=False):
        rows = rows.sort_values("step")
        if len(rows) < 2:
            continue
        first, last = rows.iloc[0], rows.iloc[-1]
        k = int(last["k_max"])
        parts = [f"pass@{label} {100 * first[key]:.1f}% (step {int(first['step'])}) → "
                 f"{100 * last[key]:.1f}% (step {int(last['step'])}), "
                 f"{_movement(first, last, key)}"
                 for label, key in (("1", "pass1"), (str(k), "pass_kmax"))]
        algorithm = next((a for a in rows["algorithm"] if a), "")
        out.append({"run": str(run), "benchmark": str(benchmark), "role": str(last["role"]),
                    "algorithm": str(algorithm),
                    "text": f"{'; '.join(parts)} ({level:.0%} bands, "
                            f"{int(last['n_problems'])} problems)."})
    return out


def training_summary_html(table: pd.DataFrame, level: float = LEVEL) -> str:
    """The per-run sentences as a small HTML page: the report's training Summary item."""
    from html import escape

    items = [f"<li><b>{escape(s['run'])}</b> ({escape(s['algorithm'])}) on "
             f"<i>{escape(s['benchmark'])}</i> ({escape(s['role'])}): {escape(s['text'])}</li>"
             for s in training_sentences(table, level)]
    return sentences_page("Training runs", "first and last checkpoint of each run, "
                          f"{level:.0%} bootstrap bands over problems", items,
                          "No run has two evaluated points.")
