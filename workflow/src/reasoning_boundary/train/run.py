"""One training run: TRL's GRPOTrainer / RLOOTrainer rewarded by the project's math checker,
or SFTTrainer on worked solutions; every configured step saved as a model vLLM can load."""

from __future__ import annotations

import copy
import json
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import defaults
from ..prompts import get_template
from ..provenance import file_sha256, package_versions
from ..records import CHECKPOINT_PROVENANCE, read_problems
from . import get_algorithm, not_implemented
from .data import prompt_rows, rewards, worked_rows

log = logging.getLogger(__name__)


def _common(settings: Mapping[str, Any], state_dir: Path) -> dict[str, Any]:
    """TrainingArguments shared by every trainer: CPU-safe precision, no own saving schedule
    (the callback decides), no trackers."""
    import torch

    return dict(output_dir=str(state_dir), learning_rate=settings["learning_rate"],
                seed=settings["seed"], max_steps=settings["steps"][-1], save_strategy="no",
                report_to="none", logging_steps=1, bf16=False, fp16=False,
                use_cpu=not torch.cuda.is_available(), save_total_limit=1,
                # The checkpoint folders hold the trainer state; a sampled copy is saved apart.
                save_only_model=False)


def _step_callback(settings: Mapping[str, Any], state_dir: Path, provenance: dict[str, Any]):
    import torch
    from transformers import TrainerCallback

    steps = set(settings["steps"])

    class SaveSteps(TrainerCallback):
        """At each configured step: a float32 safetensors copy (LoRA merged) for vLLM, and a
        trainer checkpoint so that a rerun resumes from there."""

        def on_step_end(self, args, state, control, model=None, processing_class=None,
                        **kwargs):
            if state.global_step not in steps:
                return control
            out = state_dir / f"step-{state.global_step}"
            saved = model
            if hasattr(model, "merge_and_unload"):
                saved = copy.deepcopy(model).merge_and_unload()
            saved.to(dtype=torch.float32).save_pretrained(
                out, safe_serialization=True)
            processing_class.save_pretrained(out)
            (out / CHECKPOINT_PROVENANCE).write_text(json.dumps(
                {**provenance, "step": state.global_step}, indent=2, sort_keys=True) + "\n")
            log.info("saved step %d to %s", state.global_step, out)
            control.should_save = True
            return control

    return SaveSteps()


def train(run: str, base: str, template_name: str, data: str, settings: Mapping[str, Any],
          out: str | Path, state_dir: str | Path, threads: int = 1) -> list[Path]:
    """Train ``run`` from ``base`` on the problems in ``data``; returns the step folders."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.trainer_utils import get_last_checkpoint

    torch.set_num_threads(threads)
    algorithm = get_algorithm(settings["algorithm"])
    template = get_template(template_name)
    problems = read_problems(data)
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    provenance = {"run": run, "algorithm": algorithm.name, "base": base, "settings": settings,
                  "data": data, "data_sha256": file_sha256(data), "seed": settings["seed"],
                  "versions": package_versions()}
    tokenizer = AutoTokenizer.from_pretrained(base)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    # float32 everywhere: bfloat16 matmuls die on some CPUs, and checkpoints stay exact.
    model = AutoModelForCausalLM.from_pretrained(base, torch_dtype=torch.float32)
    peft_config = None
    if settings.get("lora"):
        from peft import LoraConfig

        lora = {**defaults.LORA, **settings["lora"]}
        peft_config = LoraConfig(r=lora["r"], lora_alpha=lora["alpha"],
                                 lora_dropout=lora["dropout"], task_type="CAUSAL_LM")
    common = _common(settings, state)
    callbacks = [_step_callback(settings, state, provenance)]
    if algorithm.trainer in ("grpo", "rloo"):
        by_id = {p["id"]: p for p in problems}

        def reward(prompts, completions, problem_id, **_: Any) -> list[float]:
            return rewards(by_id, template, problem_id, completions)

        rl = dict(per_device_train_batch_size=settings["prompts_per_step"]
                  * settings["num_generations"],
                  num_generations=settings["num_generations"],
                  max_completion_length=settings["max_completion_length"],
                  temperature=settings["temperature"], beta=settings["beta"],
                  **algorithm.options)
        dataset = Dataset.from_list(prompt_rows(problems, template))
        if algorithm.trainer == "grpo":
            from trl import GRPOConfig, GRPOTrainer
            config, trainer_class = GRPOConfig(**common, **rl), GRPOTrainer
        else:
            from trl import RLOOConfig, RLOOTrainer
            config, trainer_class = RLOOConfig(**common, **rl), RLOOTrainer
        trainer = trainer_class(model=model, reward_funcs=reward, args=config,
                                train_dataset=dataset, processing_class=tokenizer,
                                peft_config=peft_config, callbacks=callbacks)
    else:
        missing = not_implemented(algorithm, settings.get("teacher"), defaults.WORKED_SOLUTIONS)
        if missing:
            raise NotImplementedError(f"train: {missing}")
        from trl import SFTConfig, SFTTrainer

        config = SFTConfig(**common, per_device_train_batch_size=settings["prompts_per_step"],
                           max_length=None)
        trainer = SFTTrainer(model=model, args=config, processing_class=tokenizer,
                             train_dataset=Dataset.from_list(worked_rows(problems, template)),
                             peft_config=peft_config, callbacks=callbacks)
    # A rerun after a failure resumes from the last configured step saved in the state folder
    # (kept apart from the output, which Snakemake deletes when a job fails).
    resume = get_last_checkpoint(str(state)) if state.is_dir() else None
    if resume:
        log.info("resuming from %s", resume)
    trainer.train(resume_from_checkpoint=resume)
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    saved = []
    for step in settings["steps"]:
        folder = state / f"step-{step}"
        if not folder.is_dir():
            raise RuntimeError(f"train: step {step} was not saved in {state}")
        shutil.move(str(folder), target / folder.name)
        saved.append(target / folder.name)
    shutil.rmtree(state, ignore_errors=True)
    return saved
