"""A throwaway one-node SLURM cluster on this machine, for tests of the SLURM executor path.

Everything lives in one private folder: slurm.conf, state, logs, pid files and a munge daemon of
its own on its own socket, with ports picked free at start. So the cluster neither touches nor
depends on a system SLURM or munge, and two test sessions can each run one at the same time.
Each daemon is stopped by the pid it wrote, never by name.

What works here (Debian 12, root, no systemd; measured on this kind of machine): linuxproc process
tracking, no task plugin, cons_tres with CR_Core_Memory and a DefMemPerCPU (without it one job
holds the whole node). There is no slurmdbd, so ``sacct`` fails; the Snakemake plugin is
told to use ``squeue``, which it honours only when MinJobAge >= 3 x its first status-check
delay, hence MinJobAge=300.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
from pathlib import Path

PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
COMMANDS = ("slurmctld", "slurmd", "munged", "sbatch", "srun", "sinfo", "squeue", "scontrol")
# GPUs the node advertises without devices, so sbatch can validate GPU requests; no job that
# asks for one is ever run here.
FAKE_GPUS = 2
FAKE_GPU_MODEL = "fake"


class ClusterError(RuntimeError):
    pass


def missing_commands() -> list[str]:
    return [name for name in COMMANDS if shutil.which(name) is None]


def install_if_missing() -> None:
    """apt-get the four Debian packages, only when a command is missing (about 10 s)."""
    if not missing_commands():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ClusterError(
            f"SLURM is not installed ({', '.join(missing_commands())} missing) and cannot be "
            "installed here: needs root and apt-get"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
    ):
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise ClusterError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    if missing_commands():
        raise ClusterError(f"still missing after apt-get: {', '.join(missing_commands())}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("", 0))
        return sock.getsockname()[1]


def node_line() -> str:
    """The node as ``slurmd -C`` sees it, with a little memory left to the system."""
    probe = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True)
    line = probe.stdout.splitlines()[0]
    memory = int(re.search(r"RealMemory=(\d+)", line).group(1))
    # Asking for all reported memory lets the node fail registration ("Low RealMemory").
    return re.sub(r"RealMemory=\d+", f"RealMemory={int(memory * 0.9)}", line)


class SlurmCluster:
    """``with SlurmCluster() as cluster:`` starts munged, slurmctld and slurmd; exit stops them.

    ``cluster.env`` is the environment for SLURM clients (sbatch, squeue, Snakemake's plugin).
    """

    def __init__(self, root: Path | None = None):
        # Not under pytest's tmp_path: munged runs as the munge user and refuses a socket or
        # key in a folder it cannot own, and pytest's folders are root-only.
        self._own_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="rb-slurm-"))
        self.conf = self.root / "slurm.conf"
        self.munge_dir = self.root / "munge"
        self.munge_socket = self.munge_dir / "munged.socket"
        self.pid_files = {
            "munged": self.munge_dir / "munged.pid",
            "slurmctld": self.root / "slurmctld.pid",
            "slurmd": self.root / "slurmd.pid",
        }
        self.started: dict[str, int] = {}
        self.launched: set[str] = set()
        self.bin = self.root / "bin"
        self.env = {
            **os.environ,
            "SLURM_CONF": str(self.conf),
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.node = socket.gethostname()

    # ---- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> SlurmCluster:
        # A test run stopped with SIGTERM (a CI timeout) would skip every finally block and leave
        # the daemons behind; as SystemExit it unwinds through stop() like Ctrl-C does.
        self._previous_sigterm = None
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            if self._previous_sigterm is not None:
                signal.signal(signal.SIGTERM, self._previous_sigterm)
                self._previous_sigterm = None
            if self._own_root and not exc_failed(exc):
                shutil.rmtree(self.root, ignore_errors=True)

    def start(self, timeout: float = 30) -> None:
        install_if_missing()
        try:
            socket.gethostbyname(self.node)
        except OSError as err:
            raise ClusterError(f"host name {self.node} does not resolve: {err}") from err
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        self._start_munged()
        self._write_conf()
        for daemon in ("slurmctld", "slurmd"):
            self.launched.add(daemon)
            self._run([daemon, "-f", str(self.conf)], f"{daemon} did not start")
            self.started[daemon] = self._read_pid(daemon, timeout=10)
        self._wait_idle(timeout)

    def stop(self) -> None:
        """Cancel what is queued, then stop every daemon this object started, by its pid."""
        if "slurmctld" in self.started or "slurmctld" in self.launched:
            with contextlib.suppress(Exception):
                subprocess.run(
                    ["scancel", "--user", getpass.getuser()],
                    env=self.env, capture_output=True, timeout=10,
                )
        for daemon in ("slurmd", "slurmctld", "munged"):
            pid = self.started.pop(daemon, None)
            if pid is None and daemon in self.launched:
                # Launched, but start() gave up before its pid file was readable.
                with contextlib.suppress(OSError, ValueError, IndexError):
                    pid = int(self.pid_files[daemon].read_text().split()[0])
            self.launched.discard(daemon)
            if pid is not None:
                _terminate(pid)

    # ---- pieces ----------------------------------------------------------------------------

    def _start_munged(self) -> None:
        import pwd

        munge = pwd.getpwnam("munge")
        self.munge_dir.mkdir(exist_ok=True)
        key = self.munge_dir / "munge.key"
        key.write_bytes(os.urandom(128))
        for path in (self.munge_dir, key):
            os.chown(path, munge.pw_uid, munge.pw_gid)
        key.chmod(0o400)
        # Clients (slurmctld, slurmd, sbatch) must reach the socket; the key stays private.
        self.munge_dir.chmod(0o755)
        command = [
            "munged",
            f"--socket={self.munge_socket}",
            f"--key-file={key}",
            f"--pid-file={self.pid_files['munged']}",
            f"--log-file={self.munge_dir / 'munged.log'}",
            f"--seed-file={self.munge_dir / 'munged.seed'}",
        ]
        # munged refuses to run as root.
        self.launched.add("munged")
        self._run(["runuser", "-u", "munge", "--", *command], "munged did not start")
        self.started["munged"] = self._read_pid("munged", timeout=10)

    def _write_srun_shim(self) -> None:
        """An ``srun`` on the jobs' PATH that knows where this cluster's slurm.conf is.

        The plugin's job step (snakemake-executor-plugin-slurm-jobstep 0.6.1) removes every
        SLURM_* variable but the job's identity before its inner ``srun``, SLURM_CONF included;
        a real cluster keeps slurm.conf where srun looks by default, this one does not.
        """
        self.bin.mkdir(exist_ok=True)
        shim = self.bin / "srun"
        real = shutil.which("srun", path=os.environ.get("PATH"))
        shim.write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec "{real}" "$@"\n')
        shim.chmod(0o755)

    def _write_conf(self) -> None:
        self._write_srun_shim()
        spool = self.root / "spool"
        state = self.root / "state"
        for folder in (spool, state):
            folder.mkdir(exist_ok=True)
        # SLURM drops a GPU without a device file, so each fake GPU is a character device
        # with the numbers of /dev/null.
        devices = []
        for index in range(FAKE_GPUS):
            device = self.root / f"fakegpu{index}"
            if not device.exists():
                os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            devices.append(str(device))
        (self.root / "gres.conf").write_text(
            f"NodeName={self.node} Name=gpu Type={FAKE_GPU_MODEL} File={','.join(devices)}\n"
        )
        node = f"{node_line()} Gres=gpu:{FAKE_GPU_MODEL}:{FAKE_GPUS} State=UNKNOWN"
        self.conf.write_text(
            "\n".join(
                [
                    "ClusterName=rbtest",
                    f"SlurmctldHost={self.node}",
                    f"SlurmctldPort={_free_port()}",
                    f"SlurmdPort={_free_port()}",
                    "SlurmUser=root",
                    "SlurmdUser=root",
                    f"AuthInfo=socket={self.munge_socket}",
                    f"StateSaveLocation={state}",
                    f"SlurmdSpoolDir={spool}",
                    f"SlurmctldPidFile={self.pid_files['slurmctld']}",
                    f"SlurmdPidFile={self.pid_files['slurmd']}",
                    f"SlurmctldLogFile={self.root / 'slurmctld.log'}",
                    f"SlurmdLogFile={self.root / 'slurmd.log'}",
                    "ProctrackType=proctrack/linuxproc",
                    "TaskPlugin=task/none",
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_Core_Memory",
                    "DefMemPerCPU=1000",
                    "GresTypes=gpu",
                    "MinJobAge=300",
                    "ReturnToService=2",
                    "MailProg=/bin/true",
                    "AccountingStorageType=accounting_storage/none",
                    "JobCompType=jobcomp/none",
                    "SchedulerParameters=sched_interval=2",
                    node,
                    f"PartitionName=test Nodes={self.node} Default=YES MaxTime=INFINITE State=UP",
                    "",
                ]
            )
        )

    def _run(self, command: list[str], failure: str) -> None:
        done = subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=30)
        if done.returncode != 0:
            raise ClusterError(f"{failure}: {done.stderr.strip()}\n{self.logs()}")

    def _read_pid(self, daemon: str, timeout: float) -> int:
        path = self.pid_files[daemon]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # A daemon writes its pid file after creating it: it may be empty for a moment.
            with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
                pid = int(path.read_text().split()[0])
                if _alive(pid):
                    return pid
            time.sleep(0.1)
        raise ClusterError(f"{daemon} wrote no live pid to {path}\n{self.logs()}")

    def _wait_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            probe = subprocess.run(
                ["sinfo", "--noheader", "--nodes", self.node, "--format", "%t"],
                capture_output=True, text=True, env=self.env,
            )
            state = probe.stdout.strip()
            if probe.returncode == 0 and state == "idle":
                return
            time.sleep(0.5)
        raise ClusterError(f"node {self.node} not idle after {timeout} s: '{state}'\n{self.logs()}")

    def logs(self, tail: int = 2000) -> str:
        parts = []
        for name in ("slurmctld.log", "slurmd.log", "munge/munged.log"):
            path = self.root / name
            with contextlib.suppress(OSError):
                parts.append(f"--- {path}\n{path.read_text()[-tail:]}")
        return "\n".join(parts)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def exc_failed(exc: tuple) -> bool:
    """Whether __exit__ got an exception (keep the folder and its logs for a look)."""
    return bool(exc) and exc[0] is not None


def _alive(pid: int) -> bool:
    # A stopped daemon whose parent does not reap it stays a zombie: not alive.
    with contextlib.suppress(OSError):
        if "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text():
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(pid: int, timeout: float = 10) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
