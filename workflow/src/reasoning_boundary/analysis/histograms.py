"""Per-problem accuracy histograms (the paper's Figures 5 and 13).

Each problem's accuracy is its share of correct samples c / n; problems are counted in ten bins
of width 0.1, the last one closed so that always-solved problems (accuracy 1) land in it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..records import TABLES

BINS = 10


def bin_index(accuracy: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Bin of each accuracy in [0, 1]: floor(accuracy * bins), with 1.0 in the last bin."""
    # The small epsilon keeps 0.3 (= 3/10 in floating point 0.299999…) in bin 3.
    index = np.floor(np.asarray(accuracy, dtype=np.float64) * bins + 1e-9).astype(int)
    return np.clip(index, 0, bins - 1)


def accuracy_histogram(counts: pd.DataFrame, bins: int = BINS) -> pd.DataFrame:
    """Problems per accuracy bin for every (model, benchmark), empty bins included."""
    rows = []
    for (model, benchmark), group in counts.groupby(["model", "benchmark"], sort=True):
        index = bin_index(group["c"].to_numpy() / group["n"].to_numpy(), bins)
        per_bin = np.bincount(index, minlength=bins)
        for b in range(bins):
            rows.append({
                "model": model, "benchmark": benchmark, "bin": b,
                "bin_low": round(b / bins, 6), "bin_high": round((b + 1) / bins, 6),
                "n_problems": int(per_bin[b]), "share": per_bin[b] / len(group),
            })
    return TABLES["accuracy_histogram"].frame(rows)
