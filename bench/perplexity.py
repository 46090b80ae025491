"""Perplexity scoring speed: vLLM's prompt log-probs against transformers, on the same responses.

Loads the embedded default's SmolLM2 (unless --model is given) once in each engine, samples
--problems x --samples responses with vLLM, then scores every (prompt, response) with both
scorers of ``analysis/perplexity.py`` in alternating order over --rounds. Prints scored
response tokens per second of each, their ratio, and the largest difference of their mean
NLLs (nats per token).

    python bench/perplexity.py [--model resources/models/...] [--problems 16] [--samples 4]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from reasoning_boundary.analysis.perplexity import (  # noqa: E402
    TransformersScorer,
    VllmScorer,
    load_model,
)
from reasoning_boundary.benchmarks import load_benchmark  # noqa: E402
from reasoning_boundary.engine import EngineSettings, configure_cpu_backend, load_engine  # noqa: E402
from reasoning_boundary.prompts import get_template, render_prompt  # noqa: E402
from reasoning_boundary.sampling import SamplingSettings, generate  # noqa: E402
from sampling import model_dir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--problems", type=int, default=16)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from transformers import AutoTokenizer

    if args.device == "cpu":
        configure_cpu_backend(args.threads)
    path = model_dir(args.model)
    problems = load_benchmark(
        "arithmetic", {"source": "synthetic", "synthetic": {"n_problems": args.problems}}, ROOT
    )
    template = get_template("chatml")
    llm = load_engine(EngineSettings(model=path, dtype=args.dtype, enforce_eager=True,
                                     max_model_len=2048, device=args.device), seed=0)
    samples = generate(llm, problems, template, SamplingSettings(samples=args.samples,
                                                                 max_tokens=args.max_tokens),
                       seed=0, progress=False)
    by_id = {p["id"]: p for p in problems}
    pairs = [(render_prompt(template, by_id[s["problem_id"]]), s["response"]) for s in samples]
    scorers = {"vllm": VllmScorer(llm, AutoTokenizer.from_pretrained(path)),
               "transformers": TransformersScorer(*load_model(path, args.threads,
                                                              args.dtype))}
    totals = {name: [0, 0.0] for name in scorers}
    scores = {}
    for round_index in range(args.rounds):
        order = list(scorers.items())
        for name, scorer in order if round_index % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            scores[name] = scorer.nlls(pairs)
            totals[name][1] += time.perf_counter() - start
            totals[name][0] += sum(count for _, count in scores[name])
    rates = {name: tokens / seconds for name, (tokens, seconds) in totals.items()}
    worst = max(abs(a - b) for (a, n), (b, _) in zip(scores["vllm"], scores["transformers"],
                                                     strict=True) if n)
    print(f"workload: {len(pairs)} responses ({totals['vllm'][0] // args.rounds} tokens), "
          f"{args.rounds} rounds, dtype {args.dtype}, device {args.device}")
    for name, (tokens, seconds) in totals.items():
        print(f"{name:13s} {rates[name]:10.1f} scored tokens/s ({tokens} tokens in "
              f"{seconds:.1f} s)")
    print(f"ratio vllm/transformers: {rates['vllm'] / rates['transformers']:.2f}")
    print(f"largest |NLL difference|: {worst:.2e} nats per token")


if __name__ == "__main__":
    main()
