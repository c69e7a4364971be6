"""``api-tracer import-requre FILE... --out DIR``: requre recordings → vcrpy cassettes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tracer.cli.convention import add_format, add_out, emit, emit_json
from tracer.document import json_document
from tracer.errors import DataError, UsageError
from tracer.recording.retries import RETRIED_STATUSES, RETRIES

HELP = "convert requre YAML recordings into vcrpy cassettes (secrets scrubbed)"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "import-requre",
        help=HELP,
        description="Convert requre YAML recordings (e.g. ogr's test data) into vcrpy cassettes, "
        "one per input file (same stem, .yaml). Secrets are scrubbed on the way.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path, help="requre YAML file")
    add_out(parser, "folder", "output directory", required=True)
    parser.add_argument(
        "--retries", type=int, default=RETRIES, metavar="N",
        help=f"the client's retries (default {RETRIES}, ogr's): an answer it sends again "
        f"({', '.join(map(str, sorted(RETRIED_STATUSES)))}) is written once per attempt; 0 for no retries",
    )
    parser.add_argument("--force", action="store_true", help="overwrite cassettes that already exist in DIR")
    add_format(parser)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from tracer.recording.requre import convert_counted, output_path

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
    converted = []
    for src in args.files:
        try:
            written, count = convert_counted(src, args.out, args.retries)
        except DataError as exc:
            failed += 1
            print(f"api-tracer {args.command}: error: {exc}", file=sys.stderr)
            continue
        converted.append({"file": str(src), "cassette": str(written), "interactions": count})
        if args.format != "json":
            emit(f"{src} -> {written}: {count} interaction{'s' if count != 1 else ''}")
    if args.format == "json":
        emit_json(json_document("import-requre", 1, {"converted": converted, "failed": failed}))
    return 2 if failed else 0

