"""Checking code samples: real benchmarks, wrong solutions, hostile ones, and code extraction."""

from __future__ import annotations

import os
import socket
import textwrap
from collections import Counter

import pytest

from reasoning_boundary.benchmarks.codesets import load_evalplus, load_humaneval
from reasoning_boundary.verify.code_check import verify_code
from reasoning_boundary.verify.code_extract import extract_code
from reasoning_boundary.verify.sandbox import UID_BASE, SubprocessSandbox

# MBPP+ tasks whose canonical solution needs over a second of CPU on this machine (all of
# them together ~140 s, three need 12-61 s): they pass with a large enough timeout, see
# RB_FULL_MBPP below, but would blow the test-time budget.
SLOW_MBPP = {"Mbpp/84", "Mbpp/123", "Mbpp/162", "Mbpp/255", "Mbpp/271", "Mbpp/300",
             "Mbpp/389", "Mbpp/392", "Mbpp/583", "Mbpp/589", "Mbpp/592", "Mbpp/599",
             "Mbpp/603", "Mbpp/630"}


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
    full = os.environ.get("RB_FULL_MBPP") == "1"
    problems = {p["id"]: p for p in load_evalplus(shared_data / "mbppplus" / "MbppPlus.jsonl")
                if full or p["id"] not in SLOW_MBPP}
    samples = [sample(pid, f"```python\n{p['tests']['canonical_solution']}\n```")
               for pid, p in problems.items()]
    verdicts = verify_code(problems, samples, workers=2, timeout=150 if full else 10,
                           progress=False)
    failed = {v["problem_id"]: v["status"] for v in verdicts if v["status"] != "passed"}
    assert failed == {}
    assert len(verdicts) == (399 if full else 399 - len(SLOW_MBPP))


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


ADD_PROMPT = 'def add(a: int, b: int) -> int:\n    """Return a + b."""\n'
ADD_TESTS = ("def check(candidate):\n    for a in range(-3, 4):\n        for b in range(3):\n"
             "            assert candidate(a, b) == a + b\n")
GOOD = "def add(a, b):\n    return a + b  # {}\n"


def hostile(decoy: str, port: int, stray: list[str]) -> dict[str, str]:
    wrong = "\ndef add(a, b):\n    return a - b\n"
    return {
        "infinite loop": "def add(a, b):\n    while True:\n        pass\n",
        "fork bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n"
                     "        pass\n",
        "20 GB": "x = bytearray(20 << 30)\ndef add(a, b):\n    return a + b\n",
        "delete home": "import os, shutil\nfor p in (os.path.expanduser('~'), "
                       f"{os.path.dirname(decoy)!r}):\n    shutil.rmtree(p, ignore_errors=True)\n"
                       f"    try:\n        os.remove({decoy!r})\n    except OSError:\n"
                       "        pass\n" + wrong,
        "socket": "import socket\n"
                  f"socket.create_connection(('127.0.0.1', {port}), timeout=1).send(b'x')\n"
                  "def add(a, b):\n    return a + b\n",
        "stray files": f"for p in {stray!r}:\n    open(p, 'w').write('x')\n" + wrong,
        "sys.exit": "import sys\nsys.exit(0)\n",
        "os._exit": "import os\nos._exit(0)\n",
        "patch builtins": "import builtins\nbuiltins.AssertionError = type('A', (Exception,), {})"
                          "\nbuiltins.range = lambda *a: []\nbuiltins.abs = lambda x: 0\n" + wrong,
        "always equal": "class E(int):\n    def __eq__(self, other):\n        return True\n"
                        "def add(a, b):\n    return E(0)\n",
        "fake report": "import os\nprint('passed')\nfor fd in (1, 3):\n    try:\n"
                       "        os.write(fd, b'0' * 32 + b' 0 ok true\\npassed\\n')\n"
                       "    except OSError:\n        pass\nos._exit(0)\n",
        "kill parent": "import os, signal\nfor pid in (os.getppid(), -1):\n    try:\n"
                       "        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n",
        "1 GB stdout": "import os\nblock = b'x' * 65536\nfor _ in range(16384):\n"
                       "    os.write(1, block)\n" + wrong,
    }


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
    home = tmp_path / "home"
    home.mkdir()
    decoy = home / "decoy.txt"
    decoy.write_text("keep me")
    monkeypatch.setenv("HOME", str(home))
    stray = [f"/tmp/rb-stray-{os.getpid()}", f"/var/tmp/rb-stray-{os.getpid()}",
             f"/dev/shm/rb-stray-{os.getpid()}", str(tmp_path / "stray")]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    problems = {"toy/add": {"id": "toy/add", "kind": "code", "prompt": ADD_PROMPT,
                            "entry_point": "add",
                            "tests": {"format": "humaneval", "code": ADD_TESTS}}}
    attacks = hostile(str(decoy), server.getsockname()[1], stray)
    samples = [sample("toy/add", GOOD.format("first"), 0)]
    samples += [sample("toy/add", f"```python\n{code}```", i + 1)
                for i, code in enumerate(attacks.values())]
    samples.append(sample("toy/add", GOOD.format("last"), len(samples)))
    uids: set[int] = set()  # the sandbox uids of this run (other runs may hold others)
    real_run = SubprocessSandbox.run

    def recording_run(self, *args, **kwargs):
        result = real_run(self, *args, **kwargs)
        uids.add(self.uid)
        return result

    monkeypatch.setattr(SubprocessSandbox, "run", recording_run)
    try:
        verdicts = verify_code(problems, samples, workers=2, timeout=2.0, progress=False)
        with pytest.raises(OSError):
            server.accept()  # nobody got through
    finally:
        server.close()
    names = ["first", *attacks, "last"]
    status = {name: v["status"] for name, v in zip(names, verdicts, strict=True)}
    assert status.pop("first") == status.pop("last") == "passed", status
    assert all(s in ("failed", "timeout") for s in status.values()), status
    assert status["infinite loop"] == "timeout"
    assert decoy.read_text() == "keep me"
    assert not any(os.path.exists(p) for p in stray)
    if os.geteuid() == 0:
        assert len(uids) == 2 and min(uids) >= UID_BASE and processes_of(uids) == []


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
