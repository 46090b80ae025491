"""``aggregate``: the rule of workflow/rules/aggregate.smk."""

from __future__ import annotations

import argparse
from typing import Any

from .. import provenance
from .arguments import labelled
from .bootstrap import add_bootstrap_options, bootstrap_settings


def cmd_aggregate(args: argparse.Namespace) -> None:
    from ..aggregate import PASS_AT_K, PER_PROBLEM, pass_at_k_table, per_problem_counts

    runs = labelled(args.verdicts, ("MODEL", "BENCHMARK", "PATH"), "--verdicts")
    counts = per_problem_counts(runs)
    PER_PROBLEM.write(counts, args.per_problem)
    PASS_AT_K.write(pass_at_k_table(counts, args.resamples, args.seed, args.level), args.out)
    inputs = [path for _, _, path in runs]
    for out in (args.per_problem, args.out):
        provenance.record(out, inputs, bootstrap=bootstrap_settings(args))


def register(sub: Any) -> None:
    p = sub.add_parser("aggregate", help="pass@k for every k, seeds pooled")
    p.add_argument("--verdicts", nargs="+", required=True, metavar="MODEL:BENCHMARK:PATH")
    p.add_argument("--out", required=True, help="pass_at_k.csv")
    p.add_argument("--per-problem", required=True, help="per-problem counts .csv")
    add_bootstrap_options(p)
    p.set_defaults(func=cmd_aggregate)
