"""EvalPlus's judging rules for MBPP+ and HumanEval+ tests, re-implemented.

Learned from evalplus v0.3.1 (``evalplus/eval/__init__.py: unsafe_execute``,
``eval/_special_oracle.py``, ``data/mbpp.py: mbpp_deserialize_inputs``) so that our verdicts
agree with ``evalplus.evaluate`` without depending on the package:

* exact ``out == exp`` first; failing that, when atol != 0: same type, same length for
  sequences, and numpy's ``allclose`` (rtol 1e-7). A float (or all-float list) expected output
  turns atol 0 into 1e-6, and, as in evalplus, that sticks for the rest of the base or plus
  inputs;
* the special oracles for a few MBPP tasks and HumanEval/32 (``find_zero``);
* MBPP+ stores tuples, sets and complex numbers as JSON lists/strings; the task number says
  how to turn them back, which matters since solutions may index, hash or add to tuples;
* the time limits per input (:func:`evalplus_time_limits`).
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from collections.abc import Callable
from typing import Any

from .sandbox import harness

_SET_EQ = {"similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly",
           "larg_nnum", "intersection_array", "find_dissimilar", "Diff"}
_NOT_NONE = {"check_str", "text_match_three", "text_starta_endb"}
_MBPP_SPECIAL = _SET_EQ | _NOT_NONE | {"are_equivalent", "sum_div", "surface_Area",
                                       "digit_distance_nums"}
_TUPLES = {2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616,
           630, 726, 740, 744, 809}
_LISTS_OF_TUPLES = {63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780}
_FIRST_LIST_OF_TUPLES = {75, 413, 444, 753}
_SECOND_TUPLE = {106, 750}
_FIRST_TUPLE = {250, 405, 446, 617, 720, 763, 808}
_TUPLES_OF_TUPLES = {259, 401, 445}
_ALL_TUPLES = {580, 615, 791}


def dataset_of(problem: dict) -> tuple[str, int | None]:
    """("mbpp", task number) | ("humaneval", None) | ("", None), from ids the loader keeps."""
    tests, meta = problem.get("tests") or {}, problem.get("meta") or {}
    names = " ".join(str(v) for v in (tests.get("dataset"), tests.get("task_id"),
                                       meta.get("task_id"), problem.get("id")) if v)
    match = re.search(r"mbpp\w*/(\d+)", names, re.I)
    if match:
        return "mbpp", int(match.group(1))
    return ("humaneval", None) if "humaneval" in names.lower() else ("", None)


def mbpp_args(task: int, args: list[Any]) -> list[Any]:
    """Arguments of one MBPP+ input with the tuples, sets and complex numbers restored."""
    t = tuple
    if task in _TUPLES:
        return [t(a) for a in args]
    if task in _LISTS_OF_TUPLES:
        return [[t(x) for x in a] for a in args]
    if task in _FIRST_LIST_OF_TUPLES:
        return [[t(x) for x in args[0]], args[1]]
    if task in _SECOND_TUPLE:
        return [args[0], t(args[1])]
    if task in _FIRST_TUPLE:
        return [t(args[0]), args[1]]
    if task in _TUPLES_OF_TUPLES:
        return [t(t(x) for x in a) for a in args]
    if task in _ALL_TUPLES:
        return [_all_tuples(a) for a in args]
    if task == 115:  # evalplus turns an empty list into {} (a dict): kept for equal verdicts
        return [[set(x) if isinstance(x, list) and x else {} for x in args[0]]]
    if task == 124:
        return [float(args[0]), complex(args[1])]
    if task == 252:
        return [complex(args[0])]
    if task == 278:
        return [t(t(x) if isinstance(x, list) else x for x in args[0])]
    if task == 307:
        return [t(args[0]), args[1], args[2]]
    if task == 722:
        return [{k: t(v) for k, v in args[0].items()}, *args[1:]]
    return args


# evalplus v0.3.1 (tag e5d0ed0): evalplus/config.py DEFAULT_GT_TIME_LIMIT_FACTOR, and the
# default of EVALPLUS_TIMEOUT_PER_TASK read in evalplus/eval/__init__.py: untrusted_check.
GT_TIME_LIMIT_FACTOR = 4.0
TIMEOUT_PER_TASK = 60.0


def evalplus_time_limits(problem: dict, canonical_seconds: list[float], floor: float
                         ) -> tuple[list[float], float]:
    """(seconds per input, seconds for all of them) as ``untrusted_check`` sets them.

    Each input: ``max(floor, 4 x t)``, t the canonical solution's time on it. evalplus runs the
    base and the plus inputs as two checks, each within ``min(60, sum of its limits) + 1``.
    """
    per_test = [max(floor, GT_TIME_LIMIT_FACTOR * t) for t in canonical_seconds]
    base = len(_literal(problem["tests"].get("base_input")))
    parts = [part for part in (per_test[:base], per_test[base:]) if part]
    return per_test, sum(min(TIMEOUT_PER_TASK, sum(part)) + 1 for part in parts)


def _all_tuples(x: Any) -> Any:
    return tuple(_all_tuples(v) for v in x) if isinstance(x, list) else x


def prepare_evalplus(problem: dict) -> tuple[list[list[Any]], str]:
    """(arguments of every base then plus input, the canonical program)."""
    tests = problem["tests"]
    dataset, task = dataset_of(problem)
    inputs = []
    for raw in [*_literal(tests.get("base_input")), *_literal(tests.get("plus_input"))]:
        args = list(_literal(raw))
        inputs.append(mbpp_args(task, args) if dataset == "mbpp" and task else args)
    prompt = tests.get("prompt", problem.get("prompt")) or ""
    canonical = prompt + tests["canonical_solution"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(canonical)
    except SyntaxError:  # a chat-style prompt is not code: the solution stands alone
        canonical = tests["canonical_solution"]
    return inputs, canonical


def _literal(value: Any) -> Any:
    """Inputs may come as a string of JSON or Python literals instead of a list."""
    if not isinstance(value, str):
        return value or []
    try:
        return json.loads(value)
    except ValueError:
        return ast.literal_eval(value)


def evalplus_judge(problem: dict, inputs: list[list[Any]],
                   expected: list[tuple[str | None, Any]]
                   ) -> Callable[[dict[int, tuple[str, str]]], tuple[bool, bool]]:
    """A judge of per-test records, given the canonical outputs (raw None: it failed)."""
    tests = problem["tests"]
    dataset, _ = dataset_of(problem)
    entry = problem.get("entry_point") or ""
    base_len = len(_literal(tests.get("base_input")))
    atol0 = float(tests.get("atol") or 0)
    special = (dataset == "mbpp" and entry in _MBPP_SPECIAL) or (
        dataset == "humaneval" and entry == "find_zero")
    if dataset == "mbpp" and entry in _NOT_NONE:  # evalplus keeps only "was it not None"
        expected = [(None if raw is None else "", value is not None) for raw, value in expected]
    floats = [_is_floats(value) for _, value in expected]

    def judge(records: dict[int, tuple[str, str]]) -> tuple[bool, bool]:
        atol = atol0
        for i, args in enumerate(inputs):
            if i == base_len:
                atol = atol0  # evalplus checks base and plus inputs in two separate runs
            if i not in records:
                return False, False
            kind, payload = records[i]
            raw, exp = expected[i]
            if kind != "out" or raw is None:
                return False, True
            if not special and payload == raw and "NaN" not in raw:
                atol = 1e-6 if atol == 0 and floats[i] else atol
                continue  # same encoding, same value: skip decoding
            try:
                ok, atol = _compare(dataset, entry, args, harness.decode(payload), exp, atol)
            except Exception:
                ok = False
            if not ok:
                return False, True
        return True, False

    return judge


def _compare(dataset: str, entry: str, args: list[Any], out: Any, exp: Any, atol: float
             ) -> tuple[bool, float]:
    exact = out == exp
    if dataset == "mbpp":
        if entry == "are_equivalent":
            exact = True
        elif entry == "sum_div":
            exact = exact or out == 0
        elif entry == "surface_Area":
            exact = exact or abs(out - _surface_area(*args)) <= atol
        elif entry == "digit_distance_nums":
            exact = exact or out == _digit_distance(*args)
        elif entry in _SET_EQ:
            exact = set(out) == set(exp)
        elif entry in _NOT_NONE:
            exact = out == exp if isinstance(out, bool) else exp == (out is not None)
    if dataset == "humaneval" and entry == "find_zero":
        return abs(_poly(*args, out)) <= atol, atol
    if atol == 0 and _is_floats(exp):
        atol = 1e-6
    if not exact and atol != 0:
        ok = (type(out) is type(exp)
              and (not isinstance(exp, (list, tuple)) or len(out) == len(exp))
              and allclose(out, exp, atol))
        return ok, atol
    return bool(exact), atol


def _is_floats(x: Any) -> bool:
    if isinstance(x, float):
        return True
    return isinstance(x, (list, tuple)) and bool(x) and all(isinstance(i, float) for i in x)


def allclose(a: Any, b: Any, atol: float, rtol: float = 1e-07) -> bool:
    """numpy.allclose for nested lists of numbers, without importing numpy."""
    seq = (list, tuple)
    if isinstance(a, seq) or isinstance(b, seq):
        return (isinstance(a, seq) and isinstance(b, seq) and len(a) == len(b)
                and all(allclose(x, y, atol, rtol) for x, y in zip(a, b, strict=True)))
    number = (int, float, complex)
    if not (isinstance(a, number) and isinstance(b, number)):
        return False
    if a == b:
        return True  # also equal infinities
    try:
        return abs(a - b) <= atol + rtol * abs(b)
    except OverflowError:
        return False


def _surface_area(base_edge: float, height: float) -> float:
    slant = math.sqrt((base_edge / 2) ** 2 + height**2)
    return round(base_edge**2 + 4 * (base_edge * slant) / 2)


def _digit_distance(a: int, b: int) -> int:
    x, y = str(a), str(b)
    width = max(len(x), len(y))
    pairs = zip(x.zfill(width), y.zfill(width), strict=True)
    return sum(abs(int(p) - int(q)) for p, q in pairs)


def _poly(xs: list[float], x: float) -> float:
    return sum(c * math.pow(x, i) for i, c in enumerate(xs))
