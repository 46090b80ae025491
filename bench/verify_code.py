"""Throughput of verify_code against evalplus's own checker on MBPP+ canonical solutions.

Every MBPP+ task's canonical solution is submitted ``--copies`` times and judged twice in the
same run: by ``verify_code`` and by evalplus 0.3.1's ``untrusted_check`` (base then plus
inputs, fast_check, ``--workers`` processes, ground truth from its ``trusted_exec``: what
``evalplus.evaluate`` does). Our checker is timed twice: as the pipeline runs it (identical
programs are checked once) and with every copy made distinct by a comment, which measures the
sandbox itself. Tasks whose canonical solution needs over a second of CPU are left out unless
``--all`` (32 copies of them would take evalplus hours).

evalplus is not a dependency of the project. Install it, and the three small modules its
``evalplus.data`` imports, beside the project environment, not into it:

    .venv/bin/python -m pip install --target .venv-bench --no-deps \\
        evalplus==0.3.1 wget==3.2 appdirs==1.4.4 tempdir==0.7.1
    .venv/bin/python bench/verify_code.py [--copies 32] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "src"))
sys.path.append(str(ROOT / ".venv-bench"))  # after the project's own packages

from reasoning_boundary.benchmarks.codesets import load_evalplus  # noqa: E402
from reasoning_boundary.verify.code_check import verify_code  # noqa: E402
from reasoning_boundary.verify.code_extract import extract_code  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "mbppplus" / "MbppPlus.jsonl"
SLOW = {"Mbpp/84", "Mbpp/123", "Mbpp/162", "Mbpp/255", "Mbpp/271", "Mbpp/300", "Mbpp/389",
        "Mbpp/392", "Mbpp/583", "Mbpp/589", "Mbpp/592", "Mbpp/599", "Mbpp/603", "Mbpp/630"}


def evalplus_check(task: dict, solution: str, expected: dict) -> bool:
    """evalplus.evaluate.check_correctness, minus its bookkeeping: pass = base and plus pass."""
    from evalplus.eval import PASS, untrusted_check

    for part in ("base", "plus"):
        status, _ = untrusted_check("mbpp", solution, task[f"{part}_input"], task["entry_point"],
                                    expected=expected[part], atol=task["atol"],
                                    ref_time=expected[f"{part}_time"], fast_check=True)
        if status != PASS:
            return False
    return True


def evalplus_run(rows: list[dict], programs: list[tuple[str, str]], workers: int
                 ) -> tuple[list[bool], float]:
    from evalplus.data.mbpp import mbpp_deserialize_inputs
    from evalplus.eval._special_oracle import MBPP_OUTPUT_NOT_NONE_TASKS
    from evalplus.gen.util import trusted_exec

    start = time.perf_counter()
    tasks, truth = {}, {}
    for row in rows:
        task = dict(row)
        for part in ("base", "plus"):
            task[f"{part}_input"] = mbpp_deserialize_inputs(row["task_id"], row[f"{part}_input"]
                                                            or [])
        tasks[row["task_id"]] = task
        oracle = {}
        for part in ("base", "plus"):
            oracle[part], oracle[f"{part}_time"] = trusted_exec(
                task["prompt"] + task["canonical_solution"], task[f"{part}_input"],
                task["entry_point"], record_time=True,
                output_not_none=task["entry_point"] in MBPP_OUTPUT_NOT_NONE_TASKS)
        truth[row["task_id"]] = oracle
    with ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(evalplus_check, tasks[tid], code, truth[tid])
                   for tid, code in programs]
        results = [f.result() for f in futures]
    return results, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--all", action="store_true", help="keep the slow tasks too")
    args = parser.parse_args()

    rows = [json.loads(line) for line in DATA.open()]
    rows = [r for r in rows if args.all or r["task_id"] not in SLOW]
    keep = {r["task_id"] for r in rows}
    problems = {p["id"]: p for p in load_evalplus(DATA) if p["id"] in keep}
    samples, distinct = [], []
    for pid, problem in problems.items():
        code = problem["tests"]["canonical_solution"]
        for copy in range(args.copies):
            base = {"problem_id": pid, "sample_index": copy, "seed": 0, "num_tokens": 0,
                    "finish_reason": "stop"}
            samples.append({**base, "response": f"```python\n{code}\n```"})
            distinct.append({**base, "response": f"```python\n{code}\n# copy {copy}\n```"})
    print(f"MBPP+ tasks: {len(problems)} (of 399), copies: {args.copies}, "
          f"samples: {len(samples)}, workers: {args.workers}")

    start = time.perf_counter()
    ours = verify_code(problems, samples, workers=args.workers, progress=False)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    ours_distinct = verify_code(problems, distinct, workers=args.workers, progress=False)
    t_distinct = time.perf_counter() - start

    programs = [(s["problem_id"], extract_code(s["response"], problems[s["problem_id"]][
        "entry_point"], problems[s["problem_id"]]["prompt"])) for s in samples]
    theirs, t_theirs = evalplus_run(rows, programs, args.workers)  # type: ignore[arg-type]

    n = len(samples)
    print(f"verify_code (dedupe, as in the pipeline): {t_ours:8.1f} s  {n / t_ours:8.1f} "
          f"samples/s  passed {sum(v['correct'] for v in ours)}")
    print(f"verify_code (every copy distinct):        {t_distinct:8.1f} s  "
          f"{n / t_distinct:8.1f} samples/s  passed {sum(v['correct'] for v in ours_distinct)}")
    print(f"evalplus untrusted_check:                 {t_theirs:8.1f} s  {n / t_theirs:8.1f} "
          f"samples/s  passed {sum(theirs)}")
    print(f"speed-up vs evalplus: {t_theirs / t_ours:.1f}x (dedupe), "
          f"{t_theirs / t_distinct:.1f}x (distinct)")
    differ = [(v["problem_id"], v["status"]) for v, e in zip(ours, theirs, strict=True)
              if v["correct"] != e]
    differ_distinct = sum(v["correct"] != e for v, e in zip(ours_distinct, theirs, strict=True))
    print(f"differing verdicts: {len(differ)} (dedupe), {differ_distinct} (distinct)"
          + (f"; e.g. {sorted(set(differ))[:5]}" if differ else ""))


if __name__ == "__main__":
    main()
