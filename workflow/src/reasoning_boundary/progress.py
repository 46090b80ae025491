"""Progress of long jobs: a bar on a terminal, one log line every few seconds elsewhere.

A sampling job can run for hours with its output going to a log file (``> {log}``), where a
progress bar's carriage returns make one endless line. :class:`Progress` writes a bar (tqdm)
when stderr is a terminal and otherwise a line through logging every ``interval`` seconds:
done/total, the rate of each counter (samples/s, tokens/s), elapsed time and ETA. Stdlib only
outside a terminal: the sandbox's non-root tests import the code checker with a bare Python.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from typing import Any

from . import defaults

log = logging.getLogger("reasoning_boundary")
# Seconds between two lines: RB_PROGRESS_SECONDS in the environment (a job inherits it from
# Snakemake), else the default; the --progress-seconds option wins over both.
_settings = {"interval": float(os.environ.get("RB_PROGRESS_SECONDS", defaults.PROGRESS_SECONDS))}


def configure(interval: float) -> None:
    """Seconds between two progress lines in a log (the ``--progress-seconds`` option)."""
    _settings["interval"] = max(0.0, interval)


def clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """``with Progress(total, "sample", "problems", ("samples", "tokens")) as p: p.update(1,
    samples=16, tokens=4000)``; nothing at all when ``enabled`` is false."""

    def __init__(self, total: int, desc: str, unit: str = "items",
                 counters: tuple[str, ...] = (), enabled: bool = True) -> None:
        self.total, self.desc, self.unit, self.enabled = total, desc, unit, enabled
        self.done = 0
        self.counts = dict.fromkeys(counters, 0.0)
        self.start = self._last = time.monotonic()
        self._bar: Any = None
        if enabled and sys.stderr.isatty():
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit[:-1] if unit.endswith("s")
                             else unit, file=sys.stderr, leave=False)

    def update(self, n: int = 1, **counts: float) -> None:
        self.done += n
        for name, value in counts.items():
            self.counts[name] = self.counts.get(name, 0.0) + value
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
            if self.counts:
                self._bar.set_postfix_str(self._rates(), refresh=False)
            return
        now = time.monotonic()
        if now - self._last >= _settings["interval"]:
            self._last = now
            log.info("%s", self.line())

    def _rates(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        return ", ".join(f"{value / elapsed:.1f} {name}/s" for name, value in self.counts.items())

    def line(self) -> str:
        """``desc: done/total unit (percent), rates, elapsed, ETA``."""
        elapsed = time.monotonic() - self.start
        share = self.done / self.total if self.total else 1.0
        parts = [f"{self.desc}: {self.done}/{self.total} {self.unit} ({100 * share:.0f}%)"]
        rates = self._rates()
        if rates:
            parts.append(rates)
        parts.append(f"{clock(elapsed)} elapsed")
        if 0 < self.done < self.total:
            parts.append(f"ETA {clock(elapsed * (self.total - self.done) / self.done)}")
        return ", ".join(parts)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class VllmProgress:
    """What ``vllm.LLM.generate(use_tqdm=...)`` calls instead of tqdm (vLLM 0.32:
    ``entrypoints/common/offline.py: _run_engine``), forwarding to a :class:`Progress`.

    vLLM wraps the prompts it renders (``tqdm_func(prompts, desc=...)``: they pass through)
    and then calls ``update(n)`` once per finished request (n = its completions), after setting
    ``postfix`` to "est. speed input: X toks/s, output: Y toks/s" with Y computed over
    ``format_dict["elapsed"]``: the tokens so far are Y times the elapsed time it read.
    """

    _OUTPUT = re.compile(r"output: ([0-9.]+) toks/s")

    def __init__(self, progress: Progress, tokens: bool = True) -> None:
        self._progress, self._count_tokens = progress, tokens
        self._start = time.monotonic()
        self._elapsed = 1e-9
        self._tokens = 0.0
        self._reported = 0.0
        self.n = 0
        self._postfix = ""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # vLLM's tqdm_func(...)
        if args:  # tqdm_func(iterable, desc="Rendering prompts"): no bar for that
            return args[0]
        self._start, self._tokens, self._reported, self.n = time.monotonic(), 0.0, 0.0, 0
        return self

    @property
    def format_dict(self) -> dict[str, float]:
        self._elapsed = max(time.monotonic() - self._start, 1e-9)
        return {"elapsed": self._elapsed}

    @property
    def postfix(self) -> str:
        return self._postfix

    @postfix.setter
    def postfix(self, text: str) -> None:
        self._postfix = text
        match = self._OUTPUT.search(text)
        if match:
            self._tokens = float(match.group(1)) * self._elapsed

    def update(self, n: int = 1) -> None:
        self.n += n
        if not self._count_tokens:  # e.g. scoring: one generated token per request
            self._progress.update(1)
            return
        tokens, self._reported = self._tokens - self._reported, self._tokens
        self._progress.update(1, samples=n, tokens=round(tokens))

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass
