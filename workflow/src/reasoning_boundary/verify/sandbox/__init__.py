"""Run untrusted Python in an isolated child process and collect what it reports.

One interface, :class:`Sandbox`. :class:`SubprocessSandbox` implements it with a *launcher*
(``sandbox/launcher.py``): a long-lived, single-threaded Python process, inside
``unshare -n -i`` when we are root, that forks one child per program. Forking a warm interpreter
costs ~1 ms where starting a fresh one costs ~12 ms here, and one network namespace serves every
child.

Each child gets a new session, rlimits (CPU, address space, processes, file size, no core
files), a fresh private temp dir as cwd/HOME/TMPDIR, a scrubbed environment and, as root, an
unprivileged uid of its own launcher's (so that RLIMIT_NPROC binds, it cannot signal us and
cannot touch root's files). The program reads its input on fd 0 and reports on fd
``REPORT_FD``; stdout+stderr share one pipe whose first ``output_bytes`` are kept. When it
ends or the wall clock runs out, everything it started is killed and its files removed.

The code the child runs to test a candidate is ``sandbox/harness.py``; the parent's side of the
checking is ``verify/code_check.py``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Protocol

from . import launcher
from .launcher import REPORT_FD, UID_BASE, SandboxError

__all__ = ["REPORT_FD", "UID_BASE", "Limits", "RunResult", "Sandbox", "SandboxError",
           "SubprocessSandbox"]


@dataclasses.dataclass(frozen=True)
class Limits:
    wall_seconds: float = 10.0
    cpu_seconds: float | None = None  # None: the wall limit plus one second
    memory_bytes: int = 4 << 30
    max_processes: int = 64  # counts threads too
    file_size_bytes: int = 64 << 20
    output_bytes: int = 64 << 10  # stdout+stderr kept for diagnosis
    report_bytes: int = 256 << 20


@dataclasses.dataclass
class RunResult:
    report: bytes  # what the child wrote to REPORT_FD (cut at Limits.report_bytes)
    output: bytes  # head of stdout+stderr
    exit_code: int | None  # negative: killed by that signal
    timed_out: bool  # wall clock or CPU limit reached
    seconds: float
    error: str | None = None  # the sandbox itself failed: not the program's fault


class Sandbox(Protocol):
    network_isolated: bool

    def run(self, program: str, stdin: bytes, limits: Limits) -> RunResult: ...

    def close(self) -> None: ...


class SubprocessSandbox:
    """Sandbox backed by one launcher process; use from one thread at a time."""

    def __init__(self, preload: Mapping[str, str] | None = None, isolate_network: bool = True):
        self._preload = dict(preload or {})
        self._isolate_network = isolate_network
        self._proc: subprocess.Popen[bytes] | None = None
        self._network_isolated = False
        self._base: str | None = None
        self.uid: int | None = None  # the child's uid; None: same as ours (not root)

    @property
    def network_isolated(self) -> bool:
        """Whether children run without network (starts the launcher to find out)."""
        if self._proc is None:
            self._start()
        return self._network_isolated

    def _start(self) -> None:
        config = json.dumps({"preload": self._preload})
        cmd = [sys.executable, "-s", "-P", launcher.__file__, "--launcher", config]
        unshare = shutil.which("unshare")
        attempts = []
        if self._isolate_network and os.geteuid() == 0 and unshare:
            attempts.append(([unshare, "-n", "-i", *cmd], True))
        attempts.append((cmd, False))
        # PYTHONHASHSEED fixed: str/set ordering must not differ between the run that makes
        # expected outputs and the runs that check candidates.
        env = {"PATH": launcher.CHILD_PATH, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
        for argv, isolated in attempts:
            proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd="/",
                start_new_session=True,  # Ctrl-C reaches us, not the launcher mid-cleanup
            )
            hello = launcher.recv(proc.stdout.fileno(), time.monotonic() + 60)  # type: ignore[union-attr]
            if isinstance(hello, dict) and hello.get("ready"):
                self._proc, self._network_isolated, self.uid = proc, isolated, hello["uid"]
                self._base = hello["base"]
                return
            _stop(proc)
        raise SandboxError("could not start the sandbox launcher")

    def run(self, program: str, stdin: bytes, limits: Limits) -> RunResult:
        start = time.monotonic()
        try:
            if self._proc is None:
                self._start()
            assert self._proc is not None and self._proc.stdin and self._proc.stdout
            launcher.send(self._proc.stdin.fileno(), (program, stdin, dataclasses.asdict(limits)))
            # The launcher enforces the limits; this deadline only catches a stuck launcher.
            reply = launcher.recv(self._proc.stdout.fileno(), start + limits.wall_seconds + 60)
            if not isinstance(reply, dict):
                raise SandboxError("launcher died or stopped answering")
            return RunResult(**reply)
        except (OSError, SandboxError, EOFError, pickle.UnpicklingError) as err:
            self.close()
            return RunResult(b"", b"", None, False, time.monotonic() - start, error=str(err))

    def close(self) -> None:
        if self._proc is not None:
            _stop(self._proc)
            self._proc = None
        if self._base is not None:  # the launcher removes it, unless it was killed
            shutil.rmtree(self._base, ignore_errors=True)
            self._base = None

    def __enter__(self) -> SubprocessSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.stdin:
        try:
            proc.stdin.close()  # the launcher finishes its cleanup and exits on EOF
        except OSError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


