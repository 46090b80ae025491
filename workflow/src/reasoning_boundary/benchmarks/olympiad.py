"""OlympiadBench golds: a list of LaTeX answers with its answer type, unit and tolerance.

The release the paper evaluates on (QwenLM/Qwen2.5-Math @ a45202b,
``evaluation/data/olympiadbench/test.jsonl``, 675 English open-ended maths problems, byte-identical
to LeapLabTHU/limit-of-RLVR @ fd2cf37 ``math/examples/math_eval/data/olympiadbench/test.jsonl``)
has the fields of OpenBMB/OlympiadBench (README, data format): ``id``, ``subfield``, ``context``,
``question``, ``solution`` (list), ``final_answer`` (list of LaTeX strings), ``is_multiple_answer``,
``unit``, ``answer_type`` (Numerical, Expression, Equation, Interval, Tuple), ``error``.

Several answers are one string (``"$69$,$84$"``, ``"$(1,8,19), (2,7,13), (4,5,7)$"``) meant as
a set: OlympiadBench's judger (OpenBMB/OlympiadBench @ ba5b26a, inference/code/math_judger.py)
splits them at top-level commas and matches them in any order; ``error`` is its absolute
tolerance for numerical answers; ``unit`` is kept out of the answer. The Qwen2.5-Math grader the
paper uses takes ``final_answer[0]`` as one string (order-sensitive) and ignores the rest.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._common import BenchmarkError

_DOLLAR = re.compile(r"(?<!\\)\$")


def olympiad_gold(row: dict[str, Any], field: str, here: str) -> tuple[str, dict[str, Any]]:
    """(gold as one string, answer_meta) of one OlympiadBench record."""
    from ..verify.math_extract import split_top_level

    items = _answer_list(row.get(field), field, here)
    multiple = bool(row.get("is_multiple_answer")) or len(items) > 1
    answers: list[str] = []
    for item in items:
        text = _DOLLAR.sub("", item).strip().rstrip(".").strip()
        answers += split_top_level(text) if multiple else [text]
    answers = [a for a in answers if a]
    if not answers:
        raise BenchmarkError(f"{here}: '{field}' holds no answer.")
    meta: dict[str, Any] = {"type": row.get("answer_type")}
    if len(answers) > 1:
        meta["answers"] = answers
    unit = _DOLLAR.sub("", str(row.get("unit") or "")).strip()
    if unit:
        meta["unit"] = unit
    tolerance = _tolerance(row.get("error"), here)
    if tolerance is not None and meta["type"] != "Tuple":  # as the judger: no error for tuples
        meta["tolerance"] = tolerance
    return ", ".join(answers), {k: v for k, v in meta.items() if v is not None}


def _answer_list(value: Any, field: str, here: str) -> list[str]:
    if isinstance(value, str):
        try:  # a list read through `fields:` from a CSV or a hub dataset may arrive as JSON text
            value = json.loads(value) if value.lstrip().startswith("[") else [value]
        except json.JSONDecodeError:
            value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise BenchmarkError(f"{here}: '{field}' should be a list of answers (LaTeX strings).")
    return [str(v) for v in value]


def _tolerance(error: Any, here: str) -> float | None:
    if error in (None, ""):
        return None
    try:
        # The judger also accepts one tolerance per answer ("1e-1,1e-2"); the largest bounds all.
        return max(float(part) for part in str(error).split(","))
    except ValueError as err:
        raise BenchmarkError(f"{here}: 'error' is {error!r}, not a number.") from err
