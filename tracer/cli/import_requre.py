"""``api-tracer import-requre FILE... --out DIR``: requre recordings → vcrpy cassettes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tracer.cli._paths import output_dir
from tracer.errors import DataError, UsageError
from tracer.recording.requre import convert_counted, output_path
from tracer.recording.retries import RETRIED_STATUSES, RETRIES


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "import-requre",
        help="convert requre YAML recordings into vcrpy cassettes (secrets scrubbed)",
        description="Convert requre YAML recordings (e.g. ogr's test data) into vcrpy cassettes, "
        "one per input file (same stem, .yaml). Secrets are scrubbed on the way.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path, help="requre YAML file")
    parser.add_argument("--out", required=True, type=output_dir, metavar="DIR", help="output directory")
    parser.add_argument(
        "--retries", type=int, default=RETRIES, metavar="N",
        help=f"the client's retries (default {RETRIES}, ogr's): an answer it sends again "
        f"({', '.join(map(str, sorted(RETRIED_STATUSES)))}) is written once per attempt; 0 for no retries",
    )
    parser.add_argument("--force", action="store_true", help="overwrite cassettes that already exist in DIR")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    if args.retries < 0:
        raise UsageError(f"--retries must be 0 or more, got {args.retries}")
    targets: dict[Path, Path] = {}
    for src in args.files:
        target = output_path(src, args.out)
        key = target.resolve()
        if key in targets:
            raise UsageError(f"{src} and {targets[key]} would both be written to {target}")
        if src.exists() and key == src.resolve():
            raise UsageError(f"{src}: the cassette would overwrite its own input; choose another --out")
        targets[key] = src
    existing = [str(target) for target in targets if target.exists()]
    if existing and not args.force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise UsageError(f"{existing[0]}{more}: already exists; nothing written (use --force to overwrite)")
    failed = 0
    for src in args.files:
        try:
            written, count = convert_counted(src, args.out, args.retries)
        except DataError as exc:
            failed += 1
            print(f"api-tracer {args.command}: error: {exc}", file=sys.stderr)
            continue
        print(f"{src} -> {written}: {count} interaction{'s' if count != 1 else ''}")
    return 2 if failed else 0

