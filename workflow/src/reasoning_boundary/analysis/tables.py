"""Tables for papers: every CSV table also as Markdown and as LaTeX (booktabs).

Each table has a paper view in :data:`VIEWS`, keyed by its name in ``records.TABLES``: pass@k is
pivoted to k ∈ {1, 2, 4, …, n}, the pair statistics and the coverage are condensed to what a
paper prints, and a table without a view is printed as it is. Probabilities are in percent.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from .. import records
from .comparisons import delta_se_note

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


def pass_at_k_view(table: pd.DataFrame, ks: list[int] | None = None) -> pd.DataFrame:
    """Model × benchmark rows, pass@k in percent at ``ks`` (the config's ``tables.ks``; default
    k = 1, 2, 4, …, n). A k above a row's n stays blank: pass@k needs at least k samples."""
    rows = []
    for (model, benchmark), group in table.groupby(["model", "benchmark"], sort=True):
        by_k = group.set_index("k")["pass_at_k"]
        row = {"model": model, "benchmark": benchmark}
        for k in sorted(set(ks)) if ks else powers_of_two(int(group["k"].max())):
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
        "ΔSE": [f"{_pct(v)} ({delta_se_note(int(k))})"
                for v, k in zip(table["delta_se"], table["delta_se_k"], strict=True)],
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


def _band(table: pd.DataFrame, column: str) -> list[str]:
    """A value in percent with its interval: ``37.5 [20.0, 55.0]`` ("" where there is none)."""
    return [f"{_pct(v)} [{_pct(lo)}, {_pct(hi)}]" if _pct(v) else ""
            for v, lo, hi in zip(table[column], table[f"{column}_ci_low"],
                                 table[f"{column}_ci_high"], strict=True)]


def _series_view(table: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    view = table[list(keys)].copy()
    view["k_max"] = table["k_max"]
    view["pass@1"] = _band(table, "pass1")
    view["pass@k_max"] = _band(table, "pass_kmax")
    return view


def training_steps_view(table: pd.DataFrame) -> pd.DataFrame:
    """Run × step × benchmark rows, pass@1 and pass@k_max in percent with their bands."""
    return _series_view(table, ("run", "step", "model", "benchmark", "role"))


def algorithms_view(table: pd.DataFrame) -> pd.DataFrame:
    """The paper's algorithms table: per benchmark, the base and each algorithm, with ΔSE."""
    view = _series_view(table.assign(algorithm=table["algorithm"].replace("", "base")),
                        ("benchmark", "role", "algorithm", "model"))
    view["ΔSE"] = [f"{band} ({delta_se_note(int(k))})" if band else "" for band, k in zip(
        _band(table, "delta_se"), table["delta_se_k"].fillna(0), strict=True)]
    return view


# Table name (records.TABLES) -> its paper view; tables not listed are printed as they are.
VIEWS = {
    "pass_at_k": pass_at_k_view,
    "comparisons": comparisons_view,
    "coverage": coverage_view,
    "accuracy_histogram": histogram_view,
    "perplexity": perplexity_view,
    "training_steps": training_steps_view,
    "algorithms": algorithms_view,
}


def paper_view(name: str, table: pd.DataFrame, ks: list[int] | None = None) -> pd.DataFrame:
    kind = records.table_spec(name).name
    if kind == "pass_at_k":
        return pass_at_k_view(table, ks)
    view = VIEWS.get(kind)
    return view(table) if view else table


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


def write_tables(csv: str, markdown: str, latex: str, ks: list[int] | None = None) -> None:
    """The Markdown and LaTeX versions of a table, whose kind its file name says."""
    name = Path(csv).name.removesuffix(".csv")
    view = paper_view(name, records.table_spec(name).read(csv), ks)
    records.write_text(markdown, to_markdown(view))
    records.write_text(latex, to_latex(view))
