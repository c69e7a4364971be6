"""`api-tracer stats PATH…`: count and classify the calls in cassettes, running nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracer.cli.convention import add_format, add_measure, emit, emit_json
from tracer.cli.terminal import progress, width

HELP = "count and classify the calls in cassette files (no replay)"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "stats",
        help=HELP,
        description="Count and classify the calls recorded in cassettes: a cassette file, a run "
        "folder or a folder of runs. Route templates come from the rules; categories from the "
        "call sites the run's manifest kept, else from the route alone. Several runs: one row per "
        "run and a total (--details: each in full), as replay prints them.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--rules", action="append", default=[], metavar="FILE", help="extra classification rules (YAML)")
    parser.add_argument(
        "--host", "--github-host", dest="hosts", action="append", default=[], metavar="[FORGE=]HOST[/PREFIX]",
        help="another forge API host: gitlab=gitlab.example.com, or a GitHub Enterprise Server "
        "github.example.com/api/v3 (each forge's known hosts always are); calls to other hosts are "
        "reported apart, never charged",
    )
    parser.add_argument("--forge", type=_forge, default="github", metavar="FORGE",
                        help="whose API calls to count (default: github; another forge api-tracer knows, e.g. gitlab: the others' "
                             "are reported apart)")
    parser.add_argument("--details", action="store_true", help="each run in full (the default for one run)")
    add_measure(parser)
    add_format(parser)
    parser.set_defaults(func=run)
    return parser


def _forge(name: str) -> str:
    """A forge's name, checked against the forges api-tracer knows (loaded only when given)."""
    from tracer.capture.forges import FORGE_NAMES

    if name not in FORGE_NAMES:
        raise argparse.ArgumentTypeError(f"unknown forge {name!r} (one of {', '.join(FORGE_NAMES)})")
    return name


def groups(paths: list[str]) -> list[Path]:
    """What gets a row: each run under ``paths``; a cassette file, or a folder of cassettes that
    holds no run, as given."""
    from tracer.recording.manifest import find_runs

    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        runs = find_runs([path]) if path.is_dir() else []
        for item in runs or [path]:
            if item not in out:
                out.append(item)
    return out


def run(args: argparse.Namespace) -> int:
    from tracer.capture import Rules
    from tracer.cli.traces import TracedRun, render_runs, runs_json
    from tracer.recording.stats import trace_from_cassettes

    rules = Rules.load(*args.rules) if args.rules else None
    traced = [TracedRun(path.name or str(path), str(path), trace_from_cassettes([path], rules, args.hosts).on(args.forge))
              for path in progress(groups(args.paths), "reading", unit="run")]
    if args.format == "json":
        emit_json(runs_json("stats", traced, args.measure))
    else:
        title = f"stats: {', '.join(map(str, args.paths))}"
        emit(render_runs(traced, args.format, title, args.measure, details=args.details or None, width=width()))
    return 0
