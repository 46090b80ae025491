"""Sampling by problem chunks: split a prepared benchmark into shards, merge sampled shards.

A benchmark with ``shards: N`` is sampled by N jobs per model and seed, each on a contiguous
chunk of the problems, so that 1024 samples of a few dozen problems or 128 of five hundred spread
over many GPUs. Every request's seed comes from (seed, problem id) (see
:func:`reasoning_boundary.sampling.request_seed`), so a response does not depend on the shard it
was drawn in; concatenating the shards in shard order gives exactly the records, and the order,
of one unsharded job.

Run by the workflow as ``reasoning-boundary shard split|merge ...``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from . import records

T = TypeVar("T")

# Sidecar fields that describe a shard's own part and are added up in the merged sidecar.
COUNTED = ("problems", "samples")
# Sidecar fields that map each of a shard's own items to a value, united in the merged sidecar.
UNITED = ("images",)


def shard_bounds(count: int, index: int, total: int) -> tuple[int, int]:
    """[start, stop) of shard ``index`` of ``total`` over ``count`` items; sizes differ by <= 1."""
    return index * count // total, (index + 1) * count // total


def select_shard(items: Sequence[T], index: int, total: int) -> list[T]:
    """Shard ``index`` of ``total``: a contiguous chunk, so shards in order rebuild ``items``."""
    if total > len(items):
        raise records.RecordError(
            f"{len(items)} problem(s) cannot fill {total} shards: lower `shards` for this "
            "benchmark to at most the number of problems."
        )
    start, stop = shard_bounds(len(items), index, total)
    return list(items[start:stop])


def split(benchmark: str, index: int, total: int, out: str) -> int:
    problems = records.read_problems(benchmark)
    return records.write_jsonl(out, select_shard(problems, index, total))


def merge_records(shard_samples: Sequence[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Concatenate shards in shard order; a (problem, sample) pair in two shards is an error."""
    merged: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for shard in shard_samples:
        for record in shard:
            key = (record["problem_id"], record["sample_index"])
            if key in seen:
                raise records.RecordError(
                    f"problem {key[0]}, sample {key[1]} appears in two shards: the shards were "
                    "made with different settings. Delete the seed's shard folder and rerun."
                )
            seen.add(key)
            merged.append(record)
    return merged


def merge_meta(metas: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One sidecar for the merged file: the first shard's, with the counts added up.

    The first shard holds the benchmark's first problem, so its example prompt is the one an
    unsharded job records. Fields that differ between shards other than the counts and the
    example prompt (timings, host names) are kept per shard under ``per_shard``.
    """
    if not metas:
        raise records.RecordError("no shard sidecars to merge")
    merged = dict(metas[0])
    for key in COUNTED:
        if all(key in meta for meta in metas):
            merged[key] = sum(meta[key] for meta in metas)
    for key in UNITED:
        if any(key in meta for meta in metas):
            merged[key] = {k: v for meta in metas for k, v in (meta.get(key) or {}).items()}
    keys = sorted({key for meta in metas for key in meta} - set(COUNTED) - set(UNITED)
                  - {"example_prompt"})
    differing = {
        key: [meta.get(key) for meta in metas]
        for key in keys
        if any(meta.get(key) != metas[0].get(key) for meta in metas)
    }
    merged["shards"] = len(metas)
    if differing:
        merged["per_shard"] = differing
    return merged


def merge(samples: Sequence[str], metas: Sequence[str], out: str, meta_out: str | None) -> int:
    if len(samples) != len(metas):
        raise records.RecordError(f"{len(samples)} sample file(s) but {len(metas)} sidecar(s)")
    # Every input is read before anything is written: a bad shard leaves no merged file behind.
    merged = merge_meta([records.read_sample_meta(p) for p in metas])
    count = records.write_jsonl(out, merge_records([records.read_samples(p) for p in samples]))
    if meta_out:
        records.write_json(meta_out, merged)
    from . import provenance

    # The shards' own sidecars (model, engine, sampling settings) are nested under the inputs.
    provenance.record(out, list(samples), shards=len(samples), samples=count,
                      sampling=merged.get("sampling"))
    return count
