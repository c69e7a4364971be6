"""The drift report: every measurement compared, the fitted lines, and the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tracer.capture import MEASURES
from tracer.packit.drift.compare import RunComparison, compare
from tracer.packit.drift.explain import Explanation, explain, load_explanations
from tracer.packit.drift.fit import Fit, fit_measurements
from tracer.packit.drift.measurement import Measurement
from tracer.packit.drift.verdict import Verdict, check_tolerance, verdict
from tracer.errors import UsageError


@dataclass
class DriftReport:
    measure: str
    tolerance: float
    runs: list[RunComparison]
    fits: list[Fit]
    verdict: Verdict


def build_report(
    measurements: Sequence[Measurement],
    measure: str = "requests",
    tolerance: float = 0.0,
    explanations: list[Explanation] | None = None,
) -> DriftReport:
    """Compare each measurement with the model, fit a + b·N where chroots vary, and judge."""
    if measure not in MEASURES:
        raise UsageError(f"unknown measure {measure!r} (one of {', '.join(MEASURES)})")
    tolerance = check_tolerance(tolerance)
    if not measurements:
        raise UsageError("no measurements to compare")
    rules = load_explanations() if explanations is None else explanations
    runs = [compare(m, measure) for m in measurements]
    for run in runs:
        explain(run, tolerance, rules)
    return DriftReport(measure, tolerance, runs, fit_measurements(measurements), verdict(runs, tolerance))


def select_runs(measurements: Sequence[Measurement], names: Sequence[str]) -> list[Measurement]:
    """The measurements named in ``names`` (all when empty); an unknown name is a UsageError."""
    if not names:
        return list(measurements)
    known = [m.name for m in measurements]
    for name in names:
        if name not in known:
            raise UsageError(f"no run named {name!r} (runs: {', '.join(known)})")
    return [m for m in measurements if m.name in names]
