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
