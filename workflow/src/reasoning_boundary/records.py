"""The data contracts every stage shares: problems, samples and verdicts.

One module owns the field names, the readers and the writers, so that a file written by one
stage is read the same way by every other stage and by the command line.

* Problem (``results/benchmarks/{benchmark}.jsonl``): ``id``, ``kind`` (``math`` | ``code``),
  ``question`` and ``answer`` (math), ``prompt``, ``entry_point`` and ``tests`` (code), ``meta``.
* Sample (``results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz``): ``problem_id``,
  ``sample_index``, ``seed``, ``response``, ``num_tokens``, ``finish_reason``.
* Verdict (``results/verdicts/{model}/{benchmark}/seed{seed}.jsonl.gz``): ``problem_id``,
  ``sample_index``, ``seed``, ``correct``, ``status``, ``extracted``.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypedDict

PROBLEM_KINDS = ("math", "code")
VERDICT_STATUSES = ("passed", "failed", "no_answer", "timeout", "error")


class Problem(TypedDict, total=False):
    id: str
    kind: str
    question: str | None
    answer: str | None
    prompt: str | None
    entry_point: str | None
    # Code tests, one of:
    #   {"format": "humaneval", "code": "<defines check(candidate)>"}
    #   {"format": "functional", "inputs": [repr, ...], "outputs": [repr, ...], "atol": float}
    #   {"format": "stdio", "inputs": [str, ...], "outputs": [str, ...]}
    tests: dict[str, Any] | None
    meta: dict[str, Any]


class Sample(TypedDict):
    problem_id: str
    sample_index: int
    seed: int
    response: str
    num_tokens: int
    finish_reason: str


class Verdict(TypedDict):
    problem_id: str
    sample_index: int
    seed: int
    correct: bool
    status: str
    extracted: str | None


class RecordError(ValueError):
    """A record file that cannot be read: the message names the file, the line and the fix."""


def _open_text(path: Path, mode: str):
    if str(path).endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def read_jsonl(path: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """Yield the records of a JSON-lines file (gzip if the name ends in .gz).

    A malformed line or a truncated gzip stream raises :class:`RecordError` naming the file and
    the line, instead of a bare decoder error.
    """
    path = Path(path)
    line_no = 0
    try:
        with _open_text(path, "r") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise RecordError(
                        f"{path}, line {line_no}: not valid JSON "
                        f"({err.msg} at column {err.colno}). "
                        "Fix or remove that line, or regenerate the file."
                    ) from err
                if not isinstance(record, dict):
                    raise RecordError(
                        f"{path}, line {line_no}: expected a JSON object, "
                        f"got {type(record).__name__}."
                    )
                yield record
    except (EOFError, gzip.BadGzipFile, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise RecordError(f"{path}: no such file.") from err
        raise RecordError(
            f"{path}: the compressed file is truncated or damaged after line {line_no} ({err}). "
            "Delete it and rerun the stage that makes it."
        ) from err


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Give a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    An interrupted writer therefore never leaves a file under the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600; a finished output gets the permissions of an ordinary file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_jsonl(path: str | os.PathLike, records: Iterable[dict[str, Any]]) -> int:
    """Write records as JSON lines, atomically; gzip if the name ends in .gz. Returns the count.

    Gzip output carries no timestamp or file name, so equal records give byte-identical files.
    """
    path = Path(path)
    count = 0
    with atomic_path(path) as tmp:
        if str(path).endswith(".gz"):
            raw = open(tmp, "wb")
            handle = io.TextIOWrapper(
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0), encoding="utf-8"
            )
        else:
            raw = None
            handle = open(tmp, "w", encoding="utf-8")
        try:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        finally:
            handle.close()
            if raw is not None:
                raw.close()
    return count


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write one JSON document atomically (sidecars, summaries)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def read_problems(path: str | os.PathLike) -> list[Problem]:
    """Read a prepared benchmark file and check the fields every stage relies on."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for line_no, record in enumerate(read_jsonl(path), start=1):
        for key in ("id", "kind"):
            if key not in record:
                raise RecordError(f"{path}, record {line_no}: missing field '{key}'.")
        if record["kind"] not in PROBLEM_KINDS:
            raise RecordError(
                f"{path}, record {line_no}: kind '{record['kind']}' is not one of {PROBLEM_KINDS}."
            )
        if record["id"] in seen:
            raise RecordError(f"{path}, record {line_no}: duplicate problem id '{record['id']}'.")
        seen.add(record["id"])
        problems.append(record)  # type: ignore[arg-type]
    return problems


def read_samples(path: str | os.PathLike) -> list[Sample]:
    return _read_typed(path, Sample.__annotations__)  # type: ignore[return-value]


def read_verdicts(path: str | os.PathLike) -> list[Verdict]:
    return _read_typed(path, Verdict.__annotations__)  # type: ignore[return-value]


def _read_typed(path: str | os.PathLike, fields: dict[str, Any]) -> list[dict[str, Any]]:
    records = []
    for line_no, record in enumerate(read_jsonl(path), start=1):
        missing = [key for key in fields if key not in record]
        if missing:
            raise RecordError(
                f"{path}, record {line_no}: missing field(s) {', '.join(missing)}; "
                f"expected {', '.join(fields)}."
            )
        records.append(record)
    return records


def sort_key(record: dict[str, Any]) -> tuple[int, str, int]:
    """Canonical order of samples and verdicts: seed, problem, sample index."""
    return (int(record["seed"]), str(record["problem_id"]), int(record["sample_index"]))
