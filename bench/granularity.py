"""Wall time of the sampling stage of a config under each sampling-job size (``sample_job``).

Runs the config's sampling jobs (and what they need: prepare, convert_model) for real with
``snakemake --cores N`` in a fresh directory per variant, sharing one converted model, and
prints the wall time of each variant beside the first one (the peer). The embedded default by
default: on a CPU, starting vLLM costs about a minute per job, and a batch's size decides how
fast it decodes, so the job size and the threads per job are what the 10-minute goal hangs on.

    python bench/granularity.py [--config config.yaml] [--cores 2] \
        [--variants seed:1 model:1 model:2]      # sample_job:threads.sample
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def run(config: dict, workdir: Path, cores: int, target: str) -> float:
    configfile = workdir / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    command = [str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), "--directory",
               str(workdir), "--configfile", str(configfile), "--cores", str(cores),
               "--until", target, "--quiet"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{workdir.name} failed:\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=["seed:1", "model:1", "model:2"],
                        help="SAMPLE_JOB:THREADS pairs; the first is the peer")
    args = parser.parse_args()
    base = yaml.safe_load(args.config.read_text())
    n_files = len(base["models"]) * len(base["benchmarks"]) * len(base["seeds"])
    print(f"config: {args.config}  cores: {args.cores} (machine: {os.cpu_count()})  "
          f"sample files: {n_files}")
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "resources"
        # The conversion is not what is compared: done once, before the clock runs.
        warm = Path(tmp) / "warm"
        warm.mkdir()
        run({**base, "sample_job": "model"}, warm, args.cores, "convert_model")
        (warm / "resources").rename(models)
        times = []
        for variant in args.variants:
            job, threads = variant.split(":")
            config = {**base, "sample_job": job,
                      "threads": {**base.get("threads", {}), "sample": int(threads)}}
            workdir = Path(tmp) / variant.replace(":", "-")
            workdir.mkdir()
            (workdir / "resources").symlink_to(models, target_is_directory=True)
            seconds = run(config, workdir, args.cores, "sample")
            times.append(seconds)
            ratio = times[0] / seconds
            print(f"sample_job={job:<9} threads.sample={threads}: {seconds:6.1f} s "
                  f"({ratio:.2f}x the speed of {args.variants[0]})")


if __name__ == "__main__":
    main()
