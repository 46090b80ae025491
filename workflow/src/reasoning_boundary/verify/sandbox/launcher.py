"""The sandbox launcher: a long-lived, single-threaded process that forks one child per program.

Started by :class:`~reasoning_boundary.verify.sandbox.SubprocessSandbox` as
``[bwrap ...] python -s -P launcher.py --launcher CONFIG`` (stdlib only: it runs by path,
without the package). CONFIG names the isolation layer; the launcher sets it up once
(``_isolate``: namespaces, a read-only root, private /tmp, probes for Landlock and seccomp) and
says in its first frame what it got, or why not. It then reads frames (program, stdin bytes,
limits) on fd 0 and answers one result frame per program on fd 1. As root it also claims a uid
of its own (a lock file per uid) and runs every child under it.

A child: a new session, rlimits, a fresh temp dir (on tmpfs) as cwd, HOME and TMPDIR, a
scrubbed environment, the layer's per-child part (``_isolate_child``: the uid or no
capabilities, no_new_privs, Landlock, the seccomp filter), PR_SET_PDEATHSIG; stdin from a
memfd, stdout+stderr into one pipe (head kept, rest drained), the report pipe on fd
``REPORT_FD``. Afterwards its process group is SIGKILLed, every remaining descendant killed and
reaped (the launcher is their subreaper, so escapees that called setsid come back to it), its
temp dir removed, and what it left in the private scratch dirs (or, as root without them, files
of its uid in world-writable dirs) deleted.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import resource
import select
import shutil
import signal
import stat
import struct
import sys
import tempfile
import time
from types import ModuleType, SimpleNamespace

REPORT_FD = 3
UID_BASE = 1_500_000_000  # far above any real account; one uid per live launcher
CHILD_PATH = "/usr/local/bin:/usr/bin:/bin"


class SandboxError(RuntimeError):
    pass


# --- framing shared by both ends: 8-byte length, then a pickle. Only trusted code (us and the
# launcher) ever writes these frames; the child's bytes travel inside them as plain bytes.
def send(fd: int, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    write_all(fd, struct.pack("<Q", len(data)) + data)


def recv(fd: int, deadline: float | None = None) -> object:
    header = read_exact(fd, 8, deadline)
    if len(header) < 8:
        return None
    (size,) = struct.unpack("<Q", header)
    body = read_exact(fd, size, deadline)
    return pickle.loads(body) if len(body) == size else None


def read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise SandboxError("timed out waiting for the launcher")
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# --- the launcher -------------------------------------------------------------------------
def _load_isolation() -> ModuleType:
    """``isolation.py`` beside this file (the launcher runs by path, without the package)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "isolation.py")
    spec = importlib.util.spec_from_file_location("rb_sandbox_isolation", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _launcher_main(config: dict) -> None:
    iso = _load_isolation()
    # Warm imports shared by every fork, loaded while their files are in sight (a private
    # /tmp would hide a project that lives there). No threads: unshare needs a single one.
    for name, path in config["preload"].items():
        import importlib.util

        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    try:
        ctx = _isolate(iso, config["layer"])
    except (OSError, SandboxError) as err:
        send(1, {"ready": False, "error": f"{config['layer']}: {err}"})
        return
    # pid 1 ignores only signals left at their default action (Python catches SIGINT), and a
    # child of the same uid must not ptrace us or read /proc/<launcher>/mem.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    iso.prctl(iso.PR_SET_DUMPABLE, 0)
    # tmpfs when there is one: removing a dir on this ext4 (mounted with discard) costs ~2 ms.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    ctx.base = tempfile.mkdtemp(prefix="rb-sandbox-", dir=shm)
    os.chmod(ctx.base, 0o711)
    send(1, {"ready": True, "uid": ctx.uid, "base": ctx.base, "isolation": ctx.info})
    try:
        while (msg := recv(0)) is not None:
            program, stdin, limits = msg  # type: ignore[misc]
            try:
                result = _run_one(program, stdin, SimpleNamespace(**limits), ctx)
            except Exception as err:  # a launcher bug must not hang the parent
                result = dict(report=b"", output=b"", exit_code=None, timed_out=False,
                              seconds=0.0, error=f"launcher: {err!r}")
            send(1, result)
    finally:
        shutil.rmtree(ctx.base, ignore_errors=True)


def _isolate(iso: ModuleType, layer: str) -> SimpleNamespace:
    """Set up ``layer`` for this launcher and its children (raises when the kernel refuses).

    As root every layer adds a uid of the launcher's own for its children (claimed, and its
    leftovers killed, before any namespace hides /tmp and other processes).
    """
    iso.prctl(iso.PR_SET_CHILD_SUBREAPER, 1)
    root = os.geteuid() == 0
    uid, keep = (iso.claim_uid(UID_BASE) if root else None), (0, 0)
    if uid is not None and iso.can_become(uid):
        iso.kill_uid(uid)  # leftovers of a launcher that died holding this uid
        keep = iso.reachable_sys_path()
    else:
        uid = None  # e.g. a container without CAP_SETUID
    private = layer in ("namespaces", "bwrap")
    if layer == "namespaces":
        iso.enter_namespaces(user_ns=not root)
    elif layer == "bwrap" and os.getpid() != 1:
        raise SandboxError("not started as pid 1 of bubblewrap's PID namespace")
    network = private
    if not private and root:  # a network namespace alone, as root can
        network = iso.libc.unshare(iso.CLONE_NEWNET | iso.CLONE_NEWIPC) == 0
    ctx = SimpleNamespace(uid=uid, keep=keep, iso=iso, private=private, base="",
                          last_cap=_last_cap(), landlock=0, seccomp=False)
    if layer != "none":  # none means what it says: only root's uid switch stays
        abi = iso.landlock_abi()
        if abi and _probe(ctx, landlock=abi):
            ctx.landlock = abi
        elif layer == "landlock":
            raise SandboxError(f"the kernel has no usable Landlock (ABI {abi})")
        ctx.seccomp = iso.seccomp_supported() and _probe(ctx, seccomp=True)
    ctx.nproc = uid is not None or (private and iso.private_process_limit())
    ctx.info = dict(layer=layer, uid_switch=uid is not None, network_isolated=network,
                    private_tmp=private, pid_namespace=private, landlock_abi=ctx.landlock,
                    seccomp_unix=ctx.seccomp, process_limit=ctx.nproc)
    return ctx


def _last_cap() -> int:
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        return int(handle.read())


def _probe(ctx: SimpleNamespace, landlock: int = 0, seccomp: bool = False) -> bool:
    """Whether a child could apply this layer (the kernel may have it, yet refuse it)."""
    pid = os.fork()
    if pid == 0:
        try:
            ctx.iso.no_new_privileges()
            if landlock:
                ctx.iso.landlock_restrict([tempfile.gettempdir()], landlock)
            if seccomp:
                ctx.iso.seccomp_refuse_unix_sockets()
            os._exit(0)
        finally:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def _run_one(program: str, stdin: bytes, limits: SimpleNamespace, ctx: SimpleNamespace) -> dict:
    start = time.monotonic()
    workdir = tempfile.mkdtemp(dir=ctx.base)
    if ctx.uid is not None:
        os.chown(workdir, ctx.uid, ctx.uid)
    in_fd = os.memfd_create("stdin")
    write_all(in_fd, stdin)
    os.lseek(in_fd, 0, os.SEEK_SET)
    out_r, out_w = os.pipe()
    rep_r, rep_w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        for fd in (in_fd, out_w, rep_w, out_r, rep_r):
            os.close(fd)
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    if pid == 0:
        _child(program, limits, workdir, ctx, in_fd, out_w, rep_w)
    for fd in (in_fd, out_w, rep_w):
        os.close(fd)
    bufs = {out_r: bytearray(), rep_r: bytearray()}
    caps = {out_r: limits.output_bytes, rep_r: limits.report_bytes}
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    for fd in (out_r, rep_r, pidfd):
        poller.register(fd, select.POLLIN)
    deadline, timed_out, exited = start + limits.wall_seconds, False, False
    while not exited:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        for fd, _ in poller.poll(remaining * 1000):
            if fd == pidfd:
                exited = True
            elif not _pump(fd, bufs[fd], caps[fd]):
                poller.unregister(fd)
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)  # in case it died before its setsid
    _, status, usage = os.wait4(pid, 0)
    _reap_descendants()
    for fd in (out_r, rep_r):  # every writer is dead now, so these reads end
        os.set_blocking(fd, False)
        with contextlib.suppress(OSError):
            while _pump(fd, bufs[fd], caps[fd]):
                pass
        os.close(fd)
    os.close(pidfd)
    shutil.rmtree(workdir, ignore_errors=True)
    if ctx.private:  # everything in the private scratch dirs is the sandbox's
        _empty_scratch(ctx.iso.SCRATCH_DIRS, ctx.base)
    elif ctx.uid is not None:
        _sweep_files(ctx.uid, _SWEEP)
    cpu = usage.ru_utime + usage.ru_stime
    cpu_limit = limits.cpu_seconds or limits.wall_seconds + 1
    code = os.waitstatus_to_exitcode(status)
    output = bytes(bufs[out_r])
    if code == _SETUP_FAILED_CODE and output.startswith(_SETUP_FAILED):
        error = output[len(_SETUP_FAILED):].decode(errors="replace")
        return dict(report=b"", output=b"", exit_code=code, timed_out=False,
                    seconds=time.monotonic() - start, error=f"child isolation: {error}")
    timed_out = timed_out or code == -signal.SIGXCPU or cpu >= cpu_limit
    return dict(report=bytes(bufs[rep_r]), output=output, exit_code=code,
                timed_out=timed_out, seconds=time.monotonic() - start, error=None)


def _pump(fd: int, buf: bytearray, cap: int) -> bool:
    """Move what is readable into buf (up to cap, the rest is dropped); False at EOF."""
    chunk = os.read(fd, 1 << 16)
    if chunk and len(buf) < cap:
        buf += chunk[: cap - len(buf)]
    return bool(chunk)


def _reap_descendants() -> None:
    """Kill and reap everything left below the launcher (it is their subreaper)."""
    me = os.getpid()
    for _ in range(10_000):
        try:
            with open(f"/proc/{me}/task/{me}/children") as handle:
                kids = [int(p) for p in handle.read().split()]
        except OSError:
            kids = []
        for kid in kids:
            with contextlib.suppress(OSError):
                os.kill(kid, signal.SIGKILL)
        for kid in kids:  # SIGKILLed, so these waits are short; orphans move up to us
            with contextlib.suppress(OSError):
                os.waitpid(kid, 0)
        try:
            if not kids and os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.001)  # a child exists that /proc did not list yet
        except ChildProcessError:
            return


def _remove(entry: os.DirEntry) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path, ignore_errors=True)
    else:
        os.unlink(entry.path)


def _empty_scratch(dirs: tuple[str, ...], base: str) -> None:
    for directory in dirs:
        with contextlib.suppress(OSError), os.scandir(directory) as entries:
            for entry in entries:
                if entry.path != base:
                    with contextlib.suppress(OSError):
                        _remove(entry)


# World-writable dirs where a uid-switched child may leave files (root without namespaces).
_SWEEP = [d for d in {"/tmp", "/var/tmp", "/dev/shm", "/run/lock", tempfile.gettempdir()}
          if os.path.isdir(d) and os.stat(d).st_mode & stat.S_IWOTH]


def _sweep_files(uid: int, dirs: list[str]) -> None:
    for directory in dirs:
        with contextlib.suppress(OSError), os.scandir(directory) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid == uid:
                        _remove(entry)


_SETUP_FAILED = b"rb-sandbox: child isolation failed: "
_SETUP_FAILED_CODE = 125


def _child(program: str, limits: SimpleNamespace, workdir: str, ctx: SimpleNamespace,
           in_fd: int, out_w: int, rep_w: int) -> None:
    status = 1
    try:
        os.setsid()
        os.dup2(in_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        os.dup2(rep_w, REPORT_FD)
        max_fd = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        os.closerange(REPORT_FD + 1, ctx.keep[0] or max_fd)  # launcher pipes, the uid lock
        if ctx.keep[1]:
            os.closerange(ctx.keep[1], max_fd)
        cpu = max(1, int(limits.cpu_seconds or limits.wall_seconds + 1))
        rlimits = [(resource.RLIMIT_CPU, (cpu, cpu + 1)),
                   (resource.RLIMIT_AS, (limits.memory_bytes,) * 2),
                   (resource.RLIMIT_FSIZE, (limits.file_size_bytes,) * 2),
                   (resource.RLIMIT_CORE, (0, 0))]
        if ctx.nproc:  # NPROC counts per uid (per user namespace): it must be ours alone
            rlimits.append((resource.RLIMIT_NPROC, (limits.max_processes,) * 2))
        for which, value in rlimits:
            resource.setrlimit(which, value)
        os.chdir(workdir)
        _isolate_child(ctx, workdir)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in any Python program
        os.environ.clear()
        os.environ.update(PATH=CHILD_PATH, HOME=workdir, TMPDIR=workdir, LANG="C.UTF-8")
        tempfile.tempdir = None
        code = compile(program, "<sandbox>", "exec")
        exec(code, {"__name__": "__main__", "__builtins__": __builtins__})
        status = 0
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    except BaseException:
        with contextlib.suppress(OSError):
            import traceback

            traceback.print_exc()
    finally:
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status & 0xFF)


def _isolate_child(ctx: SimpleNamespace, workdir: str) -> None:
    """The per-child part of the layer; a failure ends the child before any untrusted code."""
    iso = ctx.iso
    try:
        if ctx.uid is not None:
            os.setgroups([])
            os.setresgid(ctx.uid, ctx.uid, ctx.uid)
            os.setresuid(ctx.uid, ctx.uid, ctx.uid)  # clears every capability
        else:  # in a user namespace the launcher holds all of its capabilities
            iso.drop_capabilities(ctx.last_cap)
        iso.prctl(iso.PR_SET_DUMPABLE, 1)  # the launcher is not dumpable; the child may be
        iso.prctl(iso.PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it
        iso.no_new_privileges()  # no setuid binary gives anything back
        if ctx.landlock:
            writable = [workdir, *(iso.SCRATCH_DIRS if ctx.private else ())]
            iso.landlock_restrict(writable, ctx.landlock)
        if ctx.seccomp:
            iso.seccomp_refuse_unix_sockets()
    except OSError as err:
        os.write(2, _SETUP_FAILED + str(err).encode())
        os._exit(_SETUP_FAILED_CODE)


if __name__ == "__main__" and sys.argv[1:2] == ["--launcher"]:
    # Stray output would corrupt the frame stream on fd 1, so the launcher never prints.
    _launcher_main(json.loads(sys.argv[2]))
