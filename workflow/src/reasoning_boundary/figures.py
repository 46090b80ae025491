"""Every figure of the report: pass@k curves, pair curves with bands, coverage, accuracy
histograms and perplexity; one theme, one palette, each saved as PNG and SVG.

A model keeps its colour in every figure: :func:`model_palette` assigns colours over *all*
configured models (passed in as ``models``). :data:`FIGURES` is the registry the ``plot``
subcommand and the rules choose from; to add a figure, write its function and register it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on clusters and CI

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator  # noqa: E402

from .defaults import PLOT_DPI  # noqa: E402
from .records import LABEL_TEXT, TABLES, atomic_path  # noqa: E402

NEUTRAL = {"both": "#6b6b6b", "neither": "#dcdcdc"}


# ---- shared look -----------------------------------------------------------------------------
def _theme() -> None:
    sns.set_theme(style="whitegrid", context="talk")


def save(fig: plt.Figure, outs: Sequence[str | os.PathLike], dpi: int = PLOT_DPI) -> None:
    """Write the figure once per path, in the format its suffix names (png, svg, pdf)."""
    fig.tight_layout()
    for out in outs:
        suffix = os.path.splitext(str(out))[1].lstrip(".") or "png"
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format=suffix, dpi=dpi)
    plt.close(fig)


def model_palette(models: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    """The same colour for a model in every figure: assigned in sorted name order."""
    names = sorted(set(models))
    colours = sns.color_palette("colorblind", n_colors=max(len(names), 1))
    return dict(zip(names, colours, strict=False))


def _palette(models: Sequence[str], extra: Sequence[str] = ()) -> dict:
    return model_palette([*models, *extra])


def log2_k_axis(ax: plt.Axes, k_max: int) -> None:
    """log2 k axis with plain integer ticks at powers of two (1, 2, 4, ...), slide-readable."""
    ax.set_xscale("log", base=2)
    ticks = [2**i for i in range(max(int(k_max), 1).bit_length()) if 2**i <= k_max]
    step = max(1, (len(ticks) + 7) // 8)  # at most ~8 labels, whatever n is
    ax.xaxis.set_major_locator(FixedLocator(ticks[::step]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(t) for t in ticks[::step]])
    ax.set_xlim(0.9, max(k_max, 2) * 1.1)


def shade_bands(ax: plt.Axes, frame: pd.DataFrame, palette: dict) -> None:
    """The bootstrap band of each model's curve (ci_low, ci_high)."""
    for model, group in frame.groupby("model"):
        ax.fill_between(group["k"], group["ci_low"], group["ci_high"], color=palette[model],
                        alpha=0.2, linewidth=0)


def _pass_at_k_axes(ax: plt.Axes, k_max: int) -> None:
    log2_k_axis(ax, k_max)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("k (samples)")
    ax.set_ylabel("pass@k")


# ---- the figures -----------------------------------------------------------------------------
def plot_pass_at_k(table: str, benchmark: str, models: Sequence[str], outs: Sequence[str],
                   dpi: int = PLOT_DPI) -> None:
    """One line per model of pass@k against k for one benchmark, with bands."""
    frame = TABLES["pass_at_k"].read(table)
    frame = frame[frame["benchmark"] == benchmark]
    if frame.empty:
        raise ValueError(f"{table}: no rows for benchmark '{benchmark}'")
    _theme()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    palette = _palette(models, frame["model"].unique())
    shade_bands(ax, frame, palette)
    for model, group in frame.groupby("model"):
        ax.plot(group["k"], group["pass_at_k"], marker="o", markersize=4, color=palette[model],
                label=model)
    _pass_at_k_axes(ax, int(frame["k"].max()))
    problems = int(frame["n_problems"].iloc[0])
    ax.set_title(f"{benchmark}: pass@k ({problems} problems)")
    ax.legend(title="model", fontsize="small")
    save(fig, outs, dpi)


def plot_pair(table: str, comparisons_table: str, comparison: str, benchmark: str,
              models: Sequence[str], outs: Sequence[str], dpi: int = PLOT_DPI) -> None:
    """Base and other pass@k curves with their bands; k* marked, ΔSE in the legend title."""
    stats = TABLES["comparisons"].read(comparisons_table)
    row = stats[(stats["comparison"] == comparison) & (stats["benchmark"] == benchmark)]
    if row.empty:
        raise ValueError(f"{comparisons_table}: no row for {comparison} on {benchmark}")
    row = row.iloc[0]
    curves = TABLES["pass_at_k"].read(table)
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
    _pass_at_k_axes(ax, int(curves["k"].max()))
    label = LABEL_TEXT.get(str(row["label"]), str(row["label"]))
    ax.set_title(f"{benchmark}: {comparison}\n({label})", fontsize="medium")
    ax.legend(fontsize="small", title_fontsize="small",
              title=f"ΔSE = {100 * row['delta_se']:.1f} pts (k={int(row['delta_se_k'])})")
    save(fig, outs, dpi)


def plot_coverage(table: str, models: Sequence[str], outs: Sequence[str],
                  dpi: int = PLOT_DPI) -> None:
    """One stacked bar per comparison: problems solved by both, base only, other only, neither."""
    frame = TABLES["coverage"].read(table)
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
    save(fig, outs, dpi)


def plot_histogram(table: str, benchmark: str, base: str, other: str, models: Sequence[str],
                   outs: Sequence[str], dpi: int = PLOT_DPI) -> None:
    """Problems per accuracy bin, base and other side by side (the paper's Figure 5)."""
    frame = TABLES["accuracy_histogram"].read(table)
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
    save(fig, outs, dpi)


def plot_perplexity(table: str, models: Sequence[str], outs: Sequence[str],
                    dpi: int = PLOT_DPI) -> None:
    """Box plot of the base model's perplexity per response source, one point per response."""
    frame = TABLES["perplexity"].read(table).dropna(subset=["perplexity"])
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
    save(fig, outs, dpi)


def plot_training_steps(table: str, benchmark: str, models: Sequence[str], outs: Sequence[str],
                        dpi: int = PLOT_DPI) -> None:
    """pass@1 and pass@k_max against training step, one line with its band per run."""
    frame = TABLES["training_steps"].read(table)
    frame = frame[frame["benchmark"] == benchmark].sort_values("step")
    if frame.empty:
        raise ValueError(f"{table}: no rows for benchmark '{benchmark}'")
    # Runs, not models, get the colours here: a run's checkpoints are one line.
    palette = model_palette(frame["run"].unique())
    _theme()
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), sharey=True)
    k_max = int(frame["k_max"].max())
    for ax, column, name in ((axes[0], "pass1", "pass@1"),
                             (axes[1], "pass_kmax", f"pass@{k_max}")):
        for run, group in frame.groupby("run"):
            ax.fill_between(group["step"], group[f"{column}_ci_low"], group[f"{column}_ci_high"],
                            color=palette[run], alpha=0.2, linewidth=0)
            ax.plot(group["step"], group[column], marker="o", markersize=5,
                    color=palette[run], label=run)
        ax.set_xlabel("training step (0 = base)")
        ax.set_ylabel(name)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(name, fontsize="medium")
    axes[1].legend(title="run", fontsize="small")
    role = str(frame["role"].iloc[0]).replace("_", "-")
    fig.suptitle(f"{benchmark} ({role}): pass@k over training", fontsize="medium")
    save(fig, outs, dpi)


# ---- registry --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """A figure the ``plot`` subcommand draws: its function and the options it takes besides
    ``models``, ``outs`` and ``dpi`` (each a ``--option`` of the subcommand)."""

    draw: Callable[..., None]
    options: tuple[str, ...]
    help: str


FIGURES: dict[str, Figure] = {
    "pass-at-k": Figure(plot_pass_at_k, ("table", "benchmark"),
                        "pass@k of every model on one benchmark, with bands"),
    "pair": Figure(plot_pair, ("table", "comparisons_table", "comparison", "benchmark"),
                   "pass@k of a pair with bands and k*"),
    "coverage": Figure(plot_coverage, ("table",), "coverage stacked bars of one benchmark"),
    "histogram": Figure(plot_histogram, ("table", "benchmark", "base", "other"),
                        "accuracy histogram of a pair"),
    "perplexity": Figure(plot_perplexity, ("table",), "perplexity box plot of a comparison"),
    "training-steps": Figure(plot_training_steps, ("table", "benchmark"),
                             "pass@1 and pass@k_max of every run against training step"),
}
