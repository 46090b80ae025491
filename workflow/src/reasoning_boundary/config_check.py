"""One clear sentence for a config that does not match the schema.

Snakemake's own validation prints the whole schema and config; this names the key, the value,
and what is allowed, before Snakemake's validation fills in the defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match


def config_problem(config: dict[str, Any], schema_path: str | Path, source: str) -> str | None:
    """A message naming the first offending key, or None when the config is valid."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    error = best_match(Draft202012Validator(schema).iter_errors(config))
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
