"""The sandbox itself: isolation, limits, cleanup, and the report channel."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from reasoning_boundary.verify.sandbox import (
    LAYERS,
    UID_BASE,
    Limits,
    SubprocessSandbox,
    describe,
    isolation_used,
)

ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def sandbox():
    with SubprocessSandbox() as box:
        yield box


def run(box: SubprocessSandbox, program: str, wall: float = 5.0, **limits):
    result = box.run(program, b"", Limits(wall_seconds=wall, **limits))
    assert result.error is None, result.error
    return result


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_report_fd_stdin_and_exit_code(sandbox):
    result = sandbox.run(
        "import os, sys\ndata = os.read(0, 100)\nos.write(3, data.upper())\nprint('out')\n"
        "sys.exit(7)", b"hello", Limits())
    assert (result.report, result.output, result.exit_code) == (b"HELLO", b"out\n", 7)
    assert not result.timed_out


@pytest.mark.skipif(not ROOT, reason="uid switching needs root")
def test_runs_as_unprivileged_uid_in_a_private_temp_home(sandbox):
    result = run(sandbox, "import os\nos.write(3, repr((os.getuid(), os.getgid(), os.getgroups(),"
                          " os.getcwd(), os.environ['HOME'])).encode())")
    uid, gid, groups, cwd, home = eval(result.report)
    assert uid >= UID_BASE and gid == uid and groups == []
    assert cwd == home and not os.path.exists(cwd)  # removed after the run


def test_environment_is_scrubbed(sandbox, monkeypatch):
    monkeypatch.setenv("RB_FAKE_SECRET", "hunter2")
    result = run(sandbox, "import os\nos.write(3, repr(sorted(os.environ)).encode())")
    assert eval(result.report) == ["HOME", "LANG", "PATH", "TMPDIR"]


def test_network_is_unreachable(sandbox):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    port = server.getsockname()[1]
    try:
        result = run(sandbox, "import socket\ntry:\n"
                              f"    socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
                              "    print('connected')\nexcept OSError as e:\n    print(e.errno)")
        assert b"connected" not in result.output
        with pytest.raises(OSError):
            server.accept()
    finally:
        server.close()
    if sandbox.network_isolated:  # ENETUNREACH (no interface up), or Landlock's EACCES
        assert result.output.strip() in (b"101", b"13")


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (the launcher's own chain included)."""
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for task in os.listdir(f"/proc/{current}/task"):
            try:
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    kids = [int(p) for p in handle.read().split()]
            except OSError:
                continue
            found.update(kids)
            todo.extend(kids)
    return found


def test_wall_clock_kills_the_whole_tree_including_setsid_escapees(sandbox):
    run(sandbox, "pass")
    launcher_chain = descendants(sandbox._proc.pid)
    program = (
        "import os, time\n"
        "for _ in range(3):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            os.write(3, b'x')\n"
        "            time.sleep(60)\n"
        "        time.sleep(60)\n"
        "while True:\n"
        "    pass\n")
    start = time.monotonic()
    result = run(sandbox, program, wall=1.0)
    assert result.timed_out and time.monotonic() - start < 5
    assert result.report == b"xxx"  # the grandchildren did start
    # Their pids inside a PID namespace mean nothing out here: what is left below us counts.
    assert descendants(sandbox._proc.pid) == launcher_chain


def test_cpu_limit(sandbox):
    result = run(sandbox, "while True:\n    pass", wall=10.0, cpu_seconds=1)
    assert result.timed_out and result.seconds < 5


def test_fork_bomb_is_contained(sandbox):
    if not sandbox.info["process_limit"]:
        pytest.skip("RLIMIT_NPROC binds only for a uid (or user namespace) of its own")
    program = ("import os\nn = 0\nwhile True:\n    try:\n        os.fork()\n"
               "    except OSError:\n        n += 1\n        if n > 1000:\n"
               "            os._exit(0)\n")
    result = run(sandbox, program, wall=2.0, max_processes=32)
    assert result.seconds < 4
    assert run(sandbox, "print('still fine')").output == b"still fine\n"


def test_memory_limit(sandbox):
    result = run(sandbox, "x = bytearray(20 << 30)", memory_bytes=1 << 30)
    assert result.exit_code == 1 and b"MemoryError" in result.output


def test_file_size_limit(sandbox):
    result = run(sandbox, "open('big', 'wb').write(b'x' * (2 << 20))", file_size_bytes=1 << 20)
    assert result.exit_code == 1 and b"File too large" in result.output


def test_output_is_capped_and_drained(sandbox):
    result = run(sandbox, "import os\nblock = b'x' * 65536\nfor _ in range(16384):\n"
                          "    os.write(1, block)\nos.write(3, b'done')", wall=20.0,
                 output_bytes=1000)
    assert len(result.output) == 1000 and result.report == b"done"


def test_child_cannot_kill_the_launcher(sandbox):
    result = run(sandbox, "import os, signal\nfor target in (os.getppid(), -1):\n    try:\n"
                          "        os.kill(target, signal.SIGKILL)\n    except OSError:\n"
                          "        pass\n")
    assert result.exit_code in (0, -9)
    assert run(sandbox, "print(1)").output == b"1\n"


def test_files_outside_the_temp_dir_are_protected_or_removed(sandbox, tmp_path):
    decoy = tmp_path / "decoy.txt"
    decoy.write_text("keep me")
    stray = [f"/tmp/rb-test-stray-{os.getpid()}", f"/dev/shm/rb-test-stray-{os.getpid()}"]
    program = ("import os, shutil\n"
               f"for path in {stray!r}:\n    open(path, 'w').write('x')\n"
               f"try:\n    os.remove({str(decoy)!r})\nexcept OSError as e:\n    print(e.errno)\n")
    result = run(sandbox, program)
    # ENOENT: a private /tmp (this test's tmp_path is below /tmp); EACCES: another uid or
    # Landlock; EROFS: the read-only root.
    assert result.output.strip() in (b"2", b"13", b"30")
    assert decoy.read_text() == "keep me"
    assert not any(os.path.exists(p) for p in stray)


def test_the_isolation_is_reported_and_described(sandbox):
    run(sandbox, "pass")
    info = sandbox.info
    assert info["layer"] in LAYERS and info["layer"] != "none"
    assert info["uid_switch"] == ROOT == (sandbox.uid is not None)
    if info["layer"] in ("bwrap", "namespaces"):
        assert info["private_tmp"] and info["pid_namespace"] and info["network_isolated"]
        pid = run(sandbox, "import os\nprint(os.getppid())")
        assert pid.output == b"1\n"  # the launcher is pid 1 of the sandbox's PID namespace
    assert describe(info) in [u["description"] for u in isolation_used()]


def test_the_child_cannot_open_unix_sockets_or_gain_privileges(sandbox):
    if not sandbox.info["seccomp_unix"]:
        pytest.skip("no seccomp filter on this architecture")
    result = run(sandbox, "import socket, os\ntry:\n    socket.socket(socket.AF_UNIX)\n"
                          "except OSError as e:\n    print(e.errno)\n"
                          "a, b = socket.socketpair()\na.send(b'ok')\nprint(b.recv(2).decode())\n"
                          "print(open('/proc/self/status').read().split('NoNewPrivs:')[1].split()[0])\n"
                          "print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])\n")
    assert result.output.split() == [b"13", b"ok", b"1", b"0000000000000000"], result.output


def test_a_dead_launcher_is_reported_then_replaced():
    box = SubprocessSandbox()
    try:
        assert box.run("print(1)", b"", Limits()).output == b"1\n"
        base = box._base
        for pid in [box._proc.pid, *descendants(box._proc.pid)]:  # a crash of the launcher
            os.kill(pid, signal.SIGKILL)
        assert box.run("print(2)", b"", Limits()).error is not None
        assert not os.path.exists(base)  # its temp root: private, or removed for it
        assert box.run("print(3)", b"", Limits()).output == b"3\n"
    finally:
        box.close()


def test_per_run_overhead_is_small(sandbox):
    run(sandbox, "pass")
    start = time.perf_counter()
    for _ in range(20):
        run(sandbox, "pass")
    assert (time.perf_counter() - start) / 20 < 0.05  # ~3 ms here; generous for loaded CI
