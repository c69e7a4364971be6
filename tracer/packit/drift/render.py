"""Rendering of a :class:`DriftReport`: plain text, GitHub markdown (a PR comment), JSON.

JSON document (``"format": "api-tracer/drift", "version": 2``)::

    {"format": "api-tracer/drift", "version": 2,
     "measure": "requests" | "charged",       # what the per-event cells and the verdict count
     "tolerance": float,                      # percent
     "categories": [is_project_private, is_user_approved, load_packit_yaml, set_status, auth, other],
     "runs": [{
        "name", "source", "profile", "knobs": {...},
        "model": {<Scenario fields>},         # the scenario compared with
        "events": [{"event": NAME, "in_model": bool,
                    "cells": {CATEGORY: FIGURE, ...},             # all six categories
                    "total": {"model": int, "measured": int},
                    "calls": [{"category", "endpoint", "handler", "requests", "charged"}, ...],
                    "explanations": [TEXT, ...]}, ...],         # model order, then the others
        "totals": {CATEGORY | "total": {"model": int, "requests": int, "charged": int}},
        "content_generating": {"model": int, "measured": int},  # per pipeline
        "limits": [{"rate_limit": int,
                    "model": CEILING, "measured": CEILING}, ...],  # 5000, 12500, 15000
        "ceilings": {"statuses_count" | "statuses_free":       # check runs and statuses content-generating or not
                     {"model": CEILINGS, "measured": CEILINGS}},
        "outside_model": [{"category", "endpoint", "handler", "requests", "charged"}, ...],
        "figures": int, "drifted": [DRIFTED, ...]}],
     "fits": [{"profile", "knobs": {...}, "model": {<Scenario fields but chroots>},
               "chroots": [N, ...], "runs": [NAME, ...],
               "lines": {CATEGORY | "total": {"requests" | "charged" | "model": LINE}}}],
     "verdict": {"tolerance": float, "runs": int, "figures": int, "outside": int,
                 "drift": bool, "text": str},
     "chart": PATH | null}                    # the --chart file written

    FIGURE   = {"model": int, "measured": int, "difference": int,
                "deviation_pct": float | null,  # null: the model says 0, the run measured more
                "within": bool}                 # within the tolerance (0 vs 0: true)
    DRIFTED  = {"event": NAME | null, "category": CATEGORY | "total", "model", "measured",
                "difference", "deviation_pct"}  # event null: a pipeline total
    CEILING  = {"primary": int | null,          # int(rate_limit / charged calls)
                "secondary": int | null,        # 500 // content-generating calls
                "binding": "primary" | "secondary" | "none", "prs_per_hour": int | null}
    CEILINGS = {"statuses_count": bool, "rate_limit": int,
                "binding": "primary" | "content-per-hour" | "content-per-minute" | "points-per-minute"
                           | "concurrent" | null, "prs_per_hour": int | null,
                "rows": [{"key", "label", "per_pipeline": int, "prs_per_hour": int | null,
                          "burst": int | null, "in_step": int | null, "detail": str}, ...]}
    LINE     = {"a": float, "b": float, "text": "18 + 43·N", "residual": float,  # max |error|
                "points": [[N, calls], ...]}
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tracer.packit.categories import CATEGORIES, MODEL_CATEGORIES
from tracer.packit.drift.compare import TOTAL, Cell, EventComparison, PipelineCeiling, RunComparison
from tracer.packit.drift.fit import Fit, Line
from tracer.packit.drift.report import DriftReport
from tracer.document import Document, Section, fit_comment, json_document
from tracer.packit.model import SECONDARY_CONTENT_CREATING_PER_HOUR

#: the JSON document's name and version (its header: :func:`tracer.document.json_document`)
DOCUMENT, VERSION = "drift", 2
#: the most differences named per run in the several-run report
LARGEST = 3
SHORT = {
    "is_project_private": "private",
    "is_user_approved": "approved",
    "load_packit_yaml": "yaml",
    "set_status": "status",
    "other": "other",
    "auth": "auth",
}
NOT_IN_MODEL = "†"


# -- JSON ---------------------------------------------------------------------------------
def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _figure(cell: Cell, tolerance: float) -> dict[str, Any]:
    return {
        "model": cell.model,
        "measured": cell.measured,
        "difference": cell.difference,
        "deviation_pct": _pct(cell.deviation_pct),
        "within": cell.within(tolerance),
    }


def _ceiling(c: PipelineCeiling) -> dict[str, Any]:
    return {"primary": c.primary, "secondary": c.secondary, "binding": c.binding, "prs_per_hour": c.prs_per_hour}


def _line(line: Line) -> dict[str, Any]:
    return {"a": line.a, "b": line.b, "text": str(line), "residual": round(line.residual, 6),
            "points": [list(p) for p in line.points]}


def _groups(groups: list[Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in asdict(g).items() if k != "event"} for g in groups]


def run_json(run: RunComparison, tolerance: float) -> dict[str, Any]:
    m = run.measurement
    return {
        "name": m.name,
        "source": m.source,
        "profile": m.profile,
        "knobs": m.knobs,
        "model": run.scenario.as_dict(),
        "events": [
            {
                "event": ev.event,
                "in_model": ev.in_model,
                "cells": {cat: _figure(ev.cells[cat], tolerance) for cat in CATEGORIES},
                "total": {"model": ev.model_total, "measured": ev.measured_total},
                "calls": _groups(ev.groups),
                "explanations": list(ev.explanations),
            }
            for ev in run.events
        ],
        "totals": {row.category: {"model": row.model, "requests": row.requests, "charged": row.charged}
                   for row in run.totals},
        "content_generating": {"model": run.content_creating_model, "measured": run.content_creating_measured},
        "limits": [{"rate_limit": row.rate_limit, "model": _ceiling(row.model), "measured": _ceiling(row.measured)}
                   for row in run.limits],
        "ceilings": _ceilings_json(run),
        "outside_model": _groups(run.outside_model),
        "other_hosts": m.trace.other_hosts(),
        "figures": len(run.figures()),
        "drifted": [
            {"event": c.event, "category": c.category, "model": c.model, "measured": c.measured,
             "difference": c.difference, "deviation_pct": _pct(c.deviation_pct)}
            for c in run.drifted(tolerance)
        ],
    }


def _ceilings_json(run: RunComparison) -> dict[str, Any] | None:
    if run.ceilings_model is None or run.ceilings_measured is None:
        return None
    return {
        name: {"model": run.ceilings_model[i].as_dict(), "measured": run.ceilings_measured[i].as_dict()}
        for i, name in enumerate(("statuses_count", "statuses_free"))
    }


def fit_json(fit: Fit) -> dict[str, Any]:
    return {
        "profile": fit.profile,
        "knobs": fit.knobs,
        "model": fit.model,
        "chroots": fit.chroots,
        "runs": fit.runs,
        "lines": {key: {kind: _line(line) for kind, line in kinds.items()} for key, kinds in fit.lines.items()},
    }


def render_json(report: DriftReport, chart: str | None = None) -> dict[str, Any]:
    """The JSON document (schema in this module's docstring); ``chart``: the PNG written, if any."""
    v = report.verdict
    return json_document(DOCUMENT, VERSION, {
        "measure": report.measure,
        "tolerance": report.tolerance,
        "categories": list(CATEGORIES),
        "runs": [run_json(run, report.tolerance) for run in report.runs],
        "fits": [fit_json(f) for f in report.fits],
        "verdict": {"tolerance": v.tolerance, "runs": v.runs, "figures": v.figures,
                    "outside": len(v.outside), "drift": v.drift, "text": v.text},
        "chart": chart,
    })


# -- text ---------------------------------------------------------------------------------
def _knobs(knobs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in knobs.items()) or "none"


def _pct_text(value: float | None) -> str:
    return "new" if value is None else f"{value:+.1f}%"


def cell_text(model: int, measured: int) -> str:
    """``3 / 7 (+4)``: model / measured (difference); ``3 / 3`` when equal."""
    d = measured - model
    return f"{model} / {measured}" if d == 0 else f"{model} / {measured} ({d:+d})"


def _event_table(w: Document, run: RunComparison) -> None:
    shown = list(MODEL_CATEGORIES) + [
        cat for cat in CATEGORIES if cat not in MODEL_CATEGORIES
        and any(ev.cells[cat].compared for ev in run.events)
    ]
    rows = []
    for ev in run.events:
        label = ev.event if ev.in_model else f"{ev.event} {NOT_IN_MODEL}"
        rows.append([label, *(cell_text(ev.cells[c].model, ev.cells[c].measured) for c in shown),
                     cell_text(ev.model_total, ev.measured_total)])
    total = {row.category: row for row in run.totals}
    rows.append(["TOTAL", *(cell_text(total[c].model, total[c].measured(run.measure)) for c in shown),
                 cell_text(total[TOTAL].model, total[TOTAL].measured(run.measure))])
    w.text(f"Per event ({run.measure}); cells: model / measured (difference)."
           + (f" {NOT_IN_MODEL} not in the model." if any(not ev.in_model for ev in run.events) else ""))
    w.table(rows, ["event", *(SHORT[c] for c in shown), "total"])


def _drift_details(w: Document, run: RunComparison, tolerance: float) -> None:
    drifted_events: list[tuple[EventComparison, list[Cell]]] = []
    for ev in run.events:
        cells = [c for c in ev.cells.values() if c.compared and not c.within(tolerance)]
        if cells:
            drifted_events.append((ev, cells))
    if not drifted_events:
        return
    n = sum(len(cells) for _, cells in drifted_events)
    w.open_details(f"Figures outside {tolerance:g}% by event ({n}), with the calls measured and known causes")
    w.blank()
    bullet, sub = w.bullet, w.sub_bullet
    for ev, cells in drifted_events:
        name = ev.event + ("" if ev.in_model else " (not in the model)")
        w.text(f"{bullet}**{name}**" if w.github else f"{bullet}{name}")
        for cell in cells:
            calls = [g for g in ev.groups if g.category == cell.category and g.count(run.measure)]
            listing = "; ".join(f"{g.count(run.measure)}× {w.code(g.endpoint)} ({g.handler})" for g in calls)
            w.text(f"{sub}{cell.category}: model {cell.model}, measured {cell.measured}"
                   f" ({cell.difference:+d}, {_pct_text(cell.deviation_pct)})" + (f": {listing}" if listing else ""))
        for text in ev.explanations:
            w.text(f"{sub}why: {text}")
    w.close_details()


def _totals_table(w: Document, run: RunComparison) -> None:
    rows = []
    for row in run.totals:
        rows.append([
            "TOTAL" if row.category == TOTAL else row.category,
            str(row.model),
            _with_difference(row.model, row.requests),
            _with_difference(row.model, row.charged),
        ])
    w.text("Totals per pipeline: model against measured requests and measured charged calls (difference).")
    w.table(rows, ["category", "model", "requests", "charged"], ["left", "right", "right", "right"])


def _with_difference(model: int, measured: int) -> str:
    return str(measured) if measured == model else f"{measured} ({measured - model:+d})"


def _ceiling_text(c: PipelineCeiling) -> str:
    return "-" if c.prs_per_hour is None else f"{c.prs_per_hour} {c.binding}"


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def _limits_table(w: Document, run: RunComparison) -> None:
    total = next(row for row in run.totals if row.category == TOTAL)
    w.text(
        "PRs/hour/organisation: primary = rate limit / calls per pipeline"
        f" (model {total.model}, measured {total.charged} charged);",
        f"secondary = {SECONDARY_CONTENT_CREATING_PER_HOUR} content-generating requests/h / those per pipeline"
        f" (model {run.content_creating_model} set_status, measured {run.content_creating_measured} POST/PATCH/PUT).",
    )
    rows = [
        [str(row.rate_limit),
         f"{_or_dash(row.model.primary)} / {_or_dash(row.model.secondary)}", _ceiling_text(row.model),
         f"{_or_dash(row.measured.primary)} / {_or_dash(row.measured.secondary)}", _ceiling_text(row.measured)]
        for row in run.limits
    ]
    w.table(rows, ["requests/h", "model primary / secondary", "model PRs/h",
                   "measured primary / secondary", "measured PRs/h"], ["right"] * 5)


def _outside_table(w: Document, run: RunComparison) -> None:
    other_hosts = run.measurement.trace.other_hosts_line()
    if other_hosts:
        w.text(other_hosts[0].upper() + other_hosts[1:] + ".")
    if not run.outside_model:
        w.text("Calls outside the model's four categories: none.")
        return
    req = sum(g.requests for g in run.outside_model)
    chg = sum(g.charged for g in run.outside_model)
    w.open_details(f"Calls outside the model's four categories (auth, other): {req} requests, {chg} charged")
    rows = [[g.category, w.code(g.endpoint), g.handler, str(g.requests), str(g.charged)] for g in run.outside_model]
    w.table(rows, ["category", "endpoint", "handler", "requests", "charged"],
            ["left", "left", "left", "right", "right"])
    w.close_details()


def _fit_section(w: Document, fit: Fit) -> None:
    w.heading(f"Fitted cost: {fit.profile or '(no profile)'}, N = {', '.join(map(str, fit.chroots))}", 2)
    w.text(f"Runs {', '.join(fit.runs)}; knobs: {_knobs(fit.knobs)}. Least squares a + b·N"
           " (N = chroots); ± is the largest residual where the points are not on one line.")

    def show(line: Line | None) -> str:
        if line is None:
            return "0"
        return str(line) if line.exact else f"{line} (±{line.residual:.2g})"

    rows = []
    for key in [*CATEGORIES, TOTAL]:
        kinds = fit.lines[key]
        if key in ("auth", "other") and not any(y for _, y in kinds["requests"].points):
            continue  # no such calls in any run
        label = "TOTAL" if key == TOTAL else key
        rows.append([label, show(kinds["requests"]), show(kinds["charged"]), show(kinds.get("model"))])
    w.table(rows, ["category", "measured requests", "measured charged", "model"])
    total = fit.lines[TOTAL]
    w.text(f"total: measured {total['requests']} requests ({total['charged']} charged), model {total['model']}")


def _summary_table(w: Document, report: DriftReport) -> None:
    """One row per run: totals and PRs/hour at the first rate limit, model against measured."""
    rows = []
    for run in report.runs:
        total = next(row for row in run.totals if row.category == TOTAL)
        limit = run.limits[0]
        rows.append([
            run.measurement.name, run.measurement.profile or "-", str(run.scenario.chroots),
            str(total.model), _with_difference(total.model, total.requests),
            _with_difference(total.model, total.charged),
            f"{_or_dash(limit.model.primary)} / {_or_dash(limit.measured.primary)}",
            f"{_or_dash(limit.model.secondary)} / {_or_dash(limit.measured.secondary)}",
            *(_binding_pair(run, i) for i in (0, 1)),
            f"{len(run.drifted(report.tolerance))}/{len(run.figures())}",
        ])
    rate = report.runs[0].limits[0].rate_limit
    w.text(f"Calls per PR pipeline, model against measured, and PRs/hour/organisation (model / measured) "
           f"under the primary limit ({rate}/h, charged calls) and the secondary one "
           f"({SECONDARY_CONTENT_CREATING_PER_HOUR} content-generating requests/h); the binding ceiling "
           f"among all of GitHub's (model / measured) when check runs and statuses are content-generating "
           f"and when they are not (undocumented).")
    w.table(rows, ["run", "profile", "N", "model", "requests", "charged", "PRs/h primary",
                   "PRs/h secondary", "binding, statuses count", "binding, statuses free",
                   f"drifted (>{report.tolerance:g}%)"],
            ["left", "left", "right", "right", "right", "right", "right", "right", "left", "left", "right"])


def _binding_pair(run: RunComparison, assumption: int) -> str:
    """``content/h 11 / content/h 10``: the binding ceiling, model / measured."""
    if run.ceilings_model is None or run.ceilings_measured is None:
        return "-"
    return f"{run.ceilings_model[assumption].binding_text()} / {run.ceilings_measured[assumption].binding_text()}"


def _ceilings_table(w: Document, run: RunComparison) -> None:
    """Every ceiling, model and measured, under both answers about statuses."""
    if run.ceilings_model is None or run.ceilings_measured is None:
        return
    pairs = [(run.ceilings_model[i], run.ceilings_measured[i]) for i in (0, 1)]
    w.text(
        f"Every ceiling: PRs/hour/organisation at {pairs[0][0].rate_limit}/h [what one pipeline spends against it;"
        " per-minute and concurrent ones: the busiest moment's share → pipelines that may reach it in the"
        " same minute]; * binds. Content-generating: POST/PATCH/PUT but token minting; whether check runs"
        " and statuses count is undocumented: both answers.",
    )
    columns = [c for pair in pairs for c in pair]
    rows = []
    for key_index, row in enumerate(columns[0].rows):
        cells = []
        for ceiling in columns:
            r = ceiling.rows[key_index]
            binding = ceiling.binding
            cells.append(r.text() + (" *" if binding is not None and binding.key == r.key else ""))
        label = row.label + (f" ({row.detail})" if row.key == "concurrent" else "")
        rows.append([label, *cells])
    w.table(rows, ["ceiling", "model, statuses count", "measured, statuses count",
                   "model, statuses free", "measured, statuses free"], ["left"] + ["right"] * 4)
    busiest = columns[1].row("points-per-minute").detail
    if busiest:
        w.text(f"Busiest endpoint (measured): {w.code(busiest)}.")


def _run_section(w: Document, run: RunComparison, tolerance: float, heading: bool = True) -> None:
    """One run in full: events, the figures outside the tolerance, totals, limits, ceilings."""
    m = run.measurement
    if heading:
        w.heading(f"Run {m.name}" + (f" ({m.profile})" if m.profile else ""), 2 if w.github else 1)
    w.text(f"source: {w.code(m.source)}", f"knobs: {_knobs(m.knobs)}",
           f"model scenario: {run.scenario.describe(with_rate_limit=False)}")
    w.blank()
    _event_table(w, run)
    _drift_details(w, run, tolerance)
    w.blank()
    _totals_table(w, run)
    _limits_table(w, run)
    _ceilings_table(w, run)
    _outside_table(w, run)
    w.blank()
    w.text(f"{m.name}: {len(run.drifted(tolerance))} of {len(run.figures())} figures outside {tolerance:g}%")


def _largest(w: Document, report: DriftReport) -> None:
    """Per run, its largest differences: what the per-run details would show first."""
    w.text(f"Largest differences per run ({report.measure}; model → measured):")
    for run in report.runs:
        drifted = sorted(run.drifted(report.tolerance), key=lambda c: (-abs(c.difference), c.event or ""))
        cells = [c for c in drifted if c.event is not None][:LARGEST]
        parts = [f"{c.event} {SHORT.get(c.category, c.category)} {c.model} → {c.measured} ({c.difference:+d})"
                 for c in cells]
        w.text(f"{w.bullet}{run.measurement.name}: " + ("; ".join(parts) if parts else "none"))


def render_text(report: DriftReport, fmt: str = "plain", summary_only: bool = False,
                details: bool | None = None, width: int | None = None, command: str = "") -> str:
    """The plain (terminal) or github (PR comment) rendering; the verdict is the last line.

    With several runs a summary table comes first. ``details``: every run in full (default: for
    one run, and in github, where each run is a collapsed section and the comment is cut to
    GitHub's limit, :func:`tracer.document.fit_comment`); without, several runs get their largest
    differences, one line each. ``summary_only``: the summary, the fitted costs and the verdict.
    ``width``: plain tables narrow to it. ``command``: how to see what a comment leaves out.
    """
    if details is None:
        details = len(report.runs) == 1 or fmt == "github"
    if summary_only:
        details = False
    w = Document(fmt, width)
    if w.github:
        w.heading("api-tracer drift: the published model against measured runs", 1)
    if len(report.runs) > 1 or summary_only:
        w.heading("Summary", 2 if w.github else 1)
        _summary_table(w, report)
        if not details and not summary_only:
            _largest(w, report)
    verdict = w.strong(report.verdict.text)
    if w.github and details and len(report.runs) > 1:
        for fit in report.fits:
            _fit_section(w, fit)
        sections = []
        for run in report.runs:
            part = Document(fmt)
            _run_section(part, run, report.tolerance, heading=False)
            m = run.measurement
            sections.append(Section(
                f"Run {m.name}" + (f" ({m.profile})" if m.profile else "")
                + f": {len(run.drifted(report.tolerance))} of {len(run.figures())} figures outside"
                  f" {report.tolerance:g}%", str(part), m.name))
        more = f"`{command} --run NAME` shows one run" if command else "`--run NAME` shows one run"
        return fit_comment(str(w), sections, verdict, more=more)
    for run in report.runs if details else []:
        _run_section(w, run, report.tolerance)
    for fit in report.fits:
        _fit_section(w, fit)
    if not details and not summary_only and len(report.runs) > 1:
        w.blank()
        w.text("Each run in full (events, the calls behind each difference, known causes, every ceiling):"
               " --details, or --run NAME for one.")
    if w.github:  # one run in full, cut to what a comment holds
        return fit_comment(str(w), [], verdict)
    w.blank()
    w.text(verdict)
    return str(w)
