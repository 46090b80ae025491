# Configuration, validation and every input function. Rules hold no logic of their own.
import json
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
        f"--template {model['template']}",
        f"--samples {config['samples_per_seed']}",
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
    return shlex.quote(json.dumps(BENCHMARKS[wildcards.benchmark], sort_keys=True))


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
    ]


# vLLM's GPU and CPU builds are different packages providing the same module.
SAMPLE_ENV = "../../envs/sample.yaml" if DEVICE == "gpu" else "../../envs/sample-cpu.yaml"
