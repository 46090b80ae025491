"""The base model's perplexity on responses of other models (the paper's Figure 6).

PPL_base(Y | x) = exp(mean over response tokens of −log p_base(y_t | x, y_<t)). Low perplexity on
the other model's responses means they are responses the base model was already likely to give.
Computed with transformers in float32 (exact, and fast enough for the few responses the analysis
needs); the prompt is the one the base model was sampled with (its sidecar's template).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..prompts import get_template, render_prompt
from ..records import TABLES, Problem, Sample, read_problems, read_sample_meta, read_samples

# Responses of one problem scored in one forward pass (right-padded, so positions are exact).
BATCH = 8


def select_responses(
    samples: Iterable[Sample], problem_ids: Sequence[str], per_problem: int
) -> list[Sample]:
    """The first ``per_problem`` responses of each chosen problem, seeds pooled in seed order."""
    wanted = set(problem_ids)
    by_problem: dict[str, list[Sample]] = {p: [] for p in problem_ids}
    for sample in sorted(samples, key=lambda s: (s["seed"], s["sample_index"])):
        if sample["problem_id"] in wanted:
            by_problem[sample["problem_id"]].append(sample)
    return [s for p in problem_ids for s in by_problem[p][:per_problem]]


def load_model(path: str, threads: int = 1) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(max(threads, 1))
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    if torch.cuda.is_available():  # a 7B model in float32 wants a GPU; a 135M one does not
        model.to("cuda")
    model.eval()
    return model, AutoTokenizer.from_pretrained(path)


def response_nlls(model: Any, tokenizer: Any, prompt: str, responses: Sequence[str]
                  ) -> list[tuple[float, int]]:
    """(mean token NLL, token count) of each response given the prompt.

    The prompt is tokenized as vLLM tokenizes it (special tokens added) and each response on its
    own, so the response tokens are the ones that follow the prompt, not a merge across the seam.
    """
    import torch

    prompt_ids = tokenizer(prompt, add_special_tokens=True)["input_ids"]
    results: list[tuple[float, int]] = []
    for start in range(0, len(responses), BATCH):
        chunk = [tokenizer(r, add_special_tokens=False)["input_ids"]
                 for r in responses[start:start + BATCH]]
        width = len(prompt_ids) + max((len(ids) for ids in chunk), default=0)
        input_ids = torch.zeros((len(chunk), width), dtype=torch.long)
        mask = torch.zeros_like(input_ids)
        for row, ids in enumerate(chunk):
            seq = prompt_ids + ids
            input_ids[row, :len(seq)] = torch.tensor(seq)
            mask[row, :len(seq)] = 1
        with torch.inference_mode():
            logits = model(input_ids=input_ids.to(model.device),
                           attention_mask=mask.to(model.device)).logits.float().cpu()
        logprobs = torch.log_softmax(logits, dim=-1)
        for row, ids in enumerate(chunk):
            if not ids:
                results.append((math.nan, 0))
                continue
            # The logit at position t predicts token t + 1.
            pos = torch.arange(len(prompt_ids) - 1, len(prompt_ids) - 1 + len(ids))
            token_lp = logprobs[row, pos, torch.tensor(ids)]
            results.append((float(-token_lp.mean()), len(ids)))
    return results


def perplexity_table(
    meta_path: str | Path,
    benchmark_path: str | Path,
    sources: Sequence[tuple[str, str, Sequence[str]]],
    problems: int,
    responses: int,
    comparison: str = "",
    threads: int = 1,
    model: tuple[Any, Any] | None = None,
) -> pd.DataFrame:
    """Score (role, model name, sample files) sources with the base model of ``meta_path``.

    ``meta_path`` is a sample sidecar of the base model: it names the model folder and the
    template the base was prompted with. ``model`` lets tests pass a loaded (model, tokenizer).
    """
    meta = read_sample_meta(meta_path)
    template = get_template(meta["template"])
    all_problems: list[Problem] = read_problems(benchmark_path)
    chosen = [p["id"] for p in all_problems[:problems]]
    by_id = {p["id"]: p for p in all_problems}
    model_obj, tokenizer = model or load_model(meta["model"], threads)
    base = next((name for role, name, _ in sources if role == "base"), "")
    rows = []
    for role, name, paths in sources:
        samples = [s for path in paths for s in read_samples(path)]
        picked = select_responses(samples, chosen, responses)
        for problem_id in chosen:
            mine = [s for s in picked if s["problem_id"] == problem_id]
            prompt = render_prompt(template, by_id[problem_id])
            scores = response_nlls(model_obj, tokenizer, prompt, [s["response"] for s in mine])
            for sample, (nll, count) in zip(mine, scores, strict=True):
                rows.append({
                    "comparison": comparison, "base": base, "role": role, "source": name,
                    "problem_id": problem_id, "seed": sample["seed"],
                    "sample_index": sample["sample_index"], "response_tokens": count,
                    "nll": nll, "perplexity": math.exp(nll) if count else math.nan,
                })
    return TABLES["perplexity"].frame(rows)
