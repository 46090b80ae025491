"""``provenance FILE``: where a results file came from."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .. import records


def cmd_provenance(args: argparse.Namespace) -> None:
    from ..provenance import describe

    try:
        doc = describe(args.file, depth=args.depth)
    except FileNotFoundError as err:
        raise records.RecordError(str(err)) from None
    print(json.dumps(doc, indent=2, sort_keys=True))


def register(sub: Any) -> None:
    p = sub.add_parser("provenance", help="print where a results file came from")
    p.add_argument("file")
    p.add_argument("--depth", type=int, default=3, help="levels of inputs to follow")
    p.set_defaults(func=cmd_provenance)
