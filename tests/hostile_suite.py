"""Model-written code that attacks the machine it is checked on, run through ``verify_code``.

Each attack is a completion of a toy problem (``add(a, b)``). An attack that gets what it is
after (a secret, a connection, a file it may not touch) then defines a *correct* ``add``, so
that a hole shows as a passing verdict, besides the damage the caller checks from outside
(decoy files still there, stray files absent, nobody connected, the victim process alive).

Stdlib only, and runnable as a script, because tests/test_sandbox_nonroot.py runs it as an
unprivileged user with an interpreter that user may run::

    python3 hostile_suite.py SETUP.json   # prints {"status": {name: status}, "isolation": [...]}

SETUP names the package folder, the decoys, the listeners, the victim pid, the isolation and
the environment variable holding the secret.
"""

from __future__ import annotations

import json
import sys
from typing import Any

ADD_PROMPT = 'def add(a: int, b: int) -> int:\n    """Return a + b."""\n'
ADD_TESTS = ("def check(candidate):\n    for a in range(-3, 4):\n        for b in range(3):\n"
             "            assert candidate(a, b) == a + b\n")
GOOD = "def add(a, b):\n    return a + b  # {}\n"
WRONG = "\ndef add(a, b):\n    return a - b\n"
# Defines a correct add() only if the flag is set: what an attack does when it got through.
IF_GOT_THROUGH = "\ndef add(a, b):\n    return a + b if GOT else a - b\n"


def attacks(setup: dict[str, Any]) -> dict[str, str]:
    decoy, tmp_decoy = setup["home_decoy"], setup["tmp_decoy"]
    port, unix_socket, victim = setup["port"], setup["unix_socket"], setup["victim_pid"]
    secret_name, stray = setup["secret_name"], setup["stray"]
    return {
        "infinite loop": "def add(a, b):\n    while True:\n        pass\n",
        "fork bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n"
                     "        pass\n",
        "20 GB": "x = bytearray(20 << 30)\ndef add(a, b):\n    return a + b\n",
        "delete a file in HOME": (
            "import os, shutil\nGOT = False\n"
            f"for p in (os.path.expanduser('~'), {setup['home']!r}):\n"
            "    shutil.rmtree(p, ignore_errors=True)\n"
            f"try:\n    os.remove({decoy!r})\n    GOT = True\nexcept OSError:\n    pass\n"
            + IF_GOT_THROUGH),
        "delete a file in /tmp": (
            f"import os\nGOT = False\ntry:\n    os.remove({tmp_decoy!r})\n    GOT = True\n"
            "except OSError:\n    pass\n" + IF_GOT_THROUGH),
        # Writes into a private /tmp may succeed (nobody outside sees them): only one into
        # HOME counts as getting through here; the caller looks for all of them outside.
        "write outside the temp dir": (
            f"import os\nGOT = False\nfor p in {stray!r}:\n    try:\n"
            "        open(p, 'w').write('x')\n"
            f"        GOT = GOT or p.startswith({setup['home']!r})\n"
            "    except OSError:\n        pass\n" + IF_GOT_THROUGH),
        "read an environment secret": (
            "import os\nGOT = False\n"
            f"if {secret_name!r} in os.environ:\n    GOT = True\n"
            "for pid in os.listdir('/proc'):\n"
            "    try:\n"
            f"        if b{secret_name!r} in open(f'/proc/{{pid}}/environ', 'rb').read():\n"
            "            GOT = True\n"
            "    except (OSError, ValueError):\n        pass\n" + IF_GOT_THROUGH),
        "connect to a loopback listener": (
            "import socket\nGOT = False\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).send(b'x')\n"
            "    GOT = True\nexcept OSError:\n    pass\n" + IF_GOT_THROUGH),
        "connect to a unix socket in HOME": (
            "import socket\nGOT = False\ntry:\n    s = socket.socket(socket.AF_UNIX)\n"
            f"    s.connect({unix_socket!r})\n    s.send(b'x')\n    GOT = True\n"
            "except OSError:\n    pass\n" + IF_GOT_THROUGH),
        "kill another process of the user": (
            f"import os, signal\nGOT = False\ntry:\n    os.kill({victim}, signal.SIGKILL)\n"
            "    GOT = True\nexcept OSError:\n    pass\n" + IF_GOT_THROUGH),
        "sys.exit": "import sys\nsys.exit(0)\n",
        "os._exit": "import os\nos._exit(0)\n",
        "patch builtins": "import builtins\nbuiltins.AssertionError = type('A', (Exception,), {})"
                          "\nbuiltins.range = lambda *a: []\nbuiltins.abs = lambda x: 0\n" + WRONG,
        "always equal": "class E(int):\n    def __eq__(self, other):\n        return True\n"
                        "def add(a, b):\n    return E(0)\n",
        "fake report": "import os\nprint('passed')\nfor fd in (1, 3):\n    try:\n"
                       "        os.write(fd, b'0' * 32 + b' 0 ok 0.0 true\\npassed\\n')\n"
                       "    except OSError:\n        pass\nos._exit(0)\n",
        "kill parent": "import os, signal\nfor pid in (os.getppid(), 1, -1):\n"
                       "    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):\n"
                       "        try:\n            os.kill(pid, sig)\n"
                       "        except OSError:\n            pass\n",
        "1 GB stdout": "import os\nblock = b'x' * 65536\nfor _ in range(16384):\n"
                       "    os.write(1, block)\n" + WRONG,
    }


def run(setup: dict[str, Any]) -> dict[str, Any]:
    """Statuses by attack name (plus a good program first and last) and the isolation used."""
    from reasoning_boundary.verify.code_check import verify_code
    from reasoning_boundary.verify.sandbox import isolation_used

    problems = {"toy/add": {"id": "toy/add", "kind": "code", "prompt": ADD_PROMPT,
                            "entry_point": "add",
                            "tests": {"format": "humaneval", "code": ADD_TESTS}}}
    suite = attacks(setup)
    responses = [GOOD.format("first"), *(f"```python\n{code}```" for code in suite.values()),
                 GOOD.format("last")]
    samples = [{"problem_id": "toy/add", "sample_index": i, "seed": 0, "response": r,
                "num_tokens": 0, "finish_reason": "stop"} for i, r in enumerate(responses)]
    verdicts = verify_code(problems, samples, workers=2, timeout=setup.get("timeout", 2.0),
                           progress=False, isolation=setup.get("isolation", "auto"))
    names = ["first", *suite, "last"]
    return {"status": {name: v["status"] for name, v in zip(names, verdicts, strict=True)},
            "isolation": isolation_used()}


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.INFO)  # the sandbox logs the isolation it uses
    config = json.loads(open(sys.argv[1]).read())
    sys.path.insert(0, config["src"])
    print(json.dumps(run(config)))


class Targets:
    """What the attacks go for, made by the test (as ``owner``, a (uid, gid), where given):
    a file in HOME, a file in /tmp, a TCP and a unix listener, a process of the owner's and a
    secret in the environment. :meth:`damage` lists what the attacks achieved."""

    def __init__(self, home: str, owner: tuple[int, int] | None = None) -> None:
        import os
        import secrets
        import socket
        import subprocess

        tag = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.home, self.owner = home, owner
        self.home_decoy = os.path.join(home, "decoy.txt")
        self.tmp_decoy = f"/tmp/rb-decoy-{tag}"
        self.stray = [f"/tmp/rb-stray-{tag}", f"/var/tmp/rb-stray-{tag}",
                      f"/dev/shm/rb-stray-{tag}", os.path.join(home, "stray")]
        for path in (self.home_decoy, self.tmp_decoy):
            with open(path, "w") as handle:
                handle.write("keep me")
            self._own(path)
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen()
        self.tcp.settimeout(0.1)
        self.unix_socket = os.path.join(home, "rb.sock")
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(self.unix_socket)
        os.chmod(self.unix_socket, 0o777)  # anyone who can reach it may connect
        self._own(self.unix_socket)
        self.unix.listen()
        self.unix.settimeout(0.1)
        user = {"user": owner[0], "group": owner[1], "extra_groups": []} if owner else {}
        self.victim = subprocess.Popen(["sleep", "300"], **user)
        self.secret_name, self.secret = f"RB_TEST_SECRET_{secrets.token_hex(4)}", \
            secrets.token_hex(16)

    def _own(self, path: str) -> None:
        import os

        if self.owner:
            os.chown(path, *self.owner, follow_symlinks=False)

    def setup(self, src: str, isolation: str) -> dict[str, Any]:
        return {"src": src, "isolation": isolation, "home": self.home,
                "home_decoy": self.home_decoy, "tmp_decoy": self.tmp_decoy, "stray": self.stray,
                "port": self.tcp.getsockname()[1], "unix_socket": self.unix_socket,
                "victim_pid": self.victim.pid, "secret_name": self.secret_name}

    def damage(self, status: dict[str, str]) -> list[str]:
        import os

        found = []
        for path in (self.home_decoy, self.tmp_decoy):
            try:
                with open(path) as handle:
                    if handle.read() != "keep me":
                        found.append(f"{path} changed")
            except OSError:
                found.append(f"{path} deleted")
        found += [f"{path} written" for path in self.stray if os.path.lexists(path)]
        for name, listener in (("TCP", self.tcp), ("unix", self.unix)):
            try:
                listener.accept()[0].close()
                found.append(f"{name} listener reached")
            except OSError:
                pass
        if self.victim.poll() is not None:
            found.append("victim process killed")
        if status.pop("first", None) != "passed" or status.pop("last", None) != "passed":
            found.append("a correct program did not pass")
        found += [f"{name}: {s}" for name, s in status.items() if s not in ("failed", "timeout")]
        if status.get("infinite loop") != "timeout":
            found.append(f"infinite loop: {status.get('infinite loop')}, not timeout")
        return found

    def close(self) -> None:
        import contextlib
        import os

        self.victim.kill()
        self.victim.wait()
        for listener in (self.tcp, self.unix):
            listener.close()
        for path in (self.home_decoy, self.tmp_decoy, self.unix_socket, *self.stray):
            with contextlib.suppress(OSError):
                os.remove(path)

    def __enter__(self) -> Targets:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
