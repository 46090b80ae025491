"""DAG speed: how long ``snakemake -n`` takes on the paper's matrix with sharding on (goal < 15 s).

Plans configs/paper.yaml (18 models, each on its own benchmarks of 11, x 4 seeds, every
sampling job in 2 to 16 chunks of problems: about 2700 jobs) in an empty scratch folder,
offline, and prints the job count and the wall time of each repetition. The time is what a
user waits before anything is submitted.

    python bench/dag.py [--config configs/paper.yaml] [--repeat 3] [--shards N]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def dry_run(config: Path, workdir: Path) -> tuple[float, int]:
    command = [
        str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(config), "--dry-run", "--quiet", "rules",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"dry run failed:\n{done.stderr[-3000:]}")
    total = re.search(r"^total\s+(\d+)", done.stdout, re.MULTILINE)
    return seconds, int(total.group(1)) if total else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "paper.yaml")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shards", type=int, help="override shards.problems of the config")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = args.config.resolve()
        if args.shards:
            settings = yaml.safe_load(config.read_text())
            settings["shards"] = {"problems": args.shards}
            config = Path(tmp) / "config.yaml"
            config.write_text(yaml.safe_dump(settings))
        print(f"config: {args.config}  cores: {os.cpu_count()}")
        times = []
        for i in range(args.repeat):
            workdir = Path(tmp) / f"run{i}"
            workdir.mkdir()
            seconds, jobs = dry_run(config, workdir)
            times.append(seconds)
            print(f"run {i + 1}: {jobs} jobs planned in {seconds:.1f} s")
        print(f"best {min(times):.1f} s, goal < 15 s: {'met' if min(times) < 15 else 'missed'}")


if __name__ == "__main__":
    main()
