"""Sampling by problem chunks: split a prepared benchmark into shards, merge sampled shards.

A benchmark with ``shards: N`` is sampled by N jobs per model and seed, each on a contiguous
chunk of the problems, so that 1024 samples of a few dozen problems or 128 of five hundred spread
over many GPUs. Every request's seed comes from (seed, problem id) (see
:func:`reasoning_boundary.sampling.request_seed`), so a response does not depend on the shard it
was drawn in; concatenating the shards in shard order gives exactly the records, and the order,
of one unsharded job.

Run by the workflow as ``python -m reasoning_boundary.shards split|merge ...``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from . import records

log = logging.getLogger("reasoning_boundary.shards")

T = TypeVar("T")

# Sidecar fields that describe a shard's own part and are added up in the merged sidecar.
COUNTED = ("problems", "samples")


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> (I, N), shard I (from 0) of N."""
    try:
        index, total = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N, got '{text}'") from None
    if total < 1 or not 0 <= index < total:
        raise argparse.ArgumentTypeError(f"shard {text}: need 0 <= I < N")
    return index, total


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
    keys = sorted({key for meta in metas for key in meta} - set(COUNTED) - {"example_prompt"})
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
        raise SystemExit(f"{len(samples)} sample file(s) but {len(metas)} sidecar(s)")
    count = records.write_jsonl(out, merge_records([records.read_samples(p) for p in samples]))
    merged = merge_meta([json.loads(Path(p).read_text()) for p in metas])
    if meta_out:
        records.write_json(meta_out, merged)
    from . import provenance

    # The shards' own sidecars (model, engine, sampling settings) are nested under the inputs.
    provenance.record(out, list(samples), shards=len(samples), samples=count,
                      sampling=merged.get("sampling"))
    return count


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reasoning_boundary.shards")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("split", help="one shard of a prepared benchmark")
    p.add_argument("--benchmark", required=True)
    p.add_argument("--shard", type=parse_shard, required=True, metavar="I/N")
    p.add_argument("--out", required=True)
    p = sub.add_parser("merge", help="sampled shards, in the order given, into one file")
    p.add_argument("--samples", nargs="+", required=True)
    p.add_argument("--metas", nargs="+", required=True, help="the shards' sidecars, same order")
    p.add_argument("--out", required=True)
    p.add_argument("--meta", help="the merged sidecar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "split":
            count = split(args.benchmark, *args.shard, args.out)
            log.info("shard %d/%d: %d problems -> %s", *args.shard, count, args.out)
        else:
            count = merge(args.samples, args.metas, args.out, args.meta)
            log.info("merged %d shards, %d samples -> %s", len(args.samples), count, args.out)
    except records.RecordError as err:
        log.error("%s", err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
