"""A bad config stops before any job starts, with a message naming the key or the file."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from workflow_helpers import PROJECT_ROOT, load_config, planned_jobs, snakemake, write_config

EMBEDDED = load_config(PROJECT_ROOT / "config.yaml")


def dry_run(tmp_path: Path, config: dict):
    return snakemake(tmp_path, write_config(tmp_path, config), "-n", timeout=300)


def test_embedded_default_plans_every_stage_for_every_model_benchmark_and_seed(tmp_path):
    result = dry_run(tmp_path, EMBEDDED)
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result)
    runs = len(EMBEDDED["models"]) * len(EMBEDDED["benchmarks"]) * len(EMBEDDED["seeds"])
    assert jobs["prepare"] == len(EMBEDDED["benchmarks"])
    assert EMBEDDED["sample_job"] == "model"  # one sampling job per model writes every file
    assert jobs["sample"] == len(EMBEDDED["models"])
    assert jobs["verify"] == runs
    assert jobs["aggregate"] == 1
    assert jobs["plot_pass_at_k"] == len(EMBEDDED["benchmarks"])
    for model in EMBEDDED["models"]:
        for benchmark in EMBEDDED["benchmarks"]:
            for seed in EMBEDDED["seeds"]:
                assert f"results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz" in result.stdout


@pytest.mark.parametrize("granularity", ["seed", "benchmark", "model"])
def test_every_sample_file_is_written_by_exactly_one_job_of_the_chosen_size(tmp_path,
                                                                             granularity):
    config = {**copy.deepcopy(EMBEDDED), "sample_job": granularity}
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n", "--printshellcmds",
                       timeout=300)
    assert result.returncode == 0, result.stderr
    models, benchmarks, seeds = (list(config[k]) for k in ("models", "benchmarks", "seeds"))
    per_job = {"seed": 1, "benchmark": len(seeds), "model": len(benchmarks) * len(seeds)}
    assert planned_jobs(result)["sample"] == len(models) * len(benchmarks) * len(seeds) \
        // per_job[granularity]
    commands = [line for line in result.stdout.splitlines() if '"$RB" sample ' in line]
    for model in models:
        for benchmark in benchmarks:
            for seed in seeds:
                out = f"results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz"
                writers = [c for c in commands if f" {out} " in c]
                assert len(writers) == 1, (out, writers)
                # The file's own benchmark, seed and sample count travel with it.
                n = config["samples_per_seed"]
                if granularity == "seed":
                    assert f"--benchmark results/benchmarks/{benchmark}.jsonl " in writers[0]
                    assert f" --seed {seed} --samples {n} " in writers[0]
                    assert f" --out {out} " in writers[0]
                else:
                    assert f"--task results/benchmarks/{benchmark}.jsonl {seed} {n} {out} " \
                        in writers[0]


def test_unknown_key_is_named(tmp_path):
    config = copy.deepcopy(EMBEDDED)
    config["samples_per_sed"] = 4
    result = dry_run(tmp_path, config)
    assert result.returncode != 0
    assert "samples_per_sed" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_wrong_type_is_named(tmp_path):
    config = copy.deepcopy(EMBEDDED)
    config["sampling"]["temperature"] = "warm"
    result = dry_run(tmp_path, config)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "temperature" in output and "warm" in output


def test_unknown_template_lists_the_choices(tmp_path):
    config = copy.deepcopy(EMBEDDED)
    next(iter(config["models"].values()))["template"] = "qwen-boxxed"
    result = dry_run(tmp_path, config)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "qwen-boxxed" in output and "qwen-boxed" in output


@pytest.mark.parametrize(
    "source,named",
    [("/nonexistent/model.gguf", "/nonexistent/model.gguf"),
     ("package:no_such_package/model.gguf", "no_such_package"),
     ("./models/missing-folder", "missing-folder")],
)
def test_missing_model_file_is_named(tmp_path, source, named):
    config = copy.deepcopy(EMBEDDED)
    next(iter(config["models"].values()))["source"] = source
    result = dry_run(tmp_path, config)
    assert result.returncode != 0
    assert named in result.stdout + result.stderr
