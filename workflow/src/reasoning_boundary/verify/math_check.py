"""Grade math samples against gold answers: each distinct answer once, in killable workers.

A pass@k run has hundreds of samples per problem but only a handful of distinct final answers,
so the expensive step (math-verify's sympy parse and comparison) runs once per distinct
(problem, extracted answer) pair and its verdict is fanned out to every sample that gave it.

Sympy can hang on pathological answers (power towers, huge factorials). math-verify's own
timeout is a SIGALRM, which only works in a process's main thread and cannot interrupt a long
C call, so checks run in worker processes (main thread, so the alarm works) and the parent also
kills any worker whose current check outlives ``timeout`` plus a grace period
(deadline_pool.py).
That check is reported as ``timeout`` and a fresh worker takes over the rest of the queue.

One check (:func:`check_answer`): a problem's ``answer_meta`` may ask for several answers in any
order, strip a unit or allow a tolerance (OlympiadBench); notations math-verify misreads are
rewritten first (math_forms.py); a numeral with a base keeps its base; two plain numbers, and
two numbers math-verify finds equal, are compared exactly (whole) or to a relative 1e-6, since
math-verify rounds to 6 decimal places; a gold math-verify reads only in part is compared as
text.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ..defaults import CHECK_TIMEOUT
from ..records import Problem, Sample, Verdict
from .answer_types import decided_by_type, normalize
from .deadline_pool import DeadlinePool
from .math_extract import extract_answers, split_top_level
from .math_forms import (
    based_numeral,
    numeral_value,
    plain_number,
    rewrite_notation,
    strip_unit,
    words_to_number,
)

__all__ = ["CheckPlan", "check_answer", "parse_math", "plan_checks", "verify_math"]


@dataclass(frozen=True)
class CheckPlan:
    """Which samples need which check: ``checks[check_of[i]]`` grades sample i (-1: none)."""

    extracted: list[str | None]
    checks: list[tuple[str, str]]  # distinct (problem_id, extracted answer), grouped by problem
    check_of: list[int]


def plan_checks(problems: Mapping[str, Problem], samples: Sequence[Sample]) -> CheckPlan:
    """Extract every sample's answer and list the distinct (problem, answer) pairs to check.

    Every sample's problem must be in ``problems`` (``dispatch.check_samples`` says so first).
    """
    # The paper's grader (Qwen2.5-Math's extract_answer, use_last_number=True) falls back to the
    # last number of a response; here only of one that ended by itself, because the last number
    # of a response cut off at max_tokens is an intermediate result, not an answer.
    extracted = [extract_answers(s["response"], _parts(problems[s["problem_id"]]),
                                 last_number=s.get("finish_reason") != "length")
                 for s in samples]
    # Visual problems with an answer type compare the answer in that type's form (answer_types).
    compared = [e if e is None else normalize(problems[s["problem_id"]], e)
                for s, e in zip(samples, extracted, strict=True)]
    keys = sorted(
        {(s["problem_id"], e) for s, e in zip(samples, compared, strict=True)
         if e is not None and _gold(problems[s["problem_id"]]) is not None}
    )
    index = {key: i for i, key in enumerate(keys)}
    check_of = [index.get((s["problem_id"], e), -1)
                for s, e in zip(samples, compared, strict=True)]
    return CheckPlan(extracted=extracted, checks=keys, check_of=check_of)


def _parts(problem: Problem) -> int:
    """How many answers a complete response to ``problem`` gives."""
    return len((problem.get("answer_meta") or {}).get("answers") or ()) or 1


def verify_math(
    problems: Mapping[str, Problem],
    samples: Sequence[Sample],
    workers: int = 1,
    timeout: float = CHECK_TIMEOUT,
    progress: bool = True,
) -> list[Verdict]:
    """Grade math samples; verdicts come back in the order of ``samples``."""
    limit = timeout + max(1.0, 0.2 * timeout)
    # Workers boot (fork server, sympy import) while this process extracts the answers.
    with DeadlinePool(check_answer, workers, limit, preload=("math_verify", __name__)) as pool:
        plan = plan_checks(problems, samples)
        golds = [_gold(problems[pid]) for pid, _ in plan.checks]
        forms = [problems[pid].get("answer_meta") or None for pid, _ in plan.checks]
        # An answer written exactly as the gold needs no sympy (math-verify accepts every gold
        # answer of our benchmarks against itself), and it is the most common answer.
        todo = [i for i, (gold, (_, answer)) in enumerate(zip(golds, plan.checks, strict=True))
                if answer != gold]
        # List and text answers are decided by their normalised form: no sympy for a mismatch.
        decided = [i for i in todo if decided_by_type(problems[plan.checks[i][0]])]
        todo = [i for i in todo if not decided_by_type(problems[plan.checks[i][0]])]
        ran = pool.run([(golds[i], plan.checks[i][1], timeout, forms[i]) for i in todo],
                       groups=[plan.checks[i][0] for i in todo], progress=progress,
                       desc="math checks")
    outcomes: list[tuple[str, Any]] = [("ok", ("passed", True))] * len(plan.checks)
    for i, outcome in zip(todo, ran, strict=True):
        outcomes[i] = outcome
    for i in decided:
        outcomes[i] = ("ok", ("failed", False))
    verdicts: list[Verdict] = []
    for sample, answer, check in zip(samples, plan.extracted, plan.check_of, strict=True):
        if answer is None:
            status, correct = "no_answer", False
        elif check < 0:
            status, correct = "error", False  # the problem has no gold answer to compare with
        else:
            kind, value = outcomes[check]
            status, correct = value if kind == "ok" else (kind, False)
        verdicts.append(Verdict(
            problem_id=sample["problem_id"], sample_index=sample["sample_index"],
            seed=sample["seed"], correct=correct, status=status, extracted=answer,
        ))
    return verdicts


def _gold(problem: Problem) -> str | None:
    # Gold answers may arrive as numbers (AMC's 27.0); math-verify compares 27.0 and 27 equal.
    answer = problem.get("answer")
    if answer is None or not str(answer).strip():
        return None
    return normalize(problem, str(answer).strip())


# --- the check itself: runs in a worker process -------------------------------------------------

@lru_cache(maxsize=1)
def _extraction_configs() -> tuple[list[Any], list[Any]]:
    from math_verify import ExprExtractionConfig, LatexExtractionConfig

    # Both sides are wrapped in \boxed{}, so the boxed match comes first; the plain-expression
    # config catches answers like "3*x+1" that the LaTeX parser rejects.
    return [LatexExtractionConfig(boxed_match_priority=0)], [ExprExtractionConfig()]


def parse_math(text: str, alarm_seconds: int = 5) -> list[Any]:
    """Parse a gold or extracted answer (bare, without delimiters) with math-verify.

    Notations math-verify misreads are rewritten first, the same way for gold and answer
    (math_forms.rewrite_notation: 8.7e8, 43\\,500, number words, \\max in subscripts). The
    plain-expression parser is asked only about text without LaTeX commands: on LaTeX it
    cannot read it picks out a fragment (Minerva's ``\\hbar \\omega(v+1/2)-...`` parsed as 2,
    which any answer "2" would then match); such an answer is compared as text.
    """
    from math_verify import parse

    latex, expression = _extraction_configs()
    boxed = "\\boxed{" + rewrite_notation(text) + "}"
    parsed = parse(boxed, extraction_config=latex, parsing_timeout=alarm_seconds)
    if len(parsed) < 2 and "\\" not in text:
        parsed = parse(boxed, extraction_config=expression, parsing_timeout=alarm_seconds) \
            or parsed
    if len(parsed) >= 2 and _degenerate(parsed[0], text):
        # Minerva's "m_{p} c^{2}(\\gamma^{2}-1) \\sin^{2}\\theta" parses with \\gamma(...) as
        # complex infinity, equal to any other such answer: not a reading of it.
        return parsed[1:]
    return parsed


def _degenerate(expr: Any, text: str) -> bool:
    from sympy import Basic, nan, zoo

    return isinstance(expr, Basic) and "infty" not in text and expr.has(zoo, nan)


class _TimeoutLog(logging.Handler):
    """Counts math-verify's "Timeout during ..." warnings: its only sign that an alarm fired."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.__class__ is str and record.msg.startswith("Timeout"):
            self.count += 1


@lru_cache(maxsize=1)
def _timeout_log() -> _TimeoutLog:
    logging.getLogger("math_verify").addHandler(handler := _TimeoutLog())
    logging.getLogger("math_verify").propagate = False  # a warning per slow answer floods logs
    return handler


# Parsed answers in this worker, gold and extracted alike (parsing is the same for both and
# costs more than most comparisons); the same short answers ("2", "\\frac{1}{2}") recur across
# problems.
_parsed: dict[str, list[Any]] = {}


def _parse_cached(text: str, alarm: int, log: _TimeoutLog) -> list[Any] | None:
    """Parsed ``text``, or None if parsing timed out (such results are not cached)."""
    if text in _parsed:
        return _parsed[text]
    seen = log.count
    parsed = parse_math(text, alarm)
    if log.count > seen:
        return None
    if len(_parsed) >= 20_000:
        _parsed.clear()
    _parsed[text] = parsed
    return parsed


def check_answer(gold: str, extracted: str, timeout: float = CHECK_TIMEOUT,
                 form: Mapping[str, Any] | None = None) -> tuple[str, bool]:
    """Compare one extracted answer with one gold answer: (status, correct).

    ``form`` is the problem's ``answer_meta`` (records.Problem): several answers in any order,
    a unit, a numerical tolerance. Must run in a main thread (math-verify's alarm). Status is
    passed, failed, timeout or error.
    """
    from math_verify.errors import TimeoutException

    alarm = max(1, int(timeout))  # signal.alarm takes whole seconds
    log = _timeout_log()
    seen = log.count
    start = time.monotonic()
    form = form or {}
    try:
        answers = list(form.get("answers") or ())
        if len(answers) > 1:
            verdict = _same_answers(answers, extracted, form, alarm, log,
                                    bool(form.get("ordered")))
        else:
            verdict = _same_answer(gold, extracted, form, alarm, log)
    except TimeoutException:
        return "timeout", False
    if verdict is None:
        return "timeout", False
    if verdict == "error":
        return "error", False  # an unparseable gold answer is a benchmark bug
    if verdict:
        return "passed", True
    # Elapsed time backs up the log check should math-verify reword its warning.
    timed_out = log.count > seen or time.monotonic() - start >= alarm
    return ("timeout" if timed_out else "failed"), False


def _same_answers(golds: list[str], extracted: str, form: Mapping[str, Any], alarm: int,
                  log: _TimeoutLog, ordered: bool) -> bool | str | None:
    """Every gold answer matched by a distinct part of the response's answer."""
    parts = split_top_level(extracted)
    if len(parts) != len(golds):  # "69 and 84", "69; 84"
        parts = split_top_level(extracted, (",", ";", "\\text{ and }", "\\text{and}", " and "))
    if len(parts) != len(golds):
        return False
    if ordered:
        for gold, part in zip(golds, parts, strict=True):
            same = _same_answer(gold, part, form, alarm, log)
            if same is not True:
                return same
        return True
    # A multiset match (OlympiadBench's judger): try each part against the golds still open.
    matrix: list[list[bool]] = []
    for gold in golds:
        row = []
        for part in parts:
            same = _same_answer(gold, part, form, alarm, log)
            if same is None or same == "error":
                return same
            row.append(bool(same))
        matrix.append(row)
    return _perfect_matching(matrix)


def _perfect_matching(matrix: list[list[bool]]) -> bool:
    """Whether every row can take a distinct column it accepts (augmenting paths)."""
    owner: dict[int, int] = {}

    def take(row: int, seen: set[int]) -> bool:
        for col, ok in enumerate(matrix[row]):
            if ok and col not in seen:
                seen.add(col)
                if col not in owner or take(owner[col], seen):
                    owner[col] = row
                    return True
        return False

    return all(take(row, set()) for row in range(len(matrix)))


def _same_answer(gold: str, extracted: str, form: Mapping[str, Any], alarm: int,
                 log: _TimeoutLog) -> bool | str | None:
    """True/False, "error" (the gold does not parse) or None (parsing timed out)."""
    from math_verify import verify

    unit = form.get("unit")
    if unit:
        gold, extracted = strip_unit(gold, unit), strip_unit(extracted, unit)
    based = based_numeral(gold)
    if based is not None:
        # "204_5": the digits in that base. An answer must name the same base, or give the
        # digits alone (the question asked for that base); "204_2" is another number.
        other = based_numeral(extracted)
        digits = other if other is not None else (words_to_number(extracted) or extracted,
                                                   based[1])
        return (digits[0].strip().upper(), digits[1]) == (based[0].upper(), based[1])
    written = based_numeral(extracted)
    if written is not None:  # a numeral in another base stands for its value
        extracted = str(numeral_value(*written))
    numbers = plain_number(gold), plain_number(extracted)
    if numbers[0] is not None and numbers[1] is not None:
        # Two plain numbers: math-verify rounds to 6 decimal places, so 2.7778e-6 and 2.7718e-6
        # would be one number. Whole numbers must be equal; decimals agree to a relative 1e-6.
        a, b = numbers
        tolerance = Decimal(str(form.get("tolerance") or 0)) * Decimal("1.01")
        relative = Decimal(0) if a == a.to_integral_value() and b == b.to_integral_value() \
            else Decimal("1e-6") * max(abs(a), abs(b))
        return abs(a - b) <= max(relative, tolerance)
    gold_parsed = _parse_cached(gold, alarm, log)
    if gold_parsed is not None and not gold_parsed:
        return "error"
    if gold_parsed is not None and len(gold_parsed) < 2:
        # math-verify cannot read the gold (Minerva's "np.arcsin(10/13)"): compare the text,
        # spacing aside, rather than let a fragment of it match.
        return _squash(gold) == _squash(extracted)
    parsed = _parse_cached(extracted, alarm, log)
    if gold_parsed is None or parsed is None:
        return None
    if verify(gold_parsed, parsed, timeout_seconds=alarm):
        return _close_numbers(gold_parsed[0], parsed[0])
    if _same_by_name(gold_parsed, parsed, alarm):
        return True
    tolerance = form.get("tolerance")
    if tolerance:
        return _within(gold_parsed, parsed, float(tolerance))
    return False


def _close_numbers(gold: Any, answer: Any) -> bool:
    """False for two numbers math-verify calls equal that are not: it rounds to 6 decimal
    places, so 7.4e-12 and 7.4e-92 are both 0 to it. Whole numbers must be equal, others agree
    to a relative 1e-6; anything that is not two real numbers keeps math-verify's verdict."""
    from sympy import Basic

    if not (isinstance(gold, Basic) and isinstance(answer, Basic)
            and gold.is_number and answer.is_number):
        return True
    try:
        a, b = complex(gold.evalf(30)), complex(answer.evalf(30))
    except (TypeError, ValueError):
        return True
    if a.imag or b.imag:
        return True
    if gold.is_integer and answer.is_integer:
        from sympy import simplify

        return simplify(gold - answer) == 0
    return abs(a.real - b.real) <= 1e-6 * max(abs(a.real), abs(b.real))


def _squash(text: str) -> str:
    """Answer text without what does not change it: spacing, \\left/\\right, \\dfrac, braces
    around one character (``c^{2}`` is ``c^2``)."""
    for command, plain in (("\\left", ""), ("\\right", ""), ("\\dfrac", "\\frac"),
                           ("\\tfrac", "\\frac")):
        text = text.replace(command, plain)
    text = "".join(text.split())
    return re.sub(r"([\^_])\{(\w)\}", r"\1\2", text)


def _same_by_name(gold: list[Any], answer: list[Any], alarm: int) -> bool:
    """The two parses equal once their symbols are matched by name alone.

    math-verify may give one symbol different assumptions in two answers (``i`` real in
    ``2it``, not real in ``2 i t``), and then finds ``e^{2it}`` unequal to ``e^{2 i t}``.
    """
    from math_verify import verify
    from sympy import Basic, Symbol

    def plain(expr: Any) -> Any:
        if not isinstance(expr, Basic) or not expr.free_symbols:
            return None
        return expr.xreplace({s: Symbol(s.name) for s in expr.free_symbols})

    left, right = plain(gold[0]), plain(answer[0])
    if left is None or right is None or {s.name for s in left.free_symbols} != \
            {s.name for s in right.free_symbols}:
        return False
    return bool(verify([left], [right], timeout_seconds=alarm))


def _within(gold: list[Any], answer: list[Any], tolerance: float) -> bool:
    """Numerical answers within an absolute tolerance (OlympiadBench's ``error`` field)."""
    try:
        return abs(float(gold[0]) - float(answer[0])) <= tolerance * 1.01  # as the release's judger
    except (TypeError, ValueError, IndexError):
        return False
