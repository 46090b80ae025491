"""Raw rows from a local data file or a Hugging Face dataset, before any field mapping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..records import read_jsonl
from ._common import BenchmarkError

# datasets' packaged builders, so a local file given as `dataset:` loads without the hub.
_HF_BUILDERS = {".parquet": "parquet", ".json": "json", ".jsonl": "json", ".csv": "csv"}


def resolve(path: str | Path, base_dir: Path) -> Path:
    path = Path(path).expanduser()
    return path if path.is_absolute() else Path(base_dir) / path


def read_local(path: Path) -> list[dict[str, Any]]:
    """Rows of a .jsonl(.gz), .json or .parquet file."""
    if not path.exists():
        raise BenchmarkError(f"{path}: no such file. Check the benchmark's `path`.")
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz")):
        return list(read_jsonl(path))
    if name.endswith(".json"):
        return _read_json(path)
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        # to_pylist gives plain Python values; pandas would hand back numpy scalars and arrays
        # that json cannot write into the prepared benchmark file.
        return pq.read_table(path).to_pylist()
    raise BenchmarkError(
        f"{path}: unsupported file type; use .jsonl, .jsonl.gz, .json or .parquet "
        "(or `source: hf` with `dataset:` pointing at the file for other formats)."
    )


def _read_json(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        if err.msg == "Extra data":
            # Many ".json" benchmark files are JSON lines; read them as such, with line errors.
            return list(read_jsonl(path))
        raise BenchmarkError(
            f"{path}: not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})."
        ) from err
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise BenchmarkError(
            f"{path}: expected a JSON list of objects (one per problem) or JSON lines."
        )
    return data


def read_hf(dataset: str, subset: str | None, split: str, base_dir: Path) -> list[dict[str, Any]]:
    """Rows of a dataset given as a hub id, a local data file or a local dataset directory."""
    import datasets

    local = resolve(dataset, base_dir)
    where = f"hf dataset '{dataset}'" + (f" (subset '{subset}')" if subset else "")
    try:
        if local.is_file():
            builder = _HF_BUILDERS.get("".join(local.suffixes[-1:]).lower())
            if builder is None:
                raise BenchmarkError(
                    f"{local}: unsupported file type for `source: hf`; "
                    f"use one of {', '.join(sorted(_HF_BUILDERS))}."
                )
            # data_files as {split: file} so the configured split name finds the file.
            table = datasets.load_dataset(builder, data_files={split: str(local)}, split=split)
        elif local.is_dir() and any(
            (local / marker).exists() for marker in ("dataset_dict.json", "state.json")
        ):
            saved = datasets.load_from_disk(str(local))
            table = saved[split] if isinstance(saved, datasets.DatasetDict) else saved
        elif local.is_dir():
            table = datasets.load_dataset(str(local), subset, split=split)
        else:
            table = datasets.load_dataset(dataset, subset, split=split)
    except (ValueError, KeyError, FileNotFoundError) as err:
        if isinstance(err, BenchmarkError):
            raise
        raise BenchmarkError(f"{where}, split '{split}': could not load it ({err}).") from err
    # Image columns as the release stores them ({"bytes", "path"}), not decoded into pixels:
    # prepare keeps the original files (visual.py).
    for column, feature in (getattr(table, "features", None) or {}).items():
        if isinstance(feature, datasets.Image) and feature.decode:
            table = table.cast_column(column, datasets.Image(decode=False))
    return [dict(row) for row in table]
