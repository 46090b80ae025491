"""The analysis subcommands: the rules of workflow/rules/analysis.smk, one each.

Each reads files and writes files, so any of them can be run alone on results made elsewhere.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from .. import defaults, records
from .arguments import json_argument, labelled
from .bootstrap import add_bootstrap_options
from .sample import add_engine_arguments

log = logging.getLogger("reasoning_boundary")
PER_PROBLEM = records.TABLES["per_problem"]


def cmd_compare(args: argparse.Namespace) -> None:
    from ..analysis.comparisons import comparison_table, parse_comparisons, summary_html

    counts = PER_PROBLEM.read(args.per_problem)
    table = comparison_table(counts, parse_comparisons(args.comparisons), args.resamples,
                             args.seed, args.level)
    records.TABLES["comparisons"].write(table, args.out)
    if args.summary:
        records.write_text(args.summary, summary_html(table, args.level))
    log.info("%d comparison rows -> %s", len(table), args.out)


def cmd_coverage(args: argparse.Namespace) -> None:
    from ..analysis.comparisons import parse_comparisons
    from ..analysis.coverage import coverage_table

    counts = PER_PROBLEM.read(args.per_problem)
    table = coverage_table(counts, parse_comparisons(args.comparisons), args.benchmark)
    records.TABLES["coverage"].write(table, args.out)


def cmd_histogram(args: argparse.Namespace) -> None:
    from ..analysis.histograms import accuracy_histogram

    counts = PER_PROBLEM.read(args.per_problem)
    records.TABLES["accuracy_histogram"].write(accuracy_histogram(counts), args.out)


def cmd_response_stats(args: argparse.Namespace) -> None:
    from ..analysis.response_stats import response_statistics

    runs = labelled(args.runs, ("MODEL", "BENCHMARK", "SAMPLES", "VERDICTS"), "--runs")
    records.TABLES["response_stats"].write(response_statistics(runs), args.out)  # type: ignore[arg-type]


def cmd_tables(args: argparse.Namespace) -> None:
    from ..analysis.tables import write_tables

    write_tables(args.table, args.markdown, args.latex, ks=args.ks)


def cmd_training_steps(args: argparse.Namespace) -> None:
    from ..analysis.series import training_steps_rows, training_summary_html

    table = training_steps_rows(records.TABLES["pass_at_k"].read(args.pass_at_k), args.points,
                                args.roles)
    records.TABLES["training_steps"].write(table, args.out)
    log.info("%d training-step rows -> %s", len(table), args.out)
    if args.summary:
        records.write_text(args.summary, training_summary_html(table, args.level))


def cmd_algorithms(args: argparse.Namespace) -> None:
    from ..analysis.series import algorithm_rows

    table = algorithm_rows(records.TABLES["pass_at_k"].read(args.pass_at_k),
                           PER_PROBLEM.read(args.per_problem), args.models, args.roles,
                           args.resamples, args.seed, args.level)
    records.TABLES["algorithms"].write(table, args.out)
    log.info("%d algorithm rows -> %s", len(table), args.out)


def cmd_perplexity(args: argparse.Namespace) -> None:
    import json
    import time
    from pathlib import Path

    from ..analysis.perplexity import TransformersScorer, VllmScorer, load_model, perplexity_table
    from ..progress import Progress, VllmProgress, clock
    from .sample import engine_settings

    start = time.monotonic()
    grouped: dict[tuple[str, str], list[str]] = {}
    for role, model, path in labelled(args.source, ("ROLE", "MODEL", "SAMPLES"), "--source"):
        grouped.setdefault((role, model), []).append(path)
    sources = [(role, model, paths) for (role, model), paths in grouped.items()]
    model_path = json.loads(Path(args.meta).read_text())["model"]
    if args.engine == "vllm":
        from transformers import AutoTokenizer

        from ..engine import load_engine

        engine = engine_settings(args, model_path)
        total = args.problems * args.responses * len(sources)
        bar = Progress(total, "perplexity", "responses", enabled=not args.quiet)
        scorer = VllmScorer(load_engine(engine, seed=0), AutoTokenizer.from_pretrained(
            model_path), VllmProgress(bar, tokens=False) if not args.quiet else False)
    else:
        scorer = TransformersScorer(*load_model(model_path, args.threads, args.dtype))
    table = perplexity_table(args.meta, args.benchmark, sources, args.problems, args.responses,
                             comparison=args.comparison, scorer=scorer)
    records.TABLES["perplexity"].write(table, args.out)
    tokens = int(table["response_tokens"].sum())
    seconds = max(time.monotonic() - start, 1e-9)
    log.info("perplexity (%s): %d responses, %d tokens in %s (%.0f tokens/s) -> %s",
             args.engine, len(table), tokens, clock(seconds), tokens / seconds, args.out)


def register(sub: Any) -> None:
    comparisons_help = 'JSON list of {"base", "other", "label", "name"?} (config `comparisons`)'

    p = sub.add_parser("compare", help="pair statistics: ΔSE, crossover k*, area between curves")
    p.add_argument("--per-problem", required=True)
    p.add_argument("--comparisons", type=json_argument, required=True, help=comparisons_help)
    add_bootstrap_options(p)
    p.add_argument("--out", required=True, help="comparisons.csv")
    p.add_argument("--summary", help="HTML page with one sentence per pair, for the report")
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
    p.add_argument("--ks", type=int, nargs="+",
                   help="the k columns of the pass@k table (default 1, 2, 4, ..., n)")
    p.set_defaults(func=cmd_tables)

    roles_help = "JSON object benchmark -> role (train, in_domain, out_of_domain)"
    p = sub.add_parser("training-steps", help="pass@1 and pass@k_max of every run checkpoint")
    p.add_argument("--pass-at-k", required=True)
    p.add_argument("--points", type=json_argument, required=True,
                   help='JSON list of {"run", "step", "model", "algorithm", "base"}')
    p.add_argument("--roles", type=json_argument, default={}, help=roles_help)
    p.add_argument("--out", required=True, help="training_steps.csv")
    p.add_argument("--summary", help="also write one sentence per run and benchmark (HTML)")
    p.add_argument("--level", type=float, default=defaults.LEVEL,
                   help="the level of the table's bands (for the summary's words)")
    p.set_defaults(func=cmd_training_steps)

    p = sub.add_parser("algorithms", help="each algorithm model against its base, with ΔSE")
    p.add_argument("--pass-at-k", required=True)
    p.add_argument("--per-problem", required=True, help="for the paired ΔSE interval")
    p.add_argument("--models", type=json_argument, required=True,
                   help='JSON list of {"run", "step", "model", "algorithm", "base"}')
    p.add_argument("--roles", type=json_argument, default={}, help=roles_help)
    add_bootstrap_options(p)
    p.add_argument("--out", required=True, help="algorithms.csv")
    p.set_defaults(func=cmd_algorithms)

    p = sub.add_parser("perplexity", help="the base model's perplexity on other models' responses")
    p.add_argument("--meta", required=True, help="a sample sidecar (.json) of the base model")
    p.add_argument("--benchmark", required=True, help="the prepared benchmark .jsonl")
    p.add_argument("--source", nargs="+", required=True, metavar="ROLE:MODEL:SAMPLES",
                   help="role base, other or stronger; repeat a source once per seed file")
    p.add_argument("--problems", type=int, default=defaults.PERPLEXITY["problems"])
    p.add_argument("--responses", type=int, default=defaults.PERPLEXITY["responses"],
                   help="responses per problem and source")
    p.add_argument("--comparison", default="")
    p.add_argument("--engine", choices=defaults.PERPLEXITY_ENGINES,
                   default=defaults.PERPLEXITY["engine"],
                   help="vllm (the model's sampling engine settings) or transformers (reference)")
    add_engine_arguments(p)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_perplexity)
