"""Benchmark math verification on a paper-shaped workload: verify_math against a naive loop.

The workload mimics a pass@256 run on MATH500: every problem gets ``--samples`` responses of
a few hundred to a few thousand tokens of reasoning that end in one of a handful of candidate
answers (the gold, equivalent rewritings of it, wrong answers, or none), drawn with a skewed,
seeded distribution. The naive baseline extracts, parses and verifies once per sample in one
process; it is timed on all samples of a random subset of problems (so math-verify's small
internal caches behave as in a full run) and extrapolated.

    .venv/bin/python bench/verify_math.py [--problems 500] [--samples 256] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

try:
    import reasoning_boundary  # noqa: F401
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "src"))

from reasoning_boundary.records import Problem, Sample, Verdict
from reasoning_boundary.verify.math_check import parse_math, verify_math
from reasoning_boundary.verify.math_extract import extract_answer

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared/data/math500/test.jsonl"
CHARS_PER_TOKEN = 4

_SENTENCES = [
    "Let $x$ be the unknown quantity, so that $x + {a} = {b}$.",
    "Substituting $n = {a}$ gives ${a}^2 - {b} = {c}$, which we keep for later.",
    "We can rewrite the expression as $\\frac{{{a}}}{{{b}}} + \\sqrt{{{c}}}$.",
    "Hmm, wait. Let me double-check the previous step: {a} times {b} is {c}.",
    "By the triangle inequality, the sum of any two sides exceeds {a}.",
    "Consider the polynomial $p(t) = t^3 - {a}t + {b}$ and its roots $r_1, r_2, r_3$.",
    "So the probability is the ratio of favourable outcomes, {a} out of {b}.",
    "Alternatively, we could count the complement, which has {c} elements.",
    "Taking both cases together, we obtain $\\left({a}, {b}\\right)$ as a candidate point.",
    "This contradicts our assumption, so we must revisit the case $k > {a}$.",
]


def load_problems(path: Path, limit: int) -> dict[str, Problem]:
    problems: dict[str, Problem] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            pid = row["unique_id"]
            problems[pid] = Problem(id=pid, kind="math", question=row["problem"],
                                    answer=row["answer"], meta={})
            if len(problems) == limit:
                break
    return problems


def candidates(gold: str, other_golds: list[str], rng: random.Random
               ) -> tuple[list[str], list[str]]:
    """Distinct answers a model might give: (gold and equivalent forms, wrong answers).

    Wrong answers are mostly near misses of the gold's own form (one digit off), as models'
    wrong answers usually are, plus one unrelated answer (another problem's gold).
    """
    variants = [gold.replace(" ", ""), gold.replace("\\frac", "\\dfrac"),
                gold.replace("\\left", "").replace("\\right", "")]
    if gold.lstrip("-").isdigit():
        variants += [gold + ".0", f"{int(gold):,}"]
    variants = [v for v in dict.fromkeys(variants) if v != gold][:2]
    digits = [i for i, c in enumerate(gold) if c.isdigit()]
    near = set()
    for _ in range(20 if digits else 0):
        at = rng.choice(digits)
        near.add(gold[:at] + rng.choice([d for d in "0123456789" if d != gold[at]]) + gold[at + 1:])
        if len(near) == 2:
            break
    wrong = [*sorted(near), rng.choice(other_golds)]
    wrong = [w for w in dict.fromkeys(wrong) if w != gold]
    return [gold, *variants], wrong


def make_workload(problems: dict[str, Problem], per_problem: int, seed: int) -> list[Sample]:
    rng = random.Random(seed)
    filler = " ".join(
        rng.choice(_SENTENCES).format(a=rng.randint(2, 99), b=rng.randint(2, 999),
                                      c=rng.randint(2, 9999))
        + ("\n\n" if rng.random() < 0.2 else "")
        for _ in range(20_000)
    )
    golds = [str(p["answer"]) for p in problems.values()]
    samples: list[Sample] = []
    for pid, problem in problems.items():
        right, wrong = candidates(str(problem["answer"]), golds, rng)
        options: list[str | None] = [*right, *wrong, None]
        # Skewed: each problem has its own accuracy; answers within a group follow a Zipf law.
        accuracy = rng.betavariate(0.7, 0.7)
        weights = [accuracy / (i + 1) ** 2 for i in range(len(right))] + \
                  [(1 - accuracy) / (i + 1) ** 1.5 for i in range(len(wrong))] + [0.03]
        for index in range(per_problem):
            answer = rng.choices(options, weights)[0]
            tokens = int(math.exp(rng.uniform(math.log(200), math.log(4000))))
            start = rng.randrange(len(filler) - tokens * CHARS_PER_TOKEN)
            body = filler[start:start + tokens * CHARS_PER_TOKEN]
            if answer is None:
                ending, reason = "", "length"  # cut off before stating an answer
            elif rng.random() < 0.9:
                ending = f"\n\nTherefore, the final answer is $\\boxed{{{answer}}}$."
                reason = "stop"
            else:
                ending, reason = f"\n\nThe answer is ${answer}$.", "stop"
            samples.append(Sample(problem_id=pid, sample_index=index, seed=seed,
                                  response=body + ending, num_tokens=tokens,
                                  finish_reason=reason))
    return samples


def naive(problems: dict[str, Problem], samples: list[Sample], timeout: int) -> list[Verdict]:
    """What a straightforward script does: extract, parse both sides and verify, per sample."""
    from math_verify import verify

    verdicts = []
    for sample in samples:
        answer = extract_answer(sample["response"])
        correct = False
        if answer is not None:
            gold = parse_math(str(problems[sample["problem_id"]]["answer"]), timeout)
            correct = bool(verify(gold, parse_math(answer, timeout), timeout_seconds=timeout))
        status = "no_answer" if answer is None else ("passed" if correct else "failed")
        verdicts.append(Verdict(problem_id=sample["problem_id"], seed=sample["seed"],
                                sample_index=sample["sample_index"], correct=correct,
                                status=status, extracted=answer))
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--samples", type=int, default=256, help="samples per problem")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--naive-problems", type=int, default=50,
                        help="problems whose samples the naive loop is timed on (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    t0 = time.perf_counter()
    problems = load_problems(args.data, args.problems)
    samples = make_workload(problems, args.samples, args.seed)
    answers = Counter((s["problem_id"], extract_answer(s["response"][-200:])) for s in samples)
    tokens = sum(s["num_tokens"] for s in samples) / len(samples)
    print(f"workload: {len(problems)} problems x {args.samples} samples = {len(samples)} "
          f"responses, mean {tokens:.0f} tokens, {len(answers) / len(problems):.1f} distinct "
          f"answers per problem (built in {time.perf_counter() - t0:.1f} s)")

    t0 = time.perf_counter()
    ours = verify_math(problems, samples, workers=args.workers, timeout=args.timeout,
                       progress=False)
    ours_s = time.perf_counter() - t0
    ours_rate = len(samples) / ours_s
    statuses = Counter(v["status"] for v in ours)
    print(f"ours  (verify_math, workers={args.workers}): {len(samples)} samples in {ours_s:.1f} s "
          f"= {ours_rate:,.0f} samples/s; statuses "
          + ", ".join(f"{k}={n}" for k, n in sorted(statuses.items())))

    rng = random.Random(args.seed + 1)
    chosen = set(rng.sample(sorted(problems), args.naive_problems)) \
        if 0 < args.naive_problems < len(problems) else set(problems)
    picked = [i for i, s in enumerate(samples) if s["problem_id"] in chosen]
    t0 = time.perf_counter()
    baseline = naive(problems, [samples[i] for i in picked], max(1, int(args.timeout)))
    naive_s = time.perf_counter() - t0
    naive_rate = len(picked) / naive_s
    subset = "" if len(picked) == len(samples) else (
        f" [timed on all {len(picked)} samples of {len(chosen)} random problems; the full "
        f"{len(samples)} would take ~{len(samples) / naive_rate:,.0f} s (extrapolated)]")
    print(f"naive (extract + parse + verify per sample, 1 process): {naive_rate:,.1f} samples/s"
          + subset)
    load = os.getloadavg()[0]
    print(f"speedup: {ours_rate / naive_rate:,.1f}x (goal >= 10x); wall-clock times, machine load "
          f"average {load:.1f} on {os.cpu_count()} CPUs")
    differ = sum((ours[i]["correct"], ours[i]["extracted"]) != (v["correct"], v["extracted"])
                 for i, v in zip(picked, baseline, strict=True))
    print(f"verdicts differing on the {len(picked)} compared samples: {differ} (goal 0)")


if __name__ == "__main__":
    main()
