"""Visual math benchmarks: MathVista and MathVision in their Hugging Face releases, and
``source: synthetic-visual``.

Their problems are kind ``math`` with images (records.Problem.images), graded by the math
checker through their answer type. As in the paper (Yue et al. 2025, section 3.3), multiple-choice
questions are left out by default, so that guessing a letter cannot inflate pass@k; the
benchmark key ``multiple_choice: true`` keeps them (their gold answer is then the option
letter, compared as text).

Release layouts (the rows ``source: local`` or ``source: hf`` read; an image column is a
``{"bytes", "path"}`` struct in parquet, a path relative to the data file in JSON lines):

* MathVista (``AI4Math/MathVista``, splits testmini 1000 / test 5141): ``pid``, ``question``,
  ``image``, ``decoded_image``, ``choices``, ``unit``, ``precision``, ``answer``,
  ``question_type`` (free_form | multi_choice), ``answer_type`` (integer | float | text | list),
  ``metadata``, ``query``. The question shown is ``query``, the release's own prompt: it states
  the answer type, the precision and the unit ("Hint: Please answer the question requiring an
  integer answer ...").
* MathVision (``MathLLMs/MathVision``, splits testmini 304 / test 3040): ``id``, ``question``
  (with ``<image1>`` markers), ``options`` (``[]`` for free-form), ``image``, ``decoded_image``,
  ``answer``, ``solution``, ``level``, ``subject``. It has no answer type: integers are
  ``integer``, tuples such as ``(3,-4)`` a ``list``, words (a face label "C") ``text``, and
  anything else (decimals, LaTeX) is left to math-verify's equivalence.

Grading differs from the releases' own scripts in one step: they let GPT extract the answer
from a response; here the math extraction (last ``\\boxed{}``, then "the answer is", ...) does.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

from .. import defaults
from ..records import Problem
from ._common import BenchmarkError, as_text, json_safe
from .mapping import resolve_fields
from .visual_synthetic import generate_visual

log = logging.getLogger("reasoning_boundary")

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_INTEGER = re.compile(r"-?\d+")
_TUPLE = re.compile(r"[\(\[].*,.*[\)\]]")
_WORD = re.compile(r"[A-Za-z]+")


def image_bytes(value: Any, data_dir: Path | None, where: str) -> bytes:
    """Encoded bytes of one image cell: a parquet ``{"bytes", "path"}`` struct, raw bytes, a
    path relative to the data file, or a decoded ``PIL.Image`` (saved as PNG, lossless)."""
    if isinstance(value, dict):
        if value.get("bytes"):
            return bytes(value["bytes"])
        value = value.get("path")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str) and value:
        path = Path(value) if data_dir is None else data_dir / value
        if path.is_file():
            return path.read_bytes()
        raise BenchmarkError(f"{where}: image file '{path}' does not exist. Keep the release's "
                             "images/ folder beside its data file, or use its parquet files.")
    if hasattr(value, "save"):  # a PIL image, as datasets decodes Image columns
        buffer = io.BytesIO()
        value.save(buffer, format="PNG")
        return buffer.getvalue()
    raise BenchmarkError(f"{where}: no image (got {type(value).__name__}).")


def _row_image(row: dict[str, Any], data_dir: Path | None, where: str) -> bytes:
    for column in ("decoded_image", "image"):
        if row.get(column):
            return image_bytes(row[column], data_dir, where)
    raise BenchmarkError(f"{where}: no image in 'decoded_image' or 'image' (fields present: "
                         f"{', '.join(sorted(row))}).")


def _multiple_choice(name: str, spec: dict[str, Any]) -> bool:
    keep = spec.get("multiple_choice", defaults.VISUAL_MULTIPLE_CHOICE)
    if not isinstance(keep, bool):
        raise BenchmarkError(f"benchmark '{name}': multiple_choice is {keep!r}; write true or "
                             "false.")
    return keep


def _mathvista(row: dict[str, Any], fields: dict[str, Any], where: str
               ) -> tuple[str, str, str | None, int | None, dict[str, Any]]:
    """(question, answer, answer_type, precision, extra meta) of a MathVista row."""
    question = as_text(row[fields["question"]])
    answer = as_text(row[fields["answer"]])
    if row.get("question_type") == "multi_choice":
        choices = [as_text(c) for c in row.get("choices") or []]
        if answer not in choices:
            raise BenchmarkError(f"{where}: answer {answer!r} is not one of its choices "
                                 f"{choices}.")
        # The release's query lists the choices as (A), (B), ... and asks for the letter.
        return question, LETTERS[choices.index(answer)], "text", None, {"answer_text": answer}
    answer_type = row.get("answer_type")
    if answer_type not in ("integer", "float", "text", "list"):
        raise BenchmarkError(f"{where}: answer_type {answer_type!r} is not integer, float, "
                             "text or list.")
    precision = row.get("precision")
    if answer_type == "float":
        if precision is None:
            raise BenchmarkError(f"{where}: a float answer without `precision`.")
        precision = int(precision)
    else:
        precision = None
    return question, answer, answer_type, precision, {}


def _mathvision(row: dict[str, Any], fields: dict[str, Any], where: str
                ) -> tuple[str, str, str | None, int | None, dict[str, Any]]:
    question = as_text(row[fields["question"]])
    answer = as_text(row[fields["answer"]]).strip()
    options = [as_text(o) for o in row.get("options") or []]
    if options:
        listed = "\n".join(f"({LETTERS[i]}) {option}" for i, option in enumerate(options))
        return f"{question}\nOptions:\n{listed}", answer, "text", None, {}
    if _INTEGER.fullmatch(answer):
        answer_type: str | None = "integer"
    elif _TUPLE.fullmatch(answer):
        answer_type = "list"
    elif _WORD.fullmatch(answer):
        answer_type = "text"
    else:
        answer_type = None  # decimals and LaTeX: math-verify's equivalence
    return question, answer, answer_type, None, {}


def _is_multiple_choice(preset: str, row: dict[str, Any]) -> bool:
    if preset == "mathvista":
        return row.get("question_type") != "free_form"
    return bool(row.get("options"))


# preset -> the row converter; the field names are in mapping.PRESETS.
VISUAL_PRESETS = {"mathvista": _mathvista, "mathvision": _mathvision}


def to_visual_problems(rows: list[dict[str, Any]], name: str, spec: dict[str, Any], where: str,
                       source: str, data_dir: Path | None) -> list[Problem]:
    """Rows of a MathVista or MathVision release as math Problems with their image bytes,
    multiple-choice rows dropped unless ``multiple_choice: true``."""
    preset = spec["preset"]
    fields, _ = resolve_fields(name, spec)
    keep_choice = _multiple_choice(name, spec)
    convert = VISUAL_PRESETS[preset]
    problems: list[Problem] = []
    dropped = 0
    for number, row in enumerate(rows, start=1):
        here = f"{where}, record {number}"
        for role in ("id", "question", "answer"):
            if row.get(fields[role]) is None:
                raise BenchmarkError(
                    f"{here}: no {role} field '{fields[role]}' (fields present: "
                    f"{', '.join(sorted(row))}). Is this the {preset} release? Set "
                    f"`fields.{role}` of benchmark '{name}' to the field that holds it.")
        if _is_multiple_choice(preset, row) and not keep_choice:
            dropped += 1
            continue
        question, answer, answer_type, precision, extra = convert(row, fields, here)
        used = {fields["id"], fields["question"], fields["answer"], "decoded_image"}
        # The image itself is in `images`; a path to it (the release's "image") stays in meta.
        meta = {key: value for key, value in row.items()
                if key not in used and not (key == "image" and not isinstance(value, str))}
        meta.update(extra, source=source)
        problems.append({
            "id": as_text(row[fields["id"]]),
            "kind": "math",
            "question": question,
            "answer": answer,
            "answer_type": answer_type,  # type: ignore[typeddict-item]
            "precision": precision,
            "prompt": None,
            "entry_point": None,
            "tests": None,
            "images": [_row_image(row, data_dir, here)],  # type: ignore[list-item]
            "meta": json_safe(meta),
        })
    log.info("%s: %d of %d rows kept, %d multiple-choice rows left out", name, len(problems),
             len(rows), dropped)
    return problems


def check_visual_keys(name: str, spec: dict[str, Any]) -> None:
    """Keys of visual benchmarks given to another benchmark do nothing there: say so."""
    if "multiple_choice" in spec and spec.get("preset") not in VISUAL_PRESETS:
        raise BenchmarkError(
            f"benchmark '{name}': multiple_choice applies to presets "
            f"{', '.join(VISUAL_PRESETS)} only; remove it or set the preset.")
    if "image_size" in (spec.get("synthetic") or {}) and spec["source"] != "synthetic-visual":
        raise BenchmarkError(
            f"benchmark '{name}': synthetic.image_size applies to source synthetic-visual only.")


def read_synthetic_visual(name: str, spec: dict[str, Any], base_dir: Path
                          ) -> tuple[list[Problem], str]:
    options = spec.get("synthetic") or {}
    if options.get("n_problems") is None:
        raise BenchmarkError(f"benchmark '{name}': `synthetic.n_problems` is required.")
    problems = generate_visual(int(options["n_problems"]), seed=int(options.get("seed") or 0),
                               prefix=name,
                               image_size=int(options.get("image_size")
                                              or defaults.SYNTHETIC_IMAGE_SIZE))
    return problems, f"synthetic visual benchmark '{name}'"
