"""Figures: PNG and SVG, one colour per model across figures, log2 k axis with bands."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from reasoning_boundary import figures
from reasoning_boundary.aggregate import pass_at_k_table
from reasoning_boundary.analysis.comparisons import Comparison, comparison_table
from reasoning_boundary.analysis.coverage import coverage_table
from reasoning_boundary.analysis.histograms import accuracy_histogram
from reasoning_boundary.analysis.series import training_steps_rows
from reasoning_boundary.figures import FIGURES, model_palette
from reasoning_boundary.records import TABLES

MODELS = ["zeta", "base", "rl"]  # all configured models: colours are assigned over all of them
COMP = Comparison("base-vs-rl", "base", "rl", "rl")


@pytest.fixture
def tables(tmp_path: Path) -> dict[str, Path]:
    counts = pd.concat([
        pd.DataFrame({"model": "base", "benchmark": "x", "problem_id": [f"p{i}" for i in
                      range(12)], "n": 16, "c": [1, 2, 3, 0, 5, 1, 1, 2, 0, 4, 1, 1]}),
        pd.DataFrame({"model": "rl", "benchmark": "x", "problem_id": [f"p{i}" for i in
                      range(12)], "n": 16, "c": [15, 16, 0, 0, 14, 0, 12, 16, 0, 13, 0, 9]}),
    ])
    paths = {name: tmp_path / f"{name}.csv" for name in ("pass", "comp", "cov", "hist", "ppl",
                                                          "steps")}
    curves = pass_at_k_table(counts, resamples=50)
    TABLES["pass_at_k"].write(curves, paths["pass"])
    points = [{"run": "grpo", "step": 0, "model": "base", "algorithm": "", "base": "base"},
              {"run": "grpo", "step": 100, "model": "rl", "algorithm": "GRPO", "base": "base"}]
    TABLES["training_steps"].write(training_steps_rows(curves, points, {}), paths["steps"])
    TABLES["comparisons"].write(comparison_table(counts, [COMP], resamples=50), paths["comp"])
    TABLES["coverage"].write(coverage_table(counts, [COMP], "x"), paths["cov"])
    TABLES["accuracy_histogram"].write(accuracy_histogram(counts), paths["hist"])
    pd.DataFrame({"comparison": COMP.name, "base": "base", "role": ["other", "base"] * 3,
                  "source": ["rl", "base"] * 3, "problem_id": "p0", "seed": 0,
                  "sample_index": range(6), "response_tokens": 5, "nll": 1.0,
                  "perplexity": [2.0, 3.0, 2.5, 3.5, 2.2, 3.1]}).to_csv(paths["ppl"])
    return paths


def test_every_figure_is_written_as_png_and_svg(tables: dict[str, Path], tmp_path: Path):
    def outs(stem: str) -> list[str]:
        return [str(tmp_path / f"{stem}.png"), str(tmp_path / f"{stem}.svg")]

    figures.plot_pass_at_k(str(tables["pass"]), "x", MODELS, outs("pass"))
    figures.plot_pair(str(tables["pass"]), str(tables["comp"]), COMP.name, "x", MODELS,
                      outs("pair"))
    figures.plot_coverage(str(tables["cov"]), MODELS, outs("coverage"))
    figures.plot_histogram(str(tables["hist"]), "x", "base", "rl", MODELS, outs("hist"))
    figures.plot_perplexity(str(tables["ppl"]), MODELS, outs("ppl"), dpi=80)
    for stem in ("pass", "pair", "coverage", "hist", "ppl"):
        assert (tmp_path / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"<svg" in (tmp_path / f"{stem}.svg").read_bytes()[:500]


def test_pair_figure_uses_the_model_colours_bands_and_a_log2_axis(tables, tmp_path, monkeypatch):
    saved = {}
    monkeypatch.setattr(figures, "save", lambda fig, outs, dpi: saved.setdefault("fig", fig))
    figures.plot_pair(str(tables["pass"]), str(tables["comp"]), COMP.name, "x", MODELS, [])
    ax = saved["fig"].axes[0]
    palette = model_palette(MODELS)
    lines = {line.get_label().split(" ")[0]: line for line in ax.get_lines()}
    for model in ("base", "rl"):
        assert tuple(lines[model].get_color()[:3]) == pytest.approx(palette[model])
    assert ax.get_xscale() == "log" and len(ax.collections) == 2  # one band per curve
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "4", "8", "16"]
    plt.close("all")


def test_every_registered_figure_draws_through_the_command_line(tables, tmp_path):
    from reasoning_boundary.cli import main

    options = {
        "pass-at-k": ["--table", tables["pass"], "--benchmark", "x"],
        "pair": ["--table", tables["pass"], "--comparisons-table", tables["comp"],
                 "--comparison", COMP.name, "--benchmark", "x"],
        "coverage": ["--table", tables["cov"]],
        "histogram": ["--table", tables["hist"], "--benchmark", "x", "--base", "base",
                      "--other", "rl"],
        "perplexity": ["--table", tables["ppl"]],
        "training-steps": ["--table", tables["steps"], "--benchmark", "x"],
    }
    assert set(options) == set(FIGURES)
    for name, args in options.items():
        out = tmp_path / f"{name}.png"
        assert main(["plot", name, *map(str, args), "--models", *MODELS, "--dpi", "60",
                     "--out", str(out)]) == 0
        assert out.read_bytes()[:4] == b"\x89PNG"
    assert main(["plot", "no-such-figure"]) == 2
