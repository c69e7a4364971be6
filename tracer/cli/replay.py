"""`api-tracer replay RUN…`: re-execute recorded runs offline and print their traces."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracer.cli._paths import output_dir
from tracer.cli._output import add_format, add_measure, print_json, render_trace


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "replay",
        help="re-execute recorded runs offline (network blocked) and print the traces",
        description="Re-execute the worker's handlers (the reference worker's, or for a run of the real "
        "packit-service its own tasks, in its interpreter) against a run's cassettes with the "
        "network blocked (PyGithub's throttle and ogr's retry back-offs skipped) and print the trace. "
        "A request missing from a cassette is an error naming the handler, the request, the closest "
        "recorded one and the command that re-records the run.",
    )
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="a run folder, or a folder of runs")
    parser.add_argument("--save", type=output_dir, metavar="DIR", help="also write each trace as DIR/NAME.trace.json")
    parser.add_argument("--refresh", action="store_true",
                        help="also write each run's call records (RUN/calls.json) from this replay:"
                             " what drift and stats read until the run, the rules or the code change")
    parser.add_argument("--python", metavar="PATH",
                        help="for runs of the real packit-service: its interpreter (default: "
                             "$API_TRACER_PACKIT_PYTHON, else the one the run was recorded with)")
    add_measure(parser)
    add_format(parser)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from tracer.packit import runs

    results = runs.replay_all(args.runs, refresh=args.refresh, python=args.python)
    out = []
    for result in results:
        meta = {
            "name": result.manifest.name or result.run.name,
            "profile": result.manifest.profile,
            "knobs": result.manifest.knobs,
            "model": result.manifest.model,
        }
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            result.trace.save(args.save / f"{meta['name']}.trace.json", **meta)
        if args.format == "json":
            out.append(result.trace.to_json(**meta))
        else:
            print(render_trace(result.trace, args.format, f"{result.run} ({result.manifest.profile})", args.measure))
            print()
    if args.format == "json":
        print_json(out if len(out) > 1 else out[0])
    return 0
