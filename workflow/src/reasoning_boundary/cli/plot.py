"""``plot FIGURE``: the figure rules of workflow/rules/plot.smk, one per figure of the registry
``figures.FIGURES``.

The figure's own options are parsed only once the figure is known, so that the other
subcommands do not import matplotlib and seaborn (a second or two) just to build the parser.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import defaults
from ..records import RecordError


def figure_parser(name: str, figure: Any) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"reasoning-boundary plot {name}", description=figure.help)
    for option in figure.options:
        p.add_argument(f"--{option.replace('_', '-')}", required=True)
    p.add_argument("--models", nargs="+", default=[],
                   help="every configured model, so colours agree across figures")
    p.add_argument("--out", nargs="+", required=True, help="one file per format (.png .svg)")
    p.add_argument("--dpi", type=int, default=defaults.PLOT_DPI, help="PNG resolution")
    return p


def cmd_plot(args: argparse.Namespace) -> None:
    from ..figures import FIGURES

    figure = FIGURES.get(args.figure)
    if figure is None:
        raise RecordError(f"plot: unknown figure '{args.figure}'; choose one of "
                          f"{', '.join(FIGURES)}")
    options = figure_parser(args.figure, figure).parse_args(args.options)
    figure.draw(**{name: getattr(options, name) for name in figure.options},
                models=options.models, outs=options.out, dpi=options.dpi)


def register(sub: Any) -> None:
    p = sub.add_parser("plot", help="draw a figure of the report as PNG and SVG")
    p.add_argument("figure", metavar="FIGURE",
                   help="a figure of the registry figures.FIGURES (an unknown name lists "
                        "them); `plot FIGURE --help` lists its options")
    p.add_argument("options", nargs=argparse.REMAINDER, help="the figure's options")
    p.set_defaults(func=cmd_plot)
