"""The SLURM path for real: a one-node cluster on this machine and Snakemake's SLURM plugin.

The cluster (tests/slurm_cluster.py) is installed with apt-get if missing and started by hand;
its daemons are stopped by pid when the module's tests end, whatever happened. The run uses
profiles/slurm with the site-specific lines (account, partitions) taken out, so the profile a
user edits is the one tested.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from reasoning_boundary.records import read_jsonl
from slurm_cluster import FAKE_GPU_MODEL, FAKE_GPUS, ClusterError, SlurmCluster, missing_commands
from workflow_helpers import PROJECT_ROOT, load_config, snakemake, write_config

pytestmark = pytest.mark.slow

TINY = PROJECT_ROOT / "tests" / "configs" / "tiny.yaml"
# The plugin's first status check comes this many seconds after a submission; MinJobAge=300 on
# the test cluster is >= 3 x this, the plugin's condition for trusting squeue (no slurmdbd here).
INIT_SECONDS = 2


@pytest.fixture(scope="module")
def cluster():
    if missing_commands() and (os.geteuid() != 0 or shutil.which("apt-get") is None):
        pytest.skip("SLURM is not installed and this user cannot apt-get it")
    try:
        with SlurmCluster() as running:
            with pytest.MonkeyPatch.context() as patch:
                # The Snakemake processes the tests start talk to this cluster.
                for name in ("SLURM_CONF", "PATH"):
                    patch.setenv(name, running.env[name])
                yield running
    except ClusterError as err:
        pytest.fail(f"the test cluster did not start: {err}")


def cluster_profile(directory: Path, **overrides) -> Path:
    """profiles/slurm without the lines a site edits, pointed at the test cluster."""
    profile = yaml.safe_load((PROJECT_ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    for resources in (profile["default-resources"], *profile["set-resources"].values()):
        resources.pop("slurm_account", None)
        resources.pop("slurm_partition", None)  # the test cluster has one, default partition
        if "gpu_model" in resources:
            resources["gpu_model"] = FAKE_GPU_MODEL
    profile.update(
        {
            "slurm-status-command": "squeue",
            "slurm-init-seconds-before-status-checks": INIT_SECONDS,
            "cores": 2,  # the node's CPUs: a group job must fit on it
            "retries": 0,
            "latency-wait": 5,
            **overrides,
        }
    )
    folder = directory / "profile"
    folder.mkdir()
    (folder / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


def _failure(result, workdir: Path) -> str:
    logs = "\n".join(
        f"--- {log}\n{log.read_text()[-2000:]}"
        for log in sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log"))
        + sorted((workdir / "logs").rglob("*.log"))
    )
    return f"{result.stderr[-5000:]}\n{logs}"


def test_a_seed_sampled_alone_on_slurm_gives_the_local_runs_bytes(cluster, tiny_local_run,
                                                                   tmp_path):
    """One file of the tiny config sampled through SLURM by a job of its own (`sample_job:
    seed`), then checked there, gives the bytes the local run wrote when one job sampled all
    of the model's files in one batch: a response depends on its seed and problem only, not on
    the job's granularity or the machine that ran it. One file, because each further sampling
    job would only repeat an engine start."""
    workdir = tmp_path / "slurm-run"
    workdir.mkdir()
    # The converted model is an input, not what is compared: reuse the local run's copy so the
    # cluster run spends its time on sampling and checking.
    (workdir / "resources").symlink_to(Path(tiny_local_run) / "resources",
                                       target_is_directory=True)
    config = load_config(TINY)
    assert config["sample_job"] == "model"  # the local run batched every file of a model
    model, benchmark = next(iter(config["models"])), next(iter(config["benchmarks"]))
    seed = config["seeds"][0]
    samples = f"results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz"
    verdicts = f"results/verdicts/{model}/{benchmark}/seed{seed}.jsonl.gz"
    configfile = write_config(workdir, {**config, "sample_job": "seed"})
    result = snakemake(workdir, configfile, "--profile", str(cluster_profile(tmp_path)),
                       samples, verdicts, timeout=1800)
    assert result.returncode == 0, _failure(result, workdir) + cluster.logs()
    # The work really went through SLURM: the plugin logs every submission with its log folder,
    # named after the rule or group.
    submitted = set(re.findall(r"submitted with SLURM jobid \d+ \(log: \S*/slurm_logs/(\w+)/",
                               result.stderr))
    assert "rule_sample" in submitted, submitted
    assert any(name.startswith("group_verify") for name in submitted), submitted
    # The per-seed job ran: its log path exists only in that mode.
    assert (workdir / f"logs/sample/{model}/{benchmark}/seed{seed}.log").is_file()

    local = Path(tiny_local_run)
    assert (workdir / samples).read_bytes() == (local / samples).read_bytes()
    assert list(read_jsonl(workdir / verdicts)) == list(read_jsonl(local / verdicts))


SBATCH_SHIM = """#!{python}
# Records the sbatch call the plugin builds, lets SLURM judge it (--test-only: validated against
# the cluster, never queued), then fails so that nothing runs.
import json, subprocess, sys
with open({calls!r}, "a") as calls:
    calls.write(json.dumps(sys.argv[1:]) + "\\n")
judged = subprocess.run([{sbatch!r}, "--test-only", *sys.argv[1:]], capture_output=True, text=True)
with open({verdicts!r}, "a") as verdicts:
    verdicts.write(json.dumps(judged.stderr.strip()) + "\\n")
sys.exit(1)
"""


def test_gpu_sampling_jobs_ask_slurm_for_the_models_gpus(cluster, tmp_path, monkeypatch):
    """A device: gpu config is submitted, not run: the sbatch lines are what is checked."""
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    calls, verdicts = tmp_path / "calls.jsonl", tmp_path / "verdicts.jsonl"
    shim = shim_dir / "sbatch"
    shim.write_text(
        SBATCH_SHIM.format(
            python=sys.executable, calls=str(calls), verdicts=str(verdicts),
            sbatch=shutil.which("sbatch", path=cluster.env["PATH"]),
        )
    )
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim_dir}{os.pathsep}{os.environ['PATH']}")

    config = {
        "models": {
            "big": {
                # Never loaded: the job never runs. Hugging Face ids are not checked offline.
                "source": "Qwen/Qwen2.5-32B",
                "template": "qwen-boxed",
                "tensor_parallel_size": FAKE_GPUS,
                "mem_mb": 4000,
                "runtime": 90,
            }
        },
        "benchmarks": {
            "whole": {"source": "synthetic", "synthetic": {"n_problems": 4}},
            "chunked": {"source": "synthetic", "synthetic": {"n_problems": 4}, "shards": 2},
        },
        "seeds": [0],
        "samples_per_seed": 2,
        "device": "gpu",
        "threads": {"sample": 2, "verify": 1},
    }
    configfile = write_config(tmp_path, config)
    targets = [
        "results/samples/big/whole/seed0.jsonl.gz",
        "results/samples/big/chunked/seed0/shard0-of-2.jsonl.gz",
    ]
    result = snakemake(
        tmp_path, configfile, "--profile", str(cluster_profile(tmp_path)), *targets, timeout=300
    )
    assert calls.exists(), result.stderr[-5000:]
    submitted = [json.loads(line) for line in calls.read_text().splitlines()]
    judged = [json.loads(line) for line in verdicts.read_text().splitlines()]
    assert len(submitted) == 2, submitted
    for argv, verdict in zip(submitted, judged, strict=True):
        line = " ".join(argv)
        assert "rule_sample" in line, line  # sample and sample_shard
        assert f"--gpus={FAKE_GPU_MODEL}:{FAKE_GPUS}" in argv, line
        assert "--cpus-per-task=2" in argv, line
        # One vLLM process for all GPUs: no task per GPU.
        assert not any(arg.startswith("--ntasks-per-gpu") for arg in argv), line
        assert "--mem" in argv and argv[argv.index("--mem") + 1] == "4000", line
        assert "-t" in argv and argv[argv.index("-t") + 1] == "90", line
        # SLURM itself accepts the request on a node with that many GPUs of that model.
        assert "to start at" in verdict, verdict


def test_device_auto_is_refused_where_jobs_run_on_other_machines(cluster, tmp_path):
    """Snakemake on a login node without GPUs must not plan CPU jobs for the GPU nodes: a
    cluster run with `device: auto` stops before anything runs and says what to set."""
    config = load_config(TINY)
    config["device"] = "auto"
    configfile = write_config(tmp_path, config)
    result = snakemake(tmp_path, configfile, "--profile", str(cluster_profile(tmp_path)),
                       timeout=300)
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert "`device: auto` is decided on the machine Snakemake runs on" in message, message
    assert "Set `device: gpu` (or `cpu`)" in message
    assert not (tmp_path / "results").exists()  # not even the local jobs ran
