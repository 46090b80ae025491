"""``reasoning-boundary train``: the train rule's command (workflow/rules/train.smk)."""

from __future__ import annotations

import argparse
from typing import Any

from .. import records
from .arguments import json_argument


def cmd_train(args: argparse.Namespace) -> None:
    # Imported here: the other subcommands must not pay for torch and TRL.
    from ..train.run import train

    state = args.state_dir or records.TRAIN_STATE_DIR.format(run=args.run)
    train(args.run, args.base, args.template, args.data, args.settings, args.out, state,
          threads=args.threads)


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="train a model (RL with verifiable rewards, or SFT) and "
                                     "save a checkpoint at each configured step")
    p.add_argument("--run", required=True, help="the run's name (models.<name> with `train`)")
    p.add_argument("--base", required=True, help="Hugging Face folder or id trained from")
    p.add_argument("--template", required=True, help="prompt template of the base model")
    p.add_argument("--data", required=True, help="benchmark file (results/benchmarks/*.jsonl)")
    p.add_argument("--settings", required=True, type=json_argument,
                   help="the run's train block as JSON")
    p.add_argument("--out", required=True, help="folder of the step-N checkpoints")
    p.add_argument("--state-dir", help="resumable trainer state (default "
                                       f"{records.TRAIN_STATE_DIR})")
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_train)
