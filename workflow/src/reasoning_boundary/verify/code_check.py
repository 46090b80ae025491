"""Check code samples: extract the program, run each distinct one once in the sandbox, judge.

Identical programs for the same problem are run once (pass@k sampling repeats itself a lot).
Each run gets a fresh random token; the verdict is read only from the token-tagged lines the
harness writes to its report fd, so nothing the candidate prints or how it exits can fake a
pass. For ``evalplus``, ``functional`` and ``stdio`` tests the child reports outputs and this
process compares them with expected outputs the child never sees. Verdict ``extracted`` holds
the first 16 hex digits of the SHA-256 of the program that was run (None: no code found).

Time limits follow each benchmark's own harness (:class:`TimeLimits`):

* evalplus (HumanEval+, MBPP+): each input gets ``max(min_test_timeout, 4 x t)``, t being the
  canonical solution's time on that input measured in the same run, and the base and the plus
  inputs each at most ``min(60, sum of their limits) + 1`` s (``evalplus/eval/__init__.py:
  untrusted_check``; ``evaluate.py: get_groundtruth`` times the canonical solution per input).
  The floor is ``DEFAULT_MIN_TIME_LIMIT = 4.0`` of evalplus' ``config.py`` since commit
  af49138 (2025-04-02, "adding min-time-limit to minimize false positives"); the v0.3.1
  release (tag e5d0ed0, Oct 2024) had 1.0, which ``min_test_timeout: 1`` restores. With 1.0 a
  canonical MBPP+ solution (Mbpp/389) timed out against its own times on a loaded 2-core
  machine here;
* functional and stdio (LiveCodeBench): ``test_timeout`` (6 s) per test and ``(6 + 1) x tests
  + 5`` s per sample (``lcb_runner/evaluation/testing_util.py: run_test``,
  ``compute_code_generation_metrics.py: check_correctness``, commit 28fef95);
* humaneval (``check(candidate)``, one test): ``timeout`` for the whole check;
* every sample at most ``sample_timeout`` seconds in all, whatever its tests add up to.

Statuses: passed; failed (wrong output, exception, crash, missing report); timeout (a test's
limit, or the sample's, ran out before any test had failed); no_answer (no code in the
response); error (the sandbox itself broke twice: not the candidate's fault).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import signal
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from .. import defaults
from ..defaults import CHECK_TIMEOUT
from ..progress import Progress
from ..records import Problem, Sample, Verdict
from .code_extract import extract_code
from .code_outputs import functional_equal, parse_args, parse_value, stdio_equal
from .evalplus_compat import evalplus_judge, evalplus_time_limits, prepare_evalplus
from .sandbox import REPORT_FD, Limits, RunResult, SubprocessSandbox, harness

_BOOT = "import rb_harness\nrb_harness.main()\n"
# (expected outputs, canonical seconds per input) of evalplus problems, per process (see _spec)
_EXPECTED: dict[tuple[str, str], tuple[list[tuple[str | None, Any]], list[float]]] = {}
_EXPECTED_LOCK = threading.Lock()
Records = dict[int, tuple[str, str]]


@dataclass(frozen=True)
class TimeLimits:
    """Seconds a program may take (see the module docstring for where each rule comes from)."""

    timeout: float = CHECK_TIMEOUT  # humaneval: the whole check(candidate)
    test_timeout: float = defaults.TEST_TIMEOUT  # functional, stdio: per test
    min_test_timeout: float = defaults.MIN_TEST_TIMEOUT  # evalplus: floor of the per-test limit
    sample_timeout: float = defaults.SAMPLE_TIMEOUT  # any format: one sample in all


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
    seconds: float = CHECK_TIMEOUT  # the wall clock of one candidate run, all tests together
    static: str = field(init=False, default="")

    def set_limits(self, per_test: list[float] | None, total: float) -> None:
        if per_test is not None:
            self.payload["limits"] = [round(t, 6) for t in per_test]
        self.seconds = total
        self.static = ""  # the payload changed

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
    limits: TimeLimits | None = None,
    isolation: str = defaults.ISOLATION,
) -> list[Verdict]:
    """Judge every code sample; verdicts come back in the order of ``samples``.

    Every sample's problem must be in ``problems`` (``dispatch.check_samples`` says so first).
    ``timeout`` is ``limits.timeout`` when no ``limits`` are given; ``isolation`` is the sandbox
    layer (``sandbox.ISOLATION_CHOICES``). Raises ``sandbox.IsolationError`` when no isolation
    can be set up: no program runs then.
    """
    limits = limits or TimeLimits(timeout=timeout)
    specs: dict[str, _Spec] = {}
    extracted: dict[tuple[str, str], str | None] = {}
    programs: list[str | None] = []
    for sample in samples:
        pid = sample["problem_id"]
        if pid not in specs:
            specs[pid] = _spec(problems[pid], limits)
        key = (pid, sample["response"])
        if key not in extracted:
            problem = problems[pid]
            extracted[key] = extract_code(sample["response"], specs[pid].entry_point,
                                          problem.get("prompt"),
                                          (problem.get("tests") or {}).get("prelude"))
        programs.append(extracted[key])
    jobs = sorted({(s["problem_id"], prog)
                   for s, prog in zip(samples, programs, strict=True) if prog is not None})
    with _Pool(max(1, workers), isolation) as pool:
        pending = [s for s in specs.values() if s.canonical is not None and s.judge is None]
        if pending:
            results = _map(pool, [(s, s.canonical, Limits(wall_seconds=defaults.CANONICAL_TIMEOUT))
                                  for s in pending], progress, "expected outputs")
            for spec, (result, records, seconds) in zip(pending, results, strict=True):
                _set_expected(spec, result, records, seconds, limits)
        work = [(specs[pid], prog, Limits(wall_seconds=specs[pid].seconds)) for pid, prog in jobs]
        results = _map(pool, work, progress, "checking code")
        outcomes = {job: _status(specs[job[0]], result, records)
                    for job, (result, records, _) in zip(jobs, results, strict=True)}
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
    """One sandbox launcher per worker thread; a launcher that dies is restarted once.

    The threads live as long as the pool: a launcher is tied to the thread that started it.
    """

    def __init__(self, size: int, isolation: str) -> None:
        import queue

        self._idle: queue.Queue[SubprocessSandbox] = queue.Queue()
        self._all = [SubprocessSandbox(preload={"rb_harness": harness.__file__},
                                       isolation=isolation) for _ in range(size)]
        for sandbox in self._all:
            self._idle.put(sandbox)
        self.size = size
        self.executor = ThreadPoolExecutor(size, thread_name_prefix="sandbox")

    def run(self, spec: _Spec, program: str, limits: Limits
            ) -> tuple[RunResult, Records, dict[int, float]]:
        sandbox = self._idle.get()
        try:
            for _ in range(2):
                token = secrets.token_hex(16)
                job = spec.job(program, token, not sandbox.network_isolated)
                result = sandbox.run(_BOOT, job, limits)
                if result.error is None:
                    return result, *parse_report(result.report, token)
            return result, {}, {}
        finally:
            self._idle.put(sandbox)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.executor.shutdown(cancel_futures=True)
        for sandbox in self._all:
            sandbox.close()


def _map(pool: _Pool, work: list[tuple[_Spec, str, Limits]], progress: bool, desc: str
         ) -> list[tuple[RunResult, Records, dict[int, float]]]:
    results: list[Any] = [None] * len(work)
    with Progress(len(work), desc, unit="programs", enabled=progress) as bar:
        futures = {pool.executor.submit(pool.run, spec, prog, limits): i
                   for i, (spec, prog, limits) in enumerate(work)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.update()
    return results


def _status(spec: _Spec, result: RunResult, records: Records) -> str:
    if result.error is not None or spec.judge is None:  # no judge: the reference run broke
        return "error"
    stopped = [i for i, (kind, _) in records.items() if kind == "timeout"]
    if stopped:  # a test ran out of time: a timeout, unless an earlier test had failed
        before = {i: r for i, r in records.items() if i < stopped[0]}
        return "failed" if spec.judge(before)[1] else "timeout"
    passed, failed = spec.judge(records)
    if passed:
        return "passed"
    # The candidate may have caught or disarmed the per-test timer: the sample's limit, or the
    # timer's default action (SIGALRM), still ends it.
    out_of_time = result.timed_out or result.exit_code == -signal.SIGALRM
    return "timeout" if out_of_time and not failed else "failed"


def parse_report(report: bytes, token: str) -> tuple[Records, dict[int, float]]:
    """Per-test records and seconds from the lines that carry this run's token; anything else
    is noise."""
    prefix = token.encode() + b" "
    records: Records = {}
    seconds: dict[int, float] = {}
    for line in report.split(b"\n"):
        if line.startswith(prefix):
            try:
                index, kind, took, payload = line[len(prefix):].decode().split(" ", 3)
                if int(index) not in records:
                    records[int(index)] = (kind, payload)
                    seconds[int(index)] = float(took)
            except (ValueError, UnicodeDecodeError):
                continue
    return records, seconds


def _humaneval_spec(problem: Problem, tests: dict[str, Any], limits: TimeLimits) -> _Spec:
    entry = problem.get("entry_point")
    spec = _Spec("check", entry, {"mode": "check", "entry_point": entry,
                                  "check": tests["code"]}, 1)
    spec.judge = lambda r: (r.get(0) == ("ok", "true"), 0 in r and r[0][0] != "ok")
    spec.set_limits(None, min(limits.timeout, limits.sample_timeout))
    return spec


def _evalplus_spec(problem: Problem, tests: dict[str, Any], limits: TimeLimits) -> _Spec:
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
        _judge_evalplus(spec, *cached, limits)
    return spec


def _lcb_limits(spec: _Spec, n: int, limits: TimeLimits) -> None:
    per_test = limits.test_timeout
    spec.set_limits([per_test] * n, min((per_test + 1) * n + 5, limits.sample_timeout))


def _stdio_spec(problem: Problem, tests: dict[str, Any], limits: TimeLimits) -> _Spec:
    inputs = [str(i) for i in tests["inputs"]]
    expected = [str(o) for o in tests["outputs"]]
    spec = _Spec("stdio", None, {"mode": "stdio", "inputs": inputs}, len(inputs))
    spec.judge = lambda r: _judge_each(r, len(expected), lambda i, out: stdio_equal(
        json.loads(out), expected[i]))
    _lcb_limits(spec, len(inputs), limits)
    return spec


def _functional_spec(problem: Problem, tests: dict[str, Any], limits: TimeLimits) -> _Spec:
    name = tests.get("fn_name") or problem.get("entry_point")
    args = [parse_args(x) for x in tests["inputs"]]
    expected = [parse_value(o) for o in tests["outputs"]]
    atol = float(tests.get("atol") or 0.0)
    spec = _Spec("call", name, {"mode": "call", "entry_point": name, "inputs": _encode(args)},
                 len(args))
    spec.judge = lambda r: _judge_each(r, len(args), lambda i, out: functional_equal(
        harness.decode(out), expected[i], atol))
    _lcb_limits(spec, len(args), limits)
    return spec


# Test format (records.TestFormat) -> how its problems are run and judged.
SPEC_BUILDERS: dict[str, Callable[[Problem, dict[str, Any], TimeLimits], _Spec]] = {
    "humaneval": _humaneval_spec,
    "evalplus": _evalplus_spec,
    "stdio": _stdio_spec,
    "functional": _functional_spec,
}


def _spec(problem: Problem, limits: TimeLimits) -> _Spec:
    tests = problem.get("tests") or {}
    build = SPEC_BUILDERS.get(tests.get("format")) if problem.get("kind") == "code" else None
    if build is None:
        raise ValueError(f"problem {problem.get('id')!r}: no code tests (format "
                         f"{tests.get('format')!r}; known: {', '.join(SPEC_BUILDERS)})")
    return build(problem, tests, limits)


def _set_expected(spec: _Spec, result: RunResult, records: Records, seconds: dict[int, float],
                  limits: TimeLimits) -> None:
    """Expected outputs of an evalplus problem: what its canonical solution returned, and how
    long it took on each input (its candidates' time limits)."""
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
    times = [seconds.get(index, 0.0) for index in range(spec.n_tests)]
    with _EXPECTED_LOCK:
        _EXPECTED[spec.key] = (expected, times)
    _judge_evalplus(spec, expected, times, limits)


def _judge_evalplus(spec: _Spec, expected: list[tuple[str | None, Any]], times: list[float],
                    limits: TimeLimits) -> None:
    assert spec.problem is not None and spec.inputs is not None
    spec.judge = evalplus_judge(spec.problem, spec.inputs, expected)
    per_test, total = evalplus_time_limits(spec.problem, times, limits.min_test_timeout)
    # +1: starting the child and loading the candidate, which evalplus does outside its limit.
    spec.set_limits(per_test, min(total + 1, limits.sample_timeout))


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


__all__ = ["TimeLimits", "parse_report", "verify_code"]
