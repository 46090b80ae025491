"""LiveCodeBench code_generation releases (local JSONL) as stdio or functional code problems.

Learned from LiveCodeBench/LiveCodeBench @ 28fef95 (lcb_runner/benchmarks/code_generation.py,
lcb_runner/runner/scenario_router.py, lcb_runner/evaluation/testing_util.py) and the release's
loading script on the hub (livecodebench/code_generation_lite, ``ALLOWED_FILES``):

* a release is a set of files ``test.jsonl`` … ``test6.jsonl``; ``release_vN`` (or
  ``release_latest``) is files 1 … N, ``vN`` file N alone, ``vM_vN`` files M … N. ``path`` is the
  folder holding them (or one file, when no ``release`` is given);
* ``from`` / ``to`` keep the problems whose ``contest_date`` falls on those days or between
  (both inclusive, as lcb_runner's ``--start_date``/``--end_date``); the paper's "LiveCodeBench
  v5" is release_v5 from 2024-08-01 to 2025-01-31 (279 problems, §3.2);
* problems are ordered by ``question_id`` (lcb_runner sorts them so), which fixes indices;
* every field is a string; ``public_test_cases`` is JSON, ``private_test_cases`` JSON or
  base64(zlib(pickle(JSON string))). The pickle is read by an unpickler that accepts only a
  plain string (no class, no callable can be named), so a crafted file cannot run code;
* ``metadata.func_name`` marks functional (LeetCode) problems, whose ``starter_code`` is shown to
  the model; every program is run after the imports lcb_runner puts in front of it.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import pickle
import re
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..records import Problem, read_jsonl
from ._common import BenchmarkError, as_text

_META_KEYS = ("question_title", "platform", "contest_id", "contest_date", "difficulty")
RELEASE_FILES = ("test.jsonl", "test2.jsonl", "test3.jsonl", "test4.jsonl", "test5.jsonl",
                 "test6.jsonl")
_RELEASE = re.compile(r"^(?:release_v(\d+)|release_latest|v(\d+)(?:_v(\d+))?)$")
# lcb_runner's import_string (testing_util.py): star imports of these modules, then the modules
# themselves, so programs may use List, defaultdict, sys, ... without importing them.
_STAR = ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
         "statistics", "itertools", "functools", "operator", "io", "sys", "json", "builtins",
         "typing")
PRELUDE = ("".join(f"from {m} import *\n" for m in _STAR)
           + "".join(f"import {m}\n" for m in _STAR if m not in ("builtins", "typing"))
           + "sys.setrecursionlimit(50000)\n")


def release_files(release: str) -> list[str]:
    """The files of a release tag (``release_v5``, ``release_latest``, ``v5``, ``v4_v5``)."""
    match = _RELEASE.match(release)
    if not match:
        raise ValueError(f"release '{release}' is not release_vN, release_latest, vN or vM_vN")
    cumulative, single, last = match.groups()
    if release == "release_latest":
        span = (1, len(RELEASE_FILES))
    elif cumulative:
        span = (1, int(cumulative))
    else:
        span = (int(single), int(last or single))
    if not 1 <= span[0] <= span[1] <= len(RELEASE_FILES):
        raise ValueError(f"release '{release}' names files beyond test{len(RELEASE_FILES)}.jsonl")
    return list(RELEASE_FILES[span[0] - 1:span[1]])


class _StringsOnly(pickle.Unpickler):
    """Unpickles plain data only: any class or function the stream names is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"global {module}.{name} is forbidden")

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are forbidden")


def unpickle_string(data: bytes) -> str:
    """The string a pickle holds; anything that is not exactly a ``str`` is refused."""
    value = _StringsOnly(io.BytesIO(data)).load()
    if type(value) is not str:
        raise pickle.UnpicklingError(f"expected a pickled str, got {type(value).__name__}")
    return value


def _decode_tests(value: Any, field: str, here: str) -> list[dict[str, Any]]:
    """Test cases given as a list, a JSON string, base64(zlib(JSON)) or the release's
    base64(zlib(pickle(JSON)))."""
    if isinstance(value, list):
        return value
    if value is None or value == "":
        return []
    if not isinstance(value, str):
        raise BenchmarkError(f"{here}: '{field}' should be a JSON string or list of tests.")
    try:
        decoded = json.loads(value)
    except json.JSONDecodeError:
        decoded = _decode_compressed(value, field, here)
    if not isinstance(decoded, list):
        raise BenchmarkError(f"{here}: '{field}' does not decode to a list of test cases.")
    return decoded


def _decode_compressed(value: str, field: str, here: str) -> Any:
    try:
        raw = zlib.decompress(base64.b64decode(value, validate=True))
    except (binascii.Error, zlib.error) as err:
        raise BenchmarkError(
            f"{here}: '{field}' is neither JSON nor base64+zlib-compressed data; is this a "
            "LiveCodeBench code_generation file?") from err
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        pass
    try:
        return json.loads(unpickle_string(raw))
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
            json.JSONDecodeError) as err:
        raise BenchmarkError(
            f"{here}: '{field}' is compressed but holds neither JSON nor a pickled JSON string "
            f"({err}). Only plain strings are unpickled; download the release file again."
        ) from err


def _metadata(value: Any, here: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except (TypeError, json.JSONDecodeError) as err:
        raise BenchmarkError(f"{here}: 'metadata' is not a JSON object.") from err
    if not isinstance(parsed, dict):
        raise BenchmarkError(f"{here}: 'metadata' is not a JSON object.")
    return parsed


def _day(value: Any, what: str, here: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError as err:
        raise BenchmarkError(f"{here}: {what} {value!r} is not an ISO date (2024-08-01).") \
            from err


def livecodebench_files(path: Path, release: str | None, name: str) -> list[Path]:
    """The files to read: the release's files in folder ``path``, or ``path`` itself."""
    if release is None:
        if path.is_dir():
            raise BenchmarkError(
                f"benchmark '{name}': {path} is a folder; set `release` (e.g. release_v5) to "
                "pick its files, or point `path` at one file.")
        return [path]
    if not path.is_dir():
        raise BenchmarkError(
            f"benchmark '{name}': `release: {release}` reads the release files from a folder, "
            f"but {path} is not one. Point `path` at the folder holding test.jsonl … "
            "test6.jsonl (livecodebench/code_generation_lite).")
    try:
        names = release_files(release)
    except ValueError as err:
        raise BenchmarkError(f"benchmark '{name}': {err}.") from None
    missing = [n for n in names if not (path / n).is_file()]
    if missing:
        raise BenchmarkError(
            f"benchmark '{name}': {release} needs {', '.join(names)} in {path}; missing "
            f"{', '.join(missing)}. Download them from the hub dataset "
            "livecodebench/code_generation_lite.")
    return [path / n for n in names]


def load_livecodebench(path: Path, release: str | None = None, start: Any = None,
                       end: Any = None, name: str = "livecodebench") -> list[Problem]:
    """The problems of a release (or one file), within ``start``–``end`` (inclusive days)."""
    first = _day(start, "`from`", f"benchmark '{name}'") if start is not None else None
    last = _day(end, "`to`", f"benchmark '{name}'") if end is not None else None
    problems: list[Problem] = []
    for file in livecodebench_files(path, release, name):
        for number, row in enumerate(read_jsonl(file), start=1):
            here = f"{file}, record {number}"
            problem = _problem(row, here)
            if first or last:
                if not row.get("contest_date"):
                    raise BenchmarkError(f"{here}: no contest_date, so `from`/`to` cannot "
                                         "select it.")
                day = _day(row["contest_date"], "contest_date", here)
                if (first and day < first) or (last and day > last):
                    continue
            problems.append(problem)
    return sorted(problems, key=lambda p: p["id"])


def _problem(row: dict[str, Any], here: str) -> Problem:
    missing = [key for key in ("question_id", "question_content") if key not in row]
    if missing:
        raise BenchmarkError(
            f"{here}: missing field(s) {', '.join(missing)}; expected LiveCodeBench "
            "code_generation records."
        )
    cases = _decode_tests(row.get("public_test_cases"), "public_test_cases", here)
    cases += _decode_tests(row.get("private_test_cases"), "private_test_cases", here)
    if not cases:
        raise BenchmarkError(f"{here}: no test cases.")
    types = {case.get("testtype") for case in cases}
    if len(types) != 1 or not types <= {"stdin", "functional"}:
        raise BenchmarkError(
            f"{here}: test types {sorted(map(str, types))}; expected all 'stdin' or all "
            "'functional'."
        )
    fn_name = _metadata(row.get("metadata"), here).get("func_name")
    inputs = [case["input"] for case in cases]
    outputs = [case["output"] for case in cases]
    if types == {"functional"}:
        if not fn_name:
            raise BenchmarkError(f"{here}: functional tests but no metadata.func_name.")
        tests = {"format": "functional", "fn_name": fn_name, "inputs": inputs,
                 "outputs": outputs, "prelude": PRELUDE}
    else:
        tests = {"format": "stdio", "inputs": inputs, "outputs": outputs, "prelude": PRELUDE}
    meta = {key: row[key] for key in _META_KEYS if key in row}
    meta["starter_code"] = row.get("starter_code") or ""
    return {
        "id": as_text(row["question_id"]),
        "kind": "code",
        "question": None,
        "answer": None,
        "prompt": row["question_content"],
        "entry_point": fn_name or None,
        "tests": tests,
        "meta": meta,
        "prompt_format": "livecodebench",
    }
