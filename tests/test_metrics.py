"""pass@k against an independent computation with exact binomial coefficients."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest

from reasoning_boundary.metrics import pass_at_k, pass_at_k_matrix


def exact_pass_at_k(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(comb(n - c, k), comb(n, k))


@pytest.mark.parametrize(
    "n,c,k",
    [(1, 0, 1), (1, 1, 1), (10, 3, 2), (16, 0, 16), (16, 16, 1), (64, 1, 32), (256, 7, 1),
     (1024, 5, 256), (1024, 1023, 2), (1024, 3, 1024)],
)
def test_matches_exact_binomials(n: int, c: int, k: int) -> None:
    assert float(pass_at_k(n, c, k)) == pytest.approx(float(exact_pass_at_k(n, c, k)), abs=1e-12)


def test_broadcasts_arrays_against_exact_values() -> None:
    rng = np.random.default_rng(0)
    n = rng.integers(1, 300, size=200)
    c = rng.integers(0, n + 1)
    k = rng.integers(1, n + 1)
    got = pass_at_k(n, c, k)
    want = [float(exact_pass_at_k(int(a), int(b), int(d))) for a, b, d in zip(n, c, k, strict=True)]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_pass_at_1_is_the_share_of_correct_samples() -> None:
    assert pass_at_k(128, 32, 1) == pytest.approx(0.25)


def test_matrix_rows_are_curves_for_every_k() -> None:
    matrix = pass_at_k_matrix(8, [0, 3, 8])
    assert matrix.shape == (3, 8)
    for row, c in zip(matrix, [0, 3, 8], strict=True):
        for k in range(1, 9):
            assert row[k - 1] == pytest.approx(float(exact_pass_at_k(8, c, k)), abs=1e-12)
    assert np.all(np.diff(matrix, axis=1) >= -1e-15), "pass@k never decreases in k"


@pytest.mark.parametrize("n,c,k", [(4, 5, 1), (4, 1, 0), (4, 1, 5), (4, -1, 1)])
def test_rejects_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)
