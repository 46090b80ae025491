"""Bootstrap bands over problems: correct, reproducible, vectorised and fast."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from reasoning_boundary.aggregate import PASS_AT_K, pass_at_k_table
from reasoning_boundary.bootstrap import (
    curve_band,
    resample_weights,
    resampled_curves,
)
from reasoning_boundary.metrics import pass_at_k_matrix


def test_weights_draw_every_resample_as_many_problems_as_there_are():
    weights = resample_weights(50, 200, seed=3)
    assert weights.shape == (200, 50)
    assert (weights.sum(axis=1) == 50).all()
    np.testing.assert_array_equal(weights, resample_weights(50, 200, seed=3))
    assert not np.array_equal(weights, resample_weights(50, 200, seed=4))


def test_weighted_curves_equal_explicit_row_indexing():
    rng = np.random.default_rng(1)
    matrix = pass_at_k_matrix(16, rng.integers(0, 17, size=30))
    draws = rng.integers(0, 30, size=(40, 30))
    weights = np.stack([np.bincount(row, minlength=30) for row in draws]).astype(float)
    naive = np.stack([matrix[row].mean(axis=0) for row in draws])
    np.testing.assert_allclose(resampled_curves(matrix, weights), naive, atol=1e-12)


def test_band_brackets_the_curve_and_collapses_without_resamples():
    rng = np.random.default_rng(2)
    matrix = pass_at_k_matrix(32, rng.binomial(32, rng.beta(0.5, 0.8, size=200)))
    curve = matrix.mean(axis=0)
    low, high = curve_band(matrix, resamples=500, seed=0)
    assert (low <= curve + 1e-12).all() and (curve <= high + 1e-12).all()
    assert (high - low)[0] > 0.01  # 200 problems leave real uncertainty at k = 1
    low0, high0 = curve_band(matrix, resamples=0)
    np.testing.assert_array_equal(low0, curve)
    np.testing.assert_array_equal(high0, curve)


def test_pass_at_k_table_keeps_its_columns_first_and_adds_the_band():
    counts = pd.DataFrame({
        "model": ["m"] * 4, "benchmark": ["b"] * 4, "problem_id": list("abcd"),
        "n": [4] * 4, "c": [0, 1, 2, 4],
    })
    table = pass_at_k_table(counts, resamples=100, seed=0)
    assert list(table.columns) == list(PASS_AT_K.columns)
    assert list(PASS_AT_K.columns)[:6] == ["model", "benchmark", "k", "pass_at_k", "n_problems",
                                     "n_samples"]
    assert (table["ci_low"] <= table["pass_at_k"]).all()
    assert (table["pass_at_k"] <= table["ci_high"]).all()


def test_a_thousand_resamples_of_a_thousand_problems_take_seconds():
    rng = np.random.default_rng(0)
    matrix = pass_at_k_matrix(1024, rng.integers(0, 1025, size=1000))
    start = time.perf_counter()
    low, high = curve_band(matrix, resamples=1000, seed=0)
    assert time.perf_counter() - start < 10
    assert low.shape == high.shape == (1024,)
