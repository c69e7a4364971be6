"""``api-tracer model``: the published analytical model, its ten scenarios and the rate limits
(the report itself: :mod:`tracer.packit.model.render`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tracer.cli.convention import add_chart, add_format, emit, emit_json
from tracer.cli.terminal import width
from tracer.errors import UsageError

if TYPE_CHECKING:
    from tracer.packit.model import Scenario

HELP = "the published model: calls per PR pipeline and PRs/hour per organisation"
#: attributes of the parsed arguments that describe a scenario (rejected with --scenarios)
_SCENARIO_FLAGS = {
    "preset": "--preset",
    "chroots": "--chroots",
    "config_file": "--config-file",
    "config_calls": "--config-calls",
    "no_spec_search": "--no-spec-search",
    "lookup": "--lookup",
    "tests": "--tests/--no-tests",
    "no_builds": "--no-builds",
    "load_once": "--load-once",
    "build_flags_only": "--build-flags-only",
    "private_once": "--private-once",
    "rate_limit": "--rate-limit",
    "chart": "--chart",
}


def positive_int(text: str) -> int:
    """A whole number of at least 1 (an argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def rate_limit(text: str) -> int:
    """A number of requests per hour, or one of GitHub's tiers (an argparse type)."""
    from tracer.packit.model import resolve_rate_limit

    try:
        return resolve_rate_limit(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def lookup(text: str) -> str:
    """How packit finds its config: one of the model's lookups (an argparse type)."""
    from tracer.packit.model import LOOKUPS

    if text not in LOOKUPS:
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(map(repr, LOOKUPS))})")
    return text


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``model`` sub-command."""
    parser = subparsers.add_parser(
        "model",
        help=HELP,
        description=(
            "Compute the published analytical model of packit-service's GitHub API calls for one"
            " scenario (flags override the defaults or --preset), or list the ten published"
            " scenarios with --scenarios."
        ),
    )
    what = parser.add_argument_group("what to show")
    what.add_argument("--scenarios", action="store_true",
                      help="the ten published scenarios side by side, with the improvement over the worst case")
    what.add_argument("--preset", metavar="NAME",
                      help="start from a published scenario (names: --scenarios)")
    add_format(what)
    add_chart(what, "the category pie and per-event bars")

    scen = parser.add_argument_group("scenario")
    scen.add_argument("--chroots", type=positive_int, metavar="N", help="chroots (default 3)")
    config = scen.add_mutually_exclusive_group()
    config.add_argument("--config-file", metavar="NAME",
                        help="package config name; its lookup cost sets the config calls (default .packit.yaml)")
    config.add_argument("--config-calls", type=positive_int, metavar="N",
                        help="calls per config load, given directly")
    scen.add_argument("--no-spec-search", action="store_true",
                      help="specfile_path or downstream_package_name is set: no extra root listing")
    scen.add_argument("--lookup", type=lookup, metavar="loop|listing",
                      help="config lookup: loop over names (packit <= 0.68, default) or one root listing (>= 0.69)")
    scen.add_argument("--tests", action=argparse.BooleanOptionalAction, default=None,
                      help="tests enabled (default yes)")
    scen.add_argument("--no-builds", action="store_true", help="builds disabled")
    scen.add_argument("--load-once", action="store_true", help="load the package config once per pipeline")
    scen.add_argument("--build-flags-only", action="store_true",
                      help="build events set only build statuses (all_flags off)")
    scen.add_argument("--private-once", action="store_true", help="check is_private once per pipeline")
    scen.add_argument("--rate-limit", type=rate_limit, metavar="N|TIER",
                      help="requests per hour: a number, or a tier of GitHub's by name (the model's limit table"
                           " lists them; data: tracer/packit/model/limits.yaml) (default 5000)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Print the model for the scenario the flags describe, or the ten published scenarios."""
    from tracer.packit.model import render

    if args.scenarios:
        given = [flag for attr, flag in _SCENARIO_FLAGS.items() if getattr(args, attr) not in (None, False)]
        if given:
            raise UsageError(f"--scenarios lists the published scenarios and takes no {', '.join(given)}")
        report = render.scenarios_report()
        if args.format == "json":
            emit_json(report)
        else:
            emit(render.render_scenarios(report, args.format, width()))
        return 0
    scenario = scenario_from_args(args)
    chart = None
    if args.chart:
        chart = str(draw_model_chart(scenario, args.chart))
    report = render.model_report(scenario, args.preset, chart)
    emit_json(report) if args.format == "json" else emit(render.render_model(report, args.format, width()))
    return 0


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """The scenario: --preset (or the defaults) with the given flags applied."""
    from dataclasses import replace

    from tracer.packit.model import ConfigFile, Scenario, get_preset

    base = get_preset(args.preset).scenario if args.preset else Scenario()
    changes: dict[str, Any] = {}
    if args.chroots is not None:
        changes["chroots"] = args.chroots
    if args.config_calls is not None:
        if args.no_spec_search or args.lookup:
            raise UsageError(
                "--no-spec-search and --lookup describe a config file:"
                " use them with --config-file, not --config-calls"
            )
        changes["load_packit_yaml"] = args.config_calls
    elif args.config_file or args.no_spec_search or args.lookup:
        config = ConfigFile(args.config_file or ".packit.yaml", args.lookup or "loop", not args.no_spec_search)
        changes["load_packit_yaml"] = config.calls
    if args.tests is not None:
        changes["tests_enabled"] = args.tests
    if args.no_builds:
        changes["builds_enabled"] = False
    if args.load_once:
        changes["load_packit_yaml_once"] = True
    if args.build_flags_only:
        changes["all_flags"] = False
    if args.private_once:
        changes["is_private_once"] = True
    if args.rate_limit is not None:
        changes["rate_limit"] = args.rate_limit
    return replace(base, **changes)


def draw_model_chart(scenario: Scenario, path: str) -> Any:
    """The pie of the four category totals and the per-event bars stacked by category."""
    from tracer.packit.charts import write_chart
    from tracer.packit.model import CATEGORIES, per_event, prs_per_hour, totals

    events = per_event(scenario)
    total = totals(scenario)
    return write_chart(
        path,
        pie=total.as_dict(),
        labels=list(events),
        series={c: [getattr(v, c) for v in events.values()] for c in CATEGORIES},
        stacked=True,
        title=f"Published model: {total.total} GitHub API calls per PR pipeline"
              f" ({prs_per_hour(scenario)} PRs/h at {scenario.rate_limit}/h)",
        pie_title="calls by category",
        bars_title=f"calls by event ({scenario.chroots} chroots)",
    )
