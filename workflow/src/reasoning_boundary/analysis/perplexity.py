"""The base model's perplexity on responses of other models (the paper's Figure 6).

PPL_base(Y | x) = exp(mean over response tokens of −log p_base(y_t | x, y_<t)). Low perplexity on
the other model's responses means they are responses the base model was already likely to give.
The prompt is the one the base model was sampled with (its sidecar's template).

Two scorers give the same numbers (agreement within 1e-3 nats per token is tested on the
bundled model):

* :class:`VllmScorer`, the default: vLLM's ``prompt_logprobs`` on the engine settings the
  model samples with (bf16, tensor parallel, on GPUs), so a 32B model scores where it samples;
* :class:`TransformersScorer`, the reference: the model's own forward pass in float32 on a CPU
  (the checkpoint's dtype, spread over the GPUs, where there are GPUs).

Both tokenize the prompt as vLLM tokenizes a text prompt (special tokens added) and each
response on its own, so the scored tokens are the ones that follow the prompt, not a merge
across the seam.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from ..prompts import get_template, render_prompt
from ..records import TABLES, Problem, Sample, read_problems, read_sample_meta, read_samples

# Responses of one problem scored in one forward pass (right-padded, so positions are exact).
BATCH = 8


class Scorer(Protocol):
    def nlls(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
        """(mean token NLL, scored tokens) of each (prompt, response); NaN and 0 if empty."""
        ...


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


def load_model(path: str, threads: int = 1, dtype: str = "float32", gpu: bool | None = None
               ) -> tuple[Any, Any]:
    """(model, tokenizer) in transformers: float32 on a CPU; ``dtype`` ("auto": the
    checkpoint's own) spread over every visible GPU where there is one (``gpu`` None), as a 7B
    model in float32 wants 28 GB."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(max(threads, 1))
    if torch.cuda.is_available() if gpu is None else gpu:
        model = AutoModelForCausalLM.from_pretrained(
            path, dtype=dtype if dtype == "auto" else getattr(torch, dtype), device_map="auto")
    else:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    model.eval()
    return model, AutoTokenizer.from_pretrained(path)


def response_nlls(model: Any, tokenizer: Any, prompt: str, responses: Sequence[str]
                  ) -> list[tuple[float, int]]:
    """(mean token NLL, token count) of each response given the prompt, with transformers."""
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


class TransformersScorer:
    """The reference: transformers' forward pass, responses of one prompt batched."""

    def __init__(self, model: Any, tokenizer: Any) -> None:
        self.model, self.tokenizer = model, tokenizer

    def nlls(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
        results: list[tuple[float, int]] = [(math.nan, 0)] * len(pairs)
        by_prompt: dict[str, list[int]] = {}
        for index, (prompt, _) in enumerate(pairs):
            by_prompt.setdefault(prompt, []).append(index)
        for prompt, indices in by_prompt.items():
            scores = response_nlls(self.model, self.tokenizer, prompt,
                                   [pairs[i][1] for i in indices])
            for index, score in zip(indices, scores, strict=True):
                results[index] = score
        return results


class VllmScorer:
    """vLLM's log-probabilities of the prompt tokens (``prompt_logprobs=0``: the actual token's
    only), all responses in one ``generate`` call that produces one token each.

    Token ids go in (``TokensPrompt``), not text, so vLLM scores exactly the prompt's and the
    response's own tokens. A response longer than the context left after its prompt is scored
    on its first tokens (the table's ``response_tokens`` says how many). Prompt log-probs do
    not depend on temperature or top-p, and vLLM skips its prefix cache for them.
    """

    def __init__(self, llm: Any, tokenizer: Any, progress: Any = False) -> None:
        self.llm, self.tokenizer, self.progress = llm, tokenizer, progress

    def nlls(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        room = self.llm.llm_engine.model_config.max_model_len - 1  # one token is generated
        prompt_ids: dict[str, list[int]] = {}
        inputs, spans = [], []
        for prompt, response in pairs:
            if prompt not in prompt_ids:
                prompt_ids[prompt] = self.tokenizer(prompt, add_special_tokens=True)["input_ids"]
            head = prompt_ids[prompt]
            ids = self.tokenizer(response, add_special_tokens=False)["input_ids"]
            ids = ids[: max(0, room - len(head))]
            spans.append((len(head), len(ids)))
            inputs.append(TokensPrompt(prompt_token_ids=head + ids))
        params = SamplingParams(max_tokens=1, prompt_logprobs=0, detokenize=False)
        outputs = self.llm.generate(inputs, params, use_tqdm=self.progress)
        results: list[tuple[float, int]] = []
        for (start, count), output in zip(spans, outputs, strict=True):
            if count == 0:
                results.append((math.nan, 0))
                continue
            ids, logprobs = output.prompt_token_ids, output.prompt_logprobs
            total = sum(logprobs[i][ids[i]].logprob for i in range(start, start + count))
            results.append((-total / count, count))
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
    scorer: Scorer | None = None,
) -> pd.DataFrame:
    """Score (role, model name, sample files) sources with the base model of ``meta_path``.

    ``meta_path`` is a sample sidecar of the base model: it names the model folder and the
    template the base was prompted with. ``scorer`` scores; without one, transformers does,
    on ``model`` (a loaded (model, tokenizer)) or the sidecar's model.
    """
    meta = read_sample_meta(meta_path)
    template = get_template(meta["template"])
    all_problems: list[Problem] = read_problems(benchmark_path)
    chosen = [p["id"] for p in all_problems[:problems]]
    by_id = {p["id"]: p for p in all_problems}
    if scorer is None:
        scorer = TransformersScorer(*(model or load_model(meta["model"], threads)))
    base = next((name for role, name, _ in sources if role == "base"), "")
    prompts = {pid: render_prompt(template, by_id[pid]) for pid in chosen}
    picked: list[tuple[str, str, Sample]] = []
    for role, name, paths in sources:
        samples = [s for path in paths for s in read_samples(path)]
        chosen_samples = select_responses(samples, chosen, responses)
        picked += [(role, name, s) for pid in chosen for s in chosen_samples
                   if s["problem_id"] == pid]
    scores = scorer.nlls([(prompts[s["problem_id"]], s["response"]) for _, _, s in picked])
    rows = [{
        "comparison": comparison, "base": base, "role": role, "source": name,
        "problem_id": sample["problem_id"], "seed": sample["seed"],
        "sample_index": sample["sample_index"], "response_tokens": count,
        "nll": nll, "perplexity": math.exp(nll) if count else math.nan,
    } for (role, name, sample), (nll, count) in zip(picked, scores, strict=True)]
    return TABLES["perplexity"].frame(rows)
