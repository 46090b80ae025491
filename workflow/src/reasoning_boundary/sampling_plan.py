"""Planning of the sampling jobs: which files one job writes, the settings that change a
response, and the resources a job asks for. Part of :class:`plan.Plan` (a mixin over its
config, models and benchmarks), kept apart because it is the largest single concern of the
planning."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from typing import Any

from . import defaults
from .records import SAMPLE_META, SAMPLE_SHARD_STEM, SAMPLE_STEM, SAMPLES


class SamplingJobs:
    """The sampling-job half of :class:`plan.Plan`; it reads the plan's ``config``, ``models``,
    ``seeds``, ``sample_job`` and its benchmark helpers."""

    def grouped_tasks(self) -> list[tuple[str | None, int]]:
        """(benchmark, seed) of every file one grouped sampling job writes; the benchmark is
        left open (None) when the job is per benchmark."""
        if self.sample_job == "model":  # every model runs on the same benchmarks (_check)
            ran = self.model_benchmarks(next(iter(self.models)))
            benchmarks: list[str | None] = [b for b in self.sharded(False) if b in ran]
        else:
            benchmarks = [None]
        return [(b, s) for b in benchmarks for s in self.seeds]

    def files_per_sample_job(self, sharded: bool) -> int:
        return 1 if self.sample_job == "seed" or sharded else len(self.grouped_tasks())

    def sampling_settings(self, model: str) -> dict[str, Any]:
        """Global sampling settings with the model's own overrides on top."""
        return {**defaults.SAMPLING, **self.config["sampling"],
                **(self.models[model].get("sampling") or {})}


    def sample_arguments(self, model: str, device: str) -> str:
        """Every setting that changes a response, as ``sample`` options (a rule param, so that
        a change reruns sampling)."""
        spec = self.models[model]
        settings = self.sampling_settings(model)
        args = [
            "--model", self.model_path(model),
            "--source", spec["source"],
            "--template", spec["template"],
            "--temperature", settings["temperature"],
            "--top-p", settings["top_p"],
            "--max-tokens", settings["max_tokens"],
        ]
        return " ".join(shlex.quote(str(a)) for a in args) + " " + \
            self.engine_arguments(model, device)

    def engine_arguments(self, model: str, device: str) -> str:
        """The model's vLLM engine settings as ``sample``/``perplexity`` options (unset ones
        are left out, so that configs without them keep their params, and caches, as before)."""
        spec = self.models[model]
        args = [
            "--dtype", spec["dtype"],
            "--tensor-parallel-size", spec["tensor_parallel_size"],
            "--device", device,
        ]
        if spec.get("max_model_len"):
            args += ["--max-model-len", spec["max_model_len"]]
        if spec["enforce_eager"]:
            args.append("--enforce-eager")
        if spec["engine_options"]:
            args += ["--engine-options", json.dumps(spec["engine_options"])]
        if spec.get("gpu_memory_utilization") is not None:
            args += ["--gpu-memory-utilization", spec["gpu_memory_utilization"]]
        if spec.get("max_num_seqs"):
            args += ["--max-num-seqs", spec["max_num_seqs"]]
        return " ".join(shlex.quote(str(a)) for a in args)

    def shard_files(self, model: str, benchmark: str, seed: int | str, suffix: str) -> list[str]:
        """A seed's shard outputs in shard order, which fixes the merged order."""
        total = self.shard_count(benchmark)
        return [SAMPLE_SHARD_STEM.format(model=model, benchmark=benchmark, seed=seed, shard=i,
                                         nshards=total) + suffix for i in range(total)]

    def grouped_outputs(self) -> dict[str, str]:
        """Named outputs of a grouped sampling job (between-workflow caching needs names);
        ``{model}`` (and ``{benchmark}`` for per-benchmark jobs) stay wildcards."""
        outputs = {}
        for i, (benchmark, seed) in enumerate(self.grouped_tasks()):
            stem = SAMPLE_STEM.format(model="{model}", benchmark=benchmark or "{benchmark}",
                                      seed=seed)
            outputs[f"samples{i}"] = stem + SAMPLES
            outputs[f"meta{i}"] = stem + SAMPLE_META
        return outputs

    def grouped_benchmark_files(self, benchmark: str | None) -> list[str]:
        """The prepared benchmarks a grouped job reads (``benchmark``: its wildcard, if any)."""
        names = dict.fromkeys(b or benchmark for b, _ in self.grouped_tasks())
        return [self.benchmark_file(b) for b in names if b]

    def grouped_task_args(self, benchmark: str | None, output: Mapping[str, str]) -> str:
        """One ``--task BENCHMARK SEED SAMPLES OUT META`` per file of a grouped sampling job."""
        args = []
        for i, (name, seed) in enumerate(self.grouped_tasks()):
            name = name or benchmark
            assert name is not None
            args.append(f"--task {self.benchmark_file(name)} {seed} {self.samples_per_seed(name)} "
                        f"{output[f'samples{i}']} {output[f'meta{i}']}")
        return " ".join(args)

    def sample_resources(self, sharded: bool, device: Callable[[], str]) -> dict[str, Any]:
        """Resources of a sampling rule: what the job needs, never where it runs (profiles/).

        ``device`` is asked only when Snakemake plans the jobs (see :func:`resolve_device`).
        """
        files = self.files_per_sample_job(sharded)
        return dict(
            gpu=lambda wildcards: self.sample_gpus(wildcards.model, device()),
            # One vLLM process drives all the job's GPUs (tensor parallel): one task, where the
            # SLURM plugin would otherwise start a task per GPU.
            tasks_per_gpu=0,
            cpus_per_task=self.config["threads"]["sample"],
            mem_mb=lambda wildcards, attempt: self.sample_mem_mb(wildcards.model, device(),
                                                                 attempt),
            runtime=lambda wildcards, attempt: self.sample_runtime(wildcards.model, device(),
                                                                   files, attempt),
        )

    def sample_gpus(self, model: str, device: str) -> int:
        """GPUs of a sampling job: vLLM's tensor-parallel size on GPUs, none on a CPU."""
        return self.models[model]["tensor_parallel_size"] if device == "gpu" else 0

    def sample_mem_mb(self, model: str, device: str, attempt: int = 1) -> int:
        """Host memory of a sampling job; a retry (--retries) asks for more."""
        return self.models[model].get("mem_mb", defaults.SAMPLE_MEM_MB[device]) * attempt

    def sample_runtime(self, model: str, device: str, files: int = 1, attempt: int = 1) -> int:
        """Wall time in minutes of a job writing ``files`` files; a retry asks for more."""
        return self.models[model].get("runtime", defaults.SAMPLE_RUNTIME[device]) * files * attempt
