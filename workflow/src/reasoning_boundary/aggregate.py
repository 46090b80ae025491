"""From verdict files to per-problem counts and pass@k tables (seeds pooled)."""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .analysis.bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, curve_band
from .metrics import pass_at_k_matrix
from .records import RecordError, atomic_path, read_verdicts

COUNT_COLUMNS = ["model", "benchmark", "problem_id", "n", "c"]
PASS_AT_K_COLUMNS = [
    "model", "benchmark", "k", "pass_at_k", "n_problems", "n_samples", "ci_low", "ci_high",
]


def per_problem_counts(labelled: Iterable[tuple[str, str, str]]) -> pd.DataFrame:
    """Samples ``n`` and correct samples ``c`` per (model, benchmark, problem), seeds pooled."""
    frames = []
    for model, benchmark, path in labelled:
        verdicts = pd.DataFrame(read_verdicts(path), columns=["problem_id", "seed", "correct"])
        verdicts["model"], verdicts["benchmark"] = model, benchmark
        frames.append(verdicts)
    if not frames:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table["correct"] = table["correct"].astype(bool)
    counts = (
        table.groupby(["model", "benchmark", "problem_id"], sort=True)["correct"]
        .agg(n="size", c="sum")
        .reset_index()
    )
    counts["c"] = counts["c"].astype(int)
    return counts[COUNT_COLUMNS]


def pass_at_k_table(
    counts: pd.DataFrame,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
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
        return pd.DataFrame(columns=PASS_AT_K_COLUMNS)
    return pd.concat(rows, ignore_index=True)[PASS_AT_K_COLUMNS]


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")
