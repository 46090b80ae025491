"""The train stage (workflow/rules/train.smk, ``reasoning-boundary train``): RL with verifiable
rewards (TRL's GRPOTrainer and RLOOTrainer) and supervised fine-tuning on verified responses
(TRL's SFTTrainer), rewarded and filtered by this project's own math checker.

This module is the registry of what the stage can train; it imports neither torch nor TRL, so
planning can ask it for names without loading them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Algorithm:
    """One trainable algorithm: which TRL trainer runs it, with which config overrides."""

    name: str
    label: str  # shown in model labels, e.g. "GRPO"
    trainer: str  # "grpo", "rloo" or "sft"
    options: Mapping[str, Any] = field(default_factory=dict)  # TRL config fields
    data: str = "rewards"  # "rewards" (RL on prompts), "teacher" (distill) or "own" (rft)


ALGORITHMS: dict[str, Algorithm] = {}


def register(algorithm: Algorithm) -> Algorithm:
    if algorithm.name in ALGORITHMS:
        raise ValueError(f"training algorithm '{algorithm.name}' is registered twice")
    ALGORITHMS[algorithm.name] = algorithm
    return algorithm


def get_algorithm(name: str) -> Algorithm:
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise ValueError(f"unknown training algorithm '{name}'; choose one of "
                         f"{', '.join(ALGORITHMS)}") from None


def not_implemented(algorithm: Algorithm, teacher: str | None, worked_solutions: str
                    ) -> str | None:
    """Why a run cannot be trained yet (rft, distillation from a sampled teacher model), naming
    what can; None when it can. Planning asks before anything runs, and the command again."""
    if algorithm.data != "own" and teacher in (None, worked_solutions) and not (
            algorithm.data == "teacher" and teacher is None):
        return None
    working = ", ".join(a.name for a in ALGORITHMS.values() if a.data == "rewards")
    return (f"{algorithm.name} with teacher {teacher!r} is not implemented yet; use distill "
            f"with teacher: {worked_solutions}, or {working}.")


# GRPOTrainer's loss types in TRL 1.16 (trl/trainer/grpo_config.py, `loss_type`). Dr. GRPO also
# drops the per-group standard deviation of the advantage; DAPO clips higher and masks
# truncated completions, as its paper does.
register(Algorithm("grpo", "GRPO", "grpo", {"loss_type": "grpo"}))
register(Algorithm("dr_grpo", "Dr. GRPO", "grpo", {"loss_type": "dr_grpo",
                                                   "scale_rewards": "none"}))
register(Algorithm("dapo", "DAPO", "grpo", {"loss_type": "dapo", "epsilon_high": 0.28,
                                            "mask_truncated_completions": True}))
register(Algorithm("bnpo", "BNPO", "grpo", {"loss_type": "bnpo"}))
# RLOOTrainer (TRL 1.16: the online, group-sampled REINFORCE leave-one-out trainer).
register(Algorithm("rloo", "RLOO", "rloo"))
register(Algorithm("distill", "distillation", "sft", data="teacher"))
register(Algorithm("rft", "rejection-sampling fine-tuning", "sft", data="own"))
