"""Seeded visual questions whose numbers exist only in the image (``source: synthetic-visual``).

Arithmetic and simple geometry drawn with Pillow: the question says what to compute, the image
holds every number (and, for the colour question, the answer), so a model that does not see the
image cannot answer, and the whole visual path (images stored by prepare, sampled through vLLM's
multimodal inputs, graded by answer type) runs with no download. Each problem keeps the values
it was drawn from in ``meta["values"]`` so tests recompute the gold answer independently.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

from ..defaults import SYNTHETIC_IMAGE_SIZE
from ..records import Problem

COLOURS = {"red": (220, 30, 30), "blue": (30, 70, 220), "green": (20, 150, 40),
           "orange": (245, 140, 0)}
INK = (0, 0, 0)

# A task draws one image and returns (question, answer, answer_type, precision, values).
Drawn = tuple[str, str, str, int | None, dict]


def _font(size: int):
    from PIL import ImageFont

    # Pillow's bundled FreeType font: the same glyphs on every machine with this Pillow.
    return ImageFont.load_default(size=max(8, size))


def _label(draw, xy: tuple[float, float], text: str, size: int) -> None:
    draw.text(xy, text, fill=INK, font=_font(size), anchor="mm")


def _expression(rng: random.Random, draw, s: int) -> Drawn:
    op = rng.choice(["+", "-", "x"])  # the bundled font has no ×
    a, b = rng.randint(2, 49), rng.randint(2, 49)
    if op == "-":
        a, b = max(a, b), min(a, b)
    value = {"+": a + b, "-": a - b, "x": a * b}[op]
    _label(draw, (s / 2, s / 2), f"{a} {op} {b} = ?", s // 7)
    return ("What is the value of the expression shown in the image?", str(value), "integer",
            None, {"a": a, "b": b, "op": op})


def _rectangle_area(rng: random.Random, draw, s: int) -> Drawn:
    w, h = rng.randint(2, 15), rng.randint(2, 15)
    x0, y0, x1, y1 = s * 0.2, s * 0.25, s * 0.75, s * 0.7
    draw.rectangle([x0, y0, x1, y1], outline=INK, width=max(1, s // 75))
    _label(draw, ((x0 + x1) / 2, y1 + s * 0.1), str(w), s // 9)
    _label(draw, (x1 + s * 0.1, (y0 + y1) / 2), str(h), s // 9)
    return ("The image shows a rectangle with the lengths of its sides. What is its area?",
            str(w * h), "integer", None, {"width": w, "height": h})


def _triangle_perimeter(rng: random.Random, draw, s: int) -> Drawn:
    while True:
        a, b, c = (rng.randint(3, 20) for _ in range(3))
        if a + b > c and b + c > a and a + c > b:
            break
    p = [(s * 0.15, s * 0.8), (s * 0.85, s * 0.8), (s * 0.45, s * 0.2)]
    draw.polygon(p, outline=INK, width=max(1, s // 75))
    _label(draw, (s * 0.5, s * 0.9), str(a), s // 9)  # bottom side
    _label(draw, (s * 0.77, s * 0.45), str(b), s // 9)  # right side
    _label(draw, (s * 0.2, s * 0.45), str(c), s // 9)  # left side
    return ("The image shows a triangle with the length of each side. What is its perimeter?",
            str(a + b + c), "integer", None, {"sides": [a, b, c]})


def _circle_area(rng: random.Random, draw, s: int) -> Drawn:
    r = rng.randint(2, 12)
    c, radius = s / 2, s * 0.35
    draw.ellipse([c - radius, c - radius, c + radius, c + radius], outline=INK,
                 width=max(1, s // 75))
    draw.line([c, c, c + radius, c], fill=INK, width=max(1, s // 100))
    _label(draw, (c + radius / 2, c - s * 0.07), str(r), s // 9)
    return ("The image shows a circle and the length of its radius. What is the area of the "
            "circle? Round the answer to one decimal place.",
            str(round(math.pi * r * r, 1)), "float", 1, {"radius": r})


def _count_dots(rng: random.Random, draw, s: int) -> Drawn:
    n = rng.randint(2, 9)
    cells = rng.sample(range(16), n)  # a 4x4 grid keeps the dots apart
    radius = s * 0.06
    for cell in cells:
        x, y = (cell % 4 + 0.5) * s / 4, (cell // 4 + 0.5) * s / 4
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=INK)
    return ("How many dots are in the image?", str(n), "integer", None, {"dots": n})


def _sort_numbers(rng: random.Random, draw, s: int) -> Drawn:
    values = rng.sample(range(1, 100), 3)
    for i, v in enumerate(values):
        _label(draw, ((i + 0.5) * s / 3, s / 2), str(v), s // 7)
    return ("List the numbers shown in the image from the smallest to the largest, as a list "
            "such as [a, b, c].", str(sorted(values)), "list", None, {"numbers": values})


def _colour(rng: random.Random, draw, s: int) -> Drawn:
    circle, square = rng.sample(sorted(COLOURS), 2)
    draw.ellipse([s * 0.1, s * 0.3, s * 0.45, s * 0.65], fill=COLOURS[circle])
    draw.rectangle([s * 0.55, s * 0.3, s * 0.9, s * 0.65], fill=COLOURS[square])
    return ("What colour is the circle in the image? Answer with one word.", circle, "text",
            None, {"circle": circle, "square": square})


TASKS: dict[str, Callable[[random.Random, object, int], Drawn]] = {
    "expression": _expression,
    "rectangle_area": _rectangle_area,
    "triangle_perimeter": _triangle_perimeter,
    "circle_area": _circle_area,
    "count_dots": _count_dots,
    "sort_numbers": _sort_numbers,
    "colour": _colour,
}


def generate_visual(n_problems: int, seed: int = 0, prefix: str = "visual",
                    image_size: int = SYNTHETIC_IMAGE_SIZE) -> list[Problem]:
    """``n_problems`` image questions, the tasks in turn, identical for identical arguments.

    Each problem carries its PNG bytes in ``images``; ``prepare`` stores them
    (reasoning_boundary.images.store_images).
    """
    from PIL import Image, ImageDraw

    if n_problems < 1 or image_size < 32:
        raise ValueError(f"synthetic-visual: n_problems ({n_problems}) must be >= 1 and "
                         f"image_size ({image_size}) >= 32.")
    rng = random.Random(seed)
    width = max(4, len(str(n_problems - 1)))
    names = list(TASKS)
    problems: list[Problem] = []
    for index in range(n_problems):
        task = names[index % len(names)]
        image = Image.new("RGB", (image_size, image_size), "white")
        question, answer, answer_type, precision, values = TASKS[task](
            rng, ImageDraw.Draw(image), image_size)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        problems.append({
            "id": f"{prefix}/{index:0{width}d}",
            "kind": "math",
            "question": question,
            "answer": answer,
            "answer_type": answer_type,  # type: ignore[typeddict-item]
            "precision": precision,
            "prompt": None,
            "entry_point": None,
            "tests": None,
            "images": [buffer.getvalue()],  # type: ignore[list-item]
            "meta": {"task": task, "values": values, "seed": seed, "image_size": image_size,
                     "source": "synthetic-visual"},
        })
    return problems
