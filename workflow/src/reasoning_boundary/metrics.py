"""The unbiased pass@k estimator (Chen et al. 2021), as the paper uses it."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _miss_ratio_table(n: int, cs: np.ndarray) -> np.ndarray:
    """C(n-c, k) / C(n, k) for every c in ``cs`` and k = 1..n: shape (len(cs), n).

    The ratio is the running product of (n-c-j)/(n-j) over j = 0..k-1, so a cumulative product
    gives every k at once and no binomial coefficient (which overflows beyond n ~ 1000) is formed.
    """
    j = np.arange(n, dtype=np.float64)
    factors = (n - cs[:, None].astype(np.float64) - j[None, :]) / (n - j[None, :])
    return np.cumprod(np.clip(factors, 0.0, None), axis=1)


def pass_at_k(n: ArrayLike, c: ArrayLike, k: ArrayLike) -> np.ndarray:
    """Probability that at least one of k samples drawn without replacement is correct.

    ``n`` samples per problem of which ``c`` are correct: 1 - C(n-c, k) / C(n, k) in product
    form. Arguments broadcast like numpy arrays; 1 <= k <= n and 0 <= c <= n are required.
    """
    n_arr, c_arr, k_arr = np.broadcast_arrays(
        np.asarray(n, dtype=np.int64), np.asarray(c, dtype=np.int64), np.asarray(k, dtype=np.int64)
    )
    if np.any(k_arr < 1) or np.any(k_arr > n_arr):
        raise ValueError("pass_at_k needs 1 <= k <= n for every problem")
    if np.any(c_arr < 0) or np.any(c_arr > n_arr):
        raise ValueError("pass_at_k needs 0 <= c <= n for every problem")
    out = np.empty(n_arr.shape, dtype=np.float64)
    for nn in np.unique(n_arr):
        where = n_arr == nn
        cs, c_index = np.unique(c_arr[where], return_inverse=True)
        table = _miss_ratio_table(int(nn), cs)
        out[where] = 1.0 - table[c_index.ravel(), k_arr[where] - 1]
    return out


def pass_at_k_matrix(n: int, c: ArrayLike) -> np.ndarray:
    """pass@k of every problem for every k = 1..n: shape (problems, n), all with n samples."""
    c_arr = np.asarray(c, dtype=np.int64)
    cs, c_index = np.unique(c_arr, return_inverse=True)
    return 1.0 - _miss_ratio_table(int(n), cs)[c_index.ravel()]
