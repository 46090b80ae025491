"""Coverage sets, per-problem accuracy histograms and response statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reasoning_boundary.analysis.comparisons import Comparison
from reasoning_boundary.analysis.coverage import coverage_table
from reasoning_boundary.analysis.histograms import accuracy_histogram, bin_index
from reasoning_boundary.analysis.response_stats import response_statistics
from reasoning_boundary.records import write_jsonl

COMP = Comparison("b-vs-o", "b", "o", "rl")


def _counts(model: str, cs: dict[str, int], n: int = 10) -> pd.DataFrame:
    return pd.DataFrame({"model": model, "benchmark": "x", "problem_id": list(cs),
                         "n": n, "c": list(cs.values())})


def test_coverage_sorts_every_shared_problem_into_one_category():
    counts = pd.concat([
        _counts("b", {"p1": 3, "p2": 1, "p3": 0, "p4": 0, "p5": 2}),
        _counts("o", {"p1": 9, "p2": 0, "p3": 4, "p4": 0}),  # p5 not run by o: left out
    ])
    table = coverage_table(counts, [COMP], "x").set_index("category")
    assert table.loc["both", "problem_ids"] == "p1"
    assert table.loc["base_only", "problem_ids"] == "p2"
    assert table.loc["other_only", "problem_ids"] == "p3"
    assert table.loc["neither", "problem_ids"] == "p4"
    assert table["n_problems"].sum() == 4 and table["share"].sum() == pytest.approx(1)


def test_histogram_bins_are_a_tenth_wide_and_the_last_holds_one():
    assert bin_index(np.array([0.0, 0.09, 0.1, 0.3, 0.7, 0.99, 1.0])).tolist() == [
        0, 0, 1, 3, 7, 9, 9]
    counts = _counts("b", {"p1": 0, "p2": 3, "p3": 10, "p4": 10})
    hist = accuracy_histogram(counts)
    assert len(hist) == 10 and hist["n_problems"].sum() == 4
    assert hist.set_index("bin")["n_problems"].to_dict() == {
        0: 1, 1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 2}


def test_response_statistics(tmp_path: Path):
    samples, verdicts = [], []
    for i, (tokens, reason, status) in enumerate([
        (10, "stop", "passed"), (20, "stop", "failed"), (256, "length", "no_answer"),
        (30, "stop", "no_answer"),
    ]):
        key = {"problem_id": "p1", "sample_index": i, "seed": 0}
        samples.append({**key, "response": "x" * tokens, "num_tokens": tokens,
                        "finish_reason": reason})
        verdicts.append({**key, "correct": status == "passed", "status": status,
                         "extracted": None})
    write_jsonl(tmp_path / "s.jsonl.gz", samples)
    write_jsonl(tmp_path / "v.jsonl.gz", verdicts)
    [row] = response_statistics(
        [("m", "x", str(tmp_path / "s.jsonl.gz"), str(tmp_path / "v.jsonl.gz"))]
    ).to_dict("records")
    assert row["n_responses"] == 4 and row["tokens_max"] == 256
    assert row["truncated_rate"] == 0.25 and row["no_answer_rate"] == 0.5
    assert row["correct_rate"] == 0.25 and row["finish_reasons"] == "length:1 stop:3"
