"""Traces as `replay` and `stats` print them: per run, with a total.

Several runs: one row per run (requests, logical calls, charged, each category) and a TOTAL row,
then each run in full with ``--details``; one run: in full (per handler, per event, per
endpoint). JSON: ``{"format": "api-tracer/COMMAND", "version": 1, "measure", "runs": [TRACE, ...],
"total": SUMMARY}`` where TRACE is a trace document (``api-tracer/trace``, with its ``meta``)
and SUMMARY adds the runs' counts up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tracer.capture import Trace
from tracer.document import Document, json_document

#: the version of replay's and stats' JSON documents
VERSION = 1


@dataclass
class TracedRun:
    """One run's (or one group of cassettes') trace, with what names it."""

    name: str
    source: str
    trace: Trace
    meta: dict[str, Any] = field(default_factory=dict)


def _categories(trace: Trace, measure: str) -> dict[str, int]:
    return trace.categories(measure)


def category_names(runs: Sequence[TracedRun]) -> list[str]:
    """Every category of the runs, in the rules' report order (:meth:`Trace.category_names`)."""
    return list(dict.fromkeys(name for run in runs for name in run.trace.category_names()))


def _nested_table(doc: Document, trace: Trace, by: str, measure: str) -> None:
    rows = []
    for key, cats in trace.nested(by, measure).items():
        rows.append([key, *cats.values(), sum(cats.values())])
    totals = _categories(trace, measure)
    rows.append(["total", *totals.values(), sum(totals.values())])
    doc.table(rows, [by, *trace.category_names(), "total"], numparse=True)


def trace_section(doc: Document, trace: Trace, title: str, measure: str = "requests", level: int = 1) -> None:
    """One trace in full: counts, per handler, per event, per endpoint, rate-limit gaps."""
    doc.heading(title, level)
    doc.text(f"{trace.requests} requests ({trace.logical} logical calls), {trace.charged} charged to the rate limit")
    if trace.elsewhere:
        doc.text(trace.other_hosts_line())
    _nested_table(doc, trace, "handler", measure)
    _nested_table(doc, trace, "event", measure)
    counts = trace.count_by("endpoint", "category")
    charged = trace.count_by("endpoint", "category", measure="charged")
    rows = [[ep, cat, n, charged.get((ep, cat), 0)] for (ep, cat), n in counts.most_common()]
    doc.table(rows, ["endpoint", "category", "requests", "charged"], numparse=True)
    gaps = trace.ratelimit_gaps()
    if gaps:
        doc.text("rate-limit check: GitHub counted calls the tracer did not see:", *(f"  {gap}" for gap in gaps))


def render_runs(runs: Sequence[TracedRun], fmt: str, title: str, measure: str = "requests",
                details: bool | None = None, width: int | None = None) -> str:
    """Per run with a total (several runs), then each in full (one run, or ``details``)."""
    doc = Document(fmt, width)
    if details is None:
        details = len(runs) == 1
    if len(runs) > 1:
        doc.heading(title, 1)
        rows = []
        names = category_names(runs)
        for run in runs:
            t = run.trace
            counts = _categories(t, measure)
            rows.append([run.name, t.requests, t.logical, t.charged, *(counts.get(c, 0) for c in names)])
        total = [sum(row[i] for row in rows) for i in range(1, len(rows[0]))]
        rows.append(["TOTAL", *total])
        doc.text(f"{len(runs)} runs; categories count {measure}.")
        doc.table(rows, ["run", "requests", "logical", "charged", *names], numparse=True)
        if not details:
            doc.text("Each run in full (per handler, event and endpoint): --details.")
    for run in runs if details else []:
        trace_section(doc, run.trace, run.source if len(runs) > 1 else title, measure, 2 if len(runs) > 1 else 1)
    return str(doc)


def runs_json(command: str, runs: Sequence[TracedRun], measure: str = "requests") -> dict[str, Any]:
    """The JSON document of ``runs`` (see the module's docstring)."""
    names = category_names(runs)
    total: dict[str, Any] = {"runs": len(runs), "requests": 0, "logical": 0, "charged": 0,
                             "categories": dict.fromkeys(names, 0),
                             "charged_categories": dict.fromkeys(names, 0)}
    for run in runs:
        t = run.trace
        total["requests"] += t.requests
        total["logical"] += t.logical
        total["charged"] += t.charged
        for key, which in (("categories", "requests"), ("charged_categories", "charged")):
            for cat, n in t.categories(which).items():
                total[key][cat] += n
    return json_document(command, VERSION, {
        "measure": measure,
        "runs": [run.trace.to_json(name=run.name, source=run.source, **run.meta) for run in runs],
        "total": total,
    })
