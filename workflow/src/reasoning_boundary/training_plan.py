"""Planning of the train stage: a model with a ``train`` block becomes one model per saved
step (``<name>-step<N>``), sampled and analysed like any other model once its checkpoint is
written. Pure: no torch, no TRL, so the Snakefile can plan without loading them."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from . import defaults
from .records import BENCHMARK_FILE, CHECKPOINT_DIR, CHECKPOINTS_DIR
from .train import get_algorithm, not_implemented

# Engine and prompt settings a checkpoint inherits: it is the base model's architecture and
# tokenizer, so it is sampled the way the base is.
INHERITED = ("template", "dtype", "max_model_len", "enforce_eager", "sampling",
             "tensor_parallel_size", "engine_options", "benchmarks")


def train_settings(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A train block with its defaults filled in (Snakemake fills the schema's only where the
    block is validated, so tests and the library fill them here too)."""
    settings = {**defaults.TRAIN, **spec}
    if spec.get("lora") is not None:
        settings["lora"] = {**defaults.LORA, **spec["lora"]}
    return settings


def expand_checkpoints(models: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Replace every model with a ``train`` block by one model per configured step."""
    expanded: dict[str, dict[str, Any]] = {}
    for name, model in models.items():
        if "train" not in model:
            expanded[name] = dict(model)
            continue
        train = model["train"]
        base = train["base"]
        if base not in models or "train" in models[base]:
            plain = [m for m in models if "train" not in models[m]]
            raise ValueError(f"models.{name}.train.base '{base}' is not a configured model "
                             f"without `train`; choose one of {', '.join(plain)}.")
        algorithm = get_algorithm(train["algorithm"])
        teacher = train.get("teacher")
        if algorithm.data == "teacher" and teacher is None:
            raise ValueError(f"models.{name}.train: {algorithm.name} needs `teacher` (a model "
                             f"name or {defaults.WORKED_SOLUTIONS}).")
        if teacher is not None and teacher != defaults.WORKED_SOLUTIONS and teacher not in models:
            raise ValueError(f"models.{name}.train.teacher '{teacher}' is not a configured "
                             f"model; choose one of {', '.join(models)} or "
                             f"{defaults.WORKED_SOLUTIONS}.")
        # Refused here, not when the job starts: nothing is trained or sampled for a run that
        # would stop at its first step.
        missing = not_implemented(algorithm, teacher, defaults.WORKED_SOLUTIONS)
        if missing:
            raise ValueError(f"models.{name}.train: {missing}")
        steps = list(train["steps"])
        if not steps or any(s < 1 for s in steps) or steps != sorted(set(steps)):
            raise ValueError(f"models.{name}.train.steps {steps} must be positive and strictly "
                             "ascending.")
        source = models[base]
        for step in steps:
            checkpoint = {k: source[k] for k in INHERITED if k in source}
            checkpoint.update(
                source=CHECKPOINT_DIR.format(run=name, step=step), run=name, step=step,
                algorithm=algorithm.name, base=base,
                label=model.get("label") or
                f"{source.get('label') or base} + {algorithm.label}, step {step}")
            expanded[f"{name}-step{step}"] = checkpoint
    return expanded


def check_training_data(models: Mapping[str, Mapping[str, Any]], benchmarks: Mapping[str, Any]
                        ) -> None:
    """Every train block's ``data`` must be a configured benchmark."""
    for name, model in models.items():
        data = (model.get("train") or {}).get("data")
        if data is not None and data not in benchmarks:
            raise ValueError(f"models.{name}.train.data '{data}' is not under `benchmarks`; "
                             f"choose one of {', '.join(benchmarks)}.")


def training_benchmarks(models: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Benchmarks that are some run's training data: trained on, so never evaluated."""
    return {m["train"]["data"] for m in models.values() if "train" in m}


def train_runs(models: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Run name -> its train block with defaults filled in."""
    return {name: train_settings(m["train"]) for name, m in models.items() if "train" in m}


def train_arguments(run: str, models: Mapping[str, Mapping[str, Any]], base_path: str) -> str:
    """``train`` options of one run (a rule param, so that any change retrains)."""
    settings = train_runs(models)[run]
    base = models[settings["base"]]
    args = ["--base", base_path, "--template", base["template"],
            "--data", BENCHMARK_FILE.format(benchmark=settings["data"]),
            "--settings", json.dumps(settings, sort_keys=True)]
    return " ".join(shlex.quote(str(a)) for a in args)


def checkpoints_dir(run: str) -> str:
    return CHECKPOINTS_DIR.format(run=run)
