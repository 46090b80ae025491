"""Shared pytest fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Make the package importable when it is not installed into the environment.
_SRC = PROJECT_ROOT / "workflow" / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Real benchmark files kept beside the project (../shared/data), never inside it."""
    path = PROJECT_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"shared benchmark data not found at {path}")
    return path


@pytest.fixture(scope="session")
def tiny_local_run(tmp_path_factory) -> Path:
    """tests/configs/tiny.yaml run once, for real, through the whole DAG with --cores 2.

    Shared by every test that needs real pipeline outputs (end to end, report, SLURM parity),
    so the slow part runs once per test session.
    """
    from workflow_helpers import load_config, snakemake, write_config

    if os.environ.get("RB_TINY_RUN"):  # developers: reuse a finished run of tiny.yaml
        return Path(os.environ["RB_TINY_RUN"])
    workdir = tmp_path_factory.mktemp("tiny-local")
    configfile = write_config(workdir, load_config(PROJECT_ROOT / "tests/configs/tiny.yaml"))
    result = snakemake(workdir, configfile, "--cores", "2")
    if result.returncode != 0:
        logs = "\n".join(
            f"--- {log}\n{log.read_text()[-3000:]}" for log in (workdir / "logs").rglob("*.log")
        )
        pytest.fail(f"workflow failed:\n{result.stderr[-5000:]}\n{logs}")
    return workdir
