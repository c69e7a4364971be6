"""Drift: the published model against measured runs.

Per event × category, totals, PRs/hour under the primary and secondary limits, calls the
model does not see, known causes (``explanations.yaml``), the a + b·N fit over chroot
counts, and a verdict against a tolerance. Imports only tracer.packit.model, tracer.capture,
tracer.packit.charts and tracer.errors.

    from tracer.packit.drift import Measurement, build_report, render_text
    report = build_report([Measurement.from_trace_json("run.json")], tolerance=5)
    print(render_text(report, "plain")); exit(report.verdict.exit_code)
"""

from tracer.packit.drift.compare import (
    NO_EVENT,
    RATE_LIMITS,
    TOTAL,
    CallGroup,
    Cell,
    EventComparison,
    LimitRow,
    PipelineCeiling,
    RunComparison,
    TotalRow,
    compare,
    content_creating,
    within,
)
from tracer.packit.drift.explain import Explanation, explain, load_explanations, parse_explanations
from tracer.packit.drift.fit import Fit, Line, fit_line, fit_measurements, format_line
from tracer.packit.drift.measurement import Measurement, load_trace_measurements
from tracer.packit.drift.render import render_json, render_text
from tracer.packit.drift.report import DriftReport, build_report, select_runs
from tracer.packit.drift.scenario import scenario_from_model
from tracer.packit.drift.verdict import EXIT_DRIFT, EXIT_OK, Verdict, check_tolerance, verdict

__all__ = [
    "Measurement", "DriftReport", "build_report", "render_text", "render_json", "load_explanations",
    "fit_measurements", "select_runs", "Verdict",
]
