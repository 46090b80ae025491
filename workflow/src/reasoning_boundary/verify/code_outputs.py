"""How a program's outputs are compared with the expected ones (LiveCodeBench's rules).

Call-based tests compare values (JSON has no tuples, so sequences compare as lists; ``atol`` as
evalplus' ``allclose``), stdin tests compare lines with surrounding space stripped, and a line
whose tokens are all numbers also matches when the numbers are equal written otherwise
(``1.0`` and ``1``), as LiveCodeBench's ``testing_util.py`` does.
"""

from __future__ import annotations

import ast
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from .evalplus_compat import allclose


def parse_value(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text


def parse_args(raw: Any) -> list[Any]:
    """LiveCodeBench call-based input: one JSON value per line, one line per argument."""
    if isinstance(raw, list):
        return raw
    return [parse_value(line) for line in str(raw).split("\n") if line.strip()]


def _plain(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def functional_equal(out: Any, expected: Any, atol: float) -> bool:
    out, expected = _plain(out), _plain(expected)  # JSON has no tuples
    if out == expected:
        return True
    return atol > 0 and allclose(out, expected, atol)


def stdio_equal(out: str, expected: str) -> bool:
    got = [line.strip() for line in out.strip().splitlines()]
    want = [line.strip() for line in expected.strip().splitlines()]
    if got == want:
        return True
    if len(got) != len(want):
        return False
    for a, b in zip(got, want, strict=True):
        if a != b and not _same_numbers(a.split(), b.split()):
            return False
    return True


def _same_numbers(a: list[str], b: list[str]) -> bool:
    if len(a) != len(b):
        return False
    try:
        return all(x == y or Decimal(x) == Decimal(y) for x, y in zip(a, b, strict=True))
    except InvalidOperation:
        return False
