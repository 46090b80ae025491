"""Bootstrap over problems for pass@k curves, vectorised.

A resample draws problems with replacement. Instead of materialising the (resamples x problems
x k) array of drawn rows, each resample is a row of draw counts per problem, so every resampled
curve at once is one matrix product ``weights @ pass_at_k_matrix / problems``.
"""

from __future__ import annotations

import numpy as np

from .defaults import BOOTSTRAP_SEED, LEVEL, RESAMPLES


def resample_weights(n_problems: int, resamples: int, seed: int) -> np.ndarray:
    """How often each problem is drawn in each resample: shape (resamples, n_problems).

    The same (n_problems, resamples, seed) always gives the same weights, so two models on the
    same benchmark are resampled identically (a paired bootstrap) without sharing state.
    """
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_problems, size=(resamples, n_problems))
    flat = draws + (np.arange(resamples) * n_problems)[:, None]
    counts = np.bincount(flat.ravel(), minlength=resamples * n_problems)
    return counts.reshape(resamples, n_problems).astype(np.float64)


def resampled_curves(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mean pass@k of every resample: (resamples, problems) @ (problems, k) / problems."""
    return weights @ matrix / matrix.shape[0]


def percentile_band(values: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, ...]:
    """Lower and upper percentile-bootstrap limits along the resample axis (axis 0)."""
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail], axis=0)
    return low, high


def curve_band(
    matrix: np.ndarray,
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = LEVEL,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``level`` band of the mean pass@k curve of one (model, benchmark).

    ``matrix`` is ``metrics.pass_at_k_matrix(n, c)``: one row per problem, one column per k.
    With zero resamples (bootstrap switched off) the band collapses onto the curve.
    """
    if resamples <= 0 or matrix.shape[0] == 0:
        curve = matrix.mean(axis=0) if matrix.shape[0] else np.full(matrix.shape[1], np.nan)
        return curve, curve.copy()
    curves = resampled_curves(matrix, resample_weights(matrix.shape[0], resamples, seed))
    return percentile_band(curves, level)
