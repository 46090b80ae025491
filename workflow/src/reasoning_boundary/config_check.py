"""Validating a config: one clear sentence for a config that does not match the schema, then
Snakemake's own validation, which fills in the schema's defaults.

Snakemake's validation alone prints the whole schema and config; :func:`config_problem` names
the key, the value and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


def load_schema(path: str | Path = SCHEMA) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text())


def config_problem(config: dict[str, Any], schema_path: str | Path, source: str) -> str | None:
    """A message naming the first offending key, or None when the config is valid."""
    error = best_match(Draft202012Validator(load_schema(schema_path)).iter_errors(config))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        hint = f"allowed keys here: {', '.join(allowed)}" if allowed else "remove it"
        return f"{source}: at '{where}': {error.message}; {hint}."
    if error.validator == "enum":
        return (f"{source}: '{where}' is {error.instance!r}; allowed values: "
                f"{', '.join(map(str, error.validator_value))}.")
    return f"{source}: '{where}': {error.message}."


def validated(config: dict[str, Any], source: str = "config",
              schema_path: str | Path = SCHEMA) -> dict[str, Any]:
    """``config`` checked against the schema, with the schema's defaults filled in (in place).

    Raises ValueError with :func:`config_problem`'s sentence for a config that does not fit.
    """
    from snakemake.utils import validate

    problem = config_problem(config, schema_path, source)
    if problem:
        raise ValueError(problem)
    validate(config, schema=str(schema_path))
    return config
