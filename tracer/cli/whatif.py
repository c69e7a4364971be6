"""`api-tracer whatif`: which change to packit buys the most PRs/hour, measured run by run."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracer.cli.convention import add_chart, add_format, add_out, emit, emit_json
from tracer.cli.model import positive_int, rate_limit
from tracer.cli.terminal import Steps, width

HELP = "what would lift the ceiling: the pipeline with each fix packit could make, measured and ranked"


def _fix(text: str) -> str:
    from tracer.packit.whatif.fixes import fix_names

    names = fix_names()
    if text not in names:
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(map(repr, names))})")
    return text


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "whatif",
        help=HELP,
        description="Run the reference worker's pipeline against a loopback GitHub today, with each fix "
        "alone and with the best fixes together (cumulatively, in ranking order), and print a ranked table: "
        "requests, charged, content-generating requests, token mints, PRs/hour under every GitHub ceiling "
        "(both answers to whether check runs and statuses are content-generating), the gain over today, "
        "and the published model's figure for the same change. The fixes are data: "
        "tracer/packit/whatif/fixes.yaml. Each variant's calls are kept as call records (in "
        "$API_TRACER_CACHE, else ~/.cache/api-tracer), so a repeat with nothing changed runs nothing.",
    )
    parser.add_argument("--profile", required=True,
                        help="packit-service@bc1f66bb (alias C) or packit-service@b828c3d7 (HEAD), or a profile file")
    parser.add_argument("--chroots", type=positive_int, metavar="N", help="chroots (default: the profile's)")
    parser.add_argument("--fix", action="append", type=_fix, metavar="NAME", dest="fixes",
                        help="a fix to try (repeatable; default: all of fixes.yaml)")
    parser.add_argument("--auth", choices=("app", "token"), default="app",
                        help="as a GitHub App (default, as packit-service runs: installation tokens) or with a token")
    parser.add_argument("--rate-limit", type=rate_limit, default=5000, metavar="N|TIER",
                        help="the primary limit the binding ceiling is taken at (default 5000)")
    parser.add_argument("--rank-by", choices=("statuses-count", "statuses-free"), default="statuses-count",
                        help="rank by PRs/hour when check runs and statuses are content-generating (default) or not")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="run every variant again, whatever call records are kept")
    add_format(parser)
    add_chart(parser, "PRs/hour per change")
    add_out(parser, "folder", "also record every run as a run folder under DIR (replay them, or api-tracer drift DIR)",
            old="--save")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from tracer.packit.whatif import loopback_runner, render_json, render_text, whatif, write_chart
    from tracer.packit.whatif.cache import cache_dir, cached_runner
    from tracer.packit.worker import load_profile

    profile = load_profile(args.profile)
    chroots = args.chroots or profile.defaults.chroots
    runner = loopback_runner(args.out)
    if args.cache and not args.out:  # recording run folders needs real runs
        runner = cached_runner(runner, cache_dir())
    with Steps("measuring variants", unit="variant") as steps:
        def counted(prof, knobs, label):  # type: ignore[no-untyped-def]
            trace = runner(prof, knobs, label)
            steps.step(label)
            return trace

        result = whatif(profile, chroots, args.fixes, auth=args.auth, rate_limit=args.rate_limit,
                        rank_by=args.rank_by, runner=counted)
    chart = None
    if args.chart:
        write_chart(result, str(args.chart))
        chart = str(Path(args.chart))
    if args.format == "json":
        emit_json(render_json(result, chart))
    else:
        emit(render_text(result, args.format, width()))
        if chart:
            emit(f"\nChart written to {chart}")
    return 0
