"""The code that runs inside the sandbox child (stdlib only; the launcher loads it by path).

``main()`` reads one job (JSON) from fd 0, replaces fd 0 with /dev/null, runs the candidate
and writes one line per test to the report fd the job names (the launcher's ``REPORT_FD``):
``<token> <index> <kind> <seconds> <json>``, seconds being the time the test's call took. A job
may give a time limit per test (``limits``): the test is then stopped by a real-time timer, as
evalplus and LiveCodeBench stop theirs, and reported as ``timeout``. The token is random
per run and never enters the candidate's namespace, so printing, exiting early or patching
builtins cannot produce lines the parent accepts. For ``call`` and ``stdio`` jobs the child
only reports what the candidate *returned or printed*; the parent holds the expected outputs
and compares, so even a candidate that took over this process could only pass by producing
the right answers. ``check`` jobs (HumanEval's ``check(candidate)``) must judge in-process:
the check runs with a private copy of the original builtins and the candidate's return
values are restricted to plain types, which stops the usual tricks (patched builtins,
objects whose ``__eq__`` is always true) but not a candidate that inspects this harness.

``encode``/``decode`` are shared with the parent: a JSON form that keeps the exact type
(tuple vs list, set, int vs float vs bool, complex, bytes), because evalplus compares with
``==`` and ``type(out) == type(exp)``.
"""

from __future__ import annotations

import builtins
import collections
import dataclasses
import fractions
import hashlib
import io
import json
import marshal
import os
import signal
import sys
import threading
import time
import types
from typing import Any

_BUILTINS = dict(builtins.__dict__)  # taken at import, before any candidate code runs
_OK_HEAP_TYPES = {collections.Counter, collections.OrderedDict, fractions.Fraction}
_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: set for every class defined in Python code


@dataclasses.dataclass(frozen=True)
class Opaque:
    """A value of a type the codec does not know: compared by type name and repr."""

    kind: str
    text: str


def encode(x: Any, depth: int = 0) -> Any:
    """A JSON-able form of x that keeps its exact builtin type.

    Subclasses (namedtuple, Counter, numpy.float64) are encoded as their builtin base, read
    through the base class's own methods: evalplus compares them with ``==`` as the base
    compares, and an overridden ``__eq__`` or ``__iter__`` must not fool the parent.
    """
    if depth > 200:
        raise RecursionError("output nested too deeply")
    t, d = type(x), depth + 1
    if x is None or t in (bool, int, float, str):
        return x
    if isinstance(x, list):
        return [encode(v, d) for v in list.__iter__(x)]
    if isinstance(x, tuple):
        return {"t": [encode(v, d) for v in tuple.__iter__(x)]}
    if isinstance(x, dict):
        return {"d": [[encode(k, d), encode(v, d)] for k, v in dict.items(x)]}
    if isinstance(x, (set, frozenset)):
        tag, base = ("f", frozenset) if isinstance(x, frozenset) else ("s", set)
        return {tag: [encode(v, d) for v in base.__iter__(x)]}
    if isinstance(x, int):  # bool cannot be subclassed, so this is a true int subclass
        return int.__int__(x)
    if isinstance(x, float):
        return float.__float__(x)
    if isinstance(x, str):
        return str.__str__(x)
    if isinstance(x, complex):
        return {"c": [complex.__complex__(x).real, complex.__complex__(x).imag]}
    if isinstance(x, bytes):
        return {"b": bytes.hex(x)}
    if t.__module__ == "numpy" and getattr(x, "shape", None) == () and hasattr(x, "item"):
        return encode(x.item(), d)  # numpy scalars compare like the Python scalar
    try:
        text = repr(x)[:10_000]
    except Exception as err:  # a broken __repr__ is the candidate's problem, not ours
        text = f"<repr failed: {type(err).__name__}>"
    return {"o": [f"{t.__module__}.{t.__qualname__}", text]}


def _hook(obj: dict) -> Any:
    if len(obj) != 1:
        raise ValueError("not an encoded value")
    (tag, v), = obj.items()
    if tag == "t":
        return tuple(v)
    if tag == "d":
        return {k: val for k, val in v}
    if tag == "s":
        return set(v)
    if tag == "f":
        return frozenset(v)
    if tag == "c":
        return complex(v[0], v[1])
    if tag == "b":
        return bytes.fromhex(v)
    if tag == "o":
        return Opaque(str(v[0]), str(v[1]))
    raise ValueError(f"unknown tag {tag!r}")


def decode(text: str | bytes) -> Any:
    return json.loads(text, object_hook=_hook)


def dumps(value: Any) -> str:
    return json.dumps(encode(value), separators=(",", ":"))


# Outputs larger than this (marshalled) are reported as a digest of their marshal bytes: MBPP+
# task 255's canonical solution returns up to 1.2 GB per input, which would take minutes to
# encode and exceed the report limit. marshal knows only exact builtin types (a subclass raises
# ValueError and takes the exact encoding), so equal digests mean equal values, built alike.
DIGEST_BYTES = 1 << 20


def report_value(value: Any) -> str:
    """What the parent compares: the exact encoding, or for a huge value a digest that decodes
    to an :class:`Opaque` equal only to the same digest."""
    try:
        packed = marshal.dumps(value, 2)  # version 2: no back-references, so no identity
    except ValueError:
        return dumps(value)
    if len(packed) <= DIGEST_BYTES:
        return dumps(value)
    digest = hashlib.sha256(packed).hexdigest()
    return json.dumps({"o": ["marshal-sha256", digest]}, separators=(",", ":"))


class _Sink(io.TextIOBase):
    """Swallows the candidate's prints without growing or blocking."""

    def __init__(self) -> None:
        self.buffer = self

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


class _Quiet:
    def __enter__(self) -> None:
        self._saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = _Sink()

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self._saved


class _Reporter:
    def __init__(self, token: str, fd: int) -> None:
        self._prefix, self._fd = token + " ", fd

    def send(self, index: int, kind: str, payload: str, seconds: float = 0.0) -> None:
        data = memoryview(f"{self._prefix}{index} {kind} {seconds:.6f} {payload}\n".encode())
        while data:
            data = data[os.write(self._fd, data) :]


class _TestTimeout(BaseException):
    """Raised in the candidate by the per-test timer (not an Exception: a bare ``except
    Exception`` in the candidate must not swallow it)."""


def _on_timer(signum: int, frame: Any) -> None:
    raise _TestTimeout


class _Timer:
    """A per-test limit: the real-time timer interrupts the test, as evalplus' ``time_limit``
    (setitimer) and LiveCodeBench's ``signal.alarm`` do."""

    def __init__(self, limits: list[float] | None) -> None:
        self._limits = limits

    def __call__(self, index: int) -> _Timer:
        self._seconds = self._limits[index] if self._limits else 0.0
        return self

    def __enter__(self) -> None:
        if self._seconds > 0:
            signal.setitimer(signal.ITIMER_REAL, self._seconds)

    def __exit__(self, *exc: object) -> None:
        if self._seconds > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)


def main() -> None:
    chunks = []
    while chunk := os.read(0, 1 << 20):
        chunks.append(chunk)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.close(null)
    job = json.loads(b"".join(chunks))
    reporter = _Reporter(job.pop("token"), job.pop("report_fd"))
    signal.signal(signal.SIGALRM, _on_timer)
    if job.get("block_network"):
        _block_network()
    runner = {"check": _run_check, "call": _run_call, "stdio": _run_stdio}[job["mode"]]
    try:
        runner(job, reporter)
    except BaseException as err:  # the candidate failed to load or broke out of a test
        reporter.send(-1, "err", json.dumps(type(err).__name__))
    reporter.send(-1, "done", "0")
    os._exit(0)  # skip atexit hooks and stray non-daemon threads the candidate started


def _load(program: str, name: str = "solution") -> types.ModuleType:
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses, pickle, typing look the module up by name
    with _Quiet():
        exec(compile(program, "<candidate>", "exec"), module.__dict__)
    return module


def _run_check(job: dict, reporter: _Reporter) -> None:
    module = _load(job["program"])
    candidate = getattr(module, job["entry_point"])
    # The check sees the prompt's helpers (HumanEval/32 needs poly) but not names that shadow
    # builtins, and it gets the builtins as they were before the candidate ran.
    ns = {k: v for k, v in vars(module).items() if k not in _BUILTINS}
    ns.update(__builtins__=dict(_BUILTINS), __name__="__check__")
    try:
        exec(compile(job["check"], "<tests>", "exec"), ns)
        with _Quiet():
            ns["check"](_plain_results(candidate))
    except BaseException as err:
        reporter.send(0, "err", json.dumps(type(err).__name__))
        return
    reporter.send(0, "ok", "true")


def _plain_results(fn: Any) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        out = fn(*args, **kwargs)
        _require_plain(out, 0)
        return out

    return call


def _require_plain(x: Any, depth: int) -> None:
    t = type(x)
    if t.__flags__ & _HEAPTYPE and t not in _OK_HEAP_TYPES or depth > 100:
        raise TypeError(f"candidate returned a {t.__qualname__}, not a plain value")
    if t in (list, tuple, set, frozenset) or isinstance(x, (list, tuple, set, frozenset)):
        for item in x:
            _require_plain(item, depth + 1)
    elif isinstance(x, dict):
        for key, value in x.items():
            _require_plain(key, depth + 1)
            _require_plain(value, depth + 1)
    elif getattr(x, "dtype", None) is not None and str(x.dtype) == "object":
        raise TypeError("candidate returned an object array")


def _run_call(job: dict, reporter: _Reporter) -> None:
    module = _load(job["program"])
    name = job["entry_point"]
    solution = getattr(module, "Solution", None)
    if isinstance(solution, type) and hasattr(solution, name):
        def target() -> Any:  # LeetCode style: a fresh instance per test
            return getattr(solution(), name)
    else:
        function = getattr(module, name)

        def target() -> Any:
            return function

    timer = _Timer(job.get("limits"))
    # Every input comes fresh from this decode, so a candidate that mutates its arguments
    # cannot affect a later test.
    for index, args in enumerate(decode(job["inputs"])):
        seconds = 0.0
        try:
            with _Quiet():
                call = target()
                start = time.perf_counter()
                with timer(index):
                    out = call(*args)
                seconds = time.perf_counter() - start
                payload = report_value(out)
        except _TestTimeout:
            reporter.send(index, "timeout", "null", time.perf_counter() - start)
            return
        except BaseException as err:
            reporter.send(index, "err", json.dumps(type(err).__name__), seconds)
            return  # one failure decides the verdict; skip the remaining tests
        reporter.send(index, "out", payload, seconds)


def _run_stdio(job: dict, reporter: _Reporter) -> None:
    code = compile(job["program"], "<candidate>", "exec")
    cap = int(job.get("output_cap", 16 << 20))
    timer = _Timer(job.get("limits"))
    saved, null = os.dup(1), os.open(os.devnull, os.O_RDONLY)
    for index, text in enumerate(job["inputs"]):
        in_fd, out_fd = os.memfd_create("stdin"), os.memfd_create("stdout")
        os.write(in_fd, text.encode())
        os.lseek(in_fd, 0, os.SEEK_SET)
        os.dup2(in_fd, 0)
        os.dup2(out_fd, 1)
        # Fresh text streams on the real fds, so print(), input(), sys.stdin.buffer and
        # os.write(1, ...) all behave as in a standalone program.
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)))
        sys.stderr = _Sink()
        main_module = types.ModuleType("__main__")
        sys.modules["__main__"] = main_module
        error = None
        start = time.perf_counter()
        try:
            with timer(index):
                exec(code, main_module.__dict__)
                for thread in threading.enumerate():  # threading.Thread(target=main).start()
                    if thread is not threading.main_thread() and not thread.daemon:
                        thread.join()
        except SystemExit:
            pass  # exit() after printing the answer is normal for a script
        except _TestTimeout:
            error = "timeout"
        except BaseException as err:
            error = type(err).__name__
        seconds = time.perf_counter() - start
        try:
            sys.stdout.flush()
        except BaseException as err:  # e.g. output above RLIMIT_FSIZE
            error = error or type(err).__name__
        os.dup2(saved, 1)
        os.dup2(null, 0)  # the program may have closed fd 0 (open(0)); keep 0 and 1 taken
        os.lseek(out_fd, 0, os.SEEK_SET)
        output = os.read(out_fd, cap)
        for fd in (in_fd, out_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        if error == "timeout":
            reporter.send(index, "timeout", "null", seconds)
            return
        if error is not None:
            reporter.send(index, "err", json.dumps(error), seconds)
            return
        reporter.send(index, "out", json.dumps(output.decode("utf-8", "replace")), seconds)


def _block_network() -> None:
    """Fallback when no network namespace could be made: refuse the usual entry points."""
    import socket

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError("network access is disabled in the sandbox")

    for attr in ("connect", "connect_ex", "bind", "sendto"):
        setattr(socket.socket, attr, refuse)
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]
