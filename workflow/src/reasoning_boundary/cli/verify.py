"""``verify``: the rule of workflow/rules/verify.smk."""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from typing import Any

from .. import defaults, provenance, records
from ..progress import clock

log = logging.getLogger("reasoning_boundary")


def cmd_verify(args: argparse.Namespace) -> None:
    from ..prompts import get_template
    from ..verify import check_samples, verify_samples
    from ..verify.code_check import TimeLimits
    from ..verify.sandbox import IsolationError, isolation_used

    start = time.monotonic()
    problems = {p["id"]: p for p in records.read_problems(args.benchmark)}
    samples = records.read_samples(args.samples)
    check_samples(problems, samples, args.samples, seed=args.seed,
                  per_problem=args.samples_per_problem)
    template = get_template(args.template) if args.template else None
    limits = TimeLimits(timeout=args.timeout, test_timeout=args.test_timeout,
                        min_test_timeout=args.min_test_timeout,
                        sample_timeout=args.sample_timeout)
    try:
        verdicts = verify_samples(problems, samples, workers=args.workers, timeout=args.timeout,
                                  progress=not args.quiet, source=args.samples, template=template,
                                  options={"code": {"limits": limits,
                                                    "isolation": args.isolation}})
    except IsolationError as err:
        log.error("verify %s: %s", args.samples, err)
        raise SystemExit(2) from None
    records.write_jsonl(args.out, verdicts)
    passed = sum(v["correct"] for v in verdicts)
    used = isolation_used()
    provenance.record(args.out, [args.benchmark, args.samples], timeout=args.timeout,
                      time_limits=limits.__dict__, verdicts=len(verdicts), correct=passed,
                      sandbox=used[0] if len(used) == 1 else (used or None))
    seconds = time.monotonic() - start
    statuses = Counter(v["status"] for v in verdicts)
    log.info("verify: %d samples (%s) in %s, %.1f samples/s -> %s", len(verdicts),
             ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())), clock(seconds),
             len(verdicts) / max(seconds, 1e-9), args.out)


def register(sub: Any) -> None:
    from ..verify.sandbox import ISOLATION_CHOICES

    p = sub.add_parser("verify", help="check samples against a benchmark's answers or tests")
    p.add_argument("--benchmark", required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--timeout", type=float, default=defaults.CHECK_TIMEOUT,
                   help="seconds per math check and per HumanEval check(candidate)")
    p.add_argument("--test-timeout", type=float, default=defaults.TEST_TIMEOUT,
                   help="seconds per test of stdio and functional (LiveCodeBench) problems")
    p.add_argument("--min-test-timeout", type=float, default=defaults.MIN_TEST_TIMEOUT,
                   help="evalplus: the floor under 4 x the canonical solution's time per input")
    p.add_argument("--sample-timeout", type=float, default=defaults.SAMPLE_TIMEOUT,
                   help="seconds one code sample may take in all")
    p.add_argument("--isolation", choices=ISOLATION_CHOICES, default=defaults.ISOLATION,
                   help="the code sandbox's isolation (none: unsafe, model code runs as you)")
    p.add_argument("--seed", type=int, help="refuse samples of another seed")
    p.add_argument("--template", help="the samples' prompt template: grade what it grades "
                   "(after </think>, with the prompt's code prefix); default: whole responses")
    p.add_argument("--samples-per-problem", type=int,
                   help="refuse files with another number of samples per problem")
    p.set_defaults(func=cmd_verify)
