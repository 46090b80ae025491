"""Solvable-set coverage of a pair: which problems each side solves at least once.

The paper's argument is that RL's solvable problems are nearly a subset of the base model's;
the four sets (base only, other only, both, neither) show it problem by problem.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..records import TABLES
from .comparisons import Comparison

CATEGORIES = ("both", "base_only", "other_only", "neither")


def coverage_table(
    counts: pd.DataFrame, comparisons: Iterable[Comparison], benchmark: str
) -> pd.DataFrame:
    """Per comparison, one row per category with its size and its problem ids (space-joined).

    Only problems both models were run on count, so the four shares add up to one.
    """
    here = counts[counts["benchmark"] == benchmark]
    rows = []
    for comp in comparisons:
        solved_b = here[here["model"] == comp.base].set_index("problem_id")["c"] > 0
        solved_o = here[here["model"] == comp.other].set_index("problem_id")["c"] > 0
        shared = solved_b.index.intersection(solved_o.index)
        if shared.empty:
            continue
        b, o = solved_b.loc[shared], solved_o.loc[shared]
        members = {"both": b & o, "base_only": b & ~o, "other_only": ~b & o,
                   "neither": ~b & ~o}
        for category in CATEGORIES:
            ids = sorted(shared[members[category].to_numpy()].astype(str))
            rows.append({
                "comparison": comp.name, "label": comp.label, "base": comp.base,
                "other": comp.other, "benchmark": benchmark, "category": category,
                "n_problems": len(ids), "share": len(ids) / len(shared),
                "problem_ids": " ".join(ids),
            })
    return TABLES["coverage"].frame(rows)
