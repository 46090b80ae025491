"""The ``reasoning-boundary`` command: one subcommand per rule of the workflow.

Every Snakemake rule calls one of these, and a user can run any of them alone, for example to
check samples made elsewhere::

    reasoning-boundary verify --benchmark results/benchmarks/humaneval.jsonl \\
        --samples S.jsonl.gz --out V.jsonl.gz --workers 4

Each module here registers the subcommands of one rule file (``prepare.py`` ↔
``workflow/rules/prepare.smk``, and so on); ``arguments.py`` holds the shared argument types.
"""

from __future__ import annotations

import argparse
import logging
import sys

from .. import defaults, progress
from ..models import ModelSourceError
from ..records import RecordError
from . import aggregate, analysis, plot, prepare, provenance, sample, train, verify

log = logging.getLogger("reasoning_boundary")
STAGES = (prepare, train, sample, verify, aggregate, plot, analysis, provenance)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reasoning-boundary",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--progress-seconds", type=float,
                        help="seconds between two progress lines where stderr is not a terminal "
                             f"(default: $RB_PROGRESS_SECONDS or {defaults.PROGRESS_SECONDS:g})")
    sub = parser.add_subparsers(dest="command", required=True)
    for stage in STAGES:
        stage.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s", datefmt="%H:%M:%S")
    if args.progress_seconds is not None:
        progress.configure(args.progress_seconds)
    try:
        args.func(args)
    except (RecordError, ModelSourceError) as err:
        log.error("%s", err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
