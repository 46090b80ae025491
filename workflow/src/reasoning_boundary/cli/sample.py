"""``sample`` and ``shard split|merge``: the rules of workflow/rules/sample.smk."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from .. import defaults, provenance, records
from .arguments import json_argument, shard_argument

log = logging.getLogger("reasoning_boundary")

# (benchmark file, seed, samples per problem, output, sidecar or None) of one file a job writes.
TaskSpec = tuple[str, int, int, str, str | None]


def _task_specs(args: argparse.Namespace) -> list[TaskSpec]:
    single = (args.benchmark, args.seed, args.samples, args.out)
    if args.task and any(v is not None for v in single):
        raise records.RecordError(
            "sample: give either --task (repeatable) or --benchmark/--seed/--samples/--out, "
            "not both")
    if args.task:
        try:
            return [(b, int(seed), int(n), out, meta or None)
                    for b, seed, n, out, meta in args.task]
        except ValueError:
            raise records.RecordError(
                "sample: --task takes BENCHMARK SEED SAMPLES OUT META, SEED and SAMPLES whole "
                f"numbers; got {args.task}") from None
    missing = [name for name, v in zip(("--benchmark", "--seed", "--samples", "--out"), single,
                                       strict=True) if v is None]
    if missing:
        raise records.RecordError(f"sample: missing {', '.join(missing)} (or use --task)")
    return [(args.benchmark, args.seed, args.samples, args.out, args.meta)]


def cmd_sample(args: argparse.Namespace) -> None:
    from ..engine import load_engine
    from ..models import source_identity
    from ..prompts import get_template, render_prompt
    from ..sampling import (
        SampleTask,
        SamplingSettings,
        multimodal_options,
        sample_meta,
        sample_tasks,
    )

    specs = _task_specs(args)
    template = get_template(args.template)
    tasks = [
        SampleTask(
            problems=records.read_problems(benchmark),
            template=template,
            settings=SamplingSettings(temperature=args.temperature, top_p=args.top_p,
                                      max_tokens=args.max_tokens, samples=samples),
            seed=seed,
            out=Path(out),
        )
        for benchmark, seed, samples, out, _ in specs
    ]
    # A template that cannot show a benchmark's images fails here, not after the engine started.
    try:
        for task in tasks:
            visual = next((p for p in task.problems if p.get("images")), None)
            if visual is not None:
                render_prompt(template, visual)
    except ValueError as err:
        raise records.RecordError(f"sample: {err}") from None
    engine = engine_settings(args, args.model)
    # Problems with images: vLLM's multimodal limits, unless the model's options set them.
    engine.options = {**multimodal_options([p for t in tasks for p in t.problems]),
                      **engine.options}
    # Responses depend on each request's own seed only; the engine's seed is the first task's.
    counts = sample_tasks(lambda: load_engine(engine, tasks[0].seed), tasks, model=args.model,
                          chunk_problems=args.chunk_problems, progress=not args.quiet)
    weights = provenance.model_identity(args.model)
    source = source_identity(args.source)
    for (benchmark, _, _, _, meta_path), task, count in zip(specs, tasks, counts, strict=True):
        meta = sample_meta(engine, task, count, args.source)
        if meta_path:
            records.write_json(meta_path, meta)
        provenance.record(
            task.out, [benchmark, *meta.get("images", {})],
            **{k: v for k, v in meta.items() if k != "versions"},
            model_identity=weights, source_identity=source,
        )
        log.info("sampled %d responses -> %s", count, task.out)


def engine_settings(args: argparse.Namespace, model: str) -> Any:
    """The EngineSettings of ``add_engine_arguments``' options, with the device prepared: CPU
    threads and KV cache on a CPU, the GPUs this job may use on a GPU machine."""
    from ..engine import EngineSettings, claim_gpus, configure_cpu_backend

    engine = EngineSettings(
        model=model,
        dtype=args.dtype,
        max_model_len=args.max_model_len,
        tensor_parallel_size=args.tensor_parallel_size,
        enforce_eager=args.enforce_eager,
        options=args.engine_options or {},
        device=args.device,
        gpu_memory_utilization=args.gpu_memory_utilization,
        max_num_seqs=args.max_num_seqs,
    )
    if args.device == "cpu":
        configure_cpu_backend(args.threads)
    else:
        claim_gpus(args.tensor_parallel_size)
    return engine


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    """The vLLM engine's options (``Plan.engine_arguments`` writes them for the rules)."""
    p.add_argument("--dtype", default=defaults.DTYPE)
    p.add_argument("--max-model-len", type=int)
    p.add_argument("--tensor-parallel-size", type=int, default=defaults.TENSOR_PARALLEL_SIZE)
    p.add_argument("--enforce-eager", action="store_true")
    p.add_argument("--engine-options", type=json_argument, help="more vllm.LLM arguments as JSON")
    p.add_argument("--gpu-memory-utilization", type=float,
                   help="share of each GPU's memory for vLLM (GPUs only; default vLLM's)")
    p.add_argument("--max-num-seqs", type=int, help="sequences decoded at once (default vLLM's)")
    p.add_argument("--device", choices=("cpu", "gpu"), default="gpu")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (device cpu)")


def cmd_shard_split(args: argparse.Namespace) -> None:
    from ..shards import split

    count = split(args.benchmark, *args.shard, args.out)
    log.info("shard %d/%d: %d problems -> %s", *args.shard, count, args.out)


def cmd_shard_merge(args: argparse.Namespace) -> None:
    from ..shards import merge

    count = merge(args.samples, args.metas, args.out, args.meta)
    log.info("merged %d shards, %d samples -> %s", len(args.samples), count, args.out)


def register(sub: Any) -> None:
    p = sub.add_parser("sample", help="sample responses with vLLM")
    p.add_argument("--benchmark", help="a prepared benchmark .jsonl")
    p.add_argument("--model", required=True, help="Hugging Face id or local folder")
    p.add_argument("--template", required=True)
    p.add_argument("--seed", type=int)
    p.add_argument("--samples", type=int, help="responses per problem")
    p.add_argument("--task", nargs=5, action="append",
                   metavar=("BENCHMARK", "SEED", "SAMPLES", "OUT", "META"),
                   help="one more output file sampled by the same engine (repeatable; replaces "
                        "--benchmark/--seed/--samples/--out/--meta; META may be '')")
    p.add_argument("--temperature", type=float, default=defaults.TEMPERATURE)
    p.add_argument("--top-p", type=float, default=defaults.TOP_P)
    p.add_argument("--max-tokens", type=int, default=defaults.MAX_TOKENS)
    add_engine_arguments(p)
    p.add_argument("--out")
    p.add_argument("--meta", help="sidecar JSON with the exact settings")
    p.add_argument("--source", help="the model source as configured (for provenance)")
    p.add_argument("--chunk-problems", type=int, default=defaults.CHUNK_PROBLEMS,
                   help="problems per resumable chunk (memory stays flat)")
    p.set_defaults(func=cmd_sample)

    shard = sub.add_parser("shard", help="split a benchmark into chunks, merge sampled chunks")
    actions = shard.add_subparsers(dest="action", required=True)
    p = actions.add_parser("split", help="one shard of a prepared benchmark")
    p.add_argument("--benchmark", required=True)
    p.add_argument("--shard", type=shard_argument, required=True, metavar="I/N")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_shard_split)
    p = actions.add_parser("merge", help="sampled shards, in the order given, into one file")
    p.add_argument("--samples", nargs="+", required=True)
    p.add_argument("--metas", nargs="+", required=True, help="the shards' sidecars, same order")
    p.add_argument("--out", required=True)
    p.add_argument("--meta", help="the merged sidecar")
    p.set_defaults(func=cmd_shard_merge)
