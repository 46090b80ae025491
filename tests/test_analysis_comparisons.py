"""Pair statistics: ΔSE (checked against the paper's Table 2), crossover k*, area, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reasoning_boundary.analysis.comparisons import (
    Comparison,
    area_between,
    comparison_table,
    crossover_k,
    delta_se,
    pair_statistics,
    parse_comparisons,
    summary,
)


def test_delta_se_from_the_papers_table_2():
    # Qwen2.5-7B on MATH500: base pass@1 34.5, pass@256 96.2; GRPO 74.4 / 97.2.
    base = {1: 34.5, 256: 96.2}
    grpo = {1: 74.4, 256: 97.2}
    value, k = delta_se(base, grpo)
    assert k == 256
    assert value == pytest.approx(96.2 - 74.4) and round(value, 1) == 21.8


def test_delta_se_uses_the_largest_k_the_base_has_up_to_256():
    assert delta_se({1: 0.2, 8: 0.5, 16: 0.6}, {1: 0.4}) == (pytest.approx(0.2), 16)
    assert delta_se({k: 0.1 * (k > 256) + 0.5 for k in (1, 256, 512)}, {1: 0.5})[1] == 256


@pytest.mark.parametrize(("base", "other", "want"), [
    ([0.2, 0.5, 0.8, 0.9], [0.4, 0.6, 0.7, 0.75], 3),   # overtakes at k = 3 for good
    ([0.5, 0.6, 0.7, 0.8], [0.4, 0.5, 0.6, 0.7], 1),    # above everywhere
    ([0.2, 0.3, 0.4, 0.5], [0.4, 0.5, 0.6, 0.7], None),  # never
    ([0.2, 0.7, 0.5, 0.9], [0.4, 0.6, 0.6, 0.8], 4),    # crosses twice: the last one counts
    ([0.2, 0.5, 1.0, 1.0], [0.4, 0.8, 1.0, 1.0], 3),    # both saturate: base catches up
])
def test_crossover_is_the_smallest_k_from_which_the_base_stays_ahead(base, other, want):
    assert crossover_k(np.array(base), np.array(other)) == want


def test_area_between_curves_is_an_integral_over_log2_k():
    diff = np.array([[0.1, 0.1, 0.1, 0.1]])  # a constant gap over log2 4 = 2 doublings
    assert area_between(diff)[0] == pytest.approx(0.1 * np.log2(4))
    assert area_between(np.array([[0.3]]))[0] == 0


def _counts(cs: list[int], n: int) -> pd.DataFrame:
    return pd.DataFrame({"problem_id": [f"p{i}" for i in range(len(cs))], "n": n, "c": cs})


def test_pair_statistics_of_a_sharpened_model_against_a_broad_base():
    # Base: low accuracy everywhere but solves every problem sometimes; other: high accuracy
    # on half the problems, never on the rest (the paper's picture of RL).
    base = _counts([4] * 40, 32)
    other = _counts([30] * 20 + [0] * 20, 32)
    stats = pair_statistics(base, other, resamples=300, seed=0)
    assert stats["pass1_other"] > stats["pass1_base"]
    assert stats["pass_kmax_base"] > stats["pass_kmax_other"]
    assert isinstance(stats["crossover_k"], int) and 1 < stats["crossover_k"] < 32
    assert stats["crossover_ci_low"] <= stats["crossover_k"] <= stats["crossover_ci_high"]
    assert stats["delta_se_k"] == 32
    assert stats["delta_se_ci_low"] <= stats["delta_se"] <= stats["delta_se_ci_high"]


def test_no_crossover_is_none_and_the_interval_may_say_so():
    stats = pair_statistics(_counts([2] * 5 + [0] * 5, 8), _counts([6] * 10, 8), resamples=100)
    assert stats["crossover_k"] == "none" and stats["crossover_ci_high"] == "none"
    assert stats["area_between"] < 0


def test_table_summary_and_names():
    comps = parse_comparisons([{"base": "b", "other": "o", "label": "demo"}])
    assert comps == [Comparison("b-vs-o", "b", "o", "demo")]
    with pytest.raises(ValueError, match="duplicate"):
        parse_comparisons([{"base": "b", "other": "o", "label": "rl"}] * 2)
    counts = pd.concat([
        _counts([4] * 40, 32).assign(model="b", benchmark="x"),
        _counts([30] * 20 + [0] * 20, 32).assign(model="o", benchmark="x"),
    ])
    table = comparison_table(counts, comps, resamples=50)
    assert len(table) == 1 and table.iloc[0]["benchmark"] == "x"
    [line] = summary(table)
    assert line["label"] == "demonstration, not an RL result"
    assert line["text"].startswith(f"b overtakes o at k* = {table.iloc[0]['crossover_k']}")
    assert "ΔSE = pass@32(b) − pass@1(o)" in line["text"]
