"""``--chart``: model and measured side by side.

One run: its categories and its events (two panels). Several runs: small multiples, one
panel per run with model and measured per category, in a grid of at most :data:`COLUMNS`
columns (20 runs: 5 rows of 4, about 1,500 px square), so that the image stays readable and
quick to draw whatever the number of runs.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from tracer.packit.categories import CATEGORIES, MODEL_CATEGORIES
from tracer.packit.charts import draw_bars, new_figure, palette, save_figure
from tracer.packit.drift.compare import TOTAL, RunComparison
from tracer.packit.drift.report import DriftReport

#: panels per row of the small multiples
COLUMNS = 4
SHORT = {"is_project_private": "private", "is_user_approved": "approved", "load_packit_yaml": "yaml",
         "set_status": "status", "other": "other", "auth": "auth"}


def _shown(run: RunComparison) -> list[str]:
    return list(MODEL_CATEGORIES) + [
        c for c in CATEGORIES if c not in MODEL_CATEGORIES
        and any(row.category == c and row.measured(run.measure) for row in run.totals)
    ]


def write_drift_chart(report: DriftReport, path: str | os.PathLike[str]) -> Path:
    """Write the chart of ``report``'s runs to ``path`` (format from its extension)."""
    if len(report.runs) == 1:
        return _one_run(report.runs[0], path)
    return _small_multiples(report, path)


def _one_run(run: RunComparison, path: str | os.PathLike[str]) -> Path:
    measure = run.measure
    height = max(4.5, 0.55 * max(len(run.events), len(CATEGORIES)) + 2.2)
    fig = new_figure(figsize=(14, height), layout="constrained")
    cat_ax, ev_ax = fig.subplots(1, 2, width_ratios=[2, 3])
    shown = _shown(run)
    rows = {row.category: row for row in run.totals}
    draw_bars(
        cat_ax, shown,
        {"model": [rows[c].model for c in shown], f"measured ({measure})": [rows[c].measured(measure) for c in shown]},
        title=f"per category (total: model {rows[TOTAL].model}, measured {rows[TOTAL].measured(measure)})",
        xlabel=f"calls per pipeline ({measure})",
    )
    labels = [ev.event if ev.in_model else f"{ev.event} (not in model)" for ev in run.events]
    draw_bars(
        ev_ax, labels,
        {"model": [ev.model_total for ev in run.events],
         f"measured ({measure})": [ev.measured_total for ev in run.events]},
        title=f"per event, {run.scenario.chroots} chroots",
        xlabel=f"calls per pipeline ({measure})",
    )
    m = run.measurement
    fig.suptitle(f"Published model against {m.name}" + (f" ({m.profile})" if m.profile else ""), fontsize=13)
    return save_figure(fig, path, dpi=100)


def _small_multiples(report: DriftReport, path: str | os.PathLike[str]) -> Path:
    runs = report.runs
    columns = min(COLUMNS, len(runs))
    rows = math.ceil(len(runs) / columns)
    fig = new_figure(figsize=(3.6 * columns, 2.9 * rows + 0.9), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False, sharey=False)
    model_colour, measured_colour = palette(2)
    top = max(max(row.model, row.measured(run.measure)) for run in runs for row in run.totals
              if row.category != TOTAL)
    for ax, run in zip(axes.flat, runs):
        shown = _shown(run)
        totals = {row.category: row for row in run.totals}
        x = range(len(shown))
        ax.bar([i - 0.2 for i in x], [totals[c].model for c in shown], 0.4, color=model_colour, label="model")
        ax.bar([i + 0.2 for i in x], [totals[c].measured(run.measure) for c in shown], 0.4,
               color=measured_colour, label=f"measured ({run.measure})")
        ax.set_xticks(list(x), [SHORT.get(c, c) for c in shown], fontsize=7, rotation=30, ha="right")
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylim(0, top * 1.08)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        total = totals[TOTAL]
        ax.set_title(f"{run.measurement.name}\nmodel {total.model}, measured {total.measured(run.measure)}",
                     fontsize=8)
    for ax in list(axes.flat)[len(runs):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    fig.suptitle(f"Published model against {len(runs)} measured runs: calls per pipeline by category",
                 fontsize=12)
    return save_figure(fig, path, dpi=100)
