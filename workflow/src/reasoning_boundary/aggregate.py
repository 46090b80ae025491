"""From verdict files to per-problem counts and pass@k tables (seeds pooled)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .bootstrap import curve_band
from .defaults import BOOTSTRAP_SEED, LEVEL, RESAMPLES
from .metrics import pass_at_k_matrix
from .records import TABLES, RecordError, read_verdict_table

PER_PROBLEM = TABLES["per_problem"]
PASS_AT_K = TABLES["pass_at_k"]


def per_problem_counts(labelled: Iterable[tuple[str, str, str]]) -> pd.DataFrame:
    """Samples ``n`` and correct samples ``c`` per (model, benchmark, problem), seeds pooled.

    ``labelled`` holds (model, benchmark, verdict file) triples.
    """
    frames = []
    for model, benchmark, path in labelled:
        # Counted per file in pyarrow: only one row per problem ever becomes Python objects.
        per_file = read_verdict_table(path).group_by("problem_id").aggregate(
            [("correct", "count"), ("correct", "sum")]).to_pandas()
        frames.append(pd.DataFrame({"model": model, "benchmark": benchmark,
                                    "problem_id": per_file["problem_id"],
                                    "n": per_file["correct_count"],
                                    "c": per_file["correct_sum"]}))
    if not frames:
        return PER_PROBLEM.frame()
    counts = (
        pd.concat(frames, ignore_index=True)
        .groupby(["model", "benchmark", "problem_id"], sort=True)[["n", "c"]]
        .sum()
        .reset_index()
    )
    counts[["n", "c"]] = counts[["n", "c"]].astype(int)
    return counts[list(PER_PROBLEM.columns)]


def pass_at_k_table(
    counts: pd.DataFrame,
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Mean pass@k over problems for every k = 1..n of each (model, benchmark).

    ``ci_low``/``ci_high`` bound a ``level`` bootstrap band over problems; the same seed for
    every (model, benchmark) resamples the problems of a benchmark identically for all models.
    """
    rows = []
    for (model, benchmark), group in counts.groupby(["model", "benchmark"], sort=True):
        sizes = group["n"].unique()
        if len(sizes) != 1:
            raise RecordError(
                f"model '{model}', benchmark '{benchmark}': problems have different numbers of "
                f"samples ({sorted(sizes.tolist())}); a sample or verdict file is incomplete. "
                "Delete the incomplete files and rerun."
            )
        n = int(sizes[0])
        matrix = pass_at_k_matrix(n, group["c"].to_numpy())
        curve = matrix.mean(axis=0)
        low, high = curve_band(matrix, resamples, seed, level)
        rows.append(
            pd.DataFrame(
                {
                    "model": model,
                    "benchmark": benchmark,
                    "k": np.arange(1, n + 1),
                    "pass_at_k": curve,
                    "n_problems": len(group),
                    "n_samples": n,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
        )
    if not rows:
        return PASS_AT_K.frame()
    return pd.concat(rows, ignore_index=True)[list(PASS_AT_K.columns)]
