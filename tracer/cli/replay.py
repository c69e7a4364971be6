"""`api-tracer replay RUN…`: re-execute recorded runs offline and print their traces."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracer.cli.convention import add_format, add_measure, add_out, emit, emit_json
from tracer.cli.terminal import progress, width

HELP = "re-execute recorded runs offline (network blocked) and print the traces"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "replay",
        help=HELP,
        description="Re-execute the worker's handlers (the reference worker's, or for a run of the real "
        "packit-service its own tasks, in its interpreter) against a run's cassettes with the "
        "network blocked (PyGithub's throttle and ogr's retry back-offs skipped) and print the trace: "
        "for several runs one row per run and a total (--details: each in full), for one run per "
        "handler, event and endpoint. A request missing from a cassette is an error naming the handler, "
        "the request, the closest recorded one and the command that re-records the run.",
    )
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="a run folder, or a folder of runs")
    add_out(parser, "folder", "also write each trace as DIR/NAME.trace.json (drift reads them)", old="--save")
    parser.add_argument("--refresh", action="store_true",
                        help="also write each run's call records (RUN/calls.json) from this replay:"
                             " what drift and stats read until the run, the rules or the code change")
    parser.add_argument("--details", action="store_true", help="each run in full (the default for one run)")
    parser.add_argument("--python", metavar="PATH",
                        help="for runs of the real packit-service: its interpreter (default: "
                             "$API_TRACER_PACKIT_PYTHON, else the one the run was recorded with)")
    add_measure(parser)
    add_format(parser)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from tracer.cli.traces import TracedRun, render_runs, runs_json
    from tracer.errors import DataError
    from tracer.packit import replaying
    from tracer.recording.manifest import find_runs

    found = find_runs(args.runs)
    if not found:
        raise DataError(f"{', '.join(map(str, args.runs))}: no recorded runs (folders with a manifest.yaml)")
    results = [replaying.replay(path, python=args.python) for path in progress(found, "replaying", unit="run")]
    if args.refresh:
        for result in results:
            replaying.save_records(result)
    traced = []
    for result in results:
        name = result.manifest.name or result.run.name
        meta = {"profile": result.manifest.profile, "knobs": result.manifest.knobs, "model": result.manifest.model}
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            result.trace.save(args.out / f"{name}.trace.json", name=name, **meta)
        traced.append(TracedRun(name, f"{result.run} ({result.manifest.profile})", result.trace, meta))
    if args.format == "json":
        emit_json(runs_json("replay", traced, args.measure))
    else:
        title = traced[0].source if len(traced) == 1 else f"replay: {', '.join(map(str, args.runs))}"
        emit(render_runs(traced, args.format, title, args.measure, details=args.details or None, width=width()))
    return 0
