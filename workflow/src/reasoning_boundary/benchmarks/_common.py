"""Shared helpers of the benchmark providers: the error type and the id checks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..records import Problem, RecordError


class BenchmarkError(RecordError):
    """A benchmark that cannot be loaded; the message names the benchmark or file and the fix.

    It subclasses RecordError so callers that already catch unreadable record files also catch
    unusable benchmark definitions.
    """


def check_unique_ids(problems: Iterable[Problem], where: str) -> None:
    """Raise on a repeated id: downstream stages key samples and verdicts by problem id."""
    seen: dict[str, int] = {}
    for number, problem in enumerate(problems, start=1):
        pid = problem["id"]
        if pid in seen:
            raise BenchmarkError(
                f"{where}: duplicate problem id '{pid}' (records {seen[pid]} and {number}). "
                "Ids must be unique; point `fields.id` at a unique field or remove the duplicate."
            )
        seen[pid] = number


def as_text(value: Any) -> str:
    """Render a gold answer or id as a string without losing what the file says.

    Floats keep their repr ("27.0", not "27"), so the grader, not the loader, decides whether
    27.0 and 27 are the same answer.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def json_safe(value: Any) -> Any:
    """A copy that json can write: hub datasets may carry dates or other non-JSON values."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
