"""The kernel's isolation primitives, as the sandbox launcher uses them (stdlib only: the
launcher loads this file by path, beside it, without the package).

* :func:`enter_namespaces`: once per launcher. New mount, network, IPC, UTS and PID namespaces
  (and a user namespace when not root, so that no privilege is needed), the launcher as pid 1,
  every mount read-only, fresh tmpfs on /tmp, /var/tmp and /dev/shm, a /proc of its own.
* :func:`drop_capabilities`: per child in a user namespace, where the launcher holds every
  capability of that namespace and a forked child would keep them (it could remount / rw).
* :func:`landlock_restrict`: per child where the kernel has Landlock: writes only beneath the
  given directories, no TCP (ABI >= 4), no signals or abstract unix sockets outside (ABI >= 6).
* :func:`seccomp_refuse_unix_sockets`: per child: ``socket(AF_UNIX, ...)`` fails (pathname
  sockets such as a D-Bus session or docker.sock are reachable through a read-only mount and
  across network namespaces), and io_uring, which could open one past seccomp.
* :func:`claim_uid` and the rest of the last part: as root, a uid of the launcher's own for
  its children, and the interpreter's files reachable by it.

Measured design notes: research notes "sandbox.md" (layer x attack table on Linux 6.18).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import platform
import signal
import stat
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_char_p]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                       ctypes.c_ulong]
libc.unshare.argtypes = [ctypes.c_int]

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECCOMP = 1, 4, 24, 22
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 36, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
# Syscall numbers of the generic table (the same on x86_64 and aarch64).
SYS_MOUNT_SETATTR, SYS_IO_URING_SETUP = 442, 425
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = -100, 0x8000, 1
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
# (audit arch, socket syscall number) of the architectures the seccomp filter knows.
_SECCOMP_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}


def _check(ret: int, what: str) -> int:
    if ret < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return ret


def prctl(option: int, arg: int = 0) -> int:
    return libc.prctl(option, arg, 0, 0, 0)


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _mount(source: bytes | None, target: str, fstype: bytes | None, flags: int,
           data: bytes | None = None) -> None:
    _check(libc.mount(source, target.encode(), fstype, flags, data), f"mount {target}")


# --- namespaces, once per launcher -------------------------------------------------------
def enter_namespaces(user_ns: bool) -> None:
    """Move this (single-threaded) process into fresh namespaces; returns in pid 1 of them.

    The calling process stays outside the new PID namespace, waits for its pid-1 child and
    exits with its status, so the one that started it sees one process that ends as the
    launcher ends. Raises OSError in the caller when the kernel refuses (no unprivileged user
    namespaces, a container's seccomp policy, AppArmor refusing the mounts).
    """
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID
    _check(libc.unshare(flags | (CLONE_NEWUSER if user_ns else 0)), "unshare")
    if user_ns:  # our own uid and gid, unprivileged outside, inside as well
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid:  # outside: relay the pid-1 launcher's end
        os.close(ready_w)
        failed = os.read(ready_r, 4096)
        if failed:
            os.waitpid(pid, 0)
            raise OSError(errno.EPERM, failed.decode(errors="replace"))
        for fd in (0, 1):  # only the launcher talks to our parent
            os.close(fd)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    os.close(ready_r)
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the relay is gone: so are we
        # Private first, so that nothing mounted below propagates back to the host.
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
        make_mounts_readonly()
        for path in SCRATCH_DIRS:
            if os.path.isdir(path):
                _mount(b"tmpfs", path, b"tmpfs", MS_NOSUID | MS_NODEV,
                       b"size=1g,nr_inodes=65536,mode=1777")
        _mount(b"proc", "/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)  # our pids only
    except OSError as err:
        os.write(ready_w, str(err).encode())
        os._exit(1)
    os.close(ready_w)


def make_mounts_readonly() -> None:
    attr = struct.pack("QQQQ", MOUNT_ATTR_RDONLY, 0, 0, 0)  # struct mount_attr
    ret = libc.syscall(ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_long(AT_FDCWD), b"/",
                       ctypes.c_long(AT_RECURSIVE), attr, ctypes.c_long(len(attr)))
    if ret == 0:
        return
    # Kernels < 5.12: remount every mount point, deepest first. Adding MS_RDONLY to a locked
    # mount is allowed as long as its locked flags (nosuid, nodev, noexec) are repeated.
    mounts = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            fields = line.split()
            options = fields[5].split(",")
            flags = MS_BIND | MS_REMOUNT | MS_RDONLY
            for name, bit in (("nosuid", MS_NOSUID), ("nodev", MS_NODEV), ("noexec", MS_NOEXEC)):
                flags |= bit if name in options else 0
            mounts.append((fields[4].replace("\\040", " "), flags))
    for target, flags in sorted(mounts, key=lambda m: -len(m[0])):
        libc.mount(None, target.encode(), None, flags, None)  # covered mounts refuse: fine
    with open("/proc/self/mountinfo") as handle:
        writable = [line.split()[4] for line in handle if "rw" in line.split()[5].split(",")]
    if "/" in writable:
        raise OSError(errno.EPERM, "could not make / read-only")


def in_user_namespace() -> bool:
    """Whether this process runs in a user namespace below the initial one."""
    try:
        with open("/proc/self/uid_map") as handle:
            return handle.read().split() != ["0", "0", "4294967295"]
    except OSError:
        return False


def private_process_limit() -> bool:
    """RLIMIT_NPROC counts per (user namespace, uid) from Linux 5.14 ("ucounts"), so inside a
    user namespace of our own it limits the sandbox only, not every process of the user."""
    release = platform.release().split(".")
    try:
        version = (int(release[0]), int(release[1].split("-")[0]))
    except (IndexError, ValueError):
        return False
    return version >= (5, 14) and in_user_namespace()


# --- per child ----------------------------------------------------------------------------
def drop_capabilities(last: int) -> None:
    """Every capability, ``last`` being /proc/sys/kernel/cap_last_cap."""
    for cap in range(last + 1):
        prctl(PR_CAPBSET_DROP, cap)  # EPERM without CAP_SETPCAP: then there is none to drop
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    _check(libc.capset(header, bytes(24)), "capset")  # effective, permitted, inheritable: 0


def no_new_privileges() -> None:
    _check(prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when it is not built in or not enabled."""
    ret = libc.syscall(ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET), None, ctypes.c_long(0),
                       ctypes.c_long(1))  # LANDLOCK_CREATE_RULESET_VERSION
    return max(int(ret), 0)


def landlock_restrict(writable: list[str], abi: int) -> None:
    """Writes only beneath ``writable`` (and to /dev/null); needs no_new_privs first."""
    write = 2 | 16 | 32 | 64 | 128 | 256 | 512 | 1024 | 2048 | 4096  # WRITE_FILE..MAKE_SYM
    write |= 8192 if abi >= 2 else 0  # REFER
    write |= 16384 if abi >= 3 else 0  # TRUNCATE
    net = 1 | 2 if abi >= 4 else 0  # BIND_TCP | CONNECT_TCP, with no rule: refused
    scoped = 1 | 2 if abi >= 6 else 0  # ABSTRACT_UNIX_SOCKET | SIGNAL
    attr = struct.pack("QQQ", write, net, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    ruleset = _check(libc.syscall(ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET), attr,
                                  ctypes.c_long(len(attr)), ctypes.c_long(0)), "landlock ruleset")
    try:
        rules = [(path, write) for path in writable if os.path.isdir(path)]
        rules.append(("/dev/null", 2 | (16384 if abi >= 3 else 0)))
        for path, access in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = struct.pack("=Qi", access, fd)  # landlock_path_beneath_attr, packed
                _check(libc.syscall(ctypes.c_long(SYS_LANDLOCK_ADD_RULE), ctypes.c_long(ruleset),
                                    ctypes.c_long(1), rule, ctypes.c_long(0)), f"landlock {path}")
            finally:
                os.close(fd)
        _check(libc.syscall(ctypes.c_long(SYS_LANDLOCK_RESTRICT_SELF), ctypes.c_long(ruleset),
                            ctypes.c_long(0)), "landlock restrict")
    finally:
        os.close(ruleset)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seccomp_supported() -> bool:
    return platform.machine() in _SECCOMP_ARCH


def seccomp_refuse_unix_sockets() -> None:
    """socket(AF_UNIX) -> EACCES; io_uring_setup, x32 and foreign-arch syscalls -> ENOSYS.
    socketpair() stays (multiprocessing's pipes use it). Needs no_new_privs first."""
    arch, nr_socket = _SECCOMP_ARCH[platform.machine()]
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, RET|K
    allow, refuse = 0x7FFF0000, 0x00050000  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | errno
    program = [
        (ld, 0, 0, 4),  # A = seccomp_data.arch
        (jeq, 1, 0, arch),
        (ret, 0, 0, refuse | errno.ENOSYS),
        (ld, 0, 0, 0),  # A = seccomp_data.nr
        (jge, 5, 0, 0x40000000 if arch == 0xC000003E else 0xFFFFFFFF),  # x32 syscalls
        (jeq, 4, 0, SYS_IO_URING_SETUP),
        (jeq, 0, 2, nr_socket),
        (ld, 0, 0, 16),  # A = low 32 bits of args[0], the address family
        (jeq, 2, 0, 1),  # AF_UNIX
        (ret, 0, 0, allow),
        (ret, 0, 0, refuse | errno.ENOSYS),
        (ret, 0, 0, refuse | errno.EACCES),
    ]
    code = b"".join(struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = _SockFprog(len(program), ctypes.addressof(buffer))
    _check(libc.prctl(PR_SET_SECCOMP, 2, ctypes.addressof(fprog), 0, 0), "seccomp")


# --- a uid of its own, as root ------------------------------------------------------------
_LOCK_DIR = "/tmp/rb-sandbox-uids"
_PATH_FD_BASE = 200  # dir fds standing in for sys.path entries the child cannot reach


def claim_uid(base: int) -> int:
    """A uid from ``base`` on that no other live launcher holds (a lock file per uid)."""
    os.makedirs(_LOCK_DIR, mode=0o700, exist_ok=True)
    info = os.lstat(_LOCK_DIR)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0:
        raise OSError(errno.EPERM, f"{_LOCK_DIR} is not a directory owned by root")
    for uid in range(base, base + 4096):
        fd = os.open(f"{_LOCK_DIR}/{uid}", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid  # fd stays open: the lock lives as long as this launcher
        except BlockingIOError:
            os.close(fd)
    raise OSError(errno.EAGAIN, "no free sandbox uid")


def can_become(uid: int) -> bool:
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os._exit(0)
        finally:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def reachable_sys_path() -> tuple[int, int]:
    """Let the unprivileged child import from sys.path dirs it may not traverse to.

    Python may live under a 0700 home (pyenv in /root). A directory fd opened now, while
    root, and named as /proc/self/fd/N resolves without checking the ancestors' permissions,
    and exposes only that (world-readable) subtree. Returns the fd range to keep open.
    """
    next_fd, moved = _PATH_FD_BASE, {}
    for index, entry in enumerate(sys.path):
        if not entry or not os.path.isdir(entry) or _world_reachable(entry):
            continue
        fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY)
        os.dup2(fd, next_fd)
        os.close(fd)
        moved[entry.rstrip("/") + "/"] = sys.path[index] = f"/proc/self/fd/{next_fd}/"
        next_fd += 1
    for module in list(sys.modules.values()):  # packages already imported, e.g. encodings
        paths = getattr(module, "__path__", None)
        if isinstance(paths, list):
            for i, path in enumerate(paths):
                for old, new in moved.items():
                    if (path + "/").startswith(old):
                        paths[i] = new + path[len(old):]
    sys.path_importer_cache.clear()
    return _PATH_FD_BASE, next_fd


def _world_reachable(path: str) -> bool:
    path = os.path.realpath(path)
    parts = [path] + [os.path.dirname(path)]
    while parts[-1] != os.path.dirname(parts[-1]):
        parts.append(os.path.dirname(parts[-1]))
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in parts) and bool(
        os.stat(path).st_mode & stat.S_IROTH
    )


def kill_uid(uid: int) -> None:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass
