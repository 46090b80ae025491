"""Training-step and algorithm tables on counts whose pass@1, pass@k and ΔSE are known exactly,
their subcommands, and the dry run of a config with checkpoint series."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis_helpers import write_results_tree
from reasoning_boundary.aggregate import pass_at_k_table
from reasoning_boundary.analysis.series import (
    algorithm_rows,
    training_sentences,
    training_steps_rows,
)
from reasoning_boundary.records import TABLES
from workflow_helpers import planned_jobs, snakemake, write_config

# n = 4 samples of 4 problems: pass@1 is the mean of c/n, pass@4 the share with c > 0.
COUNTS = {"base": [4, 0, 2, 0], "g150": [4, 1, 0, 0], "g300": [4, 0, 0, 0]}
EXACT = {"base": (0.375, 0.5), "g150": (0.3125, 0.5), "g300": (0.25, 0.25)}
POINTS = [{"run": "grpo", "step": 0, "model": "base", "algorithm": "", "base": "base"},
          {"run": "grpo", "step": 150, "model": "g150", "algorithm": "GRPO", "base": "base"},
          {"run": "grpo", "step": 300, "model": "g300", "algorithm": "GRPO", "base": "base"}]


@pytest.fixture
def counts() -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"model": model, "benchmark": "x", "n": 4, "c": c,
                                    "problem_id": [f"p{i}" for i in range(4)]})
                      for model, c in COUNTS.items()], ignore_index=True)


def test_training_steps_rows_hold_pass1_and_pass_kmax_of_every_point(counts):
    curves = pass_at_k_table(counts, resamples=100)
    table = training_steps_rows(curves, POINTS, {"x": "out_of_domain"})
    assert list(table.columns) == list(TABLES["training_steps"].columns)
    assert table["step"].tolist() == [0, 150, 300]
    for _, row in table.iterrows():
        assert (row["pass1"], row["pass_kmax"]) == pytest.approx(EXACT[row["model"]])
        assert row["pass1_ci_low"] <= row["pass1"] <= row["pass1_ci_high"]
        assert row["pass_kmax_ci_low"] <= row["pass_kmax"] <= row["pass_kmax_ci_high"]
    assert set(table["role"]) == {"out_of_domain"} and set(table["k_max"]) == {4}


def test_a_run_is_summed_up_from_its_first_and_last_point_with_its_bands():
    """Known bands: pass@1 clearly up, pass@k_max clearly down, and a run whose bands overlap."""
    def point(run, step, pass1, kmax, width):
        return {"run": run, "step": step, "model": f"{run}{step}", "algorithm": "GRPO" if step
                else "", "base": "b", "benchmark": "x", "role": "in_domain", "n_problems": 8,
                "k_max": 64, "pass1": pass1, "pass1_ci_low": pass1 - width,
                "pass1_ci_high": pass1 + width, "pass_kmax": kmax,
                "pass_kmax_ci_low": kmax - width, "pass_kmax_ci_high": kmax + width}

    table = TABLES["training_steps"].frame([
        point("sharp", 0, 0.10, 0.80, 0.05), point("sharp", 12, 0.40, 0.30, 0.05),
        point("flat", 0, 0.10, 0.80, 0.2), point("flat", 4, 0.12, 0.75, 0.2),
        point("flat", 12, 0.15, 0.70, 0.2), point("alone", 0, 0.1, 0.2, 0.1)])
    sentences = {s["run"]: s for s in training_sentences(table)}
    assert set(sentences) == {"sharp", "flat"}  # one point is no change to speak of
    assert sentences["sharp"]["text"] == (
        "pass@1 10.0% (step 0) → 40.0% (step 12), up, beyond both bands; pass@64 80.0% "
        "(step 0) → 30.0% (step 12), down, beyond both bands (95% bands, 8 problems).")
    assert sentences["flat"]["text"].count("the bands overlap") == 2
    assert "→ 15.0% (step 12)" in sentences["flat"]["text"]
    assert sentences["flat"]["algorithm"] == "GRPO"


def test_algorithm_rows_give_delta_se_against_the_base(counts):
    curves = pass_at_k_table(counts, resamples=100)
    table = algorithm_rows(curves, counts, [POINTS[2]], {}, resamples=200)
    assert table["model"].tolist() == ["base", "g300"]
    base, model = table.iloc[0], table.iloc[1]
    assert base["algorithm"] == "" and pd.isna(base["delta_se"])
    assert model["algorithm"] == "GRPO" and model["role"] == "in_domain"
    # ΔSE = pass@4(base) − pass@1(g300) = 0.5 − 0.25, at k = n = 4.
    assert model["delta_se"] == pytest.approx(0.25) and model["delta_se_k"] == 4
    assert model["delta_se_ci_low"] <= 0.25 <= model["delta_se_ci_high"]
    assert model["pass1"] == pytest.approx(0.25)


def test_the_subcommands_write_both_tables_and_their_paper_versions(counts, tmp_path):
    import json

    from reasoning_boundary.cli import main

    per_problem, curves = tmp_path / "per_problem.csv", tmp_path / "pass_at_k.csv"
    TABLES["per_problem"].write(counts, per_problem)
    TABLES["pass_at_k"].write(pass_at_k_table(counts, resamples=50), curves)
    steps, algorithms = tmp_path / "training_steps.csv", tmp_path / "algorithms.csv"
    summary = tmp_path / "training_summary.html"
    assert main(["training-steps", "--pass-at-k", str(curves), "--points", json.dumps(POINTS),
                 "--out", str(steps), "--summary", str(summary)]) == 0
    assert "<b>grpo</b> (GRPO) on <i>x</i>" in summary.read_text()
    assert main(["algorithms", "--pass-at-k", str(curves), "--per-problem", str(per_problem),
                 "--models", json.dumps([POINTS[2]]), "--resamples", "50",
                 "--out", str(algorithms)]) == 0
    assert len(TABLES["training_steps"].read(steps)) == 3
    assert TABLES["algorithms"].read(algorithms)["delta_se"].iloc[1] == pytest.approx(0.25)
    for table in (steps, algorithms):
        md, tex = table.with_suffix(".md"), table.with_suffix(".tex")
        assert main(["tables", "--table", str(table), "--markdown", str(md),
                     "--latex", str(tex)]) == 0
        assert "g300" in md.read_text() and "tabular" in tex.read_text()
    # The paper view: percent with bands, the base's row named so, ΔSE with its k.
    text = algorithms.with_suffix(".md").read_text()
    assert "| base | base |" in text and "25.0 [" in text and "(k = n = 4 < 256)" in text


def test_a_config_with_a_run_plans_the_series_analyses_only(tmp_path: Path):
    source = tmp_path / "checkpoint"
    source.mkdir()
    model = {"source": str(source), "template": "chatml"}
    config = {
        "models": {"base": model,
                   "g150": {**model, "run": "grpo", "step": 150, "base": "base",
                            "algorithm": "GRPO"},
                   "g300": {**model, "run": "grpo", "step": 300, "base": "base",
                            "algorithm": "GRPO"}},
        "benchmarks": {"arith": {"kind": "math", "source": "synthetic", "role": "train",
                                 "synthetic": {"n_problems": 4, "steps": 2, "seed": 0}}},
        "seeds": [0],
        "samples_per_seed": 4,
        "device": "cpu",
    }
    configfile = write_config(tmp_path, config)
    write_results_tree(tmp_path, config, {"base": 0.3, "g150": 0.4, "g300": 0.5})
    result = snakemake(tmp_path, configfile, "-n", timeout=300)
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result)
    assert jobs["training_steps"] == jobs["algorithms"] == jobs["plot_training_steps"] == 1
    assert "sample" not in jobs and "verify" not in jobs
    for path in ("results/plots/training_steps_arith.png", "results/plots/training_steps_arith.svg",
                 "results/tables/algorithms.csv", "results/tables/training_steps.tex",
                 "results/tables/algorithms.md", "results/report/training_summary.html"):
        assert path in result.stdout
