"""What a run trains on, without torch: prompts rendered as sampling renders them, rewards from
the project's own math checker, and the synthetic generator's worked solutions."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

from ..prompts import Template, graded_text, render_prompt
from ..records import Problem, Sample
from ..verify.math_check import verify_math


def prompt_rows(problems: Sequence[Problem], template: Template) -> list[dict[str, str]]:
    """One training prompt per problem, the exact text sampling gives the model."""
    return [{"prompt": render_prompt(template, p), "problem_id": p["id"]} for p in problems]


def rewards(problems: Mapping[str, Problem], template: Template, problem_ids: Sequence[str],
            completions: Sequence[str]) -> list[float]:
    """1.0 for a completion the verify stage would grade correct, else 0.0."""
    samples = [Sample(problem_id=pid, sample_index=i, seed=0,
                      response=graded_text(template, problems[pid], text)[0], num_tokens=0,
                      # "length": no last-number fallback, so a completion cut off mid-way is
                      # not rewarded for an intermediate result that happens to be the answer.
                      finish_reason="length")
               for i, (pid, text) in enumerate(zip(problem_ids, completions, strict=True))]
    # The verify stage's own grading (gold forms, answer types, the per-check time limit), so
    # a reward is exactly the verdict the evaluation would give.
    return [1.0 if v["correct"] else 0.0
            for v in verify_math(problems, samples, workers=1, progress=False)]


_OPS = {ast.Add: ("+", lambda a, b: a + b), ast.Sub: ("-", lambda a, b: a - b),
        ast.Mult: ("*", lambda a, b: a * b), ast.FloorDiv: ("/", lambda a, b: a // b)}


def worked_solution(problem: Problem) -> str:
    """The steps of a synthetic problem's ``meta["expression"]``, one operation a line, ending
    with the boxed answer (the distillation teacher that needs no model)."""
    expression = (problem.get("meta") or {}).get("expression")
    if not expression:
        raise ValueError(f"problem {problem['id']} has no meta.expression: worked solutions "
                         "need a synthetic benchmark.")
    lines: list[str] = []

    def value(node: Any) -> int:
        if isinstance(node, ast.Constant):
            return int(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = value(node.left), value(node.right)
            sign, apply = _OPS[type(node.op)]
            result = apply(left, right)
            lines.append(f"{left} {sign} {right} = {result}.")
            return result
        raise ValueError(f"problem {problem['id']}: unexpected expression {expression!r}")

    answer = value(ast.parse(expression, mode="eval").body)
    return "\n".join([*lines, f"The answer is \\boxed{{{answer}}}."])


def worked_rows(problems: Sequence[Problem], template: Template) -> list[dict[str, str]]:
    return [{"prompt": render_prompt(template, p), "completion": worked_solution(p)}
            for p in problems]
