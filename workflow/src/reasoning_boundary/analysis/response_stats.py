"""Response statistics per model × benchmark: lengths, truncation and missing answers.

A high truncation rate means max_tokens cut responses short, which lowers pass@k for reasons
unrelated to reasoning ability; it is reported beside the curves for that reason.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..records import TABLES, read_samples, read_verdicts

RESPONSE_STATS = TABLES["response_stats"]


def response_statistics(runs: Iterable[tuple[str, str, str, str]]) -> pd.DataFrame:
    """From (model, benchmark, samples path, verdicts path) runs, seeds pooled."""
    frames = []
    for model, benchmark, samples_path, verdicts_path in runs:
        samples = pd.DataFrame(read_samples(samples_path))
        verdicts = pd.DataFrame(read_verdicts(verdicts_path))
        keys = ["problem_id", "sample_index", "seed"]
        merged = samples.merge(verdicts[keys + ["status", "correct"]], on=keys, how="left")
        merged["model"], merged["benchmark"] = model, benchmark
        frames.append(merged)
    if not frames:
        return RESPONSE_STATS.frame()
    table = pd.concat(frames, ignore_index=True)
    rows = []
    for (model, benchmark), group in table.groupby(["model", "benchmark"], sort=True):
        tokens = group["num_tokens"].to_numpy(dtype=np.float64)
        reasons = group["finish_reason"].astype(str).value_counts().sort_index()
        rows.append({
            "model": model, "benchmark": benchmark, "n_responses": len(group),
            "tokens_mean": tokens.mean(), "tokens_median": float(np.median(tokens)),
            "tokens_p90": float(np.quantile(tokens, 0.9)), "tokens_max": int(tokens.max()),
            "chars_mean": group["response"].str.len().mean(),
            # vLLM reports "length" when max_tokens (or the context) cut the response.
            "truncated_rate": (group["finish_reason"] == "length").mean(),
            "no_answer_rate": (group["status"] == "no_answer").mean(),
            "correct_rate": group["correct"].fillna(False).astype(bool).mean(),
            "finish_reasons": " ".join(f"{k}:{v}" for k, v in reasons.items()),
        })
    return RESPONSE_STATS.frame(rows)
