"""Every default is written once: the schema's defaults are the library's constants, the
schema's choices are the library's registries, and the command line uses the same values."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from reasoning_boundary import defaults
from reasoning_boundary.benchmarks import PRESETS, SOURCES
from reasoning_boundary.benchmarks.mapping import ANSWER_FROM
from reasoning_boundary.benchmarks.selection import SELECT_MODES
from reasoning_boundary.cli import build_parser
from reasoning_boundary.config_check import load_schema
from reasoning_boundary.prompts import TEMPLATES
from reasoning_boundary.records import COMPARISON_LABELS
from reasoning_boundary.train import ALGORITHMS
from reasoning_boundary.verify.sandbox import ISOLATION_CHOICES

SCHEMA = load_schema()
PACKAGE = Path(__file__).resolve().parents[1] / "workflow" / "src" / "reasoning_boundary"


def schema_defaults(node: Any, path: str = "") -> dict[str, Any]:
    """Every `default:` in the schema, by its dotted path (`*` for any name)."""
    found = {}
    if isinstance(node, dict):
        if "default" in node and path:
            found[path] = node["default"]
        for key, child in node.get("properties", {}).items():
            found |= schema_defaults(child, f"{path}.{key}".lstrip("."))
        if isinstance(node.get("additionalProperties"), dict):
            found |= schema_defaults(node["additionalProperties"], f"{path}.*")
    return found


def test_every_schema_default_is_a_library_constant():
    expected = {
        "seeds": defaults.SEEDS,
        "samples_per_seed": defaults.SAMPLES_PER_SEED,
        "sample_job": defaults.SAMPLE_JOB,
        "shards": {},
        "shards.problems": defaults.SHARDS,
        "sampling": {},
        **{f"sampling.{key}": value for key, value in defaults.SAMPLING.items()},
        "device": defaults.DEVICE,
        "threads": {},
        **{f"threads.{key}": value for key, value in defaults.THREADS.items()},
        "verify": {},
        **{f"verify.{key}": value for key, value in defaults.VERIFY.items()},
        "plots": {},
        "plots.dpi": defaults.PLOT_DPI,
        "comparisons": [],
        "bootstrap": {},
        **{f"bootstrap.{key}": value for key, value in defaults.BOOTSTRAP.items()},
        **{f"perplexity.{key}": value for key, value in defaults.PERPLEXITY.items()},
        "models.*.dtype": defaults.DTYPE,
        "models.*.tensor_parallel_size": defaults.TENSOR_PARALLEL_SIZE,
        "models.*.enforce_eager": False,
        "models.*.engine_options": {},
        **{f"models.*.train.{key}": value for key, value in defaults.TRAIN.items()},
        **{f"models.*.train.lora.{key}": value for key, value in defaults.LORA.items()},
        "benchmarks.*.select": SELECT_MODES[0],
        "benchmarks.*.split": defaults.BENCHMARK_SPLIT,
        "benchmarks.*.role": defaults.BENCHMARK_ROLE,
        "benchmarks.*.select_seed": 0,
        "benchmarks.*.synthetic.steps": 3,
        "benchmarks.*.synthetic.seed": 0,
    }
    assert schema_defaults(SCHEMA) == expected


def test_every_schema_choice_is_a_library_registry():
    models = SCHEMA["properties"]["models"]["additionalProperties"]["properties"]
    benchmark = SCHEMA["properties"]["benchmarks"]["additionalProperties"]["properties"]
    comparison = SCHEMA["properties"]["comparisons"]["items"]["properties"]
    pairs = [
        (models["template"]["enum"], TEMPLATES),
        (models["train"]["properties"]["algorithm"]["enum"], ALGORITHMS),
        (benchmark["source"]["enum"], SOURCES),
        (benchmark["preset"]["enum"], PRESETS),
        (benchmark["fields"]["properties"]["answer_from"]["enum"], ANSWER_FROM),
        (benchmark["select"]["enum"], SELECT_MODES),
        (benchmark["role"]["enum"], defaults.BENCHMARK_ROLES),
        (comparison["label"]["enum"], COMPARISON_LABELS),
        (SCHEMA["properties"]["verify"]["properties"]["isolation"]["enum"], ISOLATION_CHOICES),
        (SCHEMA["properties"]["perplexity"]["properties"]["engine"]["enum"],
         defaults.PERPLEXITY_ENGINES),
    ]
    for choices, registry in pairs:
        assert sorted(choices) == sorted(registry)


@pytest.mark.parametrize(("argv", "expected"), [
    (["sample", "--model", "m", "--template", "chatml"],
     {"temperature": defaults.TEMPERATURE, "top_p": defaults.TOP_P,
      "max_tokens": defaults.MAX_TOKENS, "chunk_problems": defaults.CHUNK_PROBLEMS}),
    (["verify", "--benchmark", "b", "--samples", "s", "--out", "o"], defaults.VERIFY),
    (["aggregate", "--verdicts", "m:b:p", "--out", "o", "--per-problem", "p"],
     {"resamples": defaults.RESAMPLES, "seed": defaults.BOOTSTRAP_SEED, "level": defaults.LEVEL}),
    (["perplexity", "--meta", "m", "--benchmark", "b", "--source", "base:m:s", "--out", "o"],
     defaults.PERPLEXITY),
])
def test_the_command_line_defaults_are_the_constants(argv, expected):
    args = vars(build_parser().parse_args(argv))
    assert {key: args[key] for key in expected} == expected


def _imports(path: Path, module: str) -> set[str]:
    """Modules of the package that ``path`` (module ``module``) imports, lazily or not."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import x` may name a submodule
                sub = f"{target}.{alias.name}"
                found.add(sub if _module_file(sub) else target)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m.split(".")[0] == "reasoning_boundary" and m != module}


def _module_file(module: str) -> Path | None:
    parts = module.split(".")[1:]
    for candidate in (PACKAGE.joinpath(*parts).with_suffix(".py"),
                      PACKAGE.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def test_the_package_has_no_import_cycle():
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph[module] = _imports(path, module)
    assert "reasoning_boundary.cli" in graph and "reasoning_boundary.plan" in graph
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            # A package's own modules import their package's __init__ by Python's rules; only
            # an import of a module that is still open on the current path is a cycle.
            assert state.get(target) != "open", \
                " -> ".join([*trail, module, target])
            if target not in state:
                visit(target, [*trail, module])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
