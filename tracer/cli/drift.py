"""``api-tracer drift``: the published model against measured runs; exit 1 on drift."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from tracer.cli.convention import add_chart, add_format, add_measure, emit, emit_json, note
from tracer.cli.terminal import Steps, colour, width
from tracer.errors import UsageError

HELP = "compare measured runs with the published model (exit 1 on drift)"

EPILOG = """\
figures: the verdict compares, in the --measure, each event × category cell (the model's
events and those only the run has, such as "Tests submitted"; the categories
is_project_private, is_user_approved, load_packit_yaml, set_status, plus other and auth, for
which the model says 0), each category total over the pipeline and the grand total. A figure
where model and measured are both 0 is not counted. A figure is within PCT % when
|measured - model| <= PCT % of model; a model 0 against a measured count above 0 is outside
any tolerance.

what is printed: for one run, everything; for several, a summary, each run's largest
differences, the fitted costs and the verdict (--details: every run in full; --summary: only the
summary, the fits and the verdict). --format github fits one GitHub comment (65,536 characters):
the summary, then each run collapsed, as many as fit, with a note naming the others.

exit status: 0 every figure within the tolerance, 1 drift beyond it, 2 bad input; the verdict
holds when the output goes to a pipe that closes early (| head).
"""


def _tolerance(text: str) -> float:
    from tracer.packit.drift.verdict import check_tolerance

    try:
        return check_tolerance(float(text.rstrip("%")))
    except (ValueError, UsageError):
        raise argparse.ArgumentTypeError(f"expected a percentage >= 0, got {text!r}") from None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``drift`` sub-command."""
    parser = subparsers.add_parser(
        "drift",
        help=HELP,
        description=(
            "Compare measured PR pipelines with the published model: per event and category,\n"
            "totals, PRs/hour under the primary and secondary rate limits, calls the model does\n"
            "not see, known causes of each drift, and a + b·N fitted over chroot counts."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="run folders, folders of runs, or trace JSON files whose meta.model gives the scenario")
    live = parser.add_argument_group("a live fleet (tracer.live metrics in Prometheus)")
    live.add_argument("--prometheus", metavar="URL",
                      help="also measure the fleet: cost per PR per chroot count from this Prometheus")
    live.add_argument("--live-traces", metavar="DIR", action="append", default=[],
                      help="per-task traces of instrument_celery(trace_dir=DIR), grouped into pipelines")
    live.add_argument("--window", metavar="DURATION", help="only the last DURATION (1h, 30m, 7d; default: since start)")
    live.add_argument("--profile", default="HEAD", metavar="P",
                      help="the fleet's packit-service era, for the model's other parameters (default HEAD)")
    parser.add_argument("--tolerance", type=_tolerance, default=0.0, metavar="PCT",
                        help="allowed deviation of every figure, in percent (default 0)")
    add_measure(parser, ", for the per-event figures and the verdict")
    add_format(parser)
    add_chart(parser, "model and measured: per category and per event for one run, one panel per run for several")
    parser.add_argument("--run", action="append", default=[], metavar="NAME",
                        help="only the run(s) of this name (repeatable)")
    detail = parser.add_mutually_exclusive_group()
    detail.add_argument("--summary", action="store_true",
                        help="print only the per-run summary, the fitted costs and the verdict")
    detail.add_argument("--details", action="store_true",
                        help="print every run in full (the default for one run, and in --format github)")
    parser.add_argument("--explanations", metavar="FILE",
                        help="known causes of drift to use instead of the packaged explanations.yaml")
    parser.add_argument("--replay", action="store_true",
                        help="re-execute every run through the worker instead of reading its call records"
                             " (the proof; runs whose records are missing or stale are replayed anyway, with a note)")
    parser.add_argument("--verify", action="store_true",
                        help="--replay, and check that every run's call records (calls.json) hold the calls of its"
                             " replay, whatever their key says: exit 2 naming the first difference")
    parser.set_defaults(func=run)
    return parser


def _note(text: str) -> None:
    note("drift", text)


def run(args: argparse.Namespace) -> int:
    """Print the drift report; the exit code is the verdict."""
    from tracer.packit.drift import build_report, load_explanations, render_json, render_text, select_runs
    from tracer.packit.measurements import Fleet, LiveTraces, Recorded, Source, measure

    explanations = load_explanations(args.explanations) if args.explanations else None
    if not args.paths and not args.prometheus and not args.live_traces:
        raise UsageError("give recorded runs (PATH ...), a fleet's Prometheus (--prometheus URL) or --live-traces DIR")
    if args.window and not args.prometheus:
        raise UsageError("--window needs --prometheus URL")
    sources: list[Source] = []
    steps = Steps("replaying runs", unit="run")
    if args.paths:
        sources.append(Recorded(args.paths, replay=args.replay, verify=args.verify, replayed=steps.step))
    if args.prometheus:
        sources.append(Fleet(args.prometheus, window=args.window, profile=args.profile))
    if args.live_traces:
        sources.append(LiveTraces(args.live_traces, profile=args.profile))
    with steps:
        measurements = select_runs(measure(sources, note=_note), args.run)
    report = build_report(measurements, args.measure, args.tolerance, explanations)
    chart = None
    if args.chart:
        from tracer.packit.drift.chart import write_drift_chart

        chart = str(write_drift_chart(report, args.chart))
    if args.format == "json":
        emit_json(render_json(report, chart))
        return report.verdict.exit_code
    command = "api-tracer drift " + " ".join(shlex.quote(str(p)) for p in args.paths)
    text = render_text(report, args.format, summary_only=args.summary, details=True if args.details else None,
                       width=width(), command=command)
    lines = text.splitlines()
    if chart:
        lines.insert(len(lines) - 1, f"Chart written to {chart}\n")
    if args.format == "plain" and lines:
        lines[-1] = colour(lines[-1], "red" if report.verdict.drift else "green")
    emit("\n".join(lines))
    return report.verdict.exit_code
