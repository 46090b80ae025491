"""Cost of one sandboxed program per isolation layer, beside two peers measured in the same run.

For every layer this machine allows (as root each also switches uid), one launcher runs
--programs trivial programs (``pass``); printed are milliseconds per program (the minimum of
--repeats rounds, as the machine may be shared) and the launcher's start-up. Peers: a bare
``os.fork()`` + ``waitpid`` of this process (the floor of any fork-per-program design) and a
fresh interpreter per program (``python -c pass``, what a launcher saves). Stdlib only: run it
as an unprivileged user with any Python 3.10+ (``/usr/bin/python3 bench/sandbox.py``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "src"))

from reasoning_boundary.verify.sandbox import (  # noqa: E402
    LAYERS,
    IsolationError,
    Limits,
    SubprocessSandbox,
    describe,
)


def per_program(run, programs: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(programs):
            run()
        best = min(best, (time.perf_counter() - start) / programs)
    return best * 1000


def bare_fork() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    limits = Limits(wall_seconds=10)
    print(f"user: {'root' if os.geteuid() == 0 else os.getuid()}, programs: {args.programs}, "
          f"best of {args.repeats}")
    fork_ms = per_program(bare_fork, args.programs, args.repeats)
    fresh_ms = per_program(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
                           max(1, args.programs // 10), args.repeats)
    print(f"{'peer: bare fork + waitpid':38s} {fork_ms:7.2f} ms/program")
    print(f"{'peer: fresh interpreter (python -c)':38s} {fresh_ms:7.2f} ms/program")
    for layer in LAYERS:
        start = time.perf_counter()
        try:
            box = SubprocessSandbox(isolation=layer)
            box.run("pass", b"", limits)
        except IsolationError as err:
            print(f"{layer:38s} unavailable: {str(err)[:100]}")
            continue
        started = (time.perf_counter() - start) * 1000
        try:
            ms = per_program(lambda box=box: box.run("pass", b"", limits), args.programs,
                             args.repeats)
        finally:
            box.close()
        print(f"{layer:38s} {ms:7.2f} ms/program  (start {started:.0f} ms; "
              f"{describe(box.info)})")


if __name__ == "__main__":
    main()
