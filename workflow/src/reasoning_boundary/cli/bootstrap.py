"""The bootstrap options shared by ``aggregate`` and ``compare`` (config `bootstrap`)."""

from __future__ import annotations

import argparse
from typing import Any

from .. import defaults


def add_bootstrap_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--resamples", type=int, default=defaults.RESAMPLES,
                   help="bootstrap resamples over problems; 0 switches it off")
    p.add_argument("--seed", type=int, default=defaults.BOOTSTRAP_SEED, help="bootstrap seed")
    p.add_argument("--level", type=float, default=defaults.LEVEL,
                   help="coverage of bands and intervals")


def bootstrap_settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"resamples": args.resamples, "seed": args.seed, "level": args.level}
