"""The verdict: is every compared figure within the tolerance?

A *figure* is one number the model gives and the run measured, in the chosen measure
(``requests`` or ``charged``): each event × category cell (the model's events and the events
only the measurement has; the model's four categories plus ``other`` and ``auth``, where the
model says 0), each category total and the grand total. A figure where both are 0 compares
nothing and is not counted. A figure is within PCT % when |measured − model| ≤ PCT % of
model; a model 0 against a measured count above 0 is outside any tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tracer.packit.drift.compare import Cell, RunComparison
from tracer.errors import UsageError

#: exit codes: within the tolerance, drift beyond it (bad input is 2, from the CLI)
EXIT_OK = 0
EXIT_DRIFT = 1


def check_tolerance(value: float) -> float:
    """A tolerance in percent: a finite number ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise UsageError(f"tolerance must be a percentage ≥ 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Verdict:
    tolerance: float
    runs: int
    figures: int
    outside: tuple[tuple[str, Cell], ...]  # (run name, figure) outside the tolerance

    @property
    def drift(self) -> bool:
        return bool(self.outside)

    @property
    def exit_code(self) -> int:
        return EXIT_DRIFT if self.drift else EXIT_OK

    @property
    def text(self) -> str:
        pct = f"{self.tolerance:g}%"
        runs = f"{self.runs} run{'s' if self.runs != 1 else ''}"
        if self.drift:
            return f"drift: {len(self.outside)} of {self.figures} figures outside {pct} ({runs})"
        return f"no drift beyond {pct} ({self.figures} figures, {runs})"


def verdict(runs: list[RunComparison], tolerance: float) -> Verdict:
    """Count the figures of every run and those outside ``tolerance`` percent."""
    tolerance = check_tolerance(tolerance)
    figures = 0
    outside: list[tuple[str, Cell]] = []
    for run in runs:
        cells = run.figures()
        figures += len(cells)
        outside += [(run.measurement.name, c) for c in cells if not c.within(tolerance)]
    return Verdict(tolerance, len(runs), figures, tuple(outside))
