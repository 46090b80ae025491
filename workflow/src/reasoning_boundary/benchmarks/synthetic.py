"""Seeded multi-step arithmetic word problems with integer answers.

Small and fully known, they let the whole pipeline run (and pass@k curves be checked) without
any downloaded benchmark. Each problem stores the arithmetic it encodes in ``meta["expression"]``
so tests can recompute the gold answer independently of the story text.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..records import Problem


@dataclass(frozen=True)
class Theme:
    items: str
    containers: str
    groups: str
    gain: tuple[str, ...]
    lose: tuple[str, ...]
    grow: tuple[str, ...]


THEMES = (
    Theme("muffins", "trays", "boxes", ("bakes", "buys"), ("sells", "gives away"),
          ("A large order comes in, so {name} ends up with {k} times as many {items} as before.",)),
    Theme("eggs", "baskets", "crates", ("collects", "is given"), ("sells", "uses"),
          ("After a good week, {name} has {k} times as many {items} as before.",)),
    Theme("books", "shelves", "piles", ("receives", "buys"), ("lends out", "donates"),
          ("A donation leaves {name} with {k} times as many {items} as before.",)),
    Theme("marbles", "bags", "jars", ("wins", "finds"), ("loses", "trades away"),
          ("A lucky streak leaves {name} with {k} times as many {items} as before.",)),
    Theme("pencils", "packs", "bundles", ("buys", "is given"), ("hands out", "breaks"),
          ("A supply delivery leaves {name} with {k} times as many {items} as before.",)),
)
NAMES = ("Ava", "Ben", "Chen", "Dina", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jade", "Kofi",
         "Lena", "Mateo", "Nia", "Omar", "Priya")
MAX_VALUE = 500  # keeps every intermediate and the answer small enough for tiny models


def _start(rng: random.Random, name: str, theme: Theme) -> tuple[str, str, int]:
    if rng.random() < 0.5:
        count, each = rng.randint(2, 9), rng.randint(2, 12)
        text = f"{name} has {count} {theme.containers} with {each} {theme.items} in each."
        return text, f"({count} * {each})", count * each
    value = rng.randint(5, 60)
    return f"{name} has {value} {theme.items}.", str(value), value


def _step(
    rng: random.Random, name: str, theme: Theme, expr: str, value: int
) -> tuple[str, str, int]:
    """One operation that keeps the running total a non-negative integer within MAX_VALUE."""
    divisors = [k for k in range(2, 6) if value % k == 0 and value // k >= 1]
    options = []
    if value < MAX_VALUE:
        options.append("add")
    if value >= 2:
        options.append("sub")
    if value * 2 <= MAX_VALUE:
        options.append("mul")
    if divisors:
        options.append("div")
    op = rng.choice(options)
    if op == "add":
        n = rng.randint(1, min(30, MAX_VALUE - value))
        return f"Then {name} {rng.choice(theme.gain)} {n} more.", f"({expr} + {n})", value + n
    if op == "sub":
        n = rng.randint(1, value - 1)
        return f"Then {name} {rng.choice(theme.lose)} {n} of them.", f"({expr} - {n})", value - n
    if op == "mul":
        k = rng.randint(2, max(2, min(4, MAX_VALUE // value)))
        text = rng.choice(theme.grow).format(name=name, k=k, items=theme.items)
        return text, f"({expr} * {k})", value * k
    k = rng.choice(divisors)
    text = (f"{name} divides the {theme.items} into {k} equal {theme.groups} "
            "and keeps only one of them.")
    return text, f"({expr} // {k})", value // k


def make_problem(rng: random.Random, steps: int) -> tuple[str, str, int, str]:
    """Return (question, expression, answer, theme) for one problem."""
    theme = rng.choice(THEMES)
    name = rng.choice(NAMES)
    sentence, expr, value = _start(rng, name, theme)
    sentences = [sentence]
    for _ in range(steps):
        sentence, expr, value = _step(rng, name, theme, expr, value)
        sentences.append(sentence)
    sentences.append(f"How many {theme.items} does {name} have now?")
    return " ".join(sentences), expr, value, theme.items


def generate(n_problems: int, steps: int | Sequence[int] = 3, seed: int = 0,
             prefix: str = "arithmetic") -> list[Problem]:
    """`n_problems` word problems, identical for identical seeds.

    ``steps`` is the number of operations after the opening sentence, or ``[low, high]`` to draw
    it per problem: a mix of difficulties spreads per-problem accuracy, which is what pass@k
    curves of a small model need in order to rise at all.
    """
    low, high = (steps, steps) if isinstance(steps, int) else tuple(steps)
    if n_problems < 1 or low < 0 or high < low:
        raise ValueError(f"synthetic: n_problems ({n_problems}) must be >= 1 and steps "
                         f"({steps}) a count >= 0 or a range [low, high] with low <= high.")
    # A private Random, seeded with an int, is stable across runs and PYTHONHASHSEED values.
    rng = random.Random(seed)
    width = max(4, len(str(n_problems - 1)))
    problems: list[Problem] = []
    for index in range(n_problems):
        # A fixed count draws nothing extra, so existing configs keep their problems.
        count = low if low == high else rng.randint(low, high)
        question, expr, answer, items = make_problem(rng, count)
        problems.append({
            "id": f"{prefix}/{index:0{width}d}",
            "kind": "math",
            "question": question,
            "answer": str(answer),
            "prompt": None,
            "entry_point": None,
            "tests": None,
            "meta": {"expression": expr, "steps": count, "theme": items, "seed": seed,
                     "source": "synthetic"},
        })
    return problems
