"""A pool of worker processes in which every task has a hard deadline (math checks run in it).

``concurrent.futures`` and ``multiprocessing.Pool`` cannot stop one task that hangs: a worker
stuck in a long C call ignores signals, and the pool cannot kill it without breaking. Here each
worker has its own pipe; the parent watches how long the current task of each worker has run,
kills a worker past the deadline, reports that task as a timeout and starts a replacement that
carries on with the rest of the queue.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

# Consecutive tasks of one group travel together, so a worker can reuse per-group work.
_MAX_BATCH = 64
_STARTUP_LIMIT = 120.0


def _worker_main(conn: Any, fn: Callable[..., Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills workers
    conn.send(("ready",))
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            batch = None
        if batch is None:
            return
        for task_id, args in batch:
            try:
                out: tuple[str, Any] = ("ok", fn(*args))
            except Exception as err:  # noqa: BLE001 - any failure is that task's "error" verdict
                out = ("error", f"{type(err).__name__}: {str(err)[:200]}")
            conn.send((task_id, out))


@dataclass
class _Slot:
    proc: Any
    conn: Any
    born: float
    ready: bool = False
    batch: deque[int] | None = None
    since: float = 0.0  # when the worker started its current task


def _context(preload: Sequence[str]) -> Any:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        # Fresh workers (also replacements for killed ones) fork from a server that has already
        # imported the heavy modules, so they start in milliseconds rather than seconds.
        if preload:
            ctx.set_forkserver_preload(list(preload))
        return ctx
    return mp.get_context("spawn")


def _spawn(ctx: Any, fn: Callable[..., Any]) -> _Slot:
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_worker_main, args=(child, fn), daemon=True)
    proc.start()
    child.close()  # so that the parent sees EOF when the worker dies
    return _Slot(proc=proc, conn=parent, born=time.monotonic())


def _stop(slot: _Slot, kill: bool) -> None:
    if not kill:
        with contextlib.suppress(OSError):
            slot.conn.send(None)
            slot.proc.join(1.0)
    if slot.proc.is_alive():
        slot.proc.kill()
    slot.proc.join()
    slot.conn.close()


def run_with_deadlines(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], workers: int = 1,
                 time_limit: float = 6.0, **run_options: Any) -> list[tuple[str, Any]]:
    """Run ``fn(*task)`` for every task in a :class:`DeadlinePool`; see its ``run``."""
    with DeadlinePool(fn, workers, time_limit) as pool:
        return pool.run(tasks, **run_options)


class DeadlinePool:
    """Worker processes running ``fn``, each task under a hard ``time_limit`` (seconds).

    A worker still busy with one task past the limit is killed and replaced; so is one that dies.
    ``preload`` names modules the fork server imports once for all workers.
    """

    def __init__(self, fn: Callable[..., Any], workers: int = 1, time_limit: float = 6.0,
                 preload: Sequence[str] = ()) -> None:
        self.fn, self.time_limit, self.ctx = fn, time_limit, _context(preload)
        self.slots = [_spawn(self.ctx, fn) for _ in range(max(1, workers))]

    def __enter__(self) -> DeadlinePool:
        return self

    def __exit__(self, *exc: object) -> None:
        for slot in self.slots:  # a worker still starting up holds nothing worth waiting for
            _stop(slot, kill=bool(slot.batch) or not slot.ready)

    def run(self, tasks: Sequence[tuple[Any, ...]], groups: Sequence[Any] | None = None,
            progress: bool = False, desc: str = "checks") -> list[tuple[str, Any]]:
        """Per task ("ok", result), ("timeout", None) or ("error", message), in task order.

        Consecutive tasks with equal ``groups`` entries go to the same worker, so per-group work
        cached in a worker (a parsed gold answer) is done once.
        """
        from ..progress import Progress

        results: list[tuple[str, Any]] = [("error", "not run")] * len(tasks)
        queue: deque[deque[int]] = deque()
        for i in range(len(tasks)):
            if queue and len(queue[-1]) < _MAX_BATCH and (
                    groups is None or groups[queue[-1][-1]] == groups[i]):
                queue[-1].append(i)
            else:
                queue.append(deque([i]))
        slots, limit = self.slots, self.time_limit
        with Progress(len(tasks), desc, unit="checks", enabled=progress) as bar:
            while queue or any(s.batch for s in slots):
                now = time.monotonic()
                for slot in slots:
                    if slot.ready and not slot.batch and queue:
                        slot.batch, slot.since = queue.popleft(), now
                        slot.conn.send([(i, tasks[i]) for i in slot.batch])
                deadlines = [s.since + limit if s.ready else s.born + _STARTUP_LIMIT
                             for s in slots if s.batch or not s.ready]
                timeout = max(0.0, min(deadlines, default=now + 1.0) - now)
                ready = wait([s.conn for s in slots], timeout)
                for slot_no, slot in enumerate(slots):
                    if slot.conn not in ready:
                        continue
                    try:
                        msg = slot.conn.recv()
                    except (EOFError, OSError) as err:
                        slot.proc.join(1.0)
                        code = slot.proc.exitcode
                        if not slot.ready:  # respawning would only fail the same way, forever
                            raise RuntimeError(f"a checking worker exited on start-up ({code})") \
                                from err
                        slots[slot_no] = self._retire(slot, queue, results, bar,
                                                      ("error", f"worker died (exit code {code})"))
                        continue
                    if msg[0] == "ready":
                        slot.ready = True
                        continue
                    task_id, outcome = msg
                    results[task_id] = outcome
                    slot.batch.popleft()
                    slot.since = time.monotonic()
                    bar.update(1)
                now = time.monotonic()
                for slot_no, slot in enumerate(slots):
                    if not slot.ready and now > slot.born + _STARTUP_LIMIT:
                        raise RuntimeError(f"a checking worker did not start in {_STARTUP_LIMIT}s")
                    if slot.batch and now > slot.since + limit:
                        slots[slot_no] = self._retire(slot, queue, results, bar, ("timeout", None))
        return results

    def _retire(self, slot: _Slot, queue: deque[deque[int]], results: list[tuple[str, Any]],
                bar: Any, outcome: tuple[str, Any]) -> _Slot:
        """Kill a hung or dead worker: its current task gets ``outcome``, the rest are requeued."""
        _stop(slot, kill=True)
        if slot.batch:
            results[slot.batch.popleft()] = outcome
            bar.update(1)
            if slot.batch:
                queue.appendleft(slot.batch)
        return _spawn(self.ctx, self.fn)
