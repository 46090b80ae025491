"""Turn raw math rows into Problem records: presets, field overrides and gold extraction."""

from __future__ import annotations

import re
from typing import Any

from ..records import Problem
from ._common import BenchmarkError, as_text, json_safe
from .olympiad import olympiad_gold

# "olympiadbench": a list of answers with is_multiple_answer, unit, answer_type and error
# (benchmarks/olympiad.py), which give the problem's answer_meta.
ANSWER_FROM = ("field", "after_hashes", "last_boxed", "olympiadbench")

# Field layouts of the files in ../shared/data and of their Hugging Face counterparts.
PRESETS: dict[str, dict[str, str]] = {
    "gsm8k": {"id": "idx", "question": "question", "answer": "answer",
              "answer_from": "after_hashes"},
    "math500": {"id": "unique_id", "question": "problem", "answer": "answer",
                "answer_from": "field"},
    "minerva_math": {"id": "idx", "question": "problem", "answer": "solution",
                     "answer_from": "last_boxed"},
    "aime24": {"id": "id", "question": "problem", "answer": "answer", "answer_from": "field"},
    "amc23": {"id": "id", "question": "problem", "answer": "answer", "answer_from": "field"},
    # QwenLM/Qwen2.5-Math evaluation/data/olympiadbench/test.jsonl (675 problems).
    "olympiadbench": {"id": "id", "question": "question", "answer": "final_answer",
                      "answer_from": "olympiadbench"},
    # Visual releases (images, filter and answer types: visual.py).
    "mathvista": {"id": "pid", "question": "query", "answer": "answer", "answer_from": "field"},
    "mathvision": {"id": "id", "question": "question", "answer": "answer",
                   "answer_from": "field"},
}

_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


def after_hashes(text: str) -> str | None:
    """GSM8K gold: what follows the last '####', with thousands separators removed."""
    if "####" not in text:
        return None
    gold = text.rsplit("####", 1)[1].strip()
    # Ten GSM8K golds read like "1,450,000"; a grader comparing numbers must not see the commas.
    if _THOUSANDS.fullmatch(gold):
        gold = gold.replace(",", "")
    return gold or None


def last_boxed(text: str) -> str | None:
    r"""Content of the last \boxed{...} (or \fbox{...}), braces balanced, e.g. nested \frac."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    i = start + (len("\\boxed") if text.startswith("\\boxed", start) else len("\\fbox"))
    if i < len(text) and text[i] == " ":
        # "\boxed 5" form: the argument is the next token.
        token = re.match(r"\s*([^\s$]+)", text[i:])
        return token.group(1) if token else None
    if i >= len(text) or text[i] != "{":
        return None
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j].strip() or None
    return None  # unbalanced: better no gold than a truncated one


_EXTRACT = {"after_hashes": after_hashes, "last_boxed": last_boxed}


def resolve_fields(name: str, spec: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Merge defaults, preset and `fields`; also say whether the id field was asked for."""
    preset = spec.get("preset")
    if preset is not None and preset not in PRESETS:
        raise BenchmarkError(
            f"benchmark '{name}': unknown preset '{preset}'; known: {', '.join(PRESETS)}."
        )
    user = {key: value for key, value in (spec.get("fields") or {}).items() if value is not None}
    fields: dict[str, Any] = {"id": None, "question": None, "answer": "answer",
                              "answer_from": "field"}
    fields.update(PRESETS.get(preset, {}))
    fields.update(user)
    if fields["answer_from"] not in ANSWER_FROM:
        raise BenchmarkError(
            f"benchmark '{name}': fields.answer_from '{fields['answer_from']}' is not one of "
            f"{', '.join(ANSWER_FROM)}."
        )
    return fields, "id" in user


def to_math_problems(
    rows: list[dict[str, Any]], name: str, spec: dict[str, Any], where: str, source: str
) -> list[Problem]:
    """Map raw rows to math Problems; `where` names the file (or dataset) in error messages."""
    fields, id_required = resolve_fields(name, spec)
    id_field = fields["id"]
    if id_field is not None and not id_required and not all(id_field in row for row in rows):
        # A preset's id field (e.g. GSM8K's "idx") is absent from some variants of the data set,
        # such as the hub copy; positional ids are then the stable choice.
        id_field = None
    problems: list[Problem] = []
    for number, row in enumerate(rows, start=1):
        here = f"{where}, record {number}"
        question_field = fields["question"] or next(
            (key for key in ("question", "problem") if key in row), "question"
        )
        for role, field in (("question", question_field), ("answer", fields["answer"]),
                            ("id", id_field)):
            if field is not None and row.get(field) is None:
                raise BenchmarkError(
                    f"{here}: no {role} field '{field}' (fields present: "
                    f"{', '.join(sorted(row))}). Set `fields.{role}` of benchmark '{name}' "
                    "to the field that holds it."
                )
        raw_answer = row[fields["answer"]]
        extract = _EXTRACT.get(fields["answer_from"])
        answer_meta = None
        if fields["answer_from"] == "olympiadbench":
            answer, answer_meta = olympiad_gold(row, fields["answer"], here)
        else:
            answer = extract(as_text(raw_answer)) if extract else as_text(raw_answer)
        if answer is None:
            raise BenchmarkError(
                f"{here}: field '{fields['answer']}' holds no gold answer in the "
                f"'{fields['answer_from']}' form. Set `fields.answer` / `fields.answer_from` "
                f"of benchmark '{name}'."
            )
        question = as_text(row[question_field])
        if answer_meta is not None and row.get("context"):  # OlympiadBench's shared setting
            question = f"{as_text(row['context'])}\n{question}"
        used = {question_field, fields["answer"], id_field}
        meta = {
            key: value for key, value in row.items()
            if key not in used and value != question  # AIME/AMC repeat the problem as "question"
        }
        if extract is not None:
            meta.setdefault("solution", raw_answer)
        if "source" in meta:
            meta["original_source"] = meta.pop("source")
        meta["source"] = source
        problem: Problem = {
            "id": as_text(row[id_field]) if id_field is not None else f"{name}/{number - 1}",
            "kind": "math",
            "question": question,
            "answer": answer,
            "prompt": None,
            "entry_point": None,
            "tests": None,
            "meta": json_safe(meta),
        }
        if answer_meta:
            problem["answer_meta"] = answer_meta
        problems.append(problem)
    return problems
