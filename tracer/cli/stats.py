"""`api-tracer stats PATH…`: count and classify the calls in cassettes, running nothing."""

from __future__ import annotations

import argparse

from tracer.capture import Rules
from tracer.capture.forges import FORGE_NAMES
from tracer.cli._output import add_format, add_measure, print_json, render_trace
from tracer.recording.stats import trace_from_cassettes


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "stats",
        help="count and classify the calls in cassette files (no replay)",
        description="Count and classify the calls recorded in cassettes: a cassette file, a run "
        "folder or a folder of runs. Route templates come from the rules; categories from the "
        "call sites the run's manifest kept, else from the route alone.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--rules", action="append", default=[], metavar="FILE", help="extra classification rules (YAML)")
    parser.add_argument(
        "--host", "--github-host", dest="hosts", action="append", default=[], metavar="[FORGE=]HOST[/PREFIX]",
        help="another forge API host: gitlab=gitlab.example.com, or a GitHub Enterprise Server "
        "github.example.com/api/v3 (each forge's known hosts always are); calls to other hosts are "
        "reported apart, never charged",
    )
    parser.add_argument("--forge", choices=FORGE_NAMES, default="github",
                        help="whose API calls to count (default: github; the others are reported apart)")
    add_measure(parser)
    add_format(parser)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    rules = Rules.load(*args.rules) if args.rules else None
    trace = trace_from_cassettes(args.paths, rules, args.hosts).on(args.forge)
    if args.format == "json":
        print_json(trace.to_json(paths=[str(p) for p in args.paths]))
    else:
        print(render_trace(trace, args.format, f"stats: {', '.join(map(str, args.paths))}", args.measure))
    return 0
