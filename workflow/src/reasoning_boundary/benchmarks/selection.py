"""Deterministic subsets of a benchmark (`ids`, `limit`, `select`, `select_seed`)."""

from __future__ import annotations

import random
from typing import Any

from ..records import Problem
from ._common import BenchmarkError

SELECT_MODES = ("first", "random")


def select(problems: list[Problem], name: str, spec: dict[str, Any]) -> list[Problem]:
    """The problems named in `ids`, then the first `limit` of them or `limit` drawn with
    `select_seed`; always in file order."""
    problems = _named(problems, name, spec.get("ids"))
    limit = spec.get("limit")
    mode = spec.get("select") or "first"
    if mode not in SELECT_MODES:
        raise BenchmarkError(
            f"benchmark '{name}': select '{mode}' is not one of {', '.join(SELECT_MODES)}."
        )
    if limit is None:
        return list(problems)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise BenchmarkError(
            f"benchmark '{name}': limit must be a positive integer, got {limit!r}."
        )
    if limit > len(problems):
        raise BenchmarkError(
            f"benchmark '{name}': limit {limit} is larger than the benchmark, which has "
            f"{len(problems)} problems. Lower `limit` or remove it to use them all."
        )
    if mode == "first":
        return problems[:limit]
    seed = int(spec.get("select_seed") or 0)
    # random.Random(int) is stable across runs and PYTHONHASHSEED; sorting the drawn indices
    # keeps the file order, so a subset's problems appear in the same order as in the source.
    chosen = sorted(random.Random(seed).sample(range(len(problems)), limit))
    return [problems[index] for index in chosen]


def _named(problems: list[Problem], name: str, ids: list[str] | None) -> list[Problem]:
    if not ids:
        return list(problems)
    if not problems:  # the config check before any read
        return []
    known = {p["id"] for p in problems}
    missing = [i for i in ids if i not in known]
    if missing:
        raise BenchmarkError(
            f"benchmark '{name}': ids {missing} are not in the benchmark (ids look like "
            f"'{problems[0]['id']}'). Fix or remove them under `ids`."
        )
    wanted = set(ids)
    return [p for p in problems if p["id"] in wanted]
