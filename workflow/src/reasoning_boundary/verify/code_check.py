"""Check code samples: extract the program, run each distinct one once in the sandbox, judge.

Identical programs for the same problem are run once (pass@k sampling repeats itself a lot).
Each run gets a fresh random token; the verdict is read only from the token-tagged lines the
harness writes to its report fd, so nothing the candidate prints or how it exits can fake a
pass. For ``evalplus``, ``functional`` and ``stdio`` tests the child reports outputs and this
process compares them with expected outputs the child never sees. Verdict ``extracted`` holds
the first 16 hex digits of the SHA-256 of the program that was run (None: no code found).

Statuses: passed; failed (wrong output, exception, crash, missing report); timeout (wall or
CPU limit and no test had failed before); no_answer (no code in the response); error (the
sandbox itself broke twice: not the candidate's fault).
"""

from __future__ import annotations

import ast
import hashlib
import json
import secrets
import sys
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..defaults import CHECK_TIMEOUT
from ..records import Problem, Sample, Verdict
from .code_extract import extract_code
from .evalplus_compat import allclose, evalplus_judge, prepare_evalplus
from .sandbox import REPORT_FD, Limits, RunResult, SubprocessSandbox, harness

_BOOT = "import rb_harness\nrb_harness.main()\n"
_EXPECTED: dict[tuple[str, str], list[tuple[str | None, Any]]] = {}  # per process, see _spec
_EXPECTED_LOCK = threading.Lock()
Records = dict[int, tuple[str, str]]


@dataclass
class _Spec:
    """How to run and judge one problem's tests."""

    mode: str  # check | call | stdio
    entry_point: str | None
    payload: dict[str, Any]  # job fields shared by every candidate
    n_tests: int
    judge: Callable[[Records], tuple[bool, bool]] | None = None  # -> (passed, failed for sure)
    canonical: str | None = None  # evalplus: program whose outputs are the expected ones
    key: tuple[str, str] = ("", "")
    problem: Problem | None = None
    inputs: list[list[Any]] | None = None  # evalplus: the arguments, for the special oracles
    static: str = field(init=False, default="")

    def job(self, program: str, token: str, block_network: bool) -> bytes:
        if not self.static:
            self.static = json.dumps(self.payload)[1:-1]  # serialized once per problem
        head = json.dumps({"token": token, "report_fd": REPORT_FD, "program": program,
                           "block_network": block_network})
        return (head[:-1] + ", " + self.static + "}").encode()


def verify_code(
    problems: Mapping[str, Problem],
    samples: Sequence[Sample],
    workers: int = 1,
    timeout: float = CHECK_TIMEOUT,
    progress: bool = True,
) -> list[Verdict]:
    """Judge every code sample; verdicts come back in the order of ``samples``.

    Every sample's problem must be in ``problems`` (``dispatch.check_samples`` says so first).
    """
    specs: dict[str, _Spec] = {}
    extracted: dict[tuple[str, str], str | None] = {}
    programs: list[str | None] = []
    for sample in samples:
        pid = sample["problem_id"]
        if pid not in specs:
            specs[pid] = _spec(problems[pid])
        key = (pid, sample["response"])
        if key not in extracted:
            problem = problems[pid]
            extracted[key] = extract_code(sample["response"], specs[pid].entry_point,
                                          problem.get("prompt"),
                                          (problem.get("tests") or {}).get("prelude"))
        programs.append(extracted[key])
    jobs = sorted({(s["problem_id"], prog)
                   for s, prog in zip(samples, programs, strict=True) if prog is not None})
    limits = Limits(wall_seconds=timeout)
    with _Pool(max(1, workers)) as pool:
        pending = [s for s in specs.values() if s.canonical is not None and s.judge is None]
        if pending:
            canon_limits = Limits(wall_seconds=max(3 * timeout, 30.0))
            results = _map(pool, [(s, s.canonical) for s in pending], canon_limits,
                           progress, "expected outputs")
            for spec, (result, records) in zip(pending, results, strict=True):
                _set_expected(spec, result, records)
        results = _map(pool, [(specs[pid], prog) for pid, prog in jobs], limits, progress,
                       "checking code")
        outcomes = {job: _status(specs[job[0]], result, records)
                    for job, (result, records) in zip(jobs, results, strict=True)}
    verdicts: list[Verdict] = []
    for sample, program in zip(samples, programs, strict=True):
        status = "no_answer" if program is None else outcomes[(sample["problem_id"], program)]
        verdicts.append(Verdict(
            problem_id=sample["problem_id"], sample_index=sample["sample_index"],
            seed=sample["seed"], correct=status == "passed", status=status,
            extracted=None if program is None else _digest(program)))
    return verdicts


def _digest(program: str) -> str:
    return hashlib.sha256(program.encode()).hexdigest()[:16]


class _Pool:
    """One sandbox launcher per worker thread; a launcher that dies is restarted once."""

    def __init__(self, size: int) -> None:
        import queue

        self._idle: queue.Queue[SubprocessSandbox] = queue.Queue()
        self._all = [SubprocessSandbox(preload={"rb_harness": harness.__file__})
                     for _ in range(size)]
        for sandbox in self._all:
            self._idle.put(sandbox)
        self.size = size

    def run(self, spec: _Spec, program: str, limits: Limits) -> tuple[RunResult, Records]:
        sandbox = self._idle.get()
        try:
            for _ in range(2):
                token = secrets.token_hex(16)
                job = spec.job(program, token, not sandbox.network_isolated)
                result = sandbox.run(_BOOT, job, limits)
                if result.error is None:
                    return result, parse_report(result.report, token)
            return result, {}
        finally:
            self._idle.put(sandbox)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        for sandbox in self._all:
            sandbox.close()


def _map(pool: _Pool, work: list[tuple[_Spec, str]], limits: Limits, progress: bool,
         desc: str) -> list[tuple[RunResult, Records]]:
    from tqdm.auto import tqdm

    results: list[Any] = [None] * len(work)
    with ThreadPoolExecutor(pool.size) as executor, tqdm(
        total=len(work), desc=desc, disable=not progress, unit="prog", file=sys.stderr
    ) as bar:
        futures = {executor.submit(pool.run, spec, prog, limits): i
                   for i, (spec, prog) in enumerate(work)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.update()
    return results


def _status(spec: _Spec, result: RunResult, records: Records) -> str:
    if result.error is not None or spec.judge is None:  # no judge: the reference run broke
        return "error"
    passed, failed = spec.judge(records)
    if passed:
        return "passed"
    return "timeout" if result.timed_out and not failed else "failed"


def parse_report(report: bytes, token: str) -> Records:
    """Per-test records from the lines that carry this run's token; anything else is noise."""
    prefix = token.encode() + b" "
    records: Records = {}
    for line in report.split(b"\n"):
        if line.startswith(prefix):
            try:
                index, kind, payload = line[len(prefix):].decode().split(" ", 2)
                records.setdefault(int(index), (kind, payload))
            except (ValueError, UnicodeDecodeError):
                continue
    return records


def _humaneval_spec(problem: Problem, tests: dict[str, Any]) -> _Spec:
    entry = problem.get("entry_point")
    spec = _Spec("check", entry, {"mode": "check", "entry_point": entry,
                                  "check": tests["code"]}, 1)
    spec.judge = lambda r: (r.get(0) == ("ok", "true"), 0 in r and r[0][0] != "ok")
    return spec


def _evalplus_spec(problem: Problem, tests: dict[str, Any]) -> _Spec:
    entry = problem.get("entry_point")
    spec = _Spec("call", entry, {}, 0)
    spec.key = (str(problem["id"]), hashlib.sha256(json.dumps(
        [tests, problem.get("prompt")], sort_keys=True).encode()).hexdigest())
    inputs, spec.canonical = prepare_evalplus(problem)
    spec.payload = {"mode": "call", "entry_point": entry, "inputs": _encode(inputs)}
    spec.n_tests = len(inputs)
    spec.problem, spec.inputs = problem, inputs
    with _EXPECTED_LOCK:
        cached = _EXPECTED.get(spec.key)
    if cached is not None:
        spec.judge = evalplus_judge(problem, inputs, cached)
    return spec


def _stdio_spec(problem: Problem, tests: dict[str, Any]) -> _Spec:
    inputs = [str(i) for i in tests["inputs"]]
    expected = [str(o) for o in tests["outputs"]]
    spec = _Spec("stdio", None, {"mode": "stdio", "inputs": inputs}, len(inputs))
    spec.judge = lambda r: _judge_each(r, len(expected), lambda i, out: _stdio_equal(
        json.loads(out), expected[i]))
    return spec


def _functional_spec(problem: Problem, tests: dict[str, Any]) -> _Spec:
    name = tests.get("fn_name") or problem.get("entry_point")
    args = [_parse_args(x) for x in tests["inputs"]]
    expected = [_parse_value(o) for o in tests["outputs"]]
    atol = float(tests.get("atol") or 0.0)
    spec = _Spec("call", name, {"mode": "call", "entry_point": name, "inputs": _encode(args)},
                 len(args))
    spec.judge = lambda r: _judge_each(r, len(args), lambda i, out: _functional_equal(
        harness.decode(out), expected[i], atol))
    return spec


# Test format (records.TestFormat) -> how its problems are run and judged.
SPEC_BUILDERS: dict[str, Callable[[Problem, dict[str, Any]], _Spec]] = {
    "humaneval": _humaneval_spec,
    "evalplus": _evalplus_spec,
    "stdio": _stdio_spec,
    "functional": _functional_spec,
}


def _spec(problem: Problem) -> _Spec:
    tests = problem.get("tests") or {}
    build = SPEC_BUILDERS.get(tests.get("format")) if problem.get("kind") == "code" else None
    if build is None:
        raise ValueError(f"problem {problem.get('id')!r}: no code tests (format "
                         f"{tests.get('format')!r}; known: {', '.join(SPEC_BUILDERS)})")
    return build(problem, tests)


def _set_expected(spec: _Spec, result: RunResult, records: Records) -> None:
    """Expected outputs of an evalplus problem: what its canonical solution returned."""
    if result.error is not None:
        return  # the sandbox broke: its candidates get "error", and nothing is cached
    expected: list[tuple[str | None, Any]] = []
    for index in range(spec.n_tests):
        kind, payload = records.get(index, ("err", ""))
        expected.append((payload, harness.decode(payload)) if kind == "out" else (None, None))
    missing = sum(raw is None for raw, _ in expected)
    if missing:  # as in evalplus, no candidate can pass a test the reference cannot
        why = "timed out" if result.timed_out else "failed"
        warnings.warn(f"{spec.key[0]}: the canonical solution {why} on {missing} of "
                      f"{spec.n_tests} inputs; no sample can pass them", stacklevel=2)
    with _EXPECTED_LOCK:
        _EXPECTED[spec.key] = expected
    assert spec.problem is not None and spec.inputs is not None
    spec.judge = evalplus_judge(spec.problem, spec.inputs, expected)


def _encode(values: list[Any]) -> str:
    return json.dumps(harness.encode(values), separators=(",", ":"))


def _judge_each(records: Records, n: int, same: Callable[[int, str], bool]
                ) -> tuple[bool, bool]:
    for index in range(n):
        if index not in records:
            return False, False
        kind, payload = records[index]
        try:
            ok = kind == "out" and same(index, payload)
        except Exception:  # undecodable or incomparable output: wrong, not a crash
            ok = False
        if not ok:
            return False, True
    return True, False


def _parse_value(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text


def _parse_args(raw: Any) -> list[Any]:
    """LiveCodeBench call-based input: one JSON value per line, one line per argument."""
    if isinstance(raw, list):
        return raw
    return [_parse_value(line) for line in str(raw).split("\n") if line.strip()]


def _plain(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def _functional_equal(out: Any, expected: Any, atol: float) -> bool:
    out, expected = _plain(out), _plain(expected)  # JSON has no tuples
    if out == expected:
        return True
    return atol > 0 and allclose(out, expected, atol)


def _stdio_equal(out: str, expected: str) -> bool:
    got = [line.strip() for line in out.strip().splitlines()]
    want = [line.strip() for line in expected.strip().splitlines()]
    if got == want:
        return True
    if len(got) != len(want):
        return False
    for a, b in zip(got, want, strict=True):
        if a != b and not _same_numbers(a.split(), b.split()):
            return False
    return True


def _same_numbers(a: list[str], b: list[str]) -> bool:
    if len(a) != len(b):
        return False
    try:
        return all(x == y or Decimal(x) == Decimal(y) for x, y in zip(a, b, strict=True))
    except InvalidOperation:
        return False


__all__ = ["parse_report", "verify_code"]
