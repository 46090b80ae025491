"""Running the real Snakemake workflow from tests, in a scratch working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def write_config(directory: Path, config: dict, name: str = "config.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def load_config(path: str | Path) -> dict:
    return yaml.safe_load(Path(path).read_text())


def snakemake(workdir: Path, configfile: Path, *args: str, timeout: float = 1200
              ) -> subprocess.CompletedProcess:
    """``snakemake`` on the project's Snakefile with results written under ``workdir``."""
    command = [
        str(SNAKEMAKE), "--snakefile", str(PROJECT_ROOT / "Snakefile"),
        "--directory", str(workdir), "--configfile", str(configfile), *args,
    ]
    # Every progress line in the job logs (tests/test_progress.py reads them).
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "RB_PROGRESS_SECONDS": "0"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


def planned_jobs(result: subprocess.CompletedProcess) -> dict[str, int]:
    """The 'Job stats' table of a dry run, as rule -> count."""
    jobs: dict[str, int] = {}
    lines = result.stdout.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("Job stats:"))
    except StopIteration:
        return jobs
    for line in lines[start + 3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit() or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    return jobs
