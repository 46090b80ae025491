"""Subcommands of the analysis stage, registered on the ``reasoning-boundary`` command.

One subcommand per rule of workflow/rules/analysis.smk; each reads files and writes files, so any
of them can be run alone on results made elsewhere.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from .. import records
from ..cli import json_argument  # cli imports this module lazily: no cycle
from .bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED

log = logging.getLogger("reasoning_boundary")


def _split(item: str, parts: int, what: str) -> list[str]:
    fields = item.split(":", parts - 1)
    if len(fields) != parts:
        raise SystemExit(f"expected {what}, got '{item}'")
    return fields


def _write_csv(frame: Any, path: str) -> None:
    from ..aggregate import write_csv

    write_csv(frame, path)


def cmd_compare(args: argparse.Namespace) -> None:
    import pandas as pd

    from .comparisons import comparison_table, parse_comparisons, summary

    counts = pd.read_csv(args.per_problem, dtype={"problem_id": str})
    table = comparison_table(counts, parse_comparisons(args.comparisons), args.resamples,
                             args.seed, args.level)
    _write_csv(table, args.out)
    if args.summary:
        records.write_json(args.summary, {"level": args.level, "pairs": summary(table, args.level)})
    log.info("%d comparison rows -> %s", len(table), args.out)


def cmd_coverage(args: argparse.Namespace) -> None:
    import pandas as pd

    from .comparisons import parse_comparisons
    from .coverage import coverage_table

    counts = pd.read_csv(args.per_problem, dtype={"problem_id": str})
    _write_csv(coverage_table(counts, parse_comparisons(args.comparisons), args.benchmark),
               args.out)


def cmd_histogram(args: argparse.Namespace) -> None:
    import pandas as pd

    from .histograms import accuracy_histogram

    counts = pd.read_csv(args.per_problem, dtype={"problem_id": str})
    _write_csv(accuracy_histogram(counts), args.out)


def cmd_response_stats(args: argparse.Namespace) -> None:
    from .response_stats import response_statistics

    runs = [tuple(_split(item, 4, "MODEL:BENCHMARK:SAMPLES:VERDICTS")) for item in args.runs]
    _write_csv(response_statistics(runs), args.out)  # type: ignore[arg-type]


def cmd_tables(args: argparse.Namespace) -> None:
    from .tables import write_tables

    write_tables(args.table, args.markdown, args.latex)


def cmd_perplexity(args: argparse.Namespace) -> None:
    from .perplexity import perplexity_table

    grouped: dict[tuple[str, str], list[str]] = {}
    for item in args.source:
        role, model, path = _split(item, 3, "ROLE:MODEL:SAMPLES")
        grouped.setdefault((role, model), []).append(path)
    sources = [(role, model, paths) for (role, model), paths in grouped.items()]
    table = perplexity_table(args.meta, args.benchmark, sources, args.problems, args.responses,
                             comparison=args.comparison, threads=args.threads)
    _write_csv(table, args.out)
    log.info("scored %d responses -> %s", len(table), args.out)


def cmd_plot(args: argparse.Namespace) -> None:
    from .. import figures

    if args.figure == "pair":
        figures.plot_pair(args.table, args.comparisons_table, args.comparison, args.benchmark,
                          args.models, args.out)
    elif args.figure == "coverage":
        figures.plot_coverage(args.table, args.models, args.out)
    elif args.figure == "histogram":
        figures.plot_histogram(args.table, args.benchmark, args.base, args.other, args.models,
                               args.out)
    else:
        figures.plot_perplexity(args.table, args.models, args.out)


def _bootstrap_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, help="0 switches it off")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="bootstrap seed")
    p.add_argument("--level", type=float, default=DEFAULT_LEVEL, help="interval coverage")


def register(sub: Any) -> None:
    """Add the analysis subcommands to the main parser's subparsers."""
    comparisons_help = 'JSON list of {"base", "other", "label", "name"?} (config `comparisons`)'

    p = sub.add_parser("compare", help="pair statistics: ΔSE, crossover k*, area between curves")
    p.add_argument("--per-problem", required=True)
    p.add_argument("--comparisons", type=json_argument, required=True, help=comparisons_help)
    _bootstrap_options(p)
    p.add_argument("--out", required=True, help="comparisons.csv")
    p.add_argument("--summary", help="JSON with one sentence per pair, for the report")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("coverage", help="problems solved by base only, other only, both, neither")
    p.add_argument("--per-problem", required=True)
    p.add_argument("--comparisons", type=json_argument, required=True, help=comparisons_help)
    p.add_argument("--benchmark", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("histogram", help="problems per accuracy bin (0.1 wide)")
    p.add_argument("--per-problem", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_histogram)

    p = sub.add_parser("response-stats", help="lengths, truncation and no-answer rates")
    p.add_argument("--runs", nargs="+", required=True, metavar="MODEL:BENCHMARK:SAMPLES:VERDICTS")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_response_stats)

    p = sub.add_parser("tables", help="a CSV table as Markdown and LaTeX (booktabs)")
    p.add_argument("--table", required=True)
    p.add_argument("--markdown", required=True)
    p.add_argument("--latex", required=True)
    p.set_defaults(func=cmd_tables)

    p = sub.add_parser("perplexity", help="the base model's perplexity on other models' responses")
    p.add_argument("--meta", required=True, help="a sample sidecar (.json) of the base model")
    p.add_argument("--benchmark", required=True, help="the prepared benchmark .jsonl")
    p.add_argument("--source", nargs="+", required=True, metavar="ROLE:MODEL:SAMPLES",
                   help="role base, other or stronger; repeat a source once per seed file")
    p.add_argument("--problems", type=int, default=2)
    p.add_argument("--responses", type=int, default=16, help="responses per problem and source")
    p.add_argument("--comparison", default="")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_perplexity)

    for figure, help_text in (
        ("pair", "pass@k of a pair with bands and k*"),
        ("coverage", "coverage stacked bars of one benchmark"),
        ("histogram", "accuracy histogram of a pair"),
        ("perplexity", "perplexity box plot of a comparison"),
    ):
        p = sub.add_parser(f"plot-{figure}", help=help_text)
        p.add_argument("--table", required=True)
        p.add_argument("--models", nargs="+", default=[],
                       help="every configured model, so colours agree across figures")
        p.add_argument("--out", nargs="+", required=True, help="one file per format (.png .svg)")
        if figure == "pair":
            p.add_argument("--comparisons-table", required=True, help="comparisons.csv")
            p.add_argument("--comparison", required=True)
        if figure in ("pair", "histogram"):
            p.add_argument("--benchmark", required=True)
        if figure == "histogram":
            p.add_argument("--base", required=True)
            p.add_argument("--other", required=True)
        p.set_defaults(func=cmd_plot, figure=figure)
