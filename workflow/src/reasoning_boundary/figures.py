"""Figures of the analyses: pair curves with bands, coverage, accuracy histograms, perplexity.

Every figure colours a model with ``plotting.model_palette`` over *all* configured models (passed
in as ``models``), so a model keeps its colour across figures; each is saved as PNG and SVG.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from . import plotting
from .analysis.comparisons import LABEL_TEXT
from .plotting import log2_k_axis, model_palette, shade_bands
from .records import atomic_path

NEUTRAL = {"both": "#6b6b6b", "neither": "#dcdcdc"}


def _theme() -> None:
    sns.set_theme(style="whitegrid", context="talk")


def save(fig: plt.Figure, outs: Sequence[str | os.PathLike]) -> None:
    """Write the figure once per path, in the format its suffix names (png, svg, pdf)."""
    fig.tight_layout()
    for out in outs:
        suffix = os.path.splitext(str(out))[1].lstrip(".") or "png"
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format=suffix, dpi=plotting.FIGURE_DPI)
    plt.close(fig)


def _palette(models: Sequence[str], extra: Sequence[str] = ()) -> dict:
    return model_palette([*models, *extra])


def plot_pair(table: str, comparisons: str, comparison: str, benchmark: str,
              models: Sequence[str], outs: Sequence[str]) -> None:
    """Base and other pass@k curves with their bands; k* marked, ΔSE in the legend title."""
    stats = pd.read_csv(comparisons, dtype={"crossover_k": str})
    row = stats[(stats["comparison"] == comparison) & (stats["benchmark"] == benchmark)]
    if row.empty:
        raise ValueError(f"{comparisons}: no row for {comparison} on {benchmark}")
    row = row.iloc[0]
    curves = pd.read_csv(table)
    curves = curves[(curves["benchmark"] == benchmark)
                     & curves["model"].isin([row["base"], row["other"]])]
    palette = _palette(models, curves["model"].unique())
    _theme()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    shade_bands(ax, curves, palette)
    for model, group in curves.groupby("model"):
        role = "base" if model == row["base"] else "other"
        ax.plot(group["k"], group["pass_at_k"], marker="o", markersize=4, color=palette[model],
                label=f"{model} ({role})")
    if row["crossover_k"] != "none":
        ax.axvline(float(row["crossover_k"]), color="black", linestyle="--", linewidth=1.2,
                   label=f"k* = {row['crossover_k']}")
    log2_k_axis(ax, int(curves["k"].max()))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("k (samples)")
    ax.set_ylabel("pass@k")
    label = LABEL_TEXT.get(str(row["label"]), str(row["label"]))
    ax.set_title(f"{benchmark}: {comparison}\n({label})", fontsize="medium")
    ax.legend(fontsize="small", title_fontsize="small",
              title=f"ΔSE = {100 * row['delta_se']:.1f} pts (k={int(row['delta_se_k'])})")
    save(fig, outs)


def plot_coverage(table: str, models: Sequence[str], outs: Sequence[str]) -> None:
    """One stacked bar per comparison: problems solved by both, base only, other only, neither."""
    frame = pd.read_csv(table, keep_default_na=False)
    comparisons = list(dict.fromkeys(frame["comparison"]))
    palette = _palette(models, [*frame["base"], *frame["other"]])
    _theme()
    fig, ax = plt.subplots(figsize=(10, 1.6 + 1.2 * max(len(comparisons), 1)))
    handles: dict[str, Patch] = {}
    for y, name in enumerate(comparisons):
        rows = frame[frame["comparison"] == name].set_index("category")
        base, other = rows["base"].iloc[0], rows["other"].iloc[0]
        colours = {"both": NEUTRAL["both"], "base_only": palette[base],
                   "other_only": palette[other], "neither": NEUTRAL["neither"]}
        names = {"both": "both", "base_only": f"only {base}", "other_only": f"only {other}",
                 "neither": "neither"}
        left = 0.0
        for category in ("both", "base_only", "other_only", "neither"):
            share, count = float(rows.at[category, "share"]), int(rows.at[category, "n_problems"])
            ax.barh(y, share, left=left, color=colours[category], edgecolor="white")
            if count:
                ax.text(left + share / 2, y, str(count), ha="center", va="center",
                        fontsize="small", color="black" if category == "neither" else "white")
            handles.setdefault(names[category], Patch(color=colours[category]))
            left += share
    if not comparisons:
        ax.text(0.5, 0.5, "no comparison has results here", ha="center", transform=ax.transAxes)
    ax.set_yticks(range(len(comparisons)), comparisons)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of problems (numbers: problems)")
    benchmark = frame["benchmark"].iloc[0] if len(frame) else ""
    ax.set_title(f"{benchmark}: problems solved at least once", fontsize="medium")
    ax.legend(handles.values(), handles.keys(), fontsize="small", loc="upper left",
              bbox_to_anchor=(1.01, 1))
    save(fig, outs)


def plot_histogram(table: str, benchmark: str, base: str, other: str, models: Sequence[str],
                   outs: Sequence[str]) -> None:
    """Problems per accuracy bin, base and other side by side (the paper's Figure 5)."""
    frame = pd.read_csv(table)
    frame = frame[(frame["benchmark"] == benchmark) & frame["model"].isin([base, other])].copy()
    frame["accuracy"] = frame.apply(lambda r: f"{r['bin_low']:.1f}–{r['bin_high']:.1f}", axis=1)
    _theme()
    fig, ax = plt.subplots(figsize=(11, 5.5))
    sns.barplot(data=frame, x="accuracy", y="n_problems", hue="model", hue_order=[base, other],
                palette=_palette(models, [base, other]), ax=ax)
    ax.set_xlabel("share of correct samples per problem")
    ax.set_ylabel("problems")
    ax.tick_params(axis="x", labelrotation=45, labelsize="small")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{benchmark}: per-problem accuracy", fontsize="medium")
    ax.legend(fontsize="small", loc="best")
    save(fig, outs)


def plot_perplexity(table: str, models: Sequence[str], outs: Sequence[str]) -> None:
    """Box plot of the base model's perplexity per response source, one point per response."""
    frame = pd.read_csv(table).dropna(subset=["perplexity"])
    order = {"other": 0, "base": 1, "stronger": 2}
    sources = (frame.drop_duplicates("source").sort_values("role", key=lambda r: r.map(order))
               ["source"].tolist())
    palette = _palette(models, sources)
    _theme()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    if frame.empty:
        ax.text(0.5, 0.5, "no responses to score", ha="center", transform=ax.transAxes)
    else:
        with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib's deprecated `vert`
            warnings.filterwarnings("ignore", message="vert: bool", category=DeprecationWarning)
            sns.boxplot(data=frame, x="source", y="perplexity", hue="source", order=sources,
                        palette=palette, legend=False, ax=ax, showfliers=False)
        sns.stripplot(data=frame, x="source", y="perplexity", order=sources, color="black",
                      size=4, alpha=0.6, ax=ax)
    base = frame["base"].iloc[0] if len(frame) else ""
    roles = dict(zip(frame["source"], frame["role"], strict=False))
    names = {"other": "other", "base": "itself", "stronger": "stronger"}
    ax.set_xticks(range(len(sources)),
                  [f"{s}\n({names.get(roles.get(s, ''), '')})" for s in sources])
    ax.set_xlabel("responses of")
    ax.set_ylabel(f"perplexity under {base}")
    ax.tick_params(axis="x", labelsize="small")
    ax.set_title(f"Perplexity of {base} on each model's responses", fontsize="medium")
    save(fig, outs)
