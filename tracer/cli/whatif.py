"""`api-tracer whatif`: which change to packit buys the most PRs/hour, measured run by run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tracer.cli._paths import output_dir, output_file
from tracer.cli.model import _positive_int, _rate_limit


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from tracer.packit.whatif.fixes import fix_names

    names = fix_names()
    parser = sub.add_parser(
        "whatif",
        help="what would lift the ceiling: the pipeline with each fix packit could make, measured and ranked",
        description="Run the reference worker's pipeline against a loopback GitHub today, with each fix "
        "alone and with the best fixes together (cumulatively, in ranking order), and print a ranked table: "
        "requests, charged, content-generating requests, token mints, PRs/hour under every GitHub ceiling "
        "(both answers to whether check runs and statuses are content-generating), the gain over today, "
        "and the published model's figure for the same change. Fixes: " + ", ".join(names) + ".",
    )
    parser.add_argument("--profile", required=True,
                        help="packit-service@bc1f66bb (alias C) or packit-service@b828c3d7 (HEAD), or a profile file")
    parser.add_argument("--chroots", type=_positive_int, metavar="N", help="chroots (default: the profile's)")
    parser.add_argument("--fix", action="append", choices=names, metavar="NAME", dest="fixes",
                        help=f"a fix to try (repeatable; default: all): {', '.join(names)}")
    parser.add_argument("--auth", choices=("app", "token"), default="app",
                        help="as a GitHub App (default, as packit-service runs: installation tokens) or with a token")
    parser.add_argument("--rate-limit", type=_rate_limit, default=5000, metavar="N|TIER",
                        help="the primary limit the binding ceiling is taken at (default 5000)")
    parser.add_argument("--rank-by", choices=("statuses-count", "statuses-free"), default="statuses-count",
                        help="rank by PRs/hour when check runs and statuses are content-generating (default) or not")
    parser.add_argument("--format", choices=("plain", "github", "json"), default="plain",
                        help="plain, github (markdown for a packit-service issue) or json")
    parser.add_argument("--chart", metavar="FILE.png", type=output_file,
                        help="also draw PRs/hour per change (needs the charts extra)")
    parser.add_argument("--save", metavar="DIR", type=output_dir,
                        help="also record every run as a run folder under DIR (replay them, or api-tracer drift DIR)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from tracer.packit.whatif import loopback_runner, render_json, render_text, whatif, write_chart
    from tracer.packit.worker import load_profile

    profile = load_profile(args.profile)
    chroots = args.chroots or profile.defaults.chroots
    result = whatif(profile, chroots, args.fixes, auth=args.auth, rate_limit=args.rate_limit,
                    rank_by=args.rank_by, runner=loopback_runner(args.save))
    chart = None
    if args.chart:
        write_chart(result, str(args.chart))
        chart = str(Path(args.chart))
    if args.format == "json":
        print(json.dumps(render_json(result, chart), indent=2))
    else:
        print(render_text(result, args.format))
        if chart:
            print(f"\nChart written to {chart}")
    return 0
