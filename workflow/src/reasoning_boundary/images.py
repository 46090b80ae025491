"""The images of visual problems: stored once by ``prepare``, opened (and checked) by ``sample``.

A loader hands ``prepare`` its problems with the encoded image bytes (JPEG, PNG, ... as the
release ships them, never re-encoded) in ``images``; :func:`store_images` writes each distinct
image once under ``results/benchmarks/{benchmark}/images/`` with its checksum in the file name
and replaces the bytes with a :class:`~reasoning_boundary.records.ProblemImage`. Sampling opens
them with :func:`open_image`, which refuses a file whose checksum changed since.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable
from pathlib import Path

from .records import Problem, ProblemImage, RecordError, atomic_path

# Pillow's format names -> file suffixes.
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp", "BMP": ".bmp",
            "TIFF": ".tif"}


def images_dir(benchmark_file: str | os.PathLike, benchmark: str) -> Path:
    """Where a prepared benchmark's images go: beside ``results/benchmarks/{benchmark}.jsonl``,
    ``results/benchmarks/{benchmark}/images`` (records.BENCHMARK_IMAGES_DIR)."""
    return Path(benchmark_file).parent / benchmark / "images"


def describe_image(data: bytes, where: str) -> tuple[str, int, int]:
    """(suffix, width, height) of encoded image bytes; undecodable bytes name ``where``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            fmt, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise RecordError(f"{where}: the image cannot be decoded ({err}).") from err
    return SUFFIXES.get(fmt or "", "." + (fmt or "img").lower()), width, height


def store_images(problems: list[Problem], folder: str | os.PathLike) -> list[Problem]:
    """Write the image bytes of ``problems`` into ``folder``; return the problems with
    :class:`ProblemImage` records instead. Problems without images pass unchanged.

    Names are the first 16 hex digits of the sha256, so an image shared by several problems is
    stored once, and preparing again rewrites identical files; files of an earlier preparation
    that no problem uses any more are removed. Paths are relative to the working directory, as
    every path of the workflow.
    """
    folder = Path(folder)
    if not any(p.get("images") for p in problems):
        return problems
    folder.mkdir(parents=True, exist_ok=True)
    kept: set[str] = set()
    stored = []
    for problem in problems:
        records: list[ProblemImage] = []
        for number, data in enumerate(problem.get("images") or [], start=1):
            if not isinstance(data, bytes):
                raise RecordError(f"problem '{problem['id']}', image {number}: the loader gave "
                                  f"{type(data).__name__}, not encoded image bytes.")
            digest = hashlib.sha256(data).hexdigest()
            suffix, width, height = describe_image(data, f"problem '{problem['id']}', image "
                                                         f"{number}")
            path = folder / f"{digest[:16]}{suffix}"
            if path.name not in kept and not (path.is_file() and _sha256(path) == digest):
                with atomic_path(path) as tmp:
                    tmp.write_bytes(data)
            kept.add(path.name)
            records.append(ProblemImage(path=str(path), sha256=digest, width=width,
                                        height=height))
        stored.append({**problem, "images": records} if records else problem)
    for stale in folder.iterdir():
        if stale.is_file() and stale.name not in kept:
            stale.unlink()
    return stored  # type: ignore[return-value]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def open_image(image: ProblemImage, problem_id: str, base_dir: str | os.PathLike = "."):
    """The image as an RGB ``PIL.Image``, after checking the file still has its checksum.

    A missing or changed file raises :class:`RecordError` naming the problem and the fix:
    responses are never sampled from images other than the ones prepared. RGB because that is
    what the vision encoders take (EasyR1 converts too); palette or alpha images would
    otherwise be converted differently by each model's processor.
    """
    from PIL import Image

    path = Path(base_dir) / image["path"]
    try:
        data = path.read_bytes()
    except OSError as err:
        raise RecordError(
            f"problem '{problem_id}': image {path} cannot be read ({err.strerror}). Prepare "
            "the benchmark again (snakemake --forcerun prepare).") from err
    digest = hashlib.sha256(data).hexdigest()
    if digest != image["sha256"]:
        raise RecordError(
            f"problem '{problem_id}': image {path} has sha256 {digest[:16]}..., the benchmark "
            f"file records {image['sha256'][:16]}.... Prepare the benchmark again (snakemake "
            "--forcerun prepare).")
    with Image.open(io.BytesIO(data)) as opened:
        return opened.convert("RGB")


def image_checksums(problems: Iterable[Problem]) -> dict[str, str]:
    """Path -> sha256 of every image of ``problems`` (for sidecars and provenance)."""
    return {image["path"]: image["sha256"] for p in problems for image in p.get("images") or []}
