"""Route each sample to the checker of its problem's kind, keeping the input order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..records import Problem, Sample, Verdict


def verify_samples(
    problems: Mapping[str, Problem],
    samples: Sequence[Sample],
    workers: int = 1,
    timeout: float = 10.0,
    progress: bool = True,
) -> list[Verdict]:
    """Verdicts for ``samples`` in their order: math answers by math-verify, code by the sandbox."""
    by_kind: dict[str, list[int]] = {"math": [], "code": []}
    for index, sample in enumerate(samples):
        by_kind[problems[sample["problem_id"]]["kind"]].append(index)
    verdicts: list[Verdict | None] = [None] * len(samples)
    for kind, indices in by_kind.items():
        if not indices:
            continue
        if kind == "math":
            from .math_check import verify_math as check
        else:
            from .code_check import verify_code as check
        chosen = [samples[i] for i in indices]
        for index, verdict in zip(indices, check(problems, chosen, workers, timeout, progress),
                                  strict=True):
            verdicts[index] = verdict
    return verdicts  # type: ignore[return-value]
