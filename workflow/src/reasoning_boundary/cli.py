"""The ``reasoning-boundary`` command: one subcommand per pipeline stage.

Every Snakemake rule calls one of these, and a user can run any of them alone, for example to
check samples made elsewhere::

    reasoning-boundary verify --benchmark results/benchmarks/humaneval.jsonl \\
        --samples S.jsonl.gz --out V.jsonl.gz --workers 4
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from . import records
from .models import ModelSourceError

log = logging.getLogger("reasoning_boundary")


def json_argument(text: str) -> Any:
    """argparse type for JSON-valued options (also used by the analysis subcommands)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not valid JSON: {err}") from err


def cmd_convert_model(args: argparse.Namespace) -> None:
    from .models import convert_gguf, resolve_gguf

    convert_gguf(resolve_gguf(args.source), Path(args.out))


def cmd_prepare(args: argparse.Namespace) -> None:
    from .benchmarks import load_benchmark

    if args.spec is not None:
        spec = args.spec
    else:
        import yaml

        spec = yaml.safe_load(Path(args.config).read_text())["benchmarks"][args.name]
    problems = load_benchmark(args.name, spec, Path(args.base_dir))
    count = records.write_jsonl(args.out, problems)
    from . import provenance

    provenance.record(args.out, _spec_files(spec, args.base_dir), benchmark=args.name,
                      spec=spec, problems=count)
    log.info("prepared %d problems of %s -> %s", count, args.name, args.out)


def _sample_tasks(args: argparse.Namespace) -> list[tuple[str, int, int, str, str | None]]:
    """(benchmark, seed, samples, out, meta) of every file the job writes."""
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
    from . import provenance
    from .prompts import get_template
    from .sampling import (
        EngineSettings,
        SampleTask,
        SamplingSettings,
        configure_cpu_backend,
        load_engine,
        sample_tasks,
    )

    specs = _sample_tasks(args)
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
    engine = EngineSettings(
        model=args.model,
        dtype=args.dtype,
        max_model_len=args.max_model_len,
        tensor_parallel_size=args.tensor_parallel_size,
        enforce_eager=args.enforce_eager,
        options=args.engine_options or {},
    )
    if args.device == "cpu":
        configure_cpu_backend(args.threads)
    # Responses depend on each request's own seed only; the engine's seed is the first task's.
    counts = sample_tasks(lambda: load_engine(engine, tasks[0].seed), tasks, model=args.model,
                          chunk_problems=args.chunk_problems, progress=not args.quiet)
    model_identity = provenance.model_identity(args.model)
    source_identity = _source_identity(args.source)
    for (benchmark, _, _, _, meta), task, count in zip(specs, tasks, counts, strict=True):
        facts = _sample_facts(args, engine, task, count)
        if meta:
            records.write_json(meta, facts)
        provenance.record(
            task.out, [benchmark], **{k: v for k, v in facts.items() if k != "versions"},
            model_identity=model_identity, source_identity=source_identity,
        )
        log.info("sampled %d responses -> %s", count, task.out)


def _sample_facts(args: argparse.Namespace, engine: Any, task: Any, count: int) -> dict[str, Any]:
    """The sidecar of one sample file: everything that decided its responses."""
    from dataclasses import asdict

    from .sampling import engine_versions

    return {
        "model": args.model,
        "model_source": args.source or args.model,
        "template": task.template.name,
        "template_text": asdict(task.template),
        "example_prompt": _example_prompt(task.template, list(task.problems)),
        "stop": {kind: _stops(task.template, kind) for kind in ("math", "code")},
        "sampling": task.settings.__dict__ | {"seed": task.seed},
        "engine": {k: v for k, v in engine.__dict__.items() if k != "model"},
        "versions": engine_versions(),
        "problems": len(task.problems),
        "samples": count,
    }


def _source_identity(source: str | None) -> dict[str, Any] | None:
    """Checksum of the GGUF file a converted model came from (the weights the user named)."""
    from . import provenance
    from .models import is_gguf, resolve_gguf

    if source and is_gguf(source):
        return provenance.model_identity(str(resolve_gguf(source)))
    return None


def _example_prompt(template: Any, problems: list) -> str | None:
    from .prompts import render_prompt

    return render_prompt(template, problems[0]) if problems else None


def _stops(template: Any, kind: str) -> list[str]:
    from .prompts import stop_strings

    return stop_strings(template, kind)


def _spec_files(spec: dict[str, Any], base_dir: str) -> list[Path]:
    """The local data files a benchmark spec reads (their checksums go into provenance)."""
    found = []
    for key in ("path", "dataset"):
        if spec.get(key):
            path = Path(base_dir) / spec[key]
            if path.is_file():
                found.append(path)
    return found


def cmd_provenance(args: argparse.Namespace) -> None:
    from . import provenance

    try:
        doc = provenance.describe(args.file, depth=args.depth)
    except FileNotFoundError as err:
        raise records.RecordError(str(err)) from None
    print(json.dumps(doc, indent=2, sort_keys=True))


def _check_sample_layout(args: argparse.Namespace, problems: dict, samples: list) -> None:
    """A sample file made under another config (seed, sample count, problem set) is refused."""
    from collections import Counter

    fix = "It was not made by this config: delete it and rerun sampling."
    if args.seed is not None:
        seeds = sorted({s["seed"] for s in samples})
        if seeds != [args.seed]:
            raise records.RecordError(
                f"{args.samples}: holds seed(s) {seeds}, the config expects {args.seed}. {fix}")
    if args.samples_per_problem is not None:
        counts = Counter(s["problem_id"] for s in samples)
        wrong = {pid: n for pid, n in counts.items() if n != args.samples_per_problem}
        missing = sorted(problems.keys() - counts.keys())
        if wrong or missing:
            detail = (f"problem {next(iter(wrong))} has {next(iter(wrong.values()))} samples"
                      if wrong else f"{len(missing)} problem(s) have none (first: {missing[0]})")
            raise records.RecordError(
                f"{args.samples}: {detail}; the config expects {args.samples_per_problem} "
                f"per problem. {fix}")


def cmd_verify(args: argparse.Namespace) -> None:
    from .verify.dispatch import verify_samples

    problems = {p["id"]: p for p in records.read_problems(args.benchmark)}
    samples = records.read_samples(args.samples)
    unknown = sorted({s["problem_id"] for s in samples} - problems.keys())
    if unknown:
        raise records.RecordError(
            f"{args.samples}: {len(unknown)} sample(s) name problems that are not in "
            f"{args.benchmark} (first: {unknown[0]}). The samples were made for another "
            "benchmark or config: delete the file and rerun sampling."
        )
    _check_sample_layout(args, problems, samples)
    verdicts = verify_samples(
        problems, samples, workers=args.workers, timeout=args.timeout, progress=not args.quiet
    )
    records.write_jsonl(args.out, verdicts)
    from . import provenance

    provenance.record(args.out, [args.benchmark, args.samples], timeout=args.timeout,
                      verdicts=len(verdicts), correct=sum(v["correct"] for v in verdicts))
    passed = sum(v["correct"] for v in verdicts)
    log.info("verified %d samples (%d correct) -> %s", len(verdicts), passed, args.out)


def cmd_aggregate(args: argparse.Namespace) -> None:
    from . import provenance
    from .aggregate import pass_at_k_table, per_problem_counts, write_csv

    labelled = _labelled_paths(args.verdicts)
    counts = per_problem_counts(labelled)
    write_csv(counts, args.per_problem)
    write_csv(pass_at_k_table(counts, args.resamples, args.seed, args.level), args.out)
    inputs = [path for _, _, path in labelled]
    for out in (args.per_problem, args.out):
        provenance.record(out, inputs, bootstrap={"resamples": args.resamples, "seed": args.seed,
                                                  "level": args.level})


def _labelled_paths(items: list[str]) -> list[tuple[str, str, str]]:
    """MODEL:BENCHMARK:PATH triples from the command line."""
    triples = []
    for item in items:
        parts = item.split(":", 2)
        if len(parts) != 3:
            raise SystemExit(f"--verdicts takes MODEL:BENCHMARK:PATH, got '{item}'")
        triples.append((parts[0], parts[1], parts[2]))
    return triples


def cmd_plot(args: argparse.Namespace) -> None:
    from .plotting import plot_pass_at_k

    plot_pass_at_k(args.table, args.benchmark, args.out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reasoning-boundary", description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--dpi", type=int, help="resolution of PNG figures (default 150)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert-model", help="dequantize a GGUF file into a Hugging Face folder")
    p.add_argument("--source", required=True, help="path.gguf or package:NAME/FILE.gguf")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_convert_model)

    p = sub.add_parser("prepare", help="normalize a benchmark into problem records")
    p.add_argument("--name", required=True)
    p.add_argument("--spec", type=json_argument, help="the benchmark's config entry as JSON")
    p.add_argument("--config", help="read the entry from this config file instead")
    p.add_argument("--base-dir", default=".", help="relative paths resolve against this")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_prepare)

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
    p.add_argument("--temperature", type=float, default=0.6)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--max-tokens", type=int, default=16384)
    p.add_argument("--dtype", default="auto")
    p.add_argument("--max-model-len", type=int)
    p.add_argument("--tensor-parallel-size", type=int, default=1)
    p.add_argument("--enforce-eager", action="store_true")
    p.add_argument("--engine-options", type=json_argument, help="more vllm.LLM arguments as JSON")
    p.add_argument("--device", choices=("cpu", "gpu"), default="gpu")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (device cpu)")
    p.add_argument("--out")
    p.add_argument("--meta", help="sidecar JSON with the exact settings")
    p.add_argument("--source", help="the model source as configured (for provenance)")
    p.add_argument("--chunk-problems", type=int, default=64,
                   help="problems per resumable chunk (memory stays flat)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("provenance", help="print where a results file came from")
    p.add_argument("file")
    p.add_argument("--depth", type=int, default=3, help="levels of inputs to follow")
    p.set_defaults(func=cmd_provenance)

    p = sub.add_parser("verify", help="check samples against a benchmark's answers or tests")
    p.add_argument("--benchmark", required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per check")
    p.add_argument("--seed", type=int, help="refuse samples of another seed")
    p.add_argument("--samples-per-problem", type=int,
                   help="refuse files with another number of samples per problem")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("aggregate", help="pass@k for every k, seeds pooled")
    p.add_argument("--verdicts", nargs="+", required=True, metavar="MODEL:BENCHMARK:PATH")
    p.add_argument("--out", required=True, help="pass_at_k.csv")
    p.add_argument("--per-problem", required=True, help="per-problem counts .csv")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples; 0: none")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--level", type=float, default=0.95, help="coverage of the band")
    p.set_defaults(func=cmd_aggregate)

    p = sub.add_parser("plot", help="pass@k curves of one benchmark")
    p.add_argument("--table", required=True)
    p.add_argument("--benchmark", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_plot)

    from .analysis.commands import register

    register(sub)  # compare, coverage, histogram, response-stats, tables, perplexity, plot-*
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.dpi:
        from . import plotting

        plotting.FIGURE_DPI = args.dpi
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        args.func(args)
    except (records.RecordError, ModelSourceError) as err:
        log.error("%s", err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
