# Validation, wildcard constraints, file templates and the input functions every stage shares.
# What to compute is planned in the library (reasoning_boundary/plan.py); rules only wire it.
import functools
import json
import os
import re
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "src"))

from reasoning_boundary import records  # noqa: E402
from reasoning_boundary.config_check import validated  # noqa: E402
from reasoning_boundary.plan import Plan, PlanError, resolve_device  # noqa: E402
from reasoning_boundary.provenance import CONFIG_FILES_ENV, CONFIG_HASH_ENV, config_hash  # noqa: E402
from reasoning_boundary.engine import gpu_count, gpu_present  # noqa: E402
from reasoning_boundary.series_plan import roles_json  # noqa: E402

_CONFIG_FILES = ", ".join(map(str, workflow.configfiles)) or "config"
try:
    PLAN = Plan(validated(config, _CONFIG_FILES))
except (ValueError, PlanError) as err:
    raise WorkflowError(str(err)) from None

# Set for the jobs (which inherit the environment), not read from the user's: a shell command
# or param that changed with the machine or the config would make Snakemake rerun every job and
# re-hash it for its between-workflow cache. RB is the script every shell command starts with;
# RB_PYTHON the interpreter it runs: the one running Snakemake, or a per-rule conda
# environment's own `python`. The config's hash and files go into every provenance sidecar.
_conda = DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method
os.environ.update(
    RB=str(Path(workflow.basedir) / "workflow" / "scripts" / "rb"),
    RB_PYTHON="python" if _conda else sys.executable,
    **{CONFIG_HASH_ENV: config_hash(config), CONFIG_FILES_ENV: _CONFIG_FILES},
)


def _any_of(names):
    # (?!) matches nothing: a rule whose name set is empty then matches no file at all.
    return "|".join(map(re.escape, names)) or "(?!)"


wildcard_constraints:
    model=_any_of(PLAN.models),
    benchmark=_any_of(PLAN.benchmarks),
    comparison=_any_of(PLAN.comparisons),
    table=_any_of(PLAN.table_names()),
    seed=r"\d+",
    slug=r"[A-Za-z0-9._-]+",
    shard=r"\d+",
    nshards=r"\d+",


# File templates: the contract in records.py, with Snakemake's wildcards.
BENCHMARK = records.BENCHMARK_FILE
BENCHMARK_SHARD = records.BENCHMARK_SHARD_FILE
SAMPLE_STEM = records.SAMPLE_STEM
SAMPLE_SHARD_STEM = records.SAMPLE_SHARD_STEM
SAMPLES, SAMPLE_META = records.SAMPLES, records.SAMPLE_META
VERDICTS = records.VERDICTS_FILE
CONVERTED_MODEL = records.CONVERTED_MODEL_DIR


def table(name):
    return records.TABLE_FILE.format(table=name)


def figure(stem, suffix):
    """One format of a figure template (records.*_FIGURE), wildcards kept."""
    return stem + suffix


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


# ---- the device and the environments ---------------------------------------------------------
# Decided when jobs are planned, not when the Snakefile is read: only then is it known whether
# jobs run on this machine (a login node probing itself would plan CPU jobs for GPU nodes).
@functools.cache
def device():
    try:
        resolved = resolve_device(config["device"], workflow.local_exec, gpu_present)
    except PlanError as err:
        raise WorkflowError(str(err)) from None
    # Local runs run as many GPU jobs at once as this machine has GPUs (each job pins the ones
    # it claims: engine.claim_gpus); `--resources gpu=N` says otherwise. Cluster jobs ask
    # SLURM. Set here, while jobs are planned, because the scheduler reads it only afterwards.
    if resolved == "gpu" and workflow.local_exec and "gpu" not in workflow.global_resources:
        if count := gpu_count():
            workflow.global_resources["gpu"] = count
    return resolved

ENVS = Path(workflow.basedir) / "envs"
ANALYSIS_ENV = str(ENVS / "analysis.yaml")
VERIFY_ENV = str(ENVS / "verify.yaml")


def sample_env(wildcards):
    # vLLM's GPU and CPU builds are different packages providing the same module.
    return str(ENVS / ("sample.yaml" if device() == "gpu" else "sample-cpu.yaml"))


# ---- inputs shared by several stages ---------------------------------------------------------
def model_input(wildcards):
    """The converted folder of a GGUF model, made once by convert_model."""
    return PLAN.model_inputs(wildcards.model)


def verdict_files():
    return [run.verdicts for run in PLAN.runs()]


def sample_files():
    return [run.samples for run in PLAN.runs()]


def quoted(items):
    return " ".join(shlex.quote(str(item)) for item in items)


def models_arg(wildcards=None):
    """Every configured model, so that a model has the same colour in every figure."""
    return quoted(PLAN.models)
