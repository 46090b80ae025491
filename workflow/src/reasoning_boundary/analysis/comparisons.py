"""Pair statistics of a base model against another (RL, distilled, instruct or a demonstration).

For each configured pair and benchmark: pass@1 and pass@k_max of both sides, the sampling
efficiency gap ΔSE = pass@256(base) − pass@1(other) (the paper's Table 2), the crossover k*
from which the base curve stays at or above the other, and the signed area between the curves
on the log₂ k axis; k*, ΔSE and the area carry a paired bootstrap interval over problems.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..bootstrap import percentile_band, resample_weights, resampled_curves
from ..defaults import BOOTSTRAP_SEED, LEVEL, RESAMPLES
from ..metrics import pass_at_k_matrix
from ..records import LABEL_TEXT, TABLES

# The paper's ΔSE compares the base at k = 256 with the other model at k = 1.
DELTA_SE_K = 256
# Curves equal up to rounding count as "base at or above other".
TOLERANCE = 1e-9
NONE = "none"
COMPARISONS = TABLES["comparisons"]


@dataclass(frozen=True)
class Comparison:
    name: str
    base: str
    other: str
    label: str


def parse_comparisons(items: Iterable[Mapping[str, Any]] | None) -> list[Comparison]:
    """Config entries to comparisons; ``name`` defaults to ``{base}-vs-{other}``."""
    parsed = []
    for item in items or []:
        name = item.get("name") or f"{item['base']}-vs-{item['other']}"
        parsed.append(Comparison(name, item["base"], item["other"], item["label"]))
    names = [c.name for c in parsed]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"comparisons: duplicate name(s) {', '.join(duplicates)}; set `name:`")
    return parsed


def delta_se(base: Mapping[int, float], other: Mapping[int, float]) -> tuple[float, int]:
    """ΔSE = pass@256(base) − pass@1(other), at the largest k ≤ 256 the base has; and that k.

    With n < 256 samples per problem the base's pass@256 cannot be estimated (the unbiased
    estimator needs n ≥ k), so ΔSE is taken at k = n, where the base's curve ends; tables and
    the report say so (:func:`delta_se_note`).
    """
    ks = [int(k) for k in base.keys() if int(k) <= DELTA_SE_K]
    if not ks or 1 not in {int(k) for k in other.keys()}:
        raise ValueError("ΔSE needs pass@1 of the other model and pass@k (k ≤ 256) of the base")
    k = max(ks)
    return float(base[k]) - float(other[1]), k


def delta_se_note(k: int) -> str:
    """How the tables and the report state the k of a ΔSE."""
    if k >= DELTA_SE_K:
        return f"k={k}"
    return f"k = n = {k} < {DELTA_SE_K}"


def delta_se_why(k: int) -> str:
    """The sentence that explains a ΔSE taken below the paper's k = 256 ("" at 256)."""
    if k >= DELTA_SE_K:
        return ""
    return (f" (at k = n = {k}: with {k} samples per problem pass@k is known only up to k = "
            f"{k}, not at the paper's k = {DELTA_SE_K})")


def crossover_ks(diff: np.ndarray) -> np.ndarray:
    """Per row of base − other (k = 1..K): the smallest k from which base ≥ other for every
    larger k, as float; ``inf`` where the base is below at k = K (no crossover)."""
    diff = np.atleast_2d(diff)
    ok = diff >= -TOLERANCE
    trailing = np.logical_and.accumulate(ok[:, ::-1], axis=1).sum(axis=1)
    k_star = (diff.shape[1] - trailing + 1).astype(np.float64)
    k_star[trailing == 0] = np.inf
    return k_star


def crossover_k(base: np.ndarray, other: np.ndarray) -> int | None:
    """k* of two curves over k = 1..K, or None when the base does not catch up by k = K."""
    value = crossover_ks(np.asarray(base) - np.asarray(other))[0]
    return None if math.isinf(value) else int(value)


def area_between(diff: np.ndarray) -> np.ndarray:
    """∫ (base − other) d log₂ k from k = 1 to K, per row: positive when the base is ahead
    on the log axis the figures use (each doubling of k weighs the same)."""
    diff = np.atleast_2d(diff)
    if diff.shape[1] < 2:
        return np.zeros(diff.shape[0])
    return np.trapezoid(diff, np.log2(np.arange(1, diff.shape[1] + 1)), axis=1)


def _k_text(value: float) -> int | str:
    return NONE if math.isinf(value) else int(value)


def pair_statistics(
    base: pd.DataFrame,
    other: pd.DataFrame,
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = LEVEL,
) -> dict[str, Any]:
    """Statistics of two per-problem count frames (problem_id, n, c) of one benchmark.

    Only problems both sides answered count; the bootstrap draws the same problems for both
    sides (paired), so the intervals reflect which problems the benchmark happens to hold.
    """
    both = base.merge(other, on="problem_id", suffixes=("_b", "_o"))
    if both.empty:
        raise ValueError("the two models share no problems on this benchmark")
    n_b, n_o = int(both["n_b"].max()), int(both["n_o"].max())
    if both["n_b"].nunique() != 1 or both["n_o"].nunique() != 1:
        raise ValueError("problems have different numbers of samples; a file is incomplete")
    m_b, m_o = pass_at_k_matrix(n_b, both["c_b"]), pass_at_k_matrix(n_o, both["c_o"])
    curve_b, curve_o = m_b.mean(axis=0), m_o.mean(axis=0)
    k_max = min(n_b, n_o)
    se, se_k = delta_se(dict(enumerate(curve_b, 1)), dict(enumerate(curve_o, 1)))
    diff = curve_b[:k_max] - curve_o[:k_max]
    stats: dict[str, Any] = {
        "n_problems": len(both), "n_base": n_b, "n_other": n_o, "k_max": k_max,
        "pass1_base": curve_b[0], "pass1_other": curve_o[0],
        "pass_kmax_base": curve_b[k_max - 1], "pass_kmax_other": curve_o[k_max - 1],
        "delta_se": se, "delta_se_k": se_k,
        "crossover_k": _k_text(crossover_ks(diff)[0]),
        "area_between": float(area_between(diff)[0]),
    }
    if resamples > 0:
        weights = resample_weights(len(both), resamples, seed)
        boot_b, boot_o = resampled_curves(m_b, weights), resampled_curves(m_o, weights)
        boot_diff = boot_b[:, :k_max] - boot_o[:, :k_max]
        se_low, se_high = percentile_band(boot_b[:, se_k - 1] - boot_o[:, 0], level)
        area_low, area_high = percentile_band(area_between(boot_diff), level)
        tail = (1.0 - level) / 2.0
        # inverted_cdf picks observed k values, and keeps "none" (inf) as a possible limit.
        k_low, k_high = np.quantile(
            crossover_ks(boot_diff), [tail, 1.0 - tail], method="inverted_cdf"
        )
    else:
        se_low = se_high = se
        area_low = area_high = stats["area_between"]
        k_low = k_high = crossover_ks(diff)[0]
    stats.update(
        delta_se_ci_low=float(se_low), delta_se_ci_high=float(se_high),
        crossover_ci_low=_k_text(k_low), crossover_ci_high=_k_text(k_high),
        area_ci_low=float(area_low), area_ci_high=float(area_high),
    )
    return stats


def comparison_table(
    counts: pd.DataFrame,
    comparisons: Iterable[Comparison],
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = LEVEL,
) -> pd.DataFrame:
    """One row per comparison × benchmark that both models were run on."""
    rows = []
    for comp in comparisons:
        for benchmark in sorted(counts["benchmark"].unique()):
            here = counts[counts["benchmark"] == benchmark]
            base = here[here["model"] == comp.base][["problem_id", "n", "c"]]
            other = here[here["model"] == comp.other][["problem_id", "n", "c"]]
            if base.empty or other.empty:
                continue
            stats = pair_statistics(base, other, resamples, seed, level)
            rows.append({"comparison": comp.name, "label": comp.label, "base": comp.base,
                         "other": comp.other, "benchmark": benchmark, **stats})
    return COMPARISONS.frame(rows)


def summary_sentence(row: Mapping[str, Any], level: float = LEVEL) -> str:
    """The report's one-line verdict for a comparison on a benchmark."""
    base, other, k_max = row["base"], row["other"], int(row["k_max"])
    k_star, low, high = (str(row[c]) for c in ("crossover_k", "crossover_ci_low",
                                                "crossover_ci_high"))
    interval = f"{level:.0%} interval {low}–{high}"
    if k_star == NONE:
        text = f"{base} does not overtake {other} up to k = {k_max} ({interval})"
    elif k_star == "1":
        text = f"{base} is at or above {other} at every k from 1 to {k_max} ({interval})"
    elif abs(float(row["pass_kmax_base"]) - float(row["pass_kmax_other"])) <= TOLERANCE:
        # Both curves end at the same value (often 1.0): the base catches up, it does not pass.
        text = (f"{base} catches up with {other} at k* = {k_star} ({interval}), both at "
                f"pass@{k_max} = {100 * float(row['pass_kmax_base']):.1f}%")
    else:
        text = f"{base} overtakes {other} at k* = {k_star} ({interval})"
    k = int(row["delta_se_k"])
    return (f"{text}; ΔSE = pass@{k}({base}) − pass@1({other}) = "
            f"{100 * float(row['delta_se']):.1f} points{delta_se_why(k)}.")


def summary(table: pd.DataFrame, level: float = LEVEL) -> list[dict[str, str]]:
    """Per comparison and benchmark, the sentence and the label, for the report's front page."""
    return [
        {
            "comparison": str(row["comparison"]),
            "benchmark": str(row["benchmark"]),
            "label": LABEL_TEXT.get(str(row["label"]), str(row["label"])),
            "text": summary_sentence(row, level),
        }
        for row in table.to_dict("records")
    ]


def sentences_page(title: str, note: str, items: list[str], empty: str) -> str:
    """A small HTML page of sentences (already escaped list items): a report Summary item."""
    body = "<ul>\n" + "\n".join(items) + "\n</ul>" if items else f"<p>{empty}</p>"
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
            f"<body><h1>{title}</h1>\n<p>{note}</p>\n{body}\n</body></html>\n")


def summary_html(table: pd.DataFrame, level: float = LEVEL) -> str:
    """The per-pair sentences as a small HTML page: the report's Summary item."""
    from html import escape

    items = [f"<li><b>{escape(s['comparison'])}</b> on <i>{escape(s['benchmark'])}</i> "
             f"({escape(s['label'])}): {escape(s['text'])}</li>" for s in summary(table, level)]
    return sentences_page("Summary", f"pair statistics, {level:.0%} bootstrap intervals", items,
                          "No comparison has results.")
