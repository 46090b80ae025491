"""Sampling by problem chunks gives the same file as one job, and the DAG has the jobs it should.

The engine here is a stub (tests/fake_engine.py) that stands in for vLLM, because the point is
the split and merge logic: the stub's responses depend only on the prompt and the request's
seed, the two things a vLLM response depends on with per-request seeds. Whether vLLM itself
honours that is the business of the end-to-end tests.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
from pathlib import Path

import pytest

from fake_engine import FakeEngine
from reasoning_boundary import provenance, records, sampling, shards
from reasoning_boundary.cli import main
from reasoning_boundary.prompts import get_template
from workflow_helpers import planned_jobs, snakemake, write_config

TEMPLATE = get_template("chatml")
SETTINGS = sampling.SamplingSettings(temperature=0.6, top_p=0.95, max_tokens=32, samples=3)
PROBLEMS = [
    {"id": f"p{i:02d}", "kind": "math", "question": f"What is {i} + {i}?", "answer": str(2 * i)}
    for i in range(7)
]


@dataclasses.dataclass
class _Params:
    """What sampling.sampling_params builds, with the fields the stub reads."""

    n: int
    seed: int
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 16
    stop: list | None = None


@pytest.fixture(autouse=True)
def _no_vllm_import(monkeypatch):
    """sampling.sampling_params imports vllm.SamplingParams; a stand-in avoids a 15 s import."""
    monkeypatch.setitem(sys.modules, "vllm", types.SimpleNamespace(SamplingParams=_Params))


def _sample(problems, seed=3):
    return sampling.generate(FakeEngine(), problems, TEMPLATE, SETTINGS, seed, progress=False)


@pytest.mark.parametrize("total", [1, 2, 3, 7])
def test_merged_shards_equal_one_job(total):
    whole = _sample(PROBLEMS)
    parts = [_sample(shards.select_shard(PROBLEMS, i, total)) for i in range(total)]
    assert [len(part) for part in parts] != [] and sum(map(len, parts)) == len(whole)
    assert shards.merge_records(parts) == whole


def test_merged_file_is_byte_identical_to_one_jobs_file(tmp_path):
    whole = tmp_path / "seed3.jsonl.gz"
    records.write_jsonl(whole, _sample(PROBLEMS))
    sample_files, meta_files = [], []
    for i in range(3):
        chunk = shards.select_shard(PROBLEMS, i, 3)
        sample_files.append(str(tmp_path / f"shard{i}-of-3.jsonl.gz"))
        meta_files.append(str(tmp_path / f"shard{i}-of-3.json"))
        count = records.write_jsonl(sample_files[-1], _sample(chunk))
        records.write_json(meta_files[-1], {"model": "m", "template": "chatml",
                                            "sampling": {"seed": 3}, "problems": len(chunk),
                                            "samples": count, "example_prompt": chunk[0]["id"],
                                            "host": f"node{i % 2}"})
    merged, meta = tmp_path / "merged.jsonl.gz", tmp_path / "merged.json"
    assert shards.merge(sample_files, meta_files, str(merged), str(meta)) == 7 * 3
    assert merged.read_bytes() == whole.read_bytes()
    summary = json.loads(meta.read_text())
    assert summary["problems"] == 7 and summary["samples"] == 21 and summary["shards"] == 3
    # The first shard's prompt is the one an unsharded job records; what differs is kept.
    assert summary["example_prompt"] == "p00" and summary["model"] == "m"
    assert summary["per_shard"] == {"host": ["node0", "node1", "node0"]}
    # Provenance of the merged file names every shard file by checksum.
    sidecar = json.loads(provenance.sidecar_path(merged).read_text())
    assert sorted(sidecar["inputs"]) == sorted(sample_files) and sidecar["shards"] == 3
    assert all(len(digest) == 64 for digest in sidecar["inputs"].values())


def test_split_writes_contiguous_chunks_in_order(tmp_path):
    benchmark = tmp_path / "b.jsonl"
    records.write_jsonl(benchmark, PROBLEMS)
    chunks = []
    for i in range(3):
        out = tmp_path / f"shard{i}.jsonl"
        assert main(["shard", "split", "--benchmark", str(benchmark), "--shard", f"{i}/3",
                     "--out", str(out)]) == 0
        chunks.append([p["id"] for p in records.read_problems(out)])
    assert [len(c) for c in chunks] == [2, 2, 3]
    assert sum(chunks, []) == [p["id"] for p in PROBLEMS]


def test_more_shards_than_problems_is_a_clear_error():
    with pytest.raises(records.RecordError, match="lower `shards`"):
        shards.select_shard(PROBLEMS, 0, 8)


def test_a_sample_in_two_shards_is_refused():
    part = _sample(PROBLEMS[:2])
    with pytest.raises(records.RecordError, match="appears in two shards"):
        shards.merge_records([part, part[:1]])


# ---- the DAG -----------------------------------------------------------------------------------

SEEDS = [0, 1]


def _config(shard_count: int) -> dict:
    return {
        "models": {"m": {"source": "Qwen/Qwen2.5-0.5B", "template": "qwen-boxed"}},
        "benchmarks": {
            "chunked": {"source": "synthetic", "synthetic": {"n_problems": 6}},
            # A benchmark may opt out of the global setting.
            "whole": {"source": "synthetic", "synthetic": {"n_problems": 2}, "shards": 1},
        },
        "seeds": SEEDS,
        "samples_per_seed": 2,
        "shards": {"problems": shard_count},
        "device": "cpu",
    }


def _dry_run(tmp_path: Path, shard_count: int, *args: str):
    configfile = write_config(tmp_path, _config(shard_count), name=f"shards{shard_count}.yaml")
    result = snakemake(tmp_path, configfile, "-n", *args, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_dry_run_plans_one_sampling_job_per_shard_and_seed(tmp_path):
    jobs = planned_jobs(_dry_run(tmp_path, 3))
    assert jobs["sample_shard"] == 3 * len(SEEDS)  # benchmark "chunked"
    assert jobs["shard_problems"] == 3  # shared by the seeds
    assert jobs["merge_samples"] == len(SEEDS)
    assert jobs["sample"] == len(SEEDS)  # benchmark "whole"
    assert jobs["verify"] == 2 * len(SEEDS)


def test_sharded_benchmarks_stay_out_of_per_model_sampling_jobs(tmp_path):
    config = {**_config(3), "sample_job": "model"}
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = planned_jobs(result)
    assert jobs["sample"] == 1  # every seed of benchmark "whole"
    assert jobs["sample_shard"] == 3 * len(SEEDS) and jobs["merge_samples"] == len(SEEDS)


def test_one_shard_keeps_the_single_job_path(tmp_path):
    jobs = planned_jobs(_dry_run(tmp_path, 1))
    assert jobs["sample"] == 2 * len(SEEDS)
    assert not {"sample_shard", "shard_problems", "merge_samples"} & jobs.keys()


def test_verify_jobs_group_with_their_merge_and_bundle(tmp_path):
    # Each seed's merge and verify form one group; --group-components bundles them further.
    alone = _dry_run(tmp_path, 3).stdout.count("Group job verify")
    bundled = _dry_run(tmp_path, 3, "--group-components", "verify=4").stdout.count(
        "Group job verify"
    )
    assert alone == 2 * len(SEEDS)
    assert bundled == 1
