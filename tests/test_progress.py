"""Progress a person can watch: lines in each job's log while it runs, a summary when it ends."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from reasoning_boundary import progress
from reasoning_boundary.progress import Progress
from reasoning_boundary.records import read_jsonl

LINE = re.compile(r"(sample|verify|perplexity|checking code|math checks|expected outputs): "
                  r"\d+/\d+ \w+ \(\d+%\)(, [\d.]+ \w+/s)*, \d+:\d\d:\d\d elapsed(, ETA \S+)?$")


def test_a_line_every_interval_with_rates_and_eta(caplog, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    monkeypatch.setitem(progress._settings, "interval", 30.0)
    with caplog.at_level(logging.INFO, logger="reasoning_boundary"):
        with Progress(10, "sample", "problems", ("samples", "tokens")) as bar:
            now[0] += 10
            bar.update(1, samples=4, tokens=400)  # 10 s after the start: too soon
            now[0] += 20
            bar.update(1, samples=4, tokens=400)
            now[0] += 5
            bar.update(8, samples=32, tokens=3200)  # 5 s after the last line: too soon
            final = bar.line()
        with Progress(3, "verify", "checks", enabled=False) as quiet:
            now[0] += 100
            quiet.update(3)
    assert [r.getMessage() for r in caplog.records] == [
        "sample: 2/10 problems (20%), 0.3 samples/s, 26.7 tokens/s, 0:00:30 elapsed, "
        "ETA 0:02:00"]
    assert LINE.match(caplog.records[0].getMessage())
    assert final == "sample: 10/10 problems (100%), 1.1 samples/s, 114.3 tokens/s, 0:00:35 elapsed"


@pytest.mark.slow
def test_job_logs_show_progress_and_a_summary(tiny_local_run: Path) -> None:
    logs = Path(tiny_local_run) / "logs"
    for log in (logs / "sample").rglob("*.log"):
        text = log.read_text()
        lines = [line.split(": ", 1)[1] for line in text.splitlines()
                 if "reasoning_boundary: sample: " in line]
        assert any(LINE.match(line) for line in lines), text[-3000:]
        summary = [line for line in lines if " tokens in " in line]
        assert len(summary) == 1, text[-3000:]
        model = log.stem  # sample_job: model writes every file of the model
        tokens = sum(s["num_tokens"] for f in (Path(tiny_local_run) / "results" / "samples" /
                                               model).rglob("*.jsonl.gz") for s in read_jsonl(f))
        assert f"samples, {tokens} tokens in" in summary[0]
    for log in (logs / "verify").rglob("*.log"):
        text = log.read_text()
        assert re.search(r"verify: \d+ samples \(.*\) in \d+:\d\d:\d\d, [\d.]+ samples/s", text)
        if "humaneval" in str(log):  # code: the sandbox says once how it isolates
            assert text.count("code sandbox isolation: ") == 1, text
            verdicts = Path(tiny_local_run) / "results" / "verdicts" / log.relative_to(
                logs / "verify").with_suffix(".jsonl.gz")
            sandbox = json.loads(Path(f"{verdicts}.prov.json").read_text())["sandbox"]
            assert sandbox["layer"] != "none" and sandbox["description"] in text
