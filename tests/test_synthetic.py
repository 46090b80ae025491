"""Synthetic arithmetic word problems: reproducible, varied and correctly answered."""

from __future__ import annotations

import ast
import operator
from pathlib import Path

import pytest

from reasoning_boundary.benchmarks import BenchmarkError, load_benchmark
from reasoning_boundary.benchmarks.synthetic import generate

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.FloorDiv: operator.floordiv}


def _evaluate(expression: str) -> int:
    """Evaluate +, -, *, // over integer literals, checking every intermediate value."""
    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.FloorDiv):
                assert left % right == 0, f"inexact division in {expression}"
            value = _OPS[type(node.op)](left, right)
            assert value >= 0, f"negative intermediate in {expression}"
            return value
        raise AssertionError(f"unexpected node {ast.dump(node)} in {expression}")

    return walk(ast.parse(expression, mode="eval").body)


def test_same_seed_gives_identical_problems() -> None:
    assert generate(50, steps=3, seed=7) == generate(50, steps=3, seed=7)


def test_different_seed_gives_different_problems() -> None:
    first = [p["question"] for p in generate(20, seed=1)]
    second = [p["question"] for p in generate(20, seed=2)]
    assert first != second


@pytest.mark.parametrize("steps", [1, 3, 6])
def test_answers_match_the_stored_expression(steps: int) -> None:
    for problem in generate(200, steps=steps, seed=steps):
        value = _evaluate(problem["meta"]["expression"])
        assert problem["answer"] == str(value)
        assert 0 <= value <= 500
        assert problem["kind"] == "math"
        assert problem["question"].endswith("have now?")
        # one sentence per step, plus the opening and the question
        assert problem["question"].count(". ") == steps + 1


def test_problems_vary_in_wording() -> None:
    problems = generate(100, seed=0)
    assert len({p["meta"]["theme"] for p in problems}) >= 4
    assert len({p["question"] for p in problems}) == 100


def test_load_benchmark_synthetic_ids_and_limit(tmp_path: Path) -> None:
    spec = {"kind": "math", "source": "synthetic",
            "synthetic": {"n_problems": 12, "steps": 2, "seed": 3}}
    problems = load_benchmark("arithmetic", spec, tmp_path)
    assert [p["id"] for p in problems][:2] == ["arithmetic/0000", "arithmetic/0001"]
    assert all(p["meta"]["steps"] == 2 for p in problems)
    limited = load_benchmark("arithmetic", {**spec, "limit": 5, "select": "random"}, tmp_path)
    assert len(limited) == 5 and {p["id"] for p in limited} <= {p["id"] for p in problems}


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="n_problems"):
        generate(0)


def test_a_steps_range_mixes_difficulties_and_keeps_answers_right() -> None:
    problems = generate(60, steps=[0, 2], seed=4)
    assert {p["meta"]["steps"] for p in problems} == {0, 1, 2}
    for problem in problems:
        assert problem["answer"] == str(_evaluate(problem["meta"]["expression"]))
        assert problem["question"].count(". ") == problem["meta"]["steps"] + 1
    assert generate(60, steps=[0, 2], seed=4) == problems
    # A fixed count draws nothing extra: existing configs keep their problems.
    assert generate(5, steps=[2, 2], seed=1) == generate(5, steps=2, seed=1)


def test_bad_steps_name_the_key(tmp_path: Path) -> None:
    spec = {"source": "synthetic", "synthetic": {"n_problems": 3, "steps": [2, 1]}}
    with pytest.raises(BenchmarkError, match=r"synthetic\.steps is \[2, 1\]"):
        load_benchmark("arithmetic", spec, tmp_path)
