"""The paper's own math grader as a peer for bench/verify_math.py; runs in a side environment.

Not part of the project and never imported by it: bench/verify_math.py starts this file with the
Python of a side environment in which the paper's evaluation code runs (LeapLabTHU/limit-of-RLVR
@ fd2cf37, math/examples/math_eval: parser.py, grader.py and the vendored latex2sympy; see
bench/verify_math.py for how to make it). It grades as that code's evaluate.py does: the gold
by ``parse_ground_truth(example, data_name)``, the prediction by ``extract_answer`` (last-number
fallback on) and ``strip_string``, ``math_equal(pred, gold)`` in a pebble ProcessPool with a 3 s
timeout per comparison (a timeout counts as wrong).

Input (stdin, JSON lines): {"src", "workers", "timeout"}, then {"data_name", "example",
"responses": [...]} per problem. Output (stdout, JSON lines): {"pred", "correct"} per response
in input order, then {"seconds": wall time of grading, extraction included}.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    lines = iter(sys.stdin)
    setup = json.loads(next(lines))
    problems = [json.loads(line) for line in lines if line.strip()]
    os.chdir(setup["src"])
    sys.path.insert(0, setup["src"])
    from concurrent.futures import TimeoutError

    from grader import math_equal_process
    from parser import STRIP_EXCEPTIONS, extract_answer, parse_ground_truth, strip_string
    from pebble import ProcessPool

    start = time.perf_counter()
    preds, params = [], []
    for problem in problems:
        name = problem["data_name"]
        _, gold = parse_ground_truth(problem["example"], name)
        for response in problem["responses"]:
            pred = extract_answer(response, name)
            # evaluate.py's run_execute: strip_string, with units kept for Minerva.
            pred = strip_string(pred, skip_unit=name in STRIP_EXCEPTIONS)
            preds.append(pred)
            params.append((len(params), pred, gold))
    scores = []
    with ProcessPool(max_workers=int(setup["workers"])) as pool:
        iterator = pool.map(math_equal_process, params, timeout=float(setup["timeout"])).result()
        while True:
            try:
                scores.append(bool(next(iterator)))
            except StopIteration:
                break
            except TimeoutError:
                scores.append(False)
            except Exception:  # noqa: BLE001 - a crashing comparison is a wrong answer there too
                scores.append(False)
    seconds = time.perf_counter() - start
    out = sys.stdout
    for pred, score in zip(preds, scores, strict=True):
        out.write(json.dumps({"pred": pred, "correct": score}) + "\n")
    out.write(json.dumps({"seconds": seconds}) + "\n")


if __name__ == "__main__":
    main()
