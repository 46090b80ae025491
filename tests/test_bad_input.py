"""Bad input through the command line: exit status 2 and a message naming the file and fix."""

from __future__ import annotations

import gzip
import json
import logging

import pytest

from reasoning_boundary.cli import main
from reasoning_boundary.records import write_jsonl


@pytest.fixture
def benchmark(tmp_path):
    path = tmp_path / "bench.jsonl"
    write_jsonl(path, [
        {"id": f"p{i}", "kind": "math", "question": f"{i}+1?", "answer": str(i + 1), "meta": {}}
        for i in range(3)
    ])
    return path


def samples_of(seed: int, per_problem: int, ids=("p0", "p1", "p2")):
    return [
        {"problem_id": pid, "sample_index": i, "seed": seed, "response": "\\boxed{1}",
         "num_tokens": 3, "finish_reason": "stop"}
        for pid in ids for i in range(per_problem)
    ]


def run_verify(tmp_path, benchmark, samples_path, *extra):
    return main(["--quiet", "verify", "--benchmark", str(benchmark), "--samples",
                 str(samples_path), "--out", str(tmp_path / "v.jsonl.gz"), *extra])


@pytest.mark.parametrize(
    "records,extra,named",
    [
        (samples_of(1, 2), ["--seed", "0"], "seed(s) [1]"),
        (samples_of(0, 3), ["--samples-per-problem", "2"], "has 3 samples"),
        (samples_of(0, 2, ids=("p0", "p1")), ["--samples-per-problem", "2"], "have none"),
        (samples_of(0, 2, ids=("p0", "x9")), [], "x9"),
    ],
)
def test_samples_from_another_config_are_refused(tmp_path, benchmark, caplog, records, extra,
                                                  named):
    samples = tmp_path / "s.jsonl.gz"
    write_jsonl(samples, records)
    with caplog.at_level(logging.ERROR):
        assert run_verify(tmp_path, benchmark, samples, *extra) == 2
    assert named in caplog.text and str(samples) in caplog.text and "delete" in caplog.text
    assert not (tmp_path / "v.jsonl.gz").exists()


def test_truncated_gzip_is_named(tmp_path, benchmark, caplog):
    samples = tmp_path / "s.jsonl.gz"
    write_jsonl(samples, samples_of(0, 200))
    samples.write_bytes(samples.read_bytes()[:-40])
    with caplog.at_level(logging.ERROR):
        assert run_verify(tmp_path, benchmark, samples) == 2
    assert str(samples) in caplog.text and "truncated" in caplog.text


def test_malformed_benchmark_line_is_named(tmp_path, caplog):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"question": "1+1?", "answer": "2"}) + "\n{not json\n")
    spec = {"source": "local", "kind": "math", "path": str(data),
            "fields": {"question": "question", "answer": "answer"}}
    with caplog.at_level(logging.ERROR):
        code = main(["prepare", "--name", "mine", "--spec", json.dumps(spec),
                     "--out", str(tmp_path / "out.jsonl")])
    assert code == 2
    assert f"{data}, line 2" in caplog.text
    assert not (tmp_path / "out.jsonl").exists()


def test_verified_file_is_valid_gzip_json_lines(tmp_path, benchmark):
    samples = tmp_path / "s.jsonl.gz"
    write_jsonl(samples, samples_of(0, 2))
    assert run_verify(tmp_path, benchmark, samples, "--seed", "0",
                      "--samples-per-problem", "2") == 0
    with gzip.open(tmp_path / "v.jsonl.gz", "rt") as handle:
        verdicts = [json.loads(line) for line in handle]
    assert [v["correct"] for v in verdicts] == [True, True, False, False, False, False]


@pytest.mark.parametrize(("args", "message"), [
    (["--benchmark", "b.jsonl", "--seed", "0", "--samples", "2", "--out", "o.jsonl.gz",
      "--task", "b.jsonl", "1", "2", "p.jsonl.gz", ""], "either --task"),
    (["--benchmark", "b.jsonl", "--samples", "2", "--out", "o.jsonl.gz"], "missing --seed"),
    (["--task", "b.jsonl", "zero", "2", "p.jsonl.gz", ""], "SEED and SAMPLES whole numbers"),
])
def test_sample_arguments_are_checked_before_any_engine_starts(args, message, caplog):
    assert main(["sample", "--model", "m", "--template", "chatml", *args]) == 2
    assert message in caplog.text


def test_a_damaged_sample_sidecar_is_named(tmp_path, caplog):
    sidecar = tmp_path / "seed0.json"
    sidecar.write_text('{"model": "m"')
    samples = tmp_path / "s.jsonl.gz"
    write_jsonl(samples, samples_of(0, 1))
    with caplog.at_level(logging.ERROR):
        code = main(["shard", "merge", "--samples", str(samples), "--metas", str(sidecar),
                     "--out", str(tmp_path / "m.jsonl.gz")])
    assert code == 2 and f"{sidecar}: not valid JSON" in caplog.text
    assert not (tmp_path / "m.jsonl.gz").exists()
