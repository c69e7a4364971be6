"""`api-tracer compare BEFORE AFTER`: what a change does to a pipeline's GitHub calls."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracer.cli.convention import add_format, emit, emit_json, note
from tracer.cli.exitcodes import OK, VERDICT
from tracer.cli.terminal import width
from tracer.errors import UsageError

HELP = "compare two runs: calls added or removed per handler, event and endpoint, and PRs/hour"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "compare",
        help=HELP,
        description="Compare two pipeline runs (run folders, read from their call records, or trace JSON "
        "files): the cells (handler × event × endpoint) whose requests or charged calls differ, the "
        "categories, the totals and PRs/hour under the primary limit and the binding ceiling. The runs may "
        "be two commits or branches of packit-service (api-tracer record --worker packit-service --source …) "
        "or two knob settings. Exit 1 when more than --tolerance calls were added (0: none), 0 otherwise "
        "(\"no change\" when every cell is equal).",
    )
    parser.add_argument("before", type=Path, metavar="BEFORE", help="a run folder or a trace JSON file")
    parser.add_argument("after", type=Path, metavar="AFTER", help="a run folder or a trace JSON file")
    parser.add_argument("--tolerance", type=int, default=0, metavar="N",
                        help="calls that may be added before the exit code says so (default 0)")
    add_format(parser)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from tracer.document import json_document
    from tracer.packit.compare import compare, render
    from tracer.packit.measurements import Recorded

    if args.tolerance < 0:
        raise UsageError(f"--tolerance must be 0 or more, got {args.tolerance}")
    found = []
    for path in (args.before, args.after):
        measurements = Recorded([path]).measurements(note=lambda line: note("compare", line))
        if len(measurements) != 1:
            raise UsageError(f"{path}: holds {len(measurements)} runs; compare takes one run each side")
        found.append(measurements[0])
    result = compare(*found)
    if args.format == "json":
        emit_json(json_document("compare", 1, result.as_dict()))
    else:
        emit(render(result, args.format, width=width()))
    return VERDICT if result.added > args.tolerance else OK
