"""The GPU path, for a person with an NVIDIA GPU: ``make test-gpu`` (``pytest -m gpu``).

Samples the embedded default (config.yaml) with vLLM on the GPU through Snakemake, scores
perplexity on the GPU, and compares both with the CPU (transformers in float32 on the same
weights), within these tolerances:

* greedy decoding: on at least ``GREEDY_AGREEMENT`` of the response tokens the GPU picked, the
  CPU's most likely token is the same (kernels differ, so near-ties may flip, and a flipped
  token changes the rest of that response: the check is teacher-forced);
* perplexity: the GPU's mean NLL per token within ``NLL_TOLERANCE`` nats of the CPU's, response
  by response (both in float32; GPUs may use TF32 matmuls).

Four engine starts and a 135M model: a few minutes on one GPU. Skipped where there is no GPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reasoning_boundary.analysis.perplexity import TransformersScorer, load_model
from reasoning_boundary.config_check import validated
from reasoning_boundary.engine import gpu_present
from reasoning_boundary.plan import Plan
from reasoning_boundary.records import TABLES, read_jsonl
from workflow_helpers import PROJECT_ROOT, load_config, snakemake, write_config

pytestmark = [pytest.mark.gpu, pytest.mark.slow]

GREEDY_AGREEMENT = 0.95
NLL_TOLERANCE = 5e-3
RB = [sys.executable, "-m", "reasoning_boundary"]
# This checkout's package, whatever the environment has installed.
ENV = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "workflow" / "src")}


def _gpu_or_skip() -> None:
    if not gpu_present():
        pytest.skip("no NVIDIA GPU here (nvidia-smi lists none): `make test-gpu` needs one")
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch sees no CUDA device: install the GPU build (make install ENGINE=gpu)")


@pytest.fixture(scope="module")
def gpu_run(tmp_path_factory) -> tuple[Path, Plan]:
    """The embedded default's samples, made by Snakemake with device: gpu."""
    _gpu_or_skip()
    workdir = tmp_path_factory.mktemp("gpu-run")
    config = load_config(PROJECT_ROOT / "config.yaml")
    config["device"] = "gpu"
    plan = Plan(validated(config))
    configfile = write_config(workdir, config)
    targets = [run.samples for run in plan.runs()]
    result = snakemake(workdir, configfile, "--cores", "4", *targets, timeout=900)
    if result.returncode != 0:
        logs = "\n".join(f"--- {log}\n{log.read_text()[-3000:]}"
                         for log in (workdir / "logs").rglob("*.log"))
        pytest.fail(f"sampling on the GPU failed:\n{result.stderr[-4000:]}\n{logs}")
    return workdir, plan


def _model_dir(workdir: Path, plan: Plan) -> Path:
    return workdir / plan.model_path(next(iter(plan.models)))


def test_the_embedded_default_samples_on_the_gpu(gpu_run):
    workdir, plan = gpu_run
    for run in plan.runs():
        samples = list(read_jsonl(workdir / run.samples))
        problems = list(read_jsonl(workdir / plan.benchmark_file(run.benchmark)))
        assert len(samples) == len(problems) * plan.samples_per_seed(run.benchmark)
        meta = json.loads((workdir / run.meta).read_text())
        assert meta["engine"]["device"] == "gpu"
    log = next((workdir / "logs" / "sample").rglob("*.log")).read_text()
    assert "sample:" in log and "samples/s" in log  # the job's summary line


def test_greedy_tokens_on_the_gpu_are_the_cpus_most_likely(gpu_run, tmp_path):
    import torch

    workdir, plan = gpu_run
    model = next(iter(plan.models))
    benchmark = workdir / plan.benchmark_file("arithmetic")
    out = tmp_path / "greedy.jsonl.gz"
    subprocess.run([*RB, "sample", "--benchmark", str(benchmark), "--seed", "0", "--samples",
                    "1", "--temperature", "0", "--max-tokens", "48", "--out", str(out),
                    "--model", str(_model_dir(workdir, plan)), "--template", "chatml",
                    "--dtype", "float32", "--device", "gpu", "--max-model-len", "2048"],
                   check=True, cwd=workdir, capture_output=True, text=True, env=ENV)
    cpu_model, tokenizer = load_model(str(_model_dir(workdir, plan)), threads=4, gpu=False)
    from reasoning_boundary.prompts import get_template, render_prompt

    template = get_template(plan.models[model]["template"])
    problems = {p["id"]: p for p in read_jsonl(benchmark)}
    same = total = 0
    for sample in read_jsonl(out):
        prompt = tokenizer(render_prompt(template, problems[sample["problem_id"]]),
                           add_special_tokens=True)["input_ids"]
        response = tokenizer(sample["response"], add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logits = cpu_model(input_ids=torch.tensor([prompt + response])).logits[0]
        predicted = logits[len(prompt) - 1:-1].argmax(-1).tolist()
        same += sum(p == r for p, r in zip(predicted, response, strict=True))
        total += len(response)
    assert total > 0 and same / total >= GREEDY_AGREEMENT, (same, total)


def test_perplexity_on_the_gpu_matches_the_cpu(gpu_run, tmp_path):
    workdir, plan = gpu_run
    comparison = next(iter(plan.comparisons))
    inputs = plan.perplexity_inputs(comparison)
    out = tmp_path / "perplexity.csv"
    subprocess.run([*RB, "perplexity", "--meta", inputs["meta"], "--benchmark",
                    inputs["benchmark"], "--source", *plan.labelled_perplexity_sources(comparison),
                    "--problems", "2", "--responses", "4", "--out", str(out),
                    "--engine", "vllm", "--dtype", "float32", "--device", "gpu",
                    "--max-model-len", "2048"], check=True, cwd=workdir, capture_output=True,
                   text=True, env=ENV)
    gpu_table = TABLES["perplexity"].read(out)
    scorer = TransformersScorer(*load_model(str(_model_dir(workdir, plan)), threads=4,
                                            gpu=False))
    from reasoning_boundary.analysis.perplexity import perplexity_table
    from reasoning_boundary.cli.arguments import labelled

    grouped: dict[tuple[str, str], list[str]] = {}
    for role, name, path in labelled(plan.labelled_perplexity_sources(comparison),
                                     ("ROLE", "MODEL", "SAMPLES"), "sources"):
        grouped.setdefault((role, name), []).append(str(workdir / path))
    cpu_table = perplexity_table(workdir / inputs["meta"], workdir / inputs["benchmark"],
                                 [(r, m, p) for (r, m), p in grouped.items()], 2, 4,
                                 scorer=scorer)
    key = ["role", "source", "problem_id", "seed", "sample_index"]
    both = gpu_table.merge(cpu_table, on=key, suffixes=("_gpu", "_cpu"), validate="one_to_one")
    scored = both[both["response_tokens_cpu"] > 0]
    assert len(scored) > 0 and (both["response_tokens_gpu"] == both["response_tokens_cpu"]).all()
    assert (scored["nll_gpu"] - scored["nll_cpu"]).abs().max() <= NLL_TOLERANCE, both


def test_without_a_gpu_the_checks_skip_with_a_message():
    if gpu_present():
        pytest.skip("a GPU is present: the checks above ran")
    with pytest.raises(pytest.skip.Exception, match="no NVIDIA GPU"):
        _gpu_or_skip()
