"""Sampling many responses per problem with vLLM's offline engine.

One engine is loaded per job; every problem is one request whose ``n`` samples share the prompt,
with its own seed derived from (seed, problem id) so a response does not depend on which other
problems are in the batch, on their order, or on how the benchmark was sharded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import defaults
from .engine import EngineSettings, engine_versions
from .images import image_checksums, open_image
from .progress import Progress, VllmProgress, clock
from .prompts import Template, render_prompt, stop_strings, stop_token_ids
from .records import PROBLEM_KINDS, Problem, Sample, SampleMeta, read_jsonl, write_jsonl

log = logging.getLogger("reasoning_boundary")

@dataclass(frozen=True)
class SamplingSettings:
    temperature: float = defaults.TEMPERATURE
    top_p: float = defaults.TOP_P
    max_tokens: int = defaults.MAX_TOKENS
    samples: int = 1


def request_seed(seed: int, problem_id: str) -> int:
    """A per-request seed from the run seed and the problem id (stable across processes)."""
    digest = hashlib.sha256(f"{seed}\x00{problem_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def sampling_params(settings: SamplingSettings, template: Template, problem: Problem, seed: int,
                    tokenizer: Any = None):
    from vllm import SamplingParams

    stops = stop_strings(template, problem["kind"])
    # Stop strings that are special tokens match only as token ids (prompts.stop_token_ids).
    token_ids = stop_token_ids(tokenizer, stops) if tokenizer is not None else []
    return SamplingParams(
        n=settings.samples,
        temperature=settings.temperature,
        top_p=settings.top_p,
        max_tokens=settings.max_tokens,
        seed=request_seed(seed, problem["id"]),
        stop=stops,
        **({"stop_token_ids": token_ids} if token_ids else {}),
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
    return generate_requests(llm, [(p, template, settings, seed) for p in problems], progress)


Request = tuple[Problem, Template, SamplingSettings, int]


def generate_requests(llm: Any, requests: Sequence[Request], progress: bool = True) -> list[Sample]:
    """One ``llm.generate`` call for requests that may differ in template, settings and seed.

    A request's responses depend only on its own seed, so requests of several seeds and
    benchmarks share a batch: on a CPU a larger batch is what makes decoding fast.
    """
    prompts = [engine_prompt(template, problem) for problem, template, _, _ in requests]
    tokenizer = llm.get_tokenizer() if hasattr(llm, "get_tokenizer") else None
    params = [sampling_params(s, t, problem, seed, tokenizer) for problem, t, s, seed in requests]
    outputs = llm.generate(prompts, params, use_tqdm=progress)
    samples: list[Sample] = []
    for (problem, _, _, seed), output in zip(requests, outputs, strict=True):
        # The prompt as the model saw it, image placeholders expanded into the image's tokens;
        # recorded for problems with images only, so text sample files stay as they were.
        prompt_ids = getattr(output, "prompt_token_ids", None) if problem.get("images") else None
        for completion in sorted(output.outputs, key=lambda o: o.index):
            sample = Sample(
                problem_id=problem["id"],
                sample_index=completion.index,
                seed=seed,
                response=completion.text,
                num_tokens=len(completion.token_ids),
                finish_reason=str(completion.finish_reason),
            )
            if prompt_ids is not None:
                sample["prompt_tokens"] = len(prompt_ids)  # type: ignore[typeddict-unknown-key]
            samples.append(sample)
    return samples


def engine_prompt(template: Template, problem: Problem) -> str | dict[str, Any]:
    """What ``llm.generate`` is given for a problem: its prompt text, and for a problem with
    images vLLM's multimodal input, ``{"prompt": text, "multi_modal_data": {"image": ...}}``.

    The template put one placeholder per image into the text; each image is checked against
    its recorded checksum as it is opened (images.open_image).
    """
    text = render_prompt(template, problem)
    images = problem.get("images") or []
    if not images:
        return text
    opened = [open_image(image, problem["id"]) for image in images]
    return {"prompt": text, "multi_modal_data": {"image": opened[0] if len(opened) == 1
                                                 else opened}}


def multimodal_options(problems: Sequence[Problem]) -> dict[str, Any]:
    """Engine arguments that problems with images need: ``limit_mm_per_prompt`` as many images
    per prompt as the most any problem has, and no videos (vLLM otherwise plans memory for up
    to 999 items of each modality the model takes). Empty for text problems; a model's own
    ``engine_options`` override it."""
    most = max((len(p.get("images") or []) for p in problems), default=0)
    return {"limit_mm_per_prompt": {"image": most, "video": 0}} if most else {}


def sample_meta(engine: EngineSettings, task: SampleTask, count: int,
                source: str | None = None) -> SampleMeta:
    """The sidecar of one sample file: everything that decided its responses."""
    problems = list(task.problems)
    images = image_checksums(problems)
    return SampleMeta(
        **({"images": images} if images else {}),  # type: ignore[typeddict-item]
        model=engine.model,
        model_source=source or engine.model,
        template=task.template.name,
        template_text=asdict(task.template),
        example_prompt=render_prompt(task.template, problems[0]) if problems else None,
        stop={kind: stop_strings(task.template, kind) for kind in PROBLEM_KINDS},
        sampling=task.settings.__dict__ | {"seed": task.seed},
        engine={k: v for k, v in engine.__dict__.items() if k != "model"},
        versions=engine_versions(),
        problems=len(problems),
        samples=count,
    )


def _chunk_fingerprint(problems: Sequence[Problem], template: Template,
                       settings: SamplingSettings, seed: int, model: str) -> str:
    shape: list[Any] = [[p["id"] for p in problems], template.name, settings.__dict__, seed, model]
    images = image_checksums(problems)
    if images:  # a changed image must not reuse chunks sampled from the old one
        shape.append(sorted(images.values()))
    key = json.dumps(shape, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class SampleTask:
    """One output file: every problem of a benchmark sampled under one seed."""

    problems: Sequence[Problem]
    template: Template
    settings: SamplingSettings
    seed: int
    out: Path


def sample_to_file(
    start_engine: Callable[[], Any],
    problems: Sequence[Problem],
    template: Template,
    settings: SamplingSettings,
    seed: int,
    out: str | os.PathLike,
    model: str,
    chunk_problems: int = defaults.CHUNK_PROBLEMS,
    progress: bool = True,
) -> int:
    """Sample one benchmark under one seed into ``out``; returns the number of samples."""
    task = SampleTask(problems, template, settings, seed, Path(out))
    return sample_tasks(start_engine, [task], model, chunk_problems, progress)[0]


def sample_tasks(
    start_engine: Callable[[], Any],
    tasks: Sequence[SampleTask],
    model: str,
    chunk_problems: int = defaults.CHUNK_PROBLEMS,
    progress: bool = True,
) -> list[int]:
    """Sample several output files with one engine, in chunks kept in ``<out>.partial/``.

    Memory stays flat however many responses a job makes, and a job that is killed (or runs out
    of time on a cluster) resumes from its last finished chunk: chunks are written atomically and
    carry a fingerprint of everything that shapes a response, so a stale chunk is never reused.
    Missing chunks of all tasks are packed into ``llm.generate`` calls of up to
    ``chunk_problems`` problems. The engine starts only if a chunk is missing. Returns the number
    of samples written per task.
    """
    size = max(1, chunk_problems)
    pending: list[tuple[Path, SampleTask, Sequence[Problem]]] = []
    chunk_files: list[list[Path]] = []
    for task in tasks:
        partial = _fresh_partial_dir(task, model)
        chunks = [task.problems[i:i + size] for i in range(0, len(task.problems), size)]
        files = [partial / f"chunk{index:06d}.jsonl.gz" for index in range(len(chunks))]
        chunk_files.append(files)
        pending += [(f, task, c) for f, c in zip(files, chunks, strict=True) if not f.is_file()]
    llm = None
    todo = sum(len(chunk) for _, _, chunk in pending)
    reused = sum(len(files) for files in chunk_files) - len(pending)
    if reused:
        log.info("sample: %d finished chunk(s) kept from an earlier run; %d problems to go",
                 reused, todo)
    made = [0, 0]  # samples, tokens
    with Progress(todo, "sample", "problems", ("samples", "tokens"), enabled=progress) as bar:
        for batch in _pack(pending, size):
            if llm is None:
                llm = start_engine()
            requests = [(p, task.template, task.settings, task.seed)
                        for _, task, chunk in batch for p in chunk]
            # vLLM reports each finished request to the Progress (a log line every so often).
            samples = generate_requests(llm, requests, VllmProgress(bar) if progress else False)
            made[0] += len(samples)
            made[1] += sum(s["num_tokens"] for s in samples)
            for chunk_file, task, chunk in batch:
                count = len(chunk) * task.settings.samples
                write_jsonl(chunk_file, samples[:count])
                samples = samples[count:]
    if todo:  # the job's one-line summary
        elapsed = max(time.monotonic() - bar.start, 1e-9)
        log.info("sample: %d problems, %d samples, %d tokens in %s (%.2f samples/s, %.1f "
                 "tokens/s)", todo, made[0], made[1], clock(elapsed), made[0] / elapsed,
                 made[1] / elapsed)
    counts = []
    for task, files in zip(tasks, chunk_files, strict=True):
        counts.append(write_jsonl(task.out, (r for f in files for r in read_jsonl(f))))
        shutil.rmtree(_partial_dir(task.out))
    return counts


def _partial_dir(out: Path) -> Path:
    return Path(str(out) + ".partial")


def _fresh_partial_dir(task: SampleTask, model: str) -> Path:
    """The task's chunk folder, emptied if its chunks were made under other settings."""
    partial = _partial_dir(task.out)
    fingerprint = _chunk_fingerprint(task.problems, task.template, task.settings, task.seed, model)
    stamp = partial / "fingerprint"
    if partial.is_dir() and (not stamp.is_file() or stamp.read_text() != fingerprint):
        shutil.rmtree(partial)
    partial.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)
    return partial


def _pack(pending: list, size: int) -> list[list]:
    """Consecutive chunks grouped into batches of at most ``size`` problems each."""
    batches: list[list] = []
    total = size
    for item in pending:
        if total + len(item[2]) > size:
            batches.append([])
            total = 0
        batches[-1].append(item)
        total += len(item[2])
    return batches
