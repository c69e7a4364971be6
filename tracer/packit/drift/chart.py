"""``--chart``: model and measured side by side, per category and per event, one row per run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tracer.packit.categories import CATEGORIES, MODEL_CATEGORIES
from tracer.packit.charts import MISSING_MESSAGE, draw_bars
from tracer.packit.drift.compare import TOTAL
from tracer.packit.drift.report import DriftReport
from tracer.errors import UsageError


def _figure(rows: int, events: int) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(MISSING_MESSAGE) from None
    height = max(4.5, 0.55 * max(events, len(CATEGORIES)) + 2.2)
    fig = Figure(figsize=(14, height * rows), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def write_drift_chart(report: DriftReport, path: str | os.PathLike[str]) -> Path:
    """Write the chart of every run of ``report`` to ``path`` (format from its extension)."""
    most_events = max(len(run.events) for run in report.runs)
    fig = _figure(len(report.runs), most_events)
    axes = fig.subplots(len(report.runs), 2, width_ratios=[2, 3], squeeze=False)
    for (cat_ax, ev_ax), run in zip(axes, report.runs):
        measure = run.measure
        shown = list(MODEL_CATEGORIES) + [
            c for c in CATEGORIES if c not in MODEL_CATEGORIES
            and any(row.category == c and row.measured(measure) for row in run.totals)
        ]
        rows = {row.category: row for row in run.totals}
        draw_bars(
            cat_ax, shown,
            {"model": [rows[c].model for c in shown], f"measured ({measure})": [rows[c].measured(measure) for c in shown]},
            title=f"{run.measurement.name}: per category (total: model {rows[TOTAL].model},"
                  f" measured {rows[TOTAL].measured(measure)})",
            xlabel=f"calls per pipeline ({measure})",
        )
        labels = [ev.event if ev.in_model else f"{ev.event} (not in model)" for ev in run.events]
        draw_bars(
            ev_ax, labels,
            {"model": [ev.model_total for ev in run.events], f"measured ({measure})": [ev.measured_total for ev in run.events]},
            title=f"{run.measurement.name}"
                  + (f" ({run.measurement.profile})" if run.measurement.profile else "")
                  + f": per event, {run.scenario.chroots} chroots",
            xlabel=f"calls per pipeline ({measure})",
        )
    fig.suptitle("Published model against measured runs", fontsize=13)
    target = Path(path)
    try:
        fig.savefig(target, dpi=100)
    except OSError as exc:
        raise UsageError(f"cannot write chart {target}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"cannot write chart {target}: {exc}") from None
    return target
