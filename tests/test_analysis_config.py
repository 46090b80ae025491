"""The analysis part of the config: plans every analysis, and names a wrong model or key."""

from __future__ import annotations

import copy
from pathlib import Path

from workflow_helpers import PROJECT_ROOT, load_config, planned_jobs, snakemake, write_config

TINY = load_config(PROJECT_ROOT / "tests" / "configs" / "tiny.yaml")


def dry_run(tmp_path: Path, config: dict):
    return snakemake(tmp_path, write_config(tmp_path, config), "-n", timeout=300)


def test_tiny_config_plans_every_analysis(tmp_path: Path):
    result = dry_run(tmp_path, TINY)
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result)
    benchmarks = len(TINY["benchmarks"])
    assert jobs["compare"] == 1 and jobs["perplexity"] == 1 and jobs["plot_perplexity"] == 1
    assert jobs["plot_pair"] == jobs["plot_histogram"] == jobs["plot_coverage"] == benchmarks
    # pass_at_k, response_stats, accuracy_histogram, comparisons, coverage per benchmark,
    # perplexity: each as Markdown and LaTeX.
    assert jobs["paper_table"] == 4 + benchmarks + 1
    name = "smollm2-135m-vs-smollm2-135m-sharp"
    for path in (f"results/plots/{name}/pass_at_k_arithmetic.svg",
                 f"results/plots/{name}/perplexity.png", "results/tables/comparisons.tex",
                 "results/tables/coverage_humaneval.csv", "results/report/summary.html"):
        assert path in result.stdout


def test_a_comparison_of_an_unknown_model_is_named(tmp_path: Path):
    config = copy.deepcopy(TINY)
    config["comparisons"] = [{"base": "smollm2-135m", "other": "qwen-rl", "label": "rl"}]
    result = dry_run(tmp_path, config)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "qwen-rl" in output and "smollm2-135m-sharp" in output


def test_a_wrong_label_and_an_unknown_stronger_model_are_named(tmp_path: Path):
    config = copy.deepcopy(TINY)
    config["comparisons"][0]["label"] = "grpo"
    result = dry_run(tmp_path, config)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "grpo" in output and "distill" in output
    config = copy.deepcopy(TINY)
    config["perplexity"]["stronger"] = "o1"
    result = dry_run(tmp_path, config)
    assert result.returncode != 0 and "perplexity.stronger 'o1'" in result.stdout + result.stderr
