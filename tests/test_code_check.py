"""Checking code samples: real benchmarks, wrong solutions, hostile ones, and code extraction."""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import textwrap
from collections import Counter

import pytest

import hostile_suite
from hostile_suite import Targets
from reasoning_boundary.benchmarks.codesets import load_evalplus, load_humaneval
from reasoning_boundary.verify.code_check import TimeLimits, verify_code
from reasoning_boundary.verify.code_extract import extract_code
from reasoning_boundary.verify.evalplus_compat import evalplus_time_limits
from reasoning_boundary.verify.sandbox import UID_BASE, SubprocessSandbox, harness

# The default test checks every fourth MBPP+ canonical solution and the ones that stress the
# checker (Mbpp/255: 1.2 GB of outputs compared by digest), under evalplus' per-input limits:
# all 399 take 80 s here, over this test's share of the CI budget. RB_FULL_MBPP=1 checks all,
# Mbpp/599 included (~30 s of CPU here: 16 inputs over a second each).
STRESS_MBPP = {"Mbpp/255"}
SLOW_MBPP = {"Mbpp/599"}


def sample(pid: str, response: str, index: int = 0) -> dict:
    return {"problem_id": pid, "sample_index": index, "seed": 0, "response": response,
            "num_tokens": 0, "finish_reason": "stop"}


def test_humaneval_canonical_solutions_all_pass():
    problems = {p["id"]: p for p in load_humaneval()}
    samples = [sample(pid, p["meta"]["canonical_solution"]) for pid, p in problems.items()]
    verdicts = verify_code(problems, samples, workers=2, progress=False)
    assert Counter(v["status"] for v in verdicts) == {"passed": 164}
    assert [v["problem_id"] for v in verdicts] == list(problems)  # input order


def test_mbppplus_canonical_solutions_pass(shared_data):
    """Per-input limits (4 x the canonical time, 4 s floor) instead of one clock per problem:
    tasks needing seconds in all pass, and Mbpp/255's 1.2 GB outputs are compared by digest."""
    full = os.environ.get("RB_FULL_MBPP") == "1"
    every = load_evalplus(shared_data / "mbppplus" / "MbppPlus.jsonl")
    problems = {p["id"]: p for i, p in enumerate(every)
                if full or (p["id"] not in SLOW_MBPP and (i % 4 == 0 or p["id"] in STRESS_MBPP))}
    samples = [sample(pid, f"```python\n{p['tests']['canonical_solution']}\n```")
               for pid, p in problems.items()]
    verdicts = verify_code(problems, samples, workers=2, progress=False)
    failed = {v["problem_id"]: v["status"] for v in verdicts if v["status"] != "passed"}
    assert failed == {}
    assert len(every) == 399
    assert len(verdicts) == len(problems) >= (399 if full else 399 // 4)


def test_mutated_solutions_fail(shared_data):
    problems = {p["id"]: p for p in load_humaneval()}
    mbpp = {p["id"]: p for p in load_evalplus(shared_data / "mbppplus" / "MbppPlus.jsonl")}
    problems.update({k: mbpp[k] for k in ("Mbpp/2", "Mbpp/17", "Mbpp/581")})
    he = problems["HumanEval/0"]["meta"]["canonical_solution"]
    samples = [
        sample("HumanEval/0", he),
        sample("HumanEval/23", "    return len(string) - 1\n"),  # off by one
        sample("HumanEval/0", he.replace("return True", "return False")),  # wrong return
        sample("Mbpp/17", "def square_perimeter(a):\n    return 4 * a + 1\n"),
        sample("Mbpp/17", "def square_perimeter(a):\n    return 4.0 * a\n"),  # == as evalplus
        sample("Mbpp/2", "def similar_elements(a, b):\n    return tuple(set(b) & set(a))\n"),
        sample("Mbpp/2", "def similar_elements(a, b):\n    return list(set(a) & set(b))\n"),
        sample("Mbpp/581", "def surface_Area(b, s):\n    return 2 * b * s + b ** 2\n"),
    ]
    statuses = [v["status"] for v in verify_code(problems, samples, workers=2, progress=False)]
    assert statuses == ["passed", "failed", "failed", "failed", "passed", "passed", "passed",
                        "passed"]


ADD_PROMPT, ADD_TESTS, GOOD = hostile_suite.ADD_PROMPT, hostile_suite.ADD_TESTS, hostile_suite.GOOD


def processes_of(uids: set[int]) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid in uids:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def test_hostile_completions_fail_alone_and_leave_nothing_behind(tmp_path, monkeypatch):
    """The hostile suite as root (CI): a uid of the launcher's own on top of the namespaces.
    tests/test_sandbox_nonroot.py runs it as an unprivileged user, in every layer."""
    if os.geteuid() != 0:
        pytest.skip("as this (unprivileged) user: tests/test_sandbox_nonroot.py")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    uids: set[int] = set()  # the sandbox uids of this run (other runs may hold others)
    real_run = SubprocessSandbox.run

    def recording_run(self, *args, **kwargs):
        result = real_run(self, *args, **kwargs)
        uids.add(self.uid)
        return result

    monkeypatch.setattr(SubprocessSandbox, "run", recording_run)
    with Targets(str(home)) as targets:
        monkeypatch.setenv(targets.secret_name, targets.secret)
        result = hostile_suite.run(targets.setup("", "auto"))
        assert targets.damage(result["status"]) == [], result
    assert len(uids) == 2 and min(uids) >= UID_BASE and processes_of(uids) == []
    assert {u["layer"] for u in result["isolation"]} == {"namespaces"}


def test_each_test_has_its_own_time_limit():
    """evalplus: 4 x the canonical time per input (floor min_test_timeout); LiveCodeBench:
    test_timeout per test. A sample slower than that on one input times out even when all of
    its tests together would fit the old clock per problem."""
    slow_input = "def f(x):\n    import time\n    time.sleep(0.6 if x == 3 else 0)\n    return x\n"
    problems = {
        "Mbpp/9001": {"id": "Mbpp/9001", "kind": "code", "prompt": "", "entry_point": "f",
                      "tests": {"format": "evalplus", "dataset": "mbppplus",
                                "canonical_solution": "def f(x):\n    return x\n",
                                "base_input": [[1], [2]], "plus_input": [[3]], "atol": 0}},
        "lcb/io": {"id": "lcb/io", "kind": "code", "prompt": "Echo.", "entry_point": None,
                   "tests": {"format": "stdio", "inputs": ["1\n", "2\n"],
                             "outputs": ["1", "2"]}},
    }
    echo_slow_second = "import time\nx = input()\ntime.sleep(0.6 if x == '2' else 0)\nprint(x)"
    samples = [sample("Mbpp/9001", "def f(x):\n    return x\n"),
               sample("Mbpp/9001", f"```python\n{slow_input}```", 1),
               sample("Mbpp/9001", "def f(x):\n    return x + 1\n", 2),
               sample("lcb/io", "```python\nprint(input())\n```"),
               sample("lcb/io", f"```python\n{echo_slow_second}\n```", 1)]
    limits = TimeLimits(test_timeout=0.3, min_test_timeout=0.3)
    statuses = [v["status"] for v in verify_code(problems, samples, progress=False,
                                                 limits=limits)]
    assert statuses == ["passed", "timeout", "failed", "passed", "timeout"]
    # With the floor above the slow input's time, the same sample passes.
    roomy = TimeLimits(test_timeout=2.0, min_test_timeout=2.0)
    assert [v["status"] for v in verify_code(problems, samples[:2], progress=False,
                                             limits=roomy)] == ["passed", "passed"]


def test_huge_outputs_are_compared_by_digest():
    """Outputs over harness.DIGEST_BYTES marshalled (Mbpp/255 returns 1.2 GB) are compared by
    a digest of their exact bytes: equal values pass, one changed element or type fails."""
    canonical = "def f(n):\n    return [(i, str(i)) for i in range(n)]\n"
    problem = {"id": "Mbpp/9002", "kind": "code", "prompt": "", "entry_point": "f",
               "tests": {"format": "evalplus", "dataset": "mbppplus", "atol": 0,
                         "canonical_solution": canonical, "base_input": [[3]],
                         "plus_input": [[200_000]]}}
    responses = [canonical.replace("range(n)", "list(range(n))"),  # equal values
                 canonical.replace("str(i))", "str(i) if i != 150_000 else 'x')"),
                 canonical.replace("(i, str(i))", "[i, str(i)]")]  # lists, not tuples
    big = [(i, str(i)) for i in range(200_000)]
    assert len(marshal.dumps(big, 2)) > harness.DIGEST_BYTES  # the digest path is the one taken
    assert json.loads(harness.report_value(big)) == {"o": ["marshal-sha256", hashlib.sha256(
        marshal.dumps(big, 2)).hexdigest()]}
    verdicts = verify_code({"Mbpp/9002": problem},
                           [sample("Mbpp/9002", r, i) for i, r in enumerate(responses)],
                           progress=False)
    assert [v["status"] for v in verdicts] == ["passed", "failed", "failed"]


def test_evalplus_time_limits_follow_untrusted_check():
    problem = {"tests": {"base_input": [[1], [2]], "plus_input": [[3]] * 30}}
    per_test, total = evalplus_time_limits(problem, [0.01, 2.0] + [1.0] * 30, floor=1.0)
    assert per_test[:3] == [1.0, 8.0, 4.0]
    # base: min(60, 1 + 8) + 1; plus: min(60, 30 x 4) + 1
    assert total == pytest.approx(10.0 + 61.0)


def test_stdio_and_functional_formats():
    problems = {
        "io": {"id": "io", "kind": "code", "prompt": "Read n numbers and print their sum.",
               "entry_point": None, "tests": {"format": "stdio", "inputs": ["2\n1 2\n", "1\n5\n"],
                                              "outputs": ["3\n", "5"]}},
        "fn": {"id": "fn", "kind": "code", "prompt": "Two sum.", "entry_point": "twoSum",
               "tests": {"format": "functional", "fn_name": "twoSum",
                         "inputs": ["[2, 7, 11, 15]\n9", "[3, 3]\n6"],
                         "outputs": ["[0, 1]", "[0, 1]"]}},
    }
    reader = "import sys\nn = int(input())\nprint(sum(map(int, sys.stdin.readline().split())))"
    threaded = ("import sys, threading\ndef main():\n    sys.stdin.readline()\n"
                "    print(sum(map(int, sys.stdin.readline().split())))\n"
                "threading.stack_size(1 << 26)\nthreading.Thread(target=main).start()\n")
    solution = textwrap.dedent("""\
        class Solution:
            def twoSum(self, nums, target):
                seen = {}
                for i, x in enumerate(nums):
                    if target - x in seen:
                        return (seen[target - x], i)
                    seen[x] = i
        """)
    samples = [sample("io", f"```python\n{reader}\n```"),
               sample("io", "```python\nprint(3)\n```"),
               sample("io", "```python\nimport os\nos.write(1, b'3  \\n')\nexit()\n```"),
               sample("io", f"```python\n{threaded}```"),
               sample("io", "```python\nd = open(0).read().split()\nprint(sum(map(int, d[1:])))"
                            "\n```"),
               sample("fn", f"```python\n{solution}```"),
               sample("fn", "```python\nclass Solution:\n    def twoSum(self, a, t):\n"
                            "        return [1, 0]\n```"),
               sample("fn", "I do not know.")]
    statuses = [v["status"] for v in verify_code(problems, samples, progress=False)]
    assert statuses == ["passed", "failed", "failed", "passed", "passed", "passed", "failed",
                        "no_answer"]


def test_duplicates_run_once_and_keep_order():
    problems = {"toy/add": {"id": "toy/add", "kind": "code", "prompt": ADD_PROMPT,
                            "entry_point": "add",
                            "tests": {"format": "humaneval", "code": ADD_TESTS}}}
    good, bad = "    return a + b\n", "    return a * b\n"
    samples = [sample("toy/add", r, i) for i, r in enumerate([good, bad, good, "", good])]
    verdicts = verify_code(problems, samples, progress=False)
    assert [v["status"] for v in verdicts] == ["passed", "failed", "passed", "no_answer",
                                               "passed"]
    assert [v["sample_index"] for v in verdicts] == [0, 1, 2, 3, 4]
    assert verdicts[0]["extracted"] == verdicts[2]["extracted"] != verdicts[1]["extracted"]
    assert verdicts[3]["extracted"] is None and verdicts[0]["correct"] is True


# --- extraction --------------------------------------------------------------------------
PROMPT = 'from typing import List\n\n\ndef f(xs: List[int]) -> int:\n    """Sum."""\n'


def test_extract_prefers_the_block_defining_the_entry_point():
    response = ("Here:\n```python\ndef f(xs):\n    return sum(xs)\n```\nTest it:\n"
                "```python\nprint(f([1, 2]))\n```\n")
    code = extract_code(response, "f", PROMPT)
    assert code.startswith(PROMPT.rstrip()) and "return sum(xs)" in code
    assert "print(f(" not in code


def test_extract_takes_the_last_defining_block_and_skips_other_languages():
    response = ("```python\ndef f(xs):\n    return 0\n```\nBetter:\n```py\ndef f(xs):\n"
                "    return sum(xs)\n```\n```bash\npython f.py\n```")
    assert extract_code(response, "f", None) == "def f(xs):\n    return sum(xs)\n"


def test_extract_completion_style_prepends_the_prompt_and_cuts_trailing_prose():
    body = "    return sum(xs)\n\n\nThis adds the numbers up.\n"
    assert extract_code(body, "f", PROMPT) == PROMPT + "    return sum(xs)\n"
    fenced = "```python\n    total = sum(xs)\n    return total\n```"
    assert extract_code(fenced, "f", PROMPT) == PROMPT + "    total = sum(xs)\n    return total\n"


def test_extract_plain_text_function_and_truncated_block():
    text = "Sure! Here is the code.\n\ndef f(xs):\n    return sum(xs)\n\nIt works.\n"
    assert extract_code(text, "f", None) == "def f(xs):\n    return sum(xs)\n"
    truncated = "```python\ndef f(xs):\n    return sum(xs)\n\ndef g(y):\n    return (y +"
    assert extract_code(truncated, "f", None) == "def f(xs):\n    return sum(xs)\n"


def test_extract_no_code():
    assert extract_code("I cannot solve this.", "f", None) is None
    assert extract_code("```python\n\n```", "f", None) is None
    assert extract_code("print(1)", None, "Read input.") == "print(1)\n"
