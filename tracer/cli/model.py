"""``api-tracer model``: the published analytical model, its ten scenarios and the rate limits.

Output formats: ``plain`` (tabulate "simple"), ``github`` (markdown tables), ``json``.

JSON schema of ``api-tracer model --format json`` (``"schema": "api-tracer/model/v1"``)::

    {"schema": "api-tracer/model/v1",
     "preset": NAME | null,
     "scenario": {"chroots", "rate_limit", "load_packit_yaml", "builds_enabled",
                  "tests_enabled", "load_packit_yaml_once", "all_flags", "is_private_once"},
     "categories": ["is_project_private", "is_user_approved", "load_packit_yaml", "set_status"],
     "events": [{"event": NAME, <four categories>: int, "total": int}, ...],   # pipeline order
     "totals": {<four categories>: int, "total": int},
     "prs_per_hour": int,                  # int(rate_limit / total), the model's own output
     "secondary": {"content_creating_per_pipeline": int, "per_hour": 500, "per_minute": 80,
                   "prs_per_hour": int | null},
     "limits": [{"name": "custom" | TIER, "rate_limit": int, "chosen": bool,
                 "prs_per_hour_primary": int, "prs_per_hour_secondary": int | null,
                 "binding": "primary" | "secondary", "prs_per_hour": int}, ...],
     "ceilings": {"statuses_count": CEILINGS, "statuses_free": CEILINGS},  # every ceiling, at rate_limit
     "published": {"prs_per_hour", <four categories>, "total"} | null,   # with --preset only
     "chart": PATH | null}

    CEILINGS: see ``tracer.packit.drift.render`` (the same document; the model's set_status calls are
    its check-run POSTs, one task per message it charges)

JSON schema of ``api-tracer model --scenarios --format json``
(``"schema": "api-tracer/scenarios/v1"``)::

    {"schema": "api-tracer/scenarios/v1",
     "worst_case": NAME,
     "scenarios": [{"name", "description",
                    "parameters": {<Scenario fields>},
                    "config": {"name", "lookup", "spec_search"},
                    "published": {"prs_per_hour", <four categories>, "total"},
                    "computed": {"prs_per_hour", <four categories>, "total"},
                    "matches_published": bool,
                    "improvement": {"baseline": NAME, "calls_saved": int,
                                    "prs_per_hour_factor": float}}, ...]}   # the ten, in order
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import Any

from tabulate import tabulate

from tracer.cli._paths import output_file
from tracer.errors import UsageError
from tracer.packit.model import (
    CATEGORIES,
    LOOKUPS,
    RATE_LIMIT_TIERS,
    SECONDARY_CONTENT_CREATING_PER_HOUR,
    SECONDARY_CONTENT_CREATING_PER_MINUTE,
    CeilingRow,
    ConfigFile,
    Scenario,
    binding_limit,
    both_ceilings,
    content_creating_per_pipeline,
    get_preset,
    improvement,
    load_presets,
    model_load,
    per_event,
    prs_per_hour,
    resolve_rate_limit,
    secondary_prs_per_hour,
    totals,
    worst_case,
)

FORMATS = {"plain": "simple", "github": "github"}
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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _rate_limit(text: str) -> int:
    try:
        return resolve_rate_limit(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``model`` sub-command."""
    parser = subparsers.add_parser(
        "model",
        help="the published model: calls per PR pipeline and PRs/hour per organisation",
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
    what.add_argument("--format", choices=("plain", "github", "json"), default="plain",
                      help="output format (default plain)")
    what.add_argument("--chart", metavar="FILE.png", type=output_file,
                      help="also draw the category pie and per-event bars (needs the charts extra)")

    scen = parser.add_argument_group("scenario")
    scen.add_argument("--chroots", type=_positive_int, metavar="N", help="chroots (default 3)")
    config = scen.add_mutually_exclusive_group()
    config.add_argument("--config-file", metavar="NAME",
                        help="package config name; its lookup cost sets the config calls (default .packit.yaml)")
    config.add_argument("--config-calls", type=_positive_int, metavar="N",
                        help="calls per config load, given directly")
    scen.add_argument("--no-spec-search", action="store_true",
                      help="specfile_path or downstream_package_name is set: no extra root listing")
    scen.add_argument("--lookup", choices=LOOKUPS,
                      help="config lookup: loop over names (packit <= 0.68, default) or one root listing (>= 0.69)")
    scen.add_argument("--tests", action=argparse.BooleanOptionalAction, default=None,
                      help="tests enabled (default yes)")
    scen.add_argument("--no-builds", action="store_true", help="builds disabled")
    scen.add_argument("--load-once", action="store_true", help="load the package config once per pipeline")
    scen.add_argument("--build-flags-only", action="store_true",
                      help="build events set only build statuses (all_flags off)")
    scen.add_argument("--private-once", action="store_true", help="check is_private once per pipeline")
    scen.add_argument("--rate-limit", type=_rate_limit, metavar="N|TIER",
                      help=f"requests per hour, a number or one of {', '.join(RATE_LIMIT_TIERS)} (default 5000)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Print the model for the scenario the flags describe, or the ten published scenarios."""
    if args.scenarios:
        given = [flag for attr, flag in _SCENARIO_FLAGS.items() if getattr(args, attr) not in (None, False)]
        if given:
            raise UsageError(f"--scenarios lists the published scenarios and takes no {', '.join(given)}")
        report = scenarios_report()
        print(json.dumps(report, indent=2) if args.format == "json" else render_scenarios(report, args.format))
        return 0
    scenario = scenario_from_args(args)
    chart = None
    if args.chart:
        chart = str(draw_model_chart(scenario, args.chart))
    report = model_report(scenario, args.preset, chart)
    print(json.dumps(report, indent=2) if args.format == "json" else render_model(report, args.format))
    return 0


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """The scenario: --preset (or the defaults) with the given flags applied."""
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


def model_report(scenario: Scenario, preset: str | None = None, chart: str | None = None) -> dict[str, Any]:
    """The JSON document of one scenario (schema in this module's docstring)."""
    events = [{"event": name, **vec.as_dict(), "total": vec.total} for name, vec in per_event(scenario).items()]
    total = totals(scenario)
    tiers = dict(RATE_LIMIT_TIERS)
    rows: list[tuple[str, int]] = []
    if scenario.rate_limit not in tiers.values():
        rows.append(("custom", scenario.rate_limit))
    rows += list(tiers.items())
    limits = []
    for name, limit in rows:
        ceiling = binding_limit(scenario, limit)
        limits.append({
            "name": name,
            "rate_limit": limit,
            "chosen": limit == scenario.rate_limit and (name == "custom" or name == _tier_of(limit)),
            "prs_per_hour_primary": ceiling.primary,
            "prs_per_hour_secondary": ceiling.secondary,
            "binding": ceiling.binding,
            "prs_per_hour": ceiling.prs_per_hour,
        })
    published = None
    if preset:
        p = get_preset(preset)
        published = p.published.as_dict() if p.scenario == scenario else None
    return {
        "schema": "api-tracer/model/v1",
        "preset": preset,
        "scenario": scenario.as_dict(),
        "categories": list(CATEGORIES),
        "events": events,
        "totals": {**total.as_dict(), "total": total.total},
        "prs_per_hour": prs_per_hour(scenario),
        "secondary": {
            "content_creating_per_pipeline": content_creating_per_pipeline(scenario),
            "per_hour": SECONDARY_CONTENT_CREATING_PER_HOUR,
            "per_minute": SECONDARY_CONTENT_CREATING_PER_MINUTE,
            "prs_per_hour": secondary_prs_per_hour(scenario),
        },
        "limits": limits,
        "ceilings": {("statuses_count" if c.statuses_count else "statuses_free"): c.as_dict()
                     for c in both_ceilings(model_load(scenario), scenario.rate_limit)},
        "published": published,
        "chart": chart,
    }


def _tier_of(limit: int) -> str | None:
    return next((name for name, value in RATE_LIMIT_TIERS.items() if value == limit), None)


def render_model(report: dict[str, Any], fmt: str) -> str:
    """The plain or github rendering of :func:`model_report`."""
    tablefmt = FORMATS[fmt]
    scenario = Scenario(**report["scenario"])
    out = [f"Scenario: {scenario.describe()}"]
    if report["preset"]:
        p = get_preset(report["preset"])
        changed = (
            "" if report["published"] is not None
            else " (changed by flags: the published values do not apply)"
        )
        out.append(f"Preset {p.name}: {p.description}{changed}")
    headers = ["event", *CATEGORIES, "total"]
    rows = [[e["event"], *(e[c] for c in CATEGORIES), e["total"]] for e in report["events"]]
    rows.append(["TOTAL", *(report["totals"][c] for c in CATEGORIES), report["totals"]["total"]])
    out += ["", tabulate(rows, headers, tablefmt=tablefmt), ""]
    total = report["totals"]["total"]
    out.append(
        f"PRs/hour/organisation: {report['prs_per_hour']} at {scenario.rate_limit}/h"
        f" (the model: int({scenario.rate_limit} / {total}))"
    )
    if report["published"] is not None:
        pub = report["published"]
        same = pub == {"prs_per_hour": report["prs_per_hour"], **report["totals"]}
        out.append(
            f"Published: {pub['prs_per_hour']} PRs/h, {pub['total']} calls"
            f" ({'the computed values match' if same else 'DIFFERENT from the computed values'})"
        )
    sec = report["secondary"]
    out.append(
        f"Secondary limit: {sec['content_creating_per_pipeline']} content-creating requests"
        f" (set_status POSTs) per pipeline; {sec['per_hour']}/h allows"
        f" {_or_dash(sec['prs_per_hour'])} PRs/h ({sec['per_minute']}/min in bursts)"
    )
    chosen = next(row for row in report["limits"] if row["chosen"])
    if chosen["binding"] == "secondary":
        out.append(
            f"At {chosen['rate_limit']}/h the secondary limit binds first: {chosen['prs_per_hour']} PRs/h"
            f" (the primary limit alone would allow {chosen['prs_per_hour_primary']})."
        )
    else:
        out.append(f"At {chosen['rate_limit']}/h the primary limit binds first: {chosen['prs_per_hour']} PRs/h.")
    limit_rows = [
        [
            f"{row['name']}{' (chosen)' if row['chosen'] else ''}",
            row["rate_limit"],
            row["prs_per_hour_primary"],
            _or_dash(row["prs_per_hour_secondary"]),
            row["prs_per_hour"],
            row["binding"],
        ]
        for row in report["limits"]
    ]
    out += ["", tabulate(
        limit_rows,
        ["rate limit", "requests/h", "PRs/h primary", f"PRs/h secondary ({sec['per_hour']} POST/h)",
         "PRs/h ceiling", "binds"],
        tablefmt=tablefmt,
    )]
    out += ["", "Every ceiling at the chosen rate limit: PRs/hour [what one pipeline spends against it;"
            " per-minute and concurrent ones: the busiest moment's share → pipelines in step]; * binds."
            " Whether check runs and statuses are content-generating is undocumented: both answers.", ""]
    count, free = (report["ceilings"][k] for k in ("statuses_count", "statuses_free"))
    ceiling_rows = []
    for a, b in zip(count["rows"], free["rows"]):
        cells = []
        for doc, row in ((count, a), (free, b)):
            text = CeilingRow(**row).text()
            cells.append(text + (" *" if doc["binding"] == row["key"] else ""))
        label = a["label"] + (f" ({a['detail']})" if a["key"] == "concurrent" else "")
        ceiling_rows.append([label, *cells])
    out.append(tabulate(ceiling_rows, ["ceiling", "statuses count", "statuses free"], tablefmt=tablefmt,
                        colalign=("left", "right", "right")))
    if report["chart"]:
        out += ["", f"Chart written to {report['chart']}"]
    return "\n".join(out)


def _or_dash(value: int | None) -> str | int:
    return "-" if value is None else value


def scenarios_report() -> dict[str, Any]:
    """The JSON document of the ten published scenarios (schema in this module's docstring)."""
    items = []
    for p in load_presets():
        computed = p.computed.as_dict()
        gain = improvement(p.scenario)
        items.append({
            "name": p.name,
            "description": p.description,
            "parameters": p.scenario.as_dict(),
            "config": {"name": p.config.name, "lookup": p.config.lookup, "spec_search": p.config.spec_search},
            "published": p.published.as_dict(),
            "computed": computed,
            "matches_published": computed == p.published.as_dict(),
            "improvement": {
                "baseline": gain.baseline,
                "calls_saved": gain.calls_saved,
                "prs_per_hour_factor": round(gain.prs_per_hour_factor, 2),
            },
        })
    return {"schema": "api-tracer/scenarios/v1", "worst_case": worst_case().name, "scenarios": items}


def render_scenarios(report: dict[str, Any], fmt: str) -> str:
    """The plain or github rendering of :func:`scenarios_report`."""
    yes = {True: "yes", False: "no"}
    headers = ["scenario", "N", "Y", "tests", "load once", "flags", "private once",
               "private", "approved", "yaml", "status", "total", "PRs/h", "calls saved", "PRs/h ×", "published"]
    rows = []
    for s in report["scenarios"]:
        par, com, imp = s["parameters"], s["computed"], s["improvement"]
        rows.append([
            s["name"], par["chroots"], par["load_packit_yaml"], yes[par["tests_enabled"]],
            yes[par["load_packit_yaml_once"]], "all" if par["all_flags"] else "build",
            yes[par["is_private_once"]], *(com[c] for c in CATEGORIES), com["total"], com["prs_per_hour"],
            imp["calls_saved"], imp["prs_per_hour_factor"],
            "matches" if s["matches_published"] else _mismatch(s["published"], com),
        ])
    worst = next(s for s in report["scenarios"] if s["name"] == report["worst_case"])
    out = [
        "The ten published scenarios (5,000 requests/h; N = chroots, Y = calls per config load);"
        f" calls saved and PRs/h factor against the worst case, {worst['name']}"
        f" ({worst['computed']['total']} calls, {worst['computed']['prs_per_hour']} PRs/h).",
        "",
        tabulate(rows, headers, tablefmt=FORMATS[fmt], floatfmt=".2f"),
        "",
    ]
    bullet = "- " if fmt == "github" else "  "
    out += [f"{bullet}{s['name']}: {s['description']}" for s in report["scenarios"]]
    return "\n".join(out)


def _mismatch(published: dict[str, int], computed: dict[str, int]) -> str:
    return "DIFFERS: " + ", ".join(
        f"{k} {published[k]}≠{computed[k]}" for k in published if published[k] != computed[k]
    )


def draw_model_chart(scenario: Scenario, path: str) -> Any:
    """The pie of the four category totals and the per-event bars stacked by category."""
    from tracer.packit.charts import write_chart

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
