"""The paper-scale configs (configs/*.yaml) plan the right jobs, offline, without any GPU.

They name Hugging Face models and files a user downloads first, so nothing here runs a job: a
dry run must succeed and plan one sampling job per model, benchmark, seed and chunk.
"""

from __future__ import annotations

import pytest

from workflow_helpers import PROJECT_ROOT, load_config, planned_jobs, snakemake

CONFIGS = ["paper.yaml", "rl-algorithms.yaml"]


def _shards(config: dict, benchmark: str) -> int:
    spec = config["benchmarks"][benchmark]
    return spec.get("shards", config.get("shards", {}).get("problems", 1))


def _model_benchmarks(config: dict, model: str) -> list[str]:
    spec = config["models"][model]
    visual = {"mathvista", "mathvision"}
    if "benchmarks" in spec:
        return spec["benchmarks"]
    return [b for b, bench in config["benchmarks"].items() if bench.get("preset") not in visual]


def _n(config: dict, benchmark: str) -> int:
    spec = config["benchmarks"][benchmark]
    return len(config["seeds"]) * spec.get("samples_per_seed", config["samples_per_seed"])


@pytest.mark.parametrize("name", CONFIGS)
def test_dry_run_plans_every_sampling_chunk(name, tmp_path):
    configfile = PROJECT_ROOT / "configs" / name
    config = load_config(configfile)
    result = snakemake(tmp_path, configfile, "-n", "--quiet", "rules", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = planned_jobs(result)
    seeds = len(config["seeds"])
    # Every model on its benchmarks: all of them, but only image models on image benchmarks.
    runs = [b for m in config["models"] for b in _model_benchmarks(config, m)]
    assert jobs["sample_shard"] == seeds * sum(_shards(config, b) for b in runs)
    assert jobs["merge_samples"] == jobs["verify"] == seeds * len(runs)
    assert config["device"] == "gpu" and config["sampling"]["max_tokens"] == 16384


def test_paper_samples_as_many_responses_as_the_paper():
    config = load_config(PROJECT_ROOT / "configs" / "paper.yaml")
    assert {b: _n(config, b) for b in config["benchmarks"]} == {
        "gsm8k": 128, "math500": 128, "minerva_math": 128, "aime24": 1024, "amc23": 1024,
        "mathvista": 128, "mathvision": 128,
    }
    templates = {m["source"]: m["template"] for m in config["models"].values()}
    assert templates["BytedTsinghua-SIA/DAPO-Qwen-32B"] == "dapo"
    assert templates["hkust-nlp/Qwen-2.5-32B-SimpleRL-Zoo"] == "qwen-boxed"
    assert templates["sail/Qwen2.5-Math-7B-Oat-Zero"] == "qwen-boxed"
    names = set(config["models"])
    for pair in config["comparisons"]:
        assert {pair["base"], pair["other"]} <= names


def test_a_32b_chunk_is_sampled_on_four_gpus_with_the_benchmarks_count(tmp_path):
    configfile = PROJECT_ROOT / "configs" / "paper.yaml"
    target = "results/samples/dapo-qwen-32b/aime24/seed0/shard0-of-6.jsonl.gz"
    result = snakemake(tmp_path, configfile, "-n", "-p", target, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "--samples 256" in result.stdout and "--tensor-parallel-size 4" in result.stdout
    assert "gpu=4" in result.stdout  # the job's resources


@pytest.mark.parametrize("name", ["local", "slurm"])
def test_the_shipped_profiles_are_valid(name, tmp_path):
    configfile = PROJECT_ROOT / "configs" / "paper.yaml"
    profile = PROJECT_ROOT / "profiles" / name
    result = snakemake(tmp_path, configfile, "-n", "--quiet", "rules", "--profile", str(profile),
                       timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert planned_jobs(result)["sample_shard"] > 0
