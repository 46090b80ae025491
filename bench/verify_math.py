"""Benchmark math verification on a paper-shaped workload, beside two peers measured in the same
run: a naive loop, and the paper's own grader (the Qwen2.5-Math grader limit-of-RLVR vendors).

The workload covers every problem of the math releases in ../shared/data (GSM8K, MATH500,
Minerva, AIME24, AMC23; OlympiadBench too with --olympiadbench): each problem gets ``--samples``
responses of a few hundred to a few thousand tokens of reasoning that end in one of a handful of
candidate answers (the gold as the release writes it, forms a model writes for the same value,
near misses, another problem's gold, or none: cut off), drawn with a skewed, seeded
distribution.

* ours: ``verify_math`` with ``--workers`` processes;
* naive: extract, parse and verify once per sample in one process, timed on all samples of a
  random subset of problems and extrapolated;
* paper: bench/paper_grader_peer.py in a side environment (never a project dependency), which
  grades as limit-of-RLVR's evaluate.py does, with ``--workers`` processes. Its figures are
  skipped, with the commands that make the environment, when it is missing:

    git clone https://github.com/LeapLabTHU/limit-of-RLVR /work/limit-of-RLVR
    git -C /work/limit-of-RLVR checkout fd2cf37f05cc7dced9c558fa358a18e0497cb463
    python3 -m venv /work/venvs/qwen-grader
    /work/venvs/qwen-grader/bin/pip install sympy==1.12 antlr4-python3-runtime==4.11.1 \\
        mpmath==1.3.0 regex word2number pebble timeout-decorator numpy
    /work/venvs/qwen-grader/bin/pip install --no-deps -e \\
        /work/limit-of-RLVR/math/examples/math_eval/latex2sympy

Agreement with the paper's grader is reported per release, and every disagreement is grouped
by kind with examples, so that each kind can be judged.

    .venv/bin/python bench/verify_math.py [--samples 32] [--workers 2] \\
        [--paper-python /work/venvs/qwen-grader/bin/python] [--paper-src DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout's package, even where another checkout is installed in the environment.
sys.path.insert(0, str(ROOT / "workflow" / "src"))

from reasoning_boundary.benchmarks import load_benchmark  # noqa: E402
from reasoning_boundary.records import Problem, Sample, Verdict  # noqa: E402
from reasoning_boundary.verify.math_check import check_answer, verify_math  # noqa: E402
from reasoning_boundary.verify.math_extract import extract_answer, extract_answers  # noqa: E402
from reasoning_boundary.verify.math_forms import written_forms  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
RELEASES = {  # name (the paper grader's data_name) -> (preset, file under ../shared/data)
    "gsm8k": ("gsm8k", "gsm8k/test.jsonl"),
    "math500": ("math500", "math500/test.jsonl"),
    "minerva_math": ("minerva_math", "minerva_math/test.jsonl"),
    "aime24": ("aime24", "aime24/test.jsonl"),
    "amc23": ("amc23", "amc23/test.jsonl"),
}
PAPER_PYTHON = Path(os.environ.get("RB_PAPER_PYTHON", "/work/venvs/qwen-grader/bin/python"))
PAPER_SRC = Path(os.environ.get(
    "RB_PAPER_SRC", "/work/research/scratch-math/l2s_src/math/examples/math_eval"))
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


def load(names: dict[str, tuple[str, Path]]) -> tuple[dict[str, Problem], dict[str, tuple]]:
    """Our problems (through the presets) and, per problem id, (data_name, raw record)."""
    problems: dict[str, Problem] = {}
    raw: dict[str, tuple] = {}
    for name, (preset, path) in names.items():
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        loaded = load_benchmark(name, {"source": "local", "path": str(path), "preset": preset},
                                Path("."))
        for row, problem in zip(rows, loaded, strict=True):
            pid = f"{name}:{problem['id']}"
            problems[pid] = {**problem, "id": pid}
            raw[pid] = (name, row)
    return problems, raw


def written(problem: Problem) -> str:
    solution = str((problem.get("meta") or {}).get("solution") or "")
    return solution.rsplit("####", 1)[1].strip() if "####" in solution else str(problem["answer"])


def candidates(gold: str, other_golds: list[str], rng: random.Random
               ) -> tuple[list[str], list[str]]:
    """Distinct answers a model might give: (the gold and other forms of it, wrong answers).

    Right forms: the gold as the release writes it and the forms of math_forms.written_forms
    (e-notation as a plain number and as a \\times 10^{b}, thousands without separators, a whole
    number without .0), spacing and \\dfrac variants. Wrong answers are mostly near misses of
    the gold's own form (one digit off), plus one unrelated answer (another problem's gold).
    """
    variants = [text for _, text in written_forms(gold)[1:]]
    variants += [gold.replace(" ", ""), gold.replace("\\frac", "\\dfrac"),
                 gold.replace("\\left", "").replace("\\right", "")]
    if gold.lstrip("-").isdigit():
        variants += [gold + ".0", f"{int(gold):,}"]
    variants = [v for v in dict.fromkeys(variants) if v != gold][:3]
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


def make_workload(problems: dict[str, Problem], per_problem: int, seed: int
                  ) -> tuple[list[Sample], list[bool]]:
    """The samples, and per sample whether its answer was drawn as right (a form of the gold)
    or wrong (a near miss, another problem's gold, or none): what a correct grader says."""
    rng = random.Random(seed)
    filler = " ".join(
        rng.choice(_SENTENCES).format(a=rng.randint(2, 99), b=rng.randint(2, 999),
                                      c=rng.randint(2, 9999))
        + ("\n\n" if rng.random() < 0.2 else "")
        for _ in range(20_000)
    )
    golds = [written(p) for p in problems.values()]
    samples: list[Sample] = []
    truth: list[bool] = []
    for pid, problem in problems.items():
        right, wrong = candidates(written(problem), golds, rng)
        options: list[str | None] = [*right, *wrong, None]
        # Skewed: each problem has its own accuracy; answers within a group follow a Zipf law.
        accuracy = rng.betavariate(0.7, 0.7)
        weights = [accuracy / (i + 1) ** 2 for i in range(len(right))] + \
                  [(1 - accuracy) / (i + 1) ** 1.5 for i in range(len(wrong))] + [0.03]
        for index in range(per_problem):
            pick = rng.choices(range(len(options)), weights)[0]
            answer = options[pick]
            truth.append(pick < len(right))
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
    return samples, truth


def naive(problems: dict[str, Problem], samples: list[Sample], timeout: int) -> list[Verdict]:
    """What a straightforward script does: extract and check once per sample, in one process,
    with the same extraction and check as ours (so the verdicts must be the same)."""
    from reasoning_boundary.verify import math_check

    verdicts = []
    for sample in samples:
        math_check._parsed.clear()  # no memory between samples: each parses both sides anew
        problem = problems[sample["problem_id"]]
        form = problem.get("answer_meta") or {}
        answer = extract_answers(sample["response"], len(form.get("answers") or ()) or 1,
                                 last_number=sample["finish_reason"] != "length")
        status, correct = ("no_answer", False) if answer is None else \
            check_answer(str(problem["answer"]), answer, timeout, form)
        verdicts.append(Verdict(problem_id=sample["problem_id"], seed=sample["seed"],
                                sample_index=sample["sample_index"], correct=correct,
                                status=status, extracted=answer))
    return verdicts


def paper_grader(raw: dict[str, tuple], samples: list[Sample], workers: int, python: Path,
                 src: Path) -> tuple[list[dict], float] | None:
    """(per-sample {"pred", "correct"}, grading seconds) from the paper's grader, or None."""
    if not python.is_file() or not (src / "grader.py").is_file():
        print(f"paper's grader: skipped, no side environment ({python}) or source ({src}). "
              "Make them with the commands in this script's docstring, or point "
              "--paper-python/--paper-src (RB_PAPER_PYTHON/RB_PAPER_SRC) at them.")
        return None
    by_problem: dict[str, list[str]] = defaultdict(list)
    for sample in samples:
        by_problem[sample["problem_id"]].append(sample["response"])
    lines = [json.dumps({"src": str(src), "workers": workers, "timeout": 3})]
    lines += [json.dumps({"data_name": raw[pid][0], "example": raw[pid][1], "responses": texts})
              for pid, texts in by_problem.items()]
    done = subprocess.run([str(python), str(ROOT / "bench" / "paper_grader_peer.py")],
                          input="\n".join(lines) + "\n", capture_output=True, text=True)
    if done.returncode != 0:
        print(f"paper's grader failed:\n{done.stderr[-2000:]}")
        return None
    out = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    seconds = out.pop()["seconds"]
    # The peer answers per problem in the order sent; map back to the samples' order.
    order = [(pid, i) for pid, texts in by_problem.items() for i in range(len(texts))]
    position = {key: n for n, key in enumerate(order)}
    counters: Counter[str] = Counter()
    mapped = []
    for sample in samples:
        mapped.append(out[position[(sample["problem_id"], counters[sample["problem_id"]])]])
        counters[sample["problem_id"]] += 1
    return mapped, seconds


_E = re.compile(r"\d[eE][+-]?\d")
_GROUPED = re.compile(r"\d(?:,|\\,|\{,\})\d{3}")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def kind_of(gold: str, ours: str | None, pred: str, sample: Sample) -> str:
    """A short name for why two graders may disagree on a sample."""
    answer = ours or ""
    both = gold + " " + answer
    if sample["finish_reason"] == "length":
        return "cut off: paper grades the last number of an unfinished response"
    if _E.search(gold):
        return "e-notation gold (8.7e8)"
    if _GROUPED.search(both):
        return "thousands separators"
    if "%" in both:
        return "percent"
    if re.search(r"\\text|\\mathrm|\\mbox", both):
        return "units or text in the answer"
    if gold[:1] in "([" and answer[:1] in "([" and gold[:1] != answer[:1]:
        return "interval bracket type"
    if "," in gold and sorted(gold.replace(" ", "").split(",")) == \
            sorted(answer.replace(" ", "").split(",")):
        return "several answers in another order"
    if "=" in both:
        return "equation or variable name"
    if re.search(r"_\{?\d", both):
        return "base subscript"
    if _NUMBER.match(gold.strip()) and _NUMBER.match(answer.strip()):
        return "numbers within the paper's relative tolerance 1e-4"
    if re.search(r"\\pi|\\sqrt|\\frac|\\dfrac", both):
        return "exact form against a decimal, or a rewritten expression"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--olympiadbench", type=Path, help="OlympiadBench test.jsonl to add")
    parser.add_argument("--samples", type=int, default=32, help="samples per problem")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--naive-problems", type=int, default=50,
                        help="problems whose samples the naive loop is timed on (0: all)")
    parser.add_argument("--paper-python", type=Path, default=PAPER_PYTHON)
    parser.add_argument("--paper-src", type=Path, default=PAPER_SRC)
    parser.add_argument("--examples", type=int, default=3, help="examples per disagreement kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    releases = {name: (preset, args.data / path) for name, (preset, path) in RELEASES.items()}
    if args.olympiadbench:
        releases["olympiadbench"] = ("olympiadbench", args.olympiadbench)
    t0 = time.perf_counter()
    problems, raw = load(releases)
    samples, truth = make_workload(problems, args.samples, args.seed)
    answers = Counter((s["problem_id"], extract_answer(s["response"][-200:])) for s in samples)
    tokens = sum(s["num_tokens"] for s in samples) / len(samples)
    print(f"workload: {len(problems)} problems ({', '.join(releases)}) x {args.samples} samples "
          f"= {len(samples)} responses, mean {tokens:.0f} tokens, "
          f"{len(answers) / len(problems):.1f} distinct answers per problem (built in "
          f"{time.perf_counter() - t0:.1f} s)")

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
    naive_rate = len(picked) / (time.perf_counter() - t0)
    print(f"naive (extract + check per sample, 1 process): {naive_rate:,.1f} samples/s "
          f"[timed on the {len(picked)} samples of {len(chosen)} random problems]; "
          f"speedup {ours_rate / naive_rate:,.1f}x")
    differ = sum((ours[i]["correct"], ours[i]["extracted"]) != (v["correct"], v["extracted"])
                 for i, v in zip(picked, baseline, strict=True))
    print(f"  verdicts differing from ours on those samples: {differ} (goal 0)")

    paper = paper_grader(raw, samples, args.workers, args.paper_python, args.paper_src)
    load_avg = os.getloadavg()[0]
    if paper is not None:
        graded, paper_s = paper
        paper_rate = len(samples) / paper_s
        print(f"paper (limit-of-RLVR grader, pebble pool of {args.workers}, 3 s per comparison): "
              f"{len(samples)} samples in {paper_s:.1f} s = {paper_rate:,.0f} samples/s; "
              f"ours is {ours_rate / paper_rate:,.1f}x faster")
        report_agreement(problems, samples, truth, ours, graded, args.examples)
    print(f"wall-clock times; machine load average {load_avg:.1f} on {os.cpu_count()} CPUs "
          "(shared machine)")


def report_agreement(problems: dict[str, Problem], samples: list[Sample], truth: list[bool],
                     ours: list[Verdict], paper: list[dict], examples: int) -> None:
    """Agreement per release; disagreements by kind, each side scored against the verdict the
    workload intends (a right form of the gold passes, a near miss or no answer fails)."""
    per_release: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[str, list[tuple]] = defaultdict(list)
    right = Counter()
    for sample, mine, theirs, intended in zip(samples, ours, paper, truth, strict=True):
        release = sample["problem_id"].split(":", 1)[0]
        same = mine["correct"] == theirs["correct"]
        per_release[release][0] += same
        per_release[release][1] += 1
        right["ours"] += mine["correct"] == intended
        right["paper"] += theirs["correct"] == intended
        if not same:
            gold = str(problems[sample["problem_id"]]["answer"])
            kind = kind_of(gold, mine["extracted"], theirs["pred"], sample)
            kinds[kind].append((sample["problem_id"], gold, mine["extracted"], theirs["pred"],
                                mine["correct"], intended))
    agree = sum(a for a, _ in per_release.values())
    total = sum(n for _, n in per_release.values())
    print(f"agreement with the paper's grader: {agree}/{total} = {100 * agree / total:.2f}% ("
          + ", ".join(f"{r} {100 * a / n:.2f}%" for r, (a, n) in per_release.items()) + ")")
    print(f"verdicts as the workload intends them: ours {right['ours']}/{total} "
          f"({100 * right['ours'] / total:.2f}%), the paper's {right['paper']}/{total} "
          f"({100 * right['paper'] / total:.2f}%)")
    print(f"disagreements: {total - agree}, by kind; 'right' = the verdict the workload "
          "intends (a form of the gold passes; a near miss, another gold or none fails):")
    for kind, rows in sorted(kinds.items(), key=lambda item: -len(item[1])):
        ours_right = sum(row[4] == row[5] for row in rows)
        print(f"  {len(rows):6d}  {kind}: ours right {ours_right}, the paper's right "
              f"{len(rows) - ours_right}")
        for side in (True, False):  # examples where ours passes, then where the paper's does
            seen: set[tuple] = set()
            for pid, gold, mine, theirs, mine_ok, intended in rows:
                if mine_ok != side or (pid, mine) in seen or len(seen) >= examples:
                    continue
                seen.add((pid, mine))
                print(f"          {pid}: gold {gold!r}, ours {mine!r} "
                      f"({'pass' if mine_ok else 'fail'}), paper {theirs!r} "
                      f"({'fail' if mine_ok else 'pass'}); intended "
                      f"{'pass' if intended else 'fail'}")


if __name__ == "__main__":
    main()
