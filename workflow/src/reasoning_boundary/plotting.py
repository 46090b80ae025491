"""Figures: pass@k curves on a log2 k axis, one colour per model throughout."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # no display on clusters and CI

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FixedLocator, NullLocator  # noqa: E402

from .records import atomic_path  # noqa: E402

# Resolution of PNG figures; the command line's --dpi (config `plots.dpi`) sets it.
FIGURE_DPI = 150


def model_palette(models: list[str]) -> dict[str, tuple[float, float, float]]:
    """The same colour for a model in every figure: assigned in sorted name order."""
    names = sorted(set(models))
    colours = sns.color_palette("colorblind", n_colors=max(len(names), 1))
    return dict(zip(names, colours, strict=False))


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
    """The bootstrap band of each model's curve, when the table has one (ci_low, ci_high)."""
    if not {"ci_low", "ci_high"} <= set(frame.columns):
        return
    for model, group in frame.groupby("model"):
        ax.fill_between(group["k"], group["ci_low"], group["ci_high"], color=palette[model],
                        alpha=0.2, linewidth=0)


def plot_pass_at_k(table: str | os.PathLike, benchmark: str, out: str | os.PathLike) -> None:
    """One line per model of pass@k against k for one benchmark."""
    frame = pd.read_csv(table)
    frame = frame[frame["benchmark"] == benchmark]
    if frame.empty:
        raise ValueError(f"{table}: no rows for benchmark '{benchmark}'")
    sns.set_theme(style="whitegrid", context="talk")
    fig, ax = plt.subplots(figsize=(8, 5.5))
    palette = model_palette(frame["model"])
    shade_bands(ax, frame, palette)
    sns.lineplot(
        data=frame, x="k", y="pass_at_k", hue="model", palette=palette,
        marker="o", markersize=4, ax=ax,
    )
    log2_k_axis(ax, int(frame["k"].max()))
    ax.set_xlabel("k (samples)")
    ax.set_ylabel("pass@k")
    ax.set_ylim(-0.02, 1.02)
    problems = int(frame["n_problems"].iloc[0])
    ax.set_title(f"{benchmark}: pass@k ({problems} problems)")
    ax.legend(title="model", fontsize="small")
    fig.tight_layout()
    suffix = os.path.splitext(str(out))[1] or ".png"
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=suffix.lstrip("."), dpi=FIGURE_DPI)
    plt.close(fig)
