"""The hostile suite (tests/hostile_suite.py) as an unprivileged user, in every isolation layer.

Researchers run the pipeline as ordinary users, where the sandbox has no uid to switch to: the
files, processes and secrets within reach of model-written code are the researcher's own. Run
as root (CI), these tests create a user and run the suite as that user; run as anyone else,
as that user. Checked from outside after each run: the user's file in HOME and in /tmp are
intact, nothing was written outside the temp dirs, no listener was reached, the user's other
process lives, and no attack passed (an attack that gets what it wants defines a correct
solution).

The suite's process needs a Python the user can run. The project's venv may be built on an
interpreter in root's 0700 home (pyenv in /root here), so the test looks for one the user can
start (the venv's, else Debian's /usr/bin/python3): the code checker and the sandbox are
stdlib only, and the package is copied to a folder the user can read (the checkout may sit
under /root too).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hostile_suite import Targets
from reasoning_boundary.verify.sandbox.isolation import landlock_abi

ROOT = os.geteuid() == 0
USER = "rb-sandbox-test"
PACKAGE = Path(__file__).resolve().parents[1] / "workflow" / "src" / "reasoning_boundary"
SUITE = Path(__file__).with_name("hostile_suite.py")


def _as(owner: tuple[int, int] | None) -> dict:
    return {"user": owner[0], "group": owner[1], "extra_groups": []} if owner else {}


def _python_for(owner: tuple[int, int] | None) -> str | None:
    for python in dict.fromkeys([sys.executable, "/usr/bin/python3", shutil.which("python3")]):
        if not python:
            continue
        try:
            probe = subprocess.run([python, "-c", "import sys; print(sys.version_info >= (3, 10))"],
                                   capture_output=True, text=True, timeout=30, cwd="/",
                                   **_as(owner))
        except OSError:
            continue
        if probe.stdout.strip() == "True":
            return python
    return None


@pytest.fixture(scope="module")
def unprivileged(tmp_path_factory):
    """(owner, python, home base, package folder): a user without privileges and its tools."""
    if ROOT:
        if subprocess.run(["id", "-u", USER], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--create-home", "--user-group", "--shell", "/bin/sh",
                            USER], check=True, capture_output=True)
        import pwd

        entry = pwd.getpwnam(USER)
        owner, base = (entry.pw_uid, entry.pw_gid), Path(entry.pw_dir)
        base.mkdir(exist_ok=True)
        os.chown(base, *owner)
        os.chmod(base, 0o755)
        _install_bubblewrap()
    else:  # we are the unprivileged user; scratch space in our home, not in /tmp
        owner, base = None, Path.home() / ".cache"
    python = _python_for(owner)
    if python is None:
        pytest.skip("no Python >= 3.10 that the unprivileged user can run")
    # Outside /tmp: the sandbox gives its children a private /tmp, so a HOME there would be
    # hidden rather than protected.
    work = Path(_mkdtemp(base, owner))
    src = work / "src"
    shutil.copytree(PACKAGE, src / "reasoning_boundary",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(SUITE, src / SUITE.name)
    for path in (src, *src.rglob("*")):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    yield owner, python, work, src
    shutil.rmtree(work, ignore_errors=True)


def _mkdtemp(base: Path, owner: tuple[int, int] | None) -> str:
    import tempfile

    base.mkdir(parents=True, exist_ok=True)
    path = tempfile.mkdtemp(prefix="rb-sandbox-test-", dir=base)
    os.chmod(path, 0o755)
    return path


def _kernel_refuses(isolation: str, owner: tuple[int, int] | None) -> str | None:
    """Why this machine cannot give the layer to the user, asked with other tools; None if
    it can."""
    if isolation == "landlock":
        return None if landlock_abi() > 0 else "the kernel has no Landlock"
    probe = (["bwrap", "--ro-bind", "/", "/", "--unshare-all", "true"] if isolation == "auto"
             else ["unshare", "--user", "--map-root-user", "--mount", "--net", "--pid",
                   "--fork", "true"])
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30, cwd="/",
                              **_as(owner))
    except OSError as err:
        return f"{probe[0]}: {err}"
    return None if done.returncode == 0 else f"{' '.join(probe)}: {done.stderr.strip()}"


def _install_bubblewrap() -> None:
    """As the Makefile installs Chromium for the report test: CI starts from a bare machine."""
    if shutil.which("bwrap") or not shutil.which("apt-get"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "bubblewrap"],
                   capture_output=True, env=env)


@pytest.mark.parametrize("isolation", ["auto", "namespaces", "landlock"])
def test_hostile_completions_as_an_unprivileged_user(unprivileged, isolation):
    owner, python, work, src = unprivileged
    if isolation == "auto" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed and cannot be installed here")
    why_not = _kernel_refuses(isolation, owner)
    if why_not:  # asked of the kernel directly, so that a bug of ours cannot hide as a skip
        pytest.skip(why_not)
    if isolation == "landlock" and owner is None and landlock_abi() < 6:
        # Landlock scopes signals from ABI 6 on; before, `kill(-1)` in the suite would reach
        # every process of the user running these tests (a dedicated user's, as root, only).
        pytest.skip("Landlock < ABI 6 does not scope signals: run as root to test this layer")
    home = Path(_mkdtemp(work, owner))
    if owner:
        os.chown(home, *owner)
    with Targets(str(home), owner) as targets:
        setup = work / f"setup-{isolation}.json"
        setup.write_text(json.dumps(targets.setup(str(src), isolation)))
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
               targets.secret_name: targets.secret}
        done = subprocess.run([python, str(src / SUITE.name), str(setup)], capture_output=True,
                              text=True, timeout=300, cwd=home, env=env, **_as(owner))
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.splitlines()[-1])
        assert targets.damage(result["status"]) == [], result
    (used,) = result["isolation"]
    expected = "bwrap" if isolation == "auto" else isolation
    assert used["layer"] == expected and not used["uid_switch"], used
    assert used["description"] in done.stderr  # logged once, for the job's log


# A container's seccomp policy, as Docker's default one: no new user namespaces (unshare, and
# clone with CLONE_NEWUSER, which bubblewrap uses; clone3 is refused so that glibc falls back to
# clone) and no Landlock. Installed in the suite's own process before it checks anything.
REFUSE_ISOLATION = r"""
import ctypes, errno, platform, struct, sys
arch, nr = {"x86_64": (0xC000003E, dict(unshare=272, clone=56, clone3=435, landlock=444)),
            "aarch64": (0xC00000B7, dict(unshare=97, clone=220, clone3=435, landlock=444))}[
    platform.machine()]
ld, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
allow, fail = 0x7FFF0000, 0x00050000
program = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, allow), (ld, 0, 0, 0),
           (jeq, 5, 0, nr["unshare"]), (jeq, 5, 0, nr["landlock"]), (jeq, 4, 0, nr["clone3"]),
           (jeq, 0, 4, nr["clone"]), (ld, 0, 0, 16), (jset, 0, 2, 0x10000000),
           (ret, 0, 0, fail | errno.EPERM), (ret, 0, 0, fail | errno.ENOSYS), (ret, 0, 0, allow)]
code = b"".join(struct.pack("HBBI", *i) for i in program)
buf = ctypes.create_string_buffer(code, len(code))
fprog = struct.pack("HxxxxxxQ", len(program), ctypes.addressof(buf))
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(38, 1, 0, 0, 0) == 0 and libc.prctl(22, 2, fprog, 0, 0) == 0
sys.path.insert(0, sys.argv[1])
from reasoning_boundary.verify.code_check import verify_code
from reasoning_boundary.verify.sandbox import IsolationError
problem = {"id": "p", "kind": "code", "prompt": "", "entry_point": "f",
           "tests": {"format": "humaneval", "code": "def check(f):\n    assert f() == 1\n"}}
sample = {"problem_id": "p", "sample_index": 0, "seed": 0, "num_tokens": 0,
          "finish_reason": "stop", "response": "def f():\n    return 1\n"}
try:
    print(verify_code({"p": problem}, [sample], progress=False))
except IsolationError as err:
    print("IsolationError:", err)
"""


@pytest.mark.skipif(os.uname().machine not in ("x86_64", "aarch64"), reason="seccomp filter")
def test_without_any_isolation_verification_stops_and_names_the_fix(unprivileged):
    owner, python, _, src = unprivileged
    done = subprocess.run([python, "-c", REFUSE_ISOLATION, str(src)], capture_output=True,
                          text=True, timeout=120, cwd="/", env={"PATH": "/usr/bin:/bin"},
                          **_as(owner))
    assert done.stdout.startswith("IsolationError: no isolation"), (done.stdout, done.stderr)
    for layer in ("bwrap", "namespaces", "landlock"):  # each layer was tried, and said why
        assert f"{layer}: " in done.stdout, done.stdout
    assert "apt-get install bubblewrap" in done.stdout and "isolation: none" in done.stdout
