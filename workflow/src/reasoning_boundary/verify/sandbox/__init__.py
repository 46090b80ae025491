"""Run untrusted Python in an isolated child process and collect what it reports.

One interface, :class:`Sandbox`. :class:`SubprocessSandbox` implements it with a *launcher*
(``sandbox/launcher.py``): a long-lived, single-threaded Python process that forks one child per
program. Forking a warm interpreter costs ~1 ms where starting a fresh one costs ~12 ms here,
and the isolation is set up once per launcher, in the first layer that works (``LAYERS``):

* ``bwrap``: the launcher inside bubblewrap (read-only root, private /tmp, /var/tmp and
  /dev/shm, no network, its own PID namespace as pid 1, dies with its parent);
* ``namespaces``: the same made by the launcher itself with unprivileged user, mount, network,
  IPC and PID namespaces (``sandbox/isolation.py``);
* ``landlock``: writes only beneath the child's temp dir, no TCP, no signals outside;
* ``none``: nothing but the child's own uid: only when the config says so (unsafe).

As root, children also run under an unprivileged uid of the launcher's own, on top of the layer
(namespaces without a user namespace), so that RLIMIT_NPROC binds and they cannot touch root's
files. Where the kernel has them, every child also gets Landlock (writes only in its temp dir
and the private scratch dirs) and a seccomp filter refusing AF_UNIX sockets (a read-only mount
does not stop ``connect`` on a D-Bus or docker socket).

Each child gets a new session, rlimits (CPU, address space, file size, no core files; processes
where the count is private), a fresh private temp dir as cwd/HOME/TMPDIR and a scrubbed
environment. The program reads its input on fd 0 and reports on fd ``REPORT_FD``;
stdout+stderr share one pipe whose first ``output_bytes`` are kept. When it ends or the wall
clock runs out, everything it started is killed and its files removed.

The code the child runs to test a candidate is ``sandbox/harness.py``; the parent's side of the
checking is ``verify/code_check.py``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

from . import launcher
from .launcher import REPORT_FD, UID_BASE, SandboxError

__all__ = ["ISOLATION_CHOICES", "LAYERS", "REPORT_FD", "UID_BASE", "IsolationError", "Limits",
           "RunResult", "Sandbox", "SandboxError", "SubprocessSandbox", "describe",
           "isolation_used"]


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


# Isolation layers, strongest first; ``auto`` tries them in this order (as root: namespaces,
# then landlock, then none, each under a uid of its own, which is isolation enough alone).
LAYERS = ("bwrap", "namespaces", "landlock", "none")
ISOLATION_CHOICES = ("auto", *LAYERS)
_FIX = (
    "Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora/RHEL: dnf install "
    "bubblewrap), or let unprivileged users create user namespaces (sysctl "
    "user.max_user_namespaces > 0; on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0), "
    "or use a kernel with Landlock (5.13+). To run model-written code with all of your own "
    "permissions anyway (unsafe: it can delete or send your files), set `verify: {isolation: "
    "none}` in the config (reasoning-boundary verify --isolation none)."
)
log = logging.getLogger("reasoning_boundary")
_USED: dict[str, dict] = {}  # description -> isolation info, of every launcher this process ran
_WORKS: dict[str, str] = {}  # isolation setting -> the layer that worked last time
_USED_LOCK = threading.Lock()


class IsolationError(RuntimeError):
    """No layer of the requested isolation could be set up: code must not run."""


def describe(info: Mapping[str, Any]) -> str:
    """One line naming what a launcher's children are isolated by."""
    layer = info["layer"]
    text = {
        "bwrap": "bubblewrap: read-only root, private /tmp, no network, own PID namespace",
        "namespaces": "own namespaces: read-only root, private /tmp, no network, own PID "
                      "namespace",
        "landlock": "Landlock: writes only in its temp dir",
        "none": "no filesystem isolation",
    }[layer]
    extras = [name for flag, name in (
        (info["uid_switch"], "a uid of its own"),
        (info["landlock_abi"] and layer != "landlock", f"Landlock ABI {info['landlock_abi']}"),
        (info["seccomp_unix"], "no AF_UNIX sockets"),
        (info["process_limit"], "a process limit"),
        (not info["network_isolated"], "network blocked in Python only"),
    ) if flag]
    unsafe = " (UNSAFE: model code runs with your permissions)" if layer == "none" and not \
        info["uid_switch"] else ""
    return text + "".join(f"; {e}" for e in extras) + unsafe


def isolation_used() -> list[dict]:
    """The isolation of every launcher started in this process, each with its description."""
    with _USED_LOCK:
        return [{**info, "description": text} for text, info in _USED.items()]


def _bwrap_argv(needed: list[str]) -> list[str] | None:
    """bubblewrap's command line; ``needed`` paths stay visible (read-only) if they lie in
    the scratch dirs that get a private tmpfs (a project or a Python living in /tmp)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None
    scratch = [path for path in ("/tmp", "/var/tmp", "/dev/shm") if os.path.isdir(path)]
    keep = sorted({os.path.realpath(p) for p in needed if p and os.path.exists(p)
                   and any(os.path.realpath(p).startswith(s + "/") for s in scratch)})
    # --unshare-all: user, IPC, PID, network, UTS and cgroup namespaces. --die-with-parent acts
    # when the *thread* that started bwrap ends: code_check starts launchers from pool threads
    # that outlive them.
    return [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            *[a for s in scratch for a in ("--tmpfs", s)],
            *[a for p in keep for a in ("--ro-bind", p, p)],
            "--unshare-all", "--new-session", "--die-with-parent", "--as-pid-1", "--"]


def _layers(isolation: str) -> list[str]:
    if isolation not in ISOLATION_CHOICES:
        raise IsolationError(f"unknown sandbox isolation {isolation!r}; choose one of "
                             f"{', '.join(ISOLATION_CHOICES)}")
    root = os.geteuid() == 0
    if isolation != "auto":
        if root and isolation == "bwrap":
            raise IsolationError("isolation `bwrap` is for non-root users: as root the sandbox "
                                 "uses `namespaces` and a uid of its own")
        return [isolation]
    if root:
        return ["namespaces", "landlock", "none"]
    return ["bwrap", "namespaces", "landlock"]


class SubprocessSandbox:
    """Sandbox backed by one launcher process; use from one thread at a time, a thread that
    outlives it (the launcher dies with the thread that started it)."""

    def __init__(self, preload: Mapping[str, str] | None = None, isolation: str = "auto"):
        self._preload = dict(preload or {})
        self._isolation = isolation
        self._proc: subprocess.Popen[bytes] | None = None
        self._base: str | None = None
        self.info: dict[str, Any] | None = None  # what the running launcher isolates with
        self.uid: int | None = None  # the child's uid; None: same as ours (not root)

    @property
    def network_isolated(self) -> bool:
        """Whether children run without network (starts the launcher to find out)."""
        if self._proc is None:
            self._start()
        assert self.info is not None
        return bool(self.info["network_isolated"])

    def _start(self) -> None:
        layers = _layers(self._isolation)
        known = _WORKS.get(self._isolation)
        if known in layers:  # the layer that worked before comes first
            layers.remove(known)
            layers.insert(0, known)
        # PYTHONHASHSEED fixed: str/set ordering must not differ between the run that makes
        # expected outputs and the runs that check candidates.
        env = {"PATH": launcher.CHILD_PATH, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
        failures = []
        for layer in layers:
            needed = [os.path.dirname(launcher.__file__), sys.prefix, sys.base_prefix,
                      os.path.dirname(sys.executable), *self._preload.values()]
            prefix = _bwrap_argv(needed) if layer == "bwrap" else []
            if prefix is None:
                failures.append("bwrap: not installed")
                continue
            config = json.dumps({"preload": self._preload, "layer": layer})
            argv = [*prefix, sys.executable, "-s", "-P", launcher.__file__, "--launcher", config]
            try:
                proc = subprocess.Popen(
                    argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd="/",
                    start_new_session=True,  # Ctrl-C reaches us, not the launcher mid-cleanup
                    stderr=subprocess.PIPE if prefix else None)  # bwrap's own complaints
                hello = launcher.recv(proc.stdout.fileno(), time.monotonic() + 60)  # type: ignore[union-attr]
            except (OSError, SandboxError, EOFError, pickle.UnpicklingError) as err:
                failures.append(f"{layer}: {err}")
                continue
            if isinstance(hello, dict) and hello.get("ready"):
                info = hello["isolation"]
                if info["layer"] == "none" and not info["uid_switch"] and \
                        self._isolation != "none":
                    _stop(proc)
                    failures.append("none: refused unless the config asks for it")
                    continue
                if prefix and proc.stderr:
                    proc.stderr.close()
                self._proc, self.uid, self._base, self.info = proc, hello["uid"], \
                    hello["base"], info
                self._record(layer, info)
                return
            why = hello.get("error") if isinstance(hello, dict) else None
            _stop(proc)
            if why is None and proc.stderr:
                why = proc.stderr.read().decode(errors="replace").strip()[-300:] or "exited"
            failures.append(why if why and why.startswith(f"{layer}:") else f"{layer}: {why}")
        raise IsolationError(
            "no isolation for model-written code could be set up on this machine ("
            + "; ".join(failures) + "). " + _FIX)

    def _record(self, layer: str, info: dict) -> None:
        text = describe(info)
        with _USED_LOCK:
            _WORKS[self._isolation] = layer
            new = text not in _USED
            _USED[text] = info
        if new:
            log.info("code sandbox isolation: %s", text)

    def run(self, program: str, stdin: bytes, limits: Limits) -> RunResult:
        start = time.monotonic()
        if self._proc is None:
            self._start()  # IsolationError goes to the caller: nothing may run then
        try:
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
        # The launcher removes its temp root, unless it was killed. A private one (in the
        # sandbox's own tmpfs) vanished with it, and the same path out here is not ours.
        if self._base is not None and self.info is not None and not self.info["private_tmp"]:
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


