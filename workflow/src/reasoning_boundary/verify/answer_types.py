"""Answers compared by their problem's answer type (records.AnswerType), before math-verify.

MathVista states each question's answer type; its official scorer (lupantech/MathVista
evaluation/calculate_score.py, normalize_extracted_answer) normalises the extracted answer by it
and then compares strings. Here the same types shape the comparison:

* ``integer``: a number written as a whole number ("12.0", "1,200") becomes "12", "1200". The
  official scorer truncates any number ("2.7" becomes "2"), which credits wrong answers; here a
  non-whole number stays what it is, and math-verify compares it.
* ``float``: a decimal number is rounded to the problem's ``precision`` (Python's ``round``, as
  the official scorer), so "1.25" answers "1.2" at precision 1; other forms (``\\frac{6}{5}``)
  go to math-verify unchanged.
* ``list``: elements in order, each number in its plain form and other text in lower case;
  decided here: "[2014, 2016]", "2014, 2016" and "(2014,2016)" are one answer.
* ``text``: lower case, without spaces, ``\\text{}`` and enclosing brackets or a final period;
  decided here ("(C)", "c" and "\\text{C}" answer "C").

A problem without an answer type is compared by math-verify alone, as every text benchmark.
"""

from __future__ import annotations

import re

from ..records import Problem

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:,\d{3})*|\d*)(?:\.\d+)?")
_TEXT_WRAPPER = re.compile(r"^\\(?:text|textbf|mathrm|mathbf)\{(.*)\}$", re.DOTALL)
_PAIRS = {"(": ")", "[": "]", "{": "}"}
DECIDED = ("list", "text")  # types whose normalised strings decide, without math-verify


def _number(text: str) -> float | None:
    text = text.strip().strip("$").strip()
    if not text or not _DECIMAL.fullmatch(text) or not any(c.isdigit() for c in text):
        return None
    return float(text.replace(",", ""))


def _plain(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _unwrap(text: str) -> str:
    text = text.strip().rstrip(".").strip()
    while True:
        match = _TEXT_WRAPPER.match(text)
        if match:
            text = match.group(1).strip()
        elif len(text) >= 2 and _PAIRS.get(text[0]) == text[-1]:
            text = text[1:-1].strip()
        else:
            return text


def normalize(problem: Problem, answer: str) -> str:
    """``answer`` (extracted from a response, or the gold) as the problem's type compares it."""
    kind = problem.get("answer_type")
    if kind == "integer":
        value = _number(answer)
        return _plain(value) if value is not None and value.is_integer() else answer
    if kind == "float":
        value, precision = _number(answer), problem.get("precision")
        if value is None or precision is None:
            return answer
        return _plain(round(value, int(precision)))
    if kind == "list":
        items = [item.strip() for item in _unwrap(answer).split(",")]
        return "[" + ", ".join(_element(item) for item in items) + "]"
    if kind == "text":
        return re.sub(r"\s+", "", _unwrap(answer)).casefold()
    return answer


def _element(item: str) -> str:
    value = _number(item)
    return _plain(value) if value is not None else re.sub(r"\s+", "", _unwrap(item)).casefold()


def decided_by_type(problem: Problem) -> bool:
    """Whether equal normalised strings alone decide (a mismatch is wrong, math-verify or not)."""
    return problem.get("answer_type") in DECIDED
