"""Figures: pass@k curves on a log2 k axis, one colour per model throughout."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # no display on clusters and CI

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .records import atomic_path  # noqa: E402


def model_palette(models: list[str]) -> dict[str, tuple[float, float, float]]:
    """The same colour for a model in every figure: assigned in sorted name order."""
    names = sorted(set(models))
    colours = sns.color_palette("colorblind", n_colors=max(len(names), 1))
    return dict(zip(names, colours, strict=False))


def plot_pass_at_k(table: str | os.PathLike, benchmark: str, out: str | os.PathLike) -> None:
    """One line per model of pass@k against k for one benchmark."""
    frame = pd.read_csv(table)
    frame = frame[frame["benchmark"] == benchmark]
    if frame.empty:
        raise ValueError(f"{table}: no rows for benchmark '{benchmark}'")
    sns.set_theme(style="whitegrid", context="talk")
    fig, ax = plt.subplots(figsize=(8, 5.5))
    sns.lineplot(
        data=frame, x="k", y="pass_at_k", hue="model", palette=model_palette(frame["model"]),
        marker="o", markersize=4, ax=ax,
    )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("k (samples)")
    ax.set_ylabel("pass@k")
    ax.set_ylim(-0.02, 1.02)
    problems = int(frame["n_problems"].iloc[0])
    ax.set_title(f"{benchmark}: pass@k ({problems} problems)")
    ax.legend(title="model", fontsize="small")
    fig.tight_layout()
    suffix = os.path.splitext(str(out))[1] or ".png"
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=suffix.lstrip("."), dpi=150)
    plt.close(fig)
