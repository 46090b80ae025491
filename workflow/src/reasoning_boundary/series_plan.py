"""Checkpoint series and algorithm studies in a config: the planning behind the training-step
figures and the algorithms table (the paper's Tables 2-3).

A model with ``run`` and ``step`` is one checkpoint of a training run; its ``base`` (a configured
model) is step 0 of that run and the reference of its ΔSE; ``algorithm`` names what trained it.
:class:`Series` checks these keys across models and says which analyses follow from them. It
raises :class:`SeriesError` (a ``ValueError``), which ``plan.Plan`` reports as a config error;
this module does not import ``plan``, so the two stay free of a cycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from . import defaults
from .records import (
    ALGORITHMS_TABLE,
    TRAINING_STEPS_FIGURE,
    TRAINING_STEPS_TABLE,
    TRAINING_SUMMARY_FILE,
)

# A config value still to be filled in by the user (configs/rl-algorithms.yaml writes its
# checkpoints so): planning refuses it, because a made-up folder or hub id would plan a dry run
# that only fails once a sampling job starts.
PLACEHOLDER = "FILL-IN:"
_FILLED_KEYS = {"models": ("source",), "benchmarks": ("path", "dataset")}


class SeriesError(ValueError):
    """Run, step, algorithm or base keys that do not fit together; the message names the fix."""


@dataclass(frozen=True)
class Point:
    """One model of a run's series; the run's base stands at step 0 with ``algorithm`` ""."""

    run: str
    step: int
    model: str
    algorithm: str
    base: str


def check_filled(config: Mapping[str, Any]) -> None:
    """Every value written ``FILL-IN: ...`` at once, with the key to set and what to put there."""
    unfilled = [f"{section}.{name}.{key} ({spec[key]})"
                for section, keys in _FILLED_KEYS.items()
                for name, spec in config.get(section, {}).items() for key in keys
                if str(spec.get(key, "")).startswith(PLACEHOLDER)]
    if unfilled:
        raise SeriesError(
            f"config: {len(unfilled)} value(s) are placeholders still to be filled in: "
            f"{'; '.join(unfilled)}. Set each model source to its checkpoint's folder (written "
            "./path or /path; it must exist) or its Hugging Face id, and each benchmark path to "
            "its data file.")


class Series:
    """The runs (checkpoint series) and the algorithm models of a config's ``models``."""

    def __init__(self, models: Mapping[str, Mapping[str, Any]]) -> None:
        self.models = models
        self._check()
        self.runs: dict[str, list[Point]] = {}
        for name, spec in models.items():
            if "run" in spec:
                self.runs.setdefault(spec["run"], []).append(self._point(name, spec))
        for run, points in self.runs.items():
            bases = {p.base for p in points if p.base}
            if len(bases) > 1:
                raise SeriesError(
                    f"config: run '{run}' has checkpoints trained from "
                    f"{' and '.join(sorted(bases))}; a run starts from one base. Set the same "
                    f"`base` on every model of run '{run}', or split them into two runs.")
            if bases and not any(p.step == 0 for p in points):
                base = bases.pop()
                points.append(Point(run, 0, base, "", base))
            points.sort(key=lambda p: p.step)

    def _point(self, name: str, spec: Mapping[str, Any]) -> Point:
        return Point(spec.get("run", ""), spec.get("step", 0), name, spec.get("algorithm", ""),
                     spec.get("base", ""))

    def _check(self) -> None:
        names = ", ".join(self.models)
        steps: dict[tuple[str, int], str] = {}
        for name, spec in self.models.items():
            base = spec.get("base")
            if base is not None and (base not in self.models or base == name):
                raise SeriesError(
                    f"config: models.{name}.base '{base}' is not another model under `models`; "
                    f"name the model it was trained from, one of {names}.")
            if ("run" in spec) != ("step" in spec):
                has, lacks = ("run", "step") if "run" in spec else ("step", "run")
                raise SeriesError(
                    f"config: models.{name} has `{has}` but no `{lacks}`; a checkpoint of a run "
                    f"needs both (set models.{name}.{lacks}, or remove models.{name}.{has}).")
            if "run" in spec:
                key = (spec["run"], spec["step"])
                if key in steps:
                    raise SeriesError(
                        f"config: models {steps[key]} and {name} are both step {key[1]} of run "
                        f"'{key[0]}'; give each checkpoint its own models.<name>.step, or put "
                        "them in different runs.")
                steps[key] = name

    def algorithm_models(self) -> list[Point]:
        """The models of the algorithms table: those with ``algorithm`` and ``base``, a run
        standing for its last step only (the paper compares algorithms after training)."""
        last = {run: max(p.step for p in points) for run, points in self.runs.items()}
        chosen = []
        for name, spec in self.models.items():
            if spec.get("algorithm") and spec.get("base") and (
                    "run" not in spec or spec["step"] == last[spec["run"]]):
                chosen.append(self._point(name, spec))
        return chosen

    def benchmarks(self, model_benchmarks: Callable[[str], list[str]],
                   benchmarks: list[str]) -> list[str]:
        """The benchmarks (config order) on which at least one checkpoint of a run is run."""
        ran = {b for points in self.runs.values() for p in points if p.step > 0 or p.algorithm
               for b in model_benchmarks(p.model)}
        return [b for b in benchmarks if b in ran]

    def table_names(self) -> list[str]:
        """The CSV tables this config's series and algorithm models make."""
        return ((["training_steps"] if self.runs else [])
                + (["algorithms"] if self.algorithm_models() else []))

    def outputs(self, model_benchmarks: Callable[[str], list[str]],
                benchmarks: list[str]) -> list[str]:
        """Figures and tables of the series (the tables' .md/.tex come with table_names)."""
        out = [TRAINING_STEPS_FIGURE.format(benchmark=b) + suffix
               for b in self.benchmarks(model_benchmarks, benchmarks) for suffix in (".png",
                                                                                     ".svg")]
        if self.runs:
            out += [TRAINING_STEPS_TABLE, TRAINING_SUMMARY_FILE]
        if self.algorithm_models():
            out.append(ALGORITHMS_TABLE)
        return out

    def points_json(self) -> str:
        """Every point of every run, as the ``training-steps`` subcommand reads it."""
        return json.dumps([asdict(p) for points in self.runs.values() for p in points])

    def algorithms_json(self) -> str:
        return json.dumps([asdict(p) for p in self.algorithm_models()])


def roles_json(benchmarks: Mapping[str, Mapping[str, Any]]) -> str:
    """benchmark -> role, as the series subcommands read it."""
    return json.dumps({b: spec.get("role", defaults.BENCHMARK_ROLE)
                       for b, spec in benchmarks.items()})
