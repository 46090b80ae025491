"""The verify stage: check that a sample file fits its benchmark, then route each sample to the
checker of its problem's kind, keeping the input order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..defaults import CHECK_TIMEOUT
from ..prompts import Template, graded_text
from ..records import Problem, RecordError, Sample, Verdict

Checker = Callable[..., list[Verdict]]


def _math_checker() -> Checker:
    from .math_check import verify_math

    return verify_math


def _code_checker() -> Checker:
    from .code_check import verify_code

    return verify_code


# Problem kind -> the checker's loader (imported on first use: math-verify and the sandbox
# each cost a second to import, and most files need only one of them).
CHECKERS: dict[str, Callable[[], Checker]] = {"math": _math_checker, "code": _code_checker}

_NOT_OURS = "The samples were made for another benchmark or config: delete the file and rerun " \
            "sampling."


def check_samples(problems: Mapping[str, Problem], samples: Sequence[Sample], source: str,
                  seed: int | None = None, per_problem: int | None = None) -> None:
    """Refuse a sample file (named ``source``) made under another benchmark or config: samples
    of unknown problems, of another seed, or with another number of samples per problem."""
    unknown = sorted({s["problem_id"] for s in samples} - problems.keys())
    if unknown:
        raise RecordError(
            f"{source}: {len(unknown)} sample(s) name problems that are not in the benchmark "
            f"(first: {unknown[0]}). {_NOT_OURS}")
    if seed is not None:
        seeds = sorted({s["seed"] for s in samples})
        if seeds != [seed]:
            raise RecordError(
                f"{source}: holds seed(s) {seeds}, the config expects {seed}. {_NOT_OURS}")
    if per_problem is not None:
        counts = Counter(s["problem_id"] for s in samples)
        wrong = {pid: n for pid, n in counts.items() if n != per_problem}
        missing = sorted(problems.keys() - counts.keys())
        if wrong or missing:
            detail = (f"problem {next(iter(wrong))} has {next(iter(wrong.values()))} samples"
                      if wrong else f"{len(missing)} problem(s) have none (first: {missing[0]})")
            raise RecordError(
                f"{source}: {detail}; the config expects {per_problem} per problem. {_NOT_OURS}")


def graded_samples(problems: Mapping[str, Problem], samples: Sequence[Sample],
                   template: Template) -> list[Sample]:
    """The samples as the checkers see them: only the part of each response the template
    grades (prompts.graded_text), and a reasoning model's unfinished response as cut off."""
    graded = []
    for sample in samples:
        text, cut = graded_text(template, problems[sample["problem_id"]], sample["response"])
        graded.append({**sample, "response": text,
                       "finish_reason": "length" if cut else sample["finish_reason"]})
    return graded  # type: ignore[return-value]


def verify_samples(
    problems: Mapping[str, Problem],
    samples: Sequence[Sample],
    workers: int = 1,
    timeout: float = CHECK_TIMEOUT,
    progress: bool = True,
    source: str = "samples",
    template: Template | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Verdict]:
    """Verdicts for ``samples`` in their order: math answers by math-verify, code by the sandbox.

    ``template``: the prompt template the samples were made with (what part of a response is
    graded); None grades whole responses. ``options`` gives one kind's checker more keyword
    arguments (``{"code": {"isolation": ...}}``).
    """
    check_samples(problems, samples, source)
    if template is not None:
        samples = graded_samples(problems, samples, template)
    by_kind: dict[str, list[int]] = {}
    for index, sample in enumerate(samples):
        by_kind.setdefault(problems[sample["problem_id"]]["kind"], []).append(index)
    verdicts: list[Verdict | None] = [None] * len(samples)
    for kind, indices in by_kind.items():
        check = CHECKERS[kind]()
        chosen = [samples[i] for i in indices]
        extra = (options or {}).get(kind, {})
        for index, verdict in zip(indices, check(problems, chosen, workers, timeout, progress,
                                                 **extra), strict=True):
            verdicts[index] = verdict
    return verdicts  # type: ignore[return-value]
