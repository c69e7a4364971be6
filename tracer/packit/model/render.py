"""The published model as a report: plain text, GitHub markdown, JSON, and a chart (``api-tracer model``).

Output formats: :data:`tracer.document.FORMATS`.

JSON schema of ``api-tracer model --format json`` (``"format": "api-tracer/model", "version": 2``)::

    {"format": "api-tracer/model", "version": 2,
     "preset": NAME | null,
     "scenario": {"chroots", "rate_limit", "load_packit_yaml", "builds_enabled",
                  "tests_enabled", "load_packit_yaml_once", "all_flags", "is_private_once"},
     "categories": ["is_project_private", "is_user_approved", "load_packit_yaml", "set_status"],
     "events": [{"event": NAME, <four categories>: int, "total": int}, ...],   # pipeline order
     "totals": {<four categories>: int, "total": int},
     "prs_per_hour": int,                  # int(rate_limit / total), the model's own output
     "secondary": {"content_generating_per_pipeline": int, "per_hour": 500, "per_minute": 80,
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
(``"format": "api-tracer/scenarios", "version": 2``)::

    {"format": "api-tracer/scenarios", "version": 2,
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

from typing import Any

from tracer.document import table
from tracer.packit.model import (
    CATEGORIES,
    RATE_LIMIT_TIERS,
    SECONDARY_CONTENT_CREATING_PER_HOUR,
    SECONDARY_CONTENT_CREATING_PER_MINUTE,
    CeilingRow,
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
    secondary_prs_per_hour,
    totals,
    worst_case,
)

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
        "format": "api-tracer/model",
        "version": 2,
        "preset": preset,
        "scenario": scenario.as_dict(),
        "categories": list(CATEGORIES),
        "events": events,
        "totals": {**total.as_dict(), "total": total.total},
        "prs_per_hour": prs_per_hour(scenario),
        "secondary": {
            "content_generating_per_pipeline": content_creating_per_pipeline(scenario),
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


def render_model(report: dict[str, Any], fmt: str, width: int | None = None) -> str:
    """The plain or github rendering of :func:`model_report`."""
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
    out += ["", table(rows, headers, fmt, width=width, numparse=True), ""]
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
        f"Secondary limit: {sec['content_generating_per_pipeline']} content-generating requests"
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
    out += ["", table(
        limit_rows,
        ["rate limit", "requests/h", "PRs/h primary", f"PRs/h secondary ({sec['per_hour']} POST/h)",
         "PRs/h ceiling", "binds"],
        fmt, width=width, numparse=True,
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
    out.append(table(ceiling_rows, ["ceiling", "statuses count", "statuses free"], fmt,
                     colalign=("left", "right", "right"), width=width, numparse=True))
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
    return {"format": "api-tracer/scenarios", "version": 2, "worst_case": worst_case().name, "scenarios": items}


def render_scenarios(report: dict[str, Any], fmt: str, width: int | None = None) -> str:
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
        table(rows, headers, fmt, floatfmt=".2f", width=width, numparse=True),
        "",
    ]
    bullet = "- " if fmt == "github" else "  "
    out += [f"{bullet}{s['name']}: {s['description']}" for s in report["scenarios"]]
    return "\n".join(out)


def _mismatch(published: dict[str, int], computed: dict[str, int]) -> str:
    return "DIFFERS: " + ", ".join(
        f"{k} {published[k]}≠{computed[k]}" for k in published if published[k] != computed[k]
    )
