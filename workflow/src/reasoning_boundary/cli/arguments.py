"""Argument types shared by the subcommands: JSON options and colon-joined labelled paths."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..records import RecordError


def json_argument(text: str) -> Any:
    """argparse type for JSON-valued options."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not valid JSON: {err}") from err


def labelled(items: list[str], fields: tuple[str, ...], option: str) -> list[tuple[str, ...]]:
    """``A:B:PATH`` items split into ``len(fields)`` parts; the last part may hold colons.

    One parser for every option that names files with their model and benchmark (``--verdicts
    MODEL:BENCHMARK:PATH``, ``--runs MODEL:BENCHMARK:SAMPLES:VERDICTS``, ``--source
    ROLE:MODEL:SAMPLES``), so that each says the same thing when an item is malformed.
    """
    parsed = []
    for item in items:
        parts = item.split(":", len(fields) - 1)
        if len(parts) != len(fields) or not all(parts):
            raise RecordError(f"{option} takes {':'.join(fields)}, got '{item}'")
        parsed.append(tuple(parts))
    return parsed


def shard_argument(text: str) -> tuple[int, int]:
    """``"I/N"`` -> (I, N), shard I (from 0) of N."""
    try:
        index, total = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N, got '{text}'") from None
    if total < 1 or not 0 <= index < total:
        raise argparse.ArgumentTypeError(f"shard {text}: need 0 <= I < N")
    return index, total
