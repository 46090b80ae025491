"""LiveCodeBench code_generation records (local JSONL) as stdio or functional code problems."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from pathlib import Path
from typing import Any

from ..records import Problem, read_jsonl
from ._common import BenchmarkError, as_text

_META_KEYS = ("question_title", "platform", "contest_id", "contest_date", "difficulty")


def _decode_tests(value: Any, field: str, here: str) -> list[dict[str, Any]]:
    """Test cases given as a list, a JSON string, or base64(zlib(JSON))."""
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
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as err:
        # The official release wraps the JSON in a pickle; unpickling a downloaded file can run
        # arbitrary code, so that form is refused rather than decoded.
        raise BenchmarkError(
            f"{here}: '{field}' is neither JSON nor base64+zlib-compressed JSON (the official "
            "release pickles it, which this loader will not unpickle). Convert the file so "
            f"that '{field}' holds the plain JSON list of test cases."
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


def load_livecodebench(path: Path) -> list[Problem]:
    problems: list[Problem] = []
    for number, row in enumerate(read_jsonl(path), start=1):
        here = f"{path}, record {number}"
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
                     "outputs": outputs}
        else:
            tests = {"format": "stdio", "inputs": inputs, "outputs": outputs}
        meta = {key: row[key] for key in _META_KEYS if key in row}
        meta["starter_code"] = row.get("starter_code") or ""
        problems.append({
            "id": as_text(row["question_id"]),
            "kind": "code",
            "question": None,
            "answer": None,
            "prompt": row["question_content"],
            "entry_point": fn_name or None,
            "tests": tests,
            "meta": meta,
        })
    return problems
