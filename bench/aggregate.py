"""Aggregation speed: 10^6 synthetic verdicts (1000 problems x 1024 samples) to pass@k with bands.

Writes one gzip verdict file with per-problem success rates drawn from a Beta distribution, then
times (a) reading it into per-problem counts, beside its peer, the record-at-a-time reader
(`records.read_verdicts`, what the stage used before the columnar reader), on the same file in
the same run; (b) pass@k for every k = 1..1024 with a 1000-resample bootstrap band over
problems; and (c) the pair statistics of two such models.

    python bench/aggregate.py [--problems 1000] [--samples 1024] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "src"))

import pandas as pd  # noqa: E402

from reasoning_boundary.aggregate import pass_at_k_table, per_problem_counts  # noqa: E402
from reasoning_boundary.analysis.comparisons import Comparison, comparison_table  # noqa: E402
from reasoning_boundary.records import read_verdicts, write_jsonl  # noqa: E402


def counts_record_at_a_time(path: str) -> pd.DataFrame:
    """The peer: one json.loads per line into dicts, then the same grouping."""
    verdicts = pd.DataFrame(read_verdicts(path), columns=["problem_id", "seed", "correct"])
    return (verdicts.groupby("problem_id", sort=True)["correct"].agg(n="size", c="sum")
            .reset_index())


def synthetic_verdicts(problems: int, samples: int, seed: int):
    rng = np.random.default_rng(seed)
    rates = rng.beta(0.5, 0.8, size=problems)
    correct = rng.random((problems, samples)) < rates[:, None]
    for p in range(problems):
        for s in range(samples):
            yield {"problem_id": f"p{p:05d}", "sample_index": s, "seed": 0,
                   "correct": bool(correct[p, s]), "status": "passed" if correct[p, s]
                   else "failed", "extracted": None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, model in enumerate(("base", "other")):
            path = Path(tmp) / f"{model}.jsonl.gz"
            write_jsonl(path, synthetic_verdicts(args.problems, args.samples, seed=i))
            paths.append((model, "synthetic", str(path)))
        verdicts = args.problems * args.samples
        start = time.perf_counter()
        counts = per_problem_counts(paths[:1])
        read = time.perf_counter() - start
        start = time.perf_counter()
        peer = counts_record_at_a_time(paths[0][2])
        read_peer = time.perf_counter() - start
        assert peer["c"].tolist() == counts["c"].tolist()  # the same counts, problem by problem
        start = time.perf_counter()
        table = pass_at_k_table(counts, resamples=args.resamples, seed=0)
        bands = time.perf_counter() - start
        both = per_problem_counts(paths)
        start = time.perf_counter()
        comparison_table(both, [Comparison("bench", "base", "other", "demo")],
                         resamples=args.resamples, seed=0)
        pair = time.perf_counter() - start
    print(f"verdicts: {verdicts} ({args.problems} problems x {args.samples} samples), "
          f"bootstrap resamples: {args.resamples}")
    print(f"read verdicts into per-problem counts: {read:.2f} s (columnar reader)")
    print(f"  peer, record at a time (json.loads per line): {read_peer:.2f} s "
          f"-> {read_peer / read:.1f}x faster")
    print(f"pass@k for k = 1..{args.samples} with bootstrap bands: {bands:.2f} s "
          f"({len(table)} rows)")
    print(f"pair statistics (ΔSE, k* and area with paired bootstrap): {pair:.2f} s")
    print(f"total aggregate of {verdicts} verdicts with bands: {read + bands:.2f} s")


if __name__ == "__main__":
    main()
