"""Self-verification of the math grader: does every gold of the paper's math releases pass
against itself when a model boxes it?

For each release (GSM8K, MATH500, Minerva, AIME24, AMC23 from ../shared/data; OlympiadBench
from a copy of its release file, e.g. QwenLM/Qwen2.5-Math evaluation/data/olympiadbench/
test.jsonl), each problem is loaded through its preset, and each way a model writes the gold
(``math_forms.written_forms``: as it stands, and e-notation as a plain number and as
``a \\times 10^{b}``, thousands without separators, ``27.0`` as ``27``) is boxed in a response,
extracted and compared with the gold by the real check (math-verify, the problem's answer_meta),
not by the string-equality shortcut verify_math takes; a near miss (the gold with its last digit
changed) must fail, which catches golds the parser reads only in part. Prints a table per
release and every exception with its reason.

    .venv/bin/python bench/verify_math_golds.py [--olympiadbench PATH] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

# This checkout's package, even where another checkout is installed in the environment.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "src"))

from reasoning_boundary.benchmarks import load_benchmark
from reasoning_boundary.verify.deadline_pool import run_with_deadlines
from reasoning_boundary.verify.math_check import check_answer, parse_math
from reasoning_boundary.verify.math_extract import extract_answers
from reasoning_boundary.verify.math_forms import written_forms

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RELEASES = {  # name -> (preset, file under ../shared/data)
    "gsm8k": ("gsm8k", "gsm8k/test.jsonl"),
    "math500": ("math500", "math500/test.jsonl"),
    "minerva_math": ("minerva_math", "minerva_math/test.jsonl"),
    "aime24": ("aime24", "aime24/test.jsonl"),
    "amc23": ("amc23", "amc23/test.jsonl"),
}


def model_written(problem: dict) -> str:
    """The gold as the release writes it, without its packaging: GSM8K keeps its thousands
    separators ("#### 1,450,000"); the others are what the preset reads."""
    solution = str((problem.get("meta") or {}).get("solution") or "")
    if "####" in solution:
        return solution.rsplit("####", 1)[1].strip()
    return str(problem["answer"])


def near_miss(text: str) -> str | None:
    """``text`` with its last digit changed (a wrong answer that looks like the gold)."""
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    if not digits:
        return None
    at = digits[-1]
    return text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1:]


def self_verify(problems: list[dict], workers: int = 2, timeout: float = 10.0) -> list[dict]:
    """One row per (problem, written form): the extracted answer and the check's verdict."""
    rows, tasks = [], []
    for problem in problems:
        parts = len((problem.get("answer_meta") or {}).get("answers") or ()) or 1
        answers = (problem.get("answer_meta") or {}).get("answers")
        for label, text in written_forms(model_written(problem), answers):
            responses = [(label, f"Putting it together, the final answer is "
                                 f"$\\boxed{{{text}}}$.")]
            if label == "as written":  # also unboxed, as base models often answer
                responses.append(("unboxed", f"So the answer is ${text}$."))
                miss = near_miss(text)
                if miss is not None:  # must fail: a gold read only in part would let it pass
                    responses.append(("near miss", f"The final answer is $\\boxed{{{miss}}}$."))
            for form, response in responses:
                extracted = extract_answers(response, parts, last_number=True)
                rows.append({"problem": problem["id"], "form": form, "written": text,
                             "extracted": extracted, "gold": problem["answer"]})
                tasks.append((problem["answer"], extracted or "", timeout,
                              problem.get("answer_meta")))
    outcomes = run_with_deadlines(check_answer, tasks, workers=workers,
                                  time_limit=timeout + 2)
    text_only = {gold for gold in {task[0] for task in tasks} if len(parse_math(gold)) < 2}
    for row, (kind, value) in zip(rows, outcomes, strict=True):
        row["status"] = value[0] if kind == "ok" else kind
        if row["form"] == "near miss":
            row["refused"] = row["status"] != "passed"
            if not row["refused"]:
                row["why"] = "a one-digit change passes too"
        elif row["status"] == "passed" and row["form"] == "as written" and \
                row["gold"] in text_only:
            # It passes, but only as text: list it, since a rewritten answer would not.
            row["note"] = "math-verify cannot parse the gold: compared as text"
        elif row["extracted"] != row["written"]:
            row["why"] = f"extracted as {row['extracted']!r}"
        elif row["status"] == "error":
            row["why"] = "the gold does not parse"
        elif row["status"] != "passed":
            row["why"] = f"check says {row['status']}"
    return rows


def report(name: str, rows: list[dict], seconds: float) -> list[dict]:
    golds = {r["problem"] for r in rows}
    as_written = [r for r in rows if r["form"] == "as written"]
    passed = sum(r["status"] == "passed" for r in as_written)
    misses = [r for r in rows if r["form"] == "near miss"]
    refused = sum(r["refused"] for r in misses)
    others = [r for r in rows if r["form"] not in ("as written", "near miss")]
    other_passed = sum(r["status"] == "passed" for r in others)
    forms = Counter(r["form"] for r in others)
    print(f"| {name} | {len(golds)} | {passed}/{len(as_written)} "
          f"({100 * passed / max(1, len(as_written)):.1f}%) | {other_passed}/{len(others)} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(forms.items())) or '-'}) | "
          f"{refused}/{len(misses)} | {seconds:.1f} s |")
    return [r for r in rows if r.get("why") or r.get("note")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--olympiadbench", type=Path,
                        help="OlympiadBench release file (Qwen2.5-Math evaluation/data/"
                             "olympiadbench/test.jsonl); skipped when not given")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    releases = {name: (preset, args.data / path) for name, (preset, path) in RELEASES.items()}
    if args.olympiadbench:
        releases["olympiadbench"] = ("olympiadbench", args.olympiadbench)
    else:
        print("(OlympiadBench skipped: pass --olympiadbench PATH to its test.jsonl)")
    print("| release | golds | as written passes | other forms pass | near misses refused | "
          "time |")
    print("|---|---:|---:|---:|---:|---:|")
    failures: dict[str, list[dict]] = defaultdict(list)
    for name, (preset, path) in releases.items():
        problems = load_benchmark(name, {"source": "local", "path": str(path),
                                         "preset": preset}, Path("."))
        start = time.perf_counter()
        rows = self_verify(problems, args.workers)
        failures[name] = report(name, rows, time.perf_counter() - start)
    for name, rows in failures.items():
        for row in rows:
            print(f"  {name} {row['problem']} [{row['form']}] {row['written']!r} vs gold "
                  f"{row['gold']!r}: {row.get('why') or row.get('note')}"
                  + (" (passes)" if row["status"] == "passed" and row["form"] != "near miss"
                     else ""))


if __name__ == "__main__":
    main()
