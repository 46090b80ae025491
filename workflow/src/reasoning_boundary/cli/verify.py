"""``verify``: the rule of workflow/rules/verify.smk."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from .. import defaults, provenance, records

log = logging.getLogger("reasoning_boundary")


def cmd_verify(args: argparse.Namespace) -> None:
    from ..prompts import get_template
    from ..verify import check_samples, verify_samples

    problems = {p["id"]: p for p in records.read_problems(args.benchmark)}
    samples = records.read_samples(args.samples)
    check_samples(problems, samples, args.samples, seed=args.seed,
                  per_problem=args.samples_per_problem)
    template = get_template(args.template) if args.template else None
    verdicts = verify_samples(problems, samples, workers=args.workers, timeout=args.timeout,
                              progress=not args.quiet, source=args.samples, template=template)
    records.write_jsonl(args.out, verdicts)
    passed = sum(v["correct"] for v in verdicts)
    provenance.record(args.out, [args.benchmark, args.samples], timeout=args.timeout,
                      verdicts=len(verdicts), correct=passed)
    log.info("verified %d samples (%d correct) -> %s", len(verdicts), passed, args.out)


def register(sub: Any) -> None:
    p = sub.add_parser("verify", help="check samples against a benchmark's answers or tests")
    p.add_argument("--benchmark", required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--timeout", type=float, default=defaults.CHECK_TIMEOUT,
                   help="seconds per check")
    p.add_argument("--seed", type=int, help="refuse samples of another seed")
    p.add_argument("--template", help="the samples' prompt template: grade what it grades "
                   "(after </think>, with the prompt's code prefix); default: whole responses")
    p.add_argument("--samples-per-problem", type=int,
                   help="refuse files with another number of samples per problem")
    p.set_defaults(func=cmd_verify)
