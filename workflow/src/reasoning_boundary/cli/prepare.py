"""``prepare`` and ``convert-model``: the rules of workflow/rules/prepare.smk."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from .. import provenance, records
from .arguments import json_argument

log = logging.getLogger("reasoning_boundary")


def cmd_prepare(args: argparse.Namespace) -> None:
    from ..benchmarks import load_benchmark, spec_files

    if args.spec is not None:
        spec = args.spec
    else:
        import yaml

        spec = yaml.safe_load(Path(args.config).read_text())["benchmarks"][args.name]
    from ..images import image_checksums, images_dir, store_images

    problems = load_benchmark(args.name, spec, Path(args.base_dir))
    # Visual problems: their images go once into results/benchmarks/{name}/images/.
    problems = store_images(problems, images_dir(args.out, args.name))
    count = records.write_jsonl(args.out, problems)
    images = image_checksums(problems)
    provenance.record(args.out, spec_files(spec, args.base_dir), benchmark=args.name,
                      spec=spec, problems=count, **({"images": images} if images else {}))
    log.info("prepared %d problems of %s -> %s", count, args.name, args.out)


def cmd_convert_model(args: argparse.Namespace) -> None:
    from ..models import convert_gguf, resolve_gguf

    convert_gguf(resolve_gguf(args.source), Path(args.out))


def register(sub: Any) -> None:
    p = sub.add_parser("prepare", help="normalize a benchmark into problem records")
    p.add_argument("--name", required=True)
    p.add_argument("--spec", type=json_argument, help="the benchmark's config entry as JSON")
    p.add_argument("--config", help="read the entry from this config file instead")
    p.add_argument("--base-dir", default=".", help="relative paths resolve against this")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("convert-model", help="dequantize a GGUF file into a Hugging Face folder")
    p.add_argument("--source", required=True, help="path.gguf or package:NAME/FILE.gguf")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_convert_model)
