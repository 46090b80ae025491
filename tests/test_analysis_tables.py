"""Tables for papers: pass@k at powers of two, Markdown and LaTeX booktabs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reasoning_boundary.analysis.tables import (
    latex_escape,
    paper_view,
    powers_of_two,
    to_latex,
    to_markdown,
    write_tables,
)


def test_powers_of_two_end_at_n():
    assert powers_of_two(1) == [1]
    assert powers_of_two(16) == [1, 2, 4, 8, 16]
    assert powers_of_two(24) == [1, 2, 4, 8, 16, 24]


def test_pass_at_k_is_pivoted_to_powers_of_two_in_percent(tmp_path: Path):
    frame = pd.DataFrame({"model": "m_1", "benchmark": "b", "k": range(1, 7),
                          "pass_at_k": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], "n_problems": 3,
                          "n_samples": 6, "ci_low": 0.0, "ci_high": 1.0})
    view = paper_view("pass_at_k", frame)
    assert list(view.columns) == ["model", "benchmark", "pass@1", "pass@2", "pass@4", "pass@6"]
    assert view.iloc[0]["pass@4"] == "40.0"
    frame.to_csv(tmp_path / "pass_at_k.csv", index=False)
    write_tables(str(tmp_path / "pass_at_k.csv"), str(tmp_path / "t.md"), str(tmp_path / "t.tex"))
    markdown = (tmp_path / "t.md").read_text()
    assert markdown.splitlines()[1] == "|---|---|---:|---:|---:|---:|"
    assert "| m_1 | b | 10.0 | 20.0 | 40.0 | 60.0 |" in markdown
    latex = (tmp_path / "t.tex").read_text()
    assert latex.startswith(r"\begin{tabular}{llrrrr}")
    assert r"\toprule" in latex and r"\midrule" in latex and r"\bottomrule" in latex
    assert r"m\_1 & b & 10.0 & 20.0 & 40.0 & 60.0 \\" in latex


def test_escaping():
    assert latex_escape("50% of a_b & {c}") == r"50\% of a\_b \& \{c\}"
    view = pd.DataFrame({"ΔSE": ["1 | 2"], "k*": [3]})
    assert r"$\Delta_{\mathrm{SE}}$ & $k^*$" in to_latex(view)
    assert r"1 \| 2" in to_markdown(view)


def test_pass_at_k_at_the_configs_k_list_and_blank_beyond_n(tmp_path: Path):
    frame = pd.DataFrame({"model": "m", "benchmark": "b", "k": range(1, 9),
                          "pass_at_k": [i / 10 for i in range(1, 9)], "n_problems": 3,
                          "n_samples": 8, "ci_low": 0.0, "ci_high": 1.0})
    view = paper_view("pass_at_k", frame, ks=[3, 1, 256])
    assert list(view.columns) == ["model", "benchmark", "pass@1", "pass@3", "pass@256"]
    assert (view.iloc[0]["pass@3"], view.iloc[0]["pass@256"]) == ("30.0", "")
    frame.to_csv(tmp_path / "pass_at_k.csv", index=False)
    write_tables(str(tmp_path / "pass_at_k.csv"), str(tmp_path / "t.md"), str(tmp_path / "t.tex"),
                 ks=[8])
    assert "| m | b | 80.0 |" in (tmp_path / "t.md").read_text()


def test_delta_se_below_256_samples_says_it_is_taken_at_k_equal_n():
    from reasoning_boundary.analysis.comparisons import summary_sentence
    from reasoning_boundary.records import TABLES

    row = {"comparison": "b-vs-o", "label": "rl", "base": "b", "other": "o", "benchmark": "x",
           "n_problems": 3, "n_base": 128, "n_other": 128, "k_max": 128, "pass1_base": 0.2,
           "pass1_other": 0.4, "pass_kmax_base": 0.9, "pass_kmax_other": 0.7, "delta_se": 0.5,
           "delta_se_k": 128, "delta_se_ci_low": 0.4, "delta_se_ci_high": 0.6,
           "crossover_k": "8", "crossover_ci_low": "4", "crossover_ci_high": "16",
           "area_between": 0.1, "area_ci_low": 0.0, "area_ci_high": 0.2}
    table = TABLES["comparisons"].frame([row, {**row, "delta_se_k": 256, "n_base": 1024}])
    view = paper_view("comparisons", table)
    assert list(view["ΔSE"]) == ["50.0 (k = n = 128 < 256)", "50.0 (k=256)"]
    sentence = summary_sentence(row)
    assert "ΔSE = pass@128(b) − pass@1(o) = 50.0 points (at k = n = 128:" in sentence
    assert "not at the paper's k = 256" in sentence
    assert "(at k = n" not in summary_sentence({**row, "delta_se_k": 256})
