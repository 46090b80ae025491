"""Tables for papers: every CSV table also as Markdown and as LaTeX (booktabs).

Which view a table gets follows from its columns: pass@k is pivoted to k ∈ {1, 2, 4, …, n},
the pair statistics and the coverage are condensed to what a paper prints, and any other table
is printed as it is. Probabilities are printed in percent.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from .. import records

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))
# Headers pdflatex cannot typeset from Unicode.
_LATEX_HEADERS = {"ΔSE": r"$\Delta_{\mathrm{SE}}$", "k*": r"$k^*$"}


def powers_of_two(n: int) -> list[int]:
    """1, 2, 4, … up to n, and n itself when it is not a power of two."""
    ks = [1 << i for i in range(max(n, 1).bit_length()) if (1 << i) <= n]
    return ks if ks and ks[-1] == n else ks + [n]


def _pct(value: float) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{100 * float(value):.1f}"


def pass_at_k_view(table: pd.DataFrame) -> pd.DataFrame:
    """Model × benchmark rows, pass@k in percent at k = 1, 2, 4, …, n."""
    rows = []
    for (model, benchmark), group in table.groupby(["model", "benchmark"], sort=True):
        by_k = group.set_index("k")["pass_at_k"]
        row = {"model": model, "benchmark": benchmark}
        for k in powers_of_two(int(group["k"].max())):
            row[f"pass@{k}"] = _pct(by_k.get(k, float("nan")))
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


def comparisons_view(table: pd.DataFrame) -> pd.DataFrame:
    """The pair statistics a paper prints: pass@1, pass@k_max, ΔSE, k* with its interval."""
    return pd.DataFrame({
        "comparison": table["comparison"],
        "benchmark": table["benchmark"],
        "label": table["label"],
        "pass@1 base": table["pass1_base"].map(_pct),
        "pass@1 other": table["pass1_other"].map(_pct),
        "k_max": table["k_max"],
        "pass@k_max base": table["pass_kmax_base"].map(_pct),
        "pass@k_max other": table["pass_kmax_other"].map(_pct),
        "ΔSE": [f"{_pct(v)} (k={k})" for v, k in zip(table["delta_se"], table["delta_se_k"],
                                                       strict=True)],
        "k*": [f"{k} [{lo}, {hi}]" for k, lo, hi in zip(
            table["crossover_k"], table["crossover_ci_low"], table["crossover_ci_high"],
            strict=True)],
        "area": table["area_between"].map(lambda v: f"{float(v):.3f}"),
    })


def coverage_view(table: pd.DataFrame) -> pd.DataFrame:
    """Problems per coverage category and comparison (ids stay in the CSV)."""
    return pd.DataFrame({
        "comparison": table["comparison"], "benchmark": table["benchmark"],
        "category": table["category"], "problems": table["n_problems"],
        "share": table["share"].map(_pct),
    })


def histogram_view(table: pd.DataFrame) -> pd.DataFrame:
    """Model × benchmark rows, problems per accuracy bin as columns."""
    table = table.assign(bin=[f"{lo:.1f}–{hi:.1f}" for lo, hi in
                              zip(table["bin_low"], table["bin_high"], strict=True)])
    wide = table.pivot_table(index=["model", "benchmark"], columns="bin", values="n_problems",
                             sort=True)
    return wide.astype(int).reset_index().rename_axis(columns=None)


def perplexity_view(table: pd.DataFrame) -> pd.DataFrame:
    """Per response source: responses scored, median and mean perplexity under the base."""
    grouped = table.dropna(subset=["perplexity"]).groupby(["base", "role", "source"], sort=False)
    return grouped["perplexity"].agg(responses="size", median="median", mean="mean").reset_index()


def paper_view(table: pd.DataFrame) -> pd.DataFrame:
    columns = set(table.columns)
    if {"bin_low", "bin_high"} <= columns:
        return histogram_view(table)
    if {"nll", "perplexity"} <= columns:
        return perplexity_view(table)
    if {"k", "pass_at_k"} <= columns:
        return pass_at_k_view(table)
    if {"crossover_k", "delta_se"} <= columns:
        return comparisons_view(table)
    if {"category", "problem_ids"} <= columns:
        return coverage_view(table)
    return table


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return str(value)


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _numeric(column: pd.Series) -> bool:
    """Numbers, or text that reads as numbers (percentages formatted for print), or blanks."""
    if pd.api.types.is_numeric_dtype(column):
        return True
    cells = [_cell(v) for v in column]
    return any(cells) and all(_NUMBER.match(c) or not c for c in cells)


def to_markdown(view: pd.DataFrame) -> str:
    """A GitHub pipe table; numbers right-aligned."""
    def esc(text: str) -> str:
        return text.replace("|", r"\|")

    header = "| " + " | ".join(esc(str(c)) for c in view.columns) + " |"
    align = "|" + "|".join(
        "---:" if _numeric(view[c]) else "---" for c in view.columns
    ) + "|"
    body = ["| " + " | ".join(esc(_cell(v)) for v in row) + " |"
            for row in view.itertuples(index=False)]
    return "\n".join([header, align, *body]) + "\n"


def latex_escape(text: str) -> str:
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group(0)], text)


def to_latex(view: pd.DataFrame) -> str:
    """A booktabs tabular (needs \\usepackage{booktabs}); text columns left, numbers right."""
    spec = "".join(
        "r" if _numeric(view[c]) else "l" for c in view.columns
    )
    lines = [
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(_LATEX_HEADERS.get(str(c), latex_escape(str(c))) for c in view.columns)
        + r" \\",
        r"\midrule",
        *(" & ".join(latex_escape(_cell(v)) for v in row) + r" \\"
          for row in view.itertuples(index=False)),
        r"\bottomrule",
        r"\end{tabular}",
    ]
    return "\n".join(lines) + "\n"


def write_tables(csv: str, markdown: str, latex: str) -> None:
    view = paper_view(pd.read_csv(csv, keep_default_na=False, na_values=[""]))
    for path, text in ((markdown, to_markdown(view)), (latex, to_latex(view))):
        with records.atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
