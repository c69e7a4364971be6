"""Scaling assertions (in the spirit of n_plus_one_control): how calls grow with the work.

``work(n)`` runs at each scale factor under its own tracer; the growth of a category is the
difference of its counts between consecutive factors divided by the factor step. It must be the
same for every step (linear) and at most (or, with ``exact``, exactly) the allowed calls per unit::

    result = check_scaling(lambda n: report_chroots(n), factors=(1, 2, 3),
                           per_unit={"set_status": 2, "load_packit_yaml": 0})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from tabulate import tabulate

from tracer.budget.budget import LIMIT_NAMES, TOTAL, check_event, check_handler, check_measure
from tracer.budget.report import unmatched_filters
from tracer.budget.errors import ScalingExceeded
from tracer.capture import Trace, Tracer
from tracer.errors import UsageError

DEFAULT_FACTORS = (1, 2, 3)


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


@dataclass
class ScalingResult:
    """Counts per factor and category, and the growth per unit of work between factors."""

    factors: tuple[int, ...]
    per_unit: dict[str, Fraction]
    exact: bool
    measure: str
    handler: str | None
    traces: dict[int, Trace]
    event: str | None = None
    #: every factor's calls before the filters (what a filter that matched nothing saw instead)
    unfiltered: Trace | None = None
    counts: dict[int, dict[str, int]] = field(init=False)
    failed: list[str] = field(init=False)
    unmatched: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = {}
        for factor, trace in self.traces.items():
            row = trace.categories()
            row[TOTAL] = len(trace)
            self.counts[factor] = row
        self.failed = [name for name in self.per_unit if not self.allows(name)]
        seen = self.unfiltered if self.unfiltered is not None else Trace()
        self.unmatched = unmatched_filters(seen, self.handler, self.event) if (self.handler or self.event) else []

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unmatched

    def steps(self, name: str) -> list[Fraction]:
        """Growth per unit between each pair of consecutive factors."""
        f = self.factors
        return [
            Fraction(self.counts[f[i + 1]][name] - self.counts[f[i]][name], f[i + 1] - f[i]) for i in range(len(f) - 1)
        ]

    def growth(self, name: str) -> Fraction | None:
        """The growth per unit, or None when it is not the same for every step."""
        steps = set(self.steps(name))
        return steps.pop() if len(steps) == 1 else None

    def allows(self, name: str) -> bool:
        growth, allowed = self.growth(name), self.per_unit[name]
        if growth is None:
            return False
        return growth == allowed if self.exact else growth <= allowed

    def _growth_text(self, name: str) -> str:
        growth = self.growth(name)
        if growth is None:
            return ", ".join(_number(s) for s in self.steps(name)) + " (not linear)"
        return _number(growth)

    def message(self, where: str | None = None) -> str:
        if self.unmatched:
            head = "GitHub API scaling cannot be checked: its filter matches no call at any factor"
        else:
            head = "GitHub API calls do not scale as allowed" if self.failed else "GitHub API calls scale as allowed"
        scope = (f"measure: {self.measure}" + (f", handler: {self.handler}" if self.handler else "")
                 + (f", event: {self.event}" if self.event else ""))
        lines = [f"{head}{f' at {where}' if where else ''} ({scope})", ""]
        if self.unmatched:
            lines += [*self.unmatched, ""]
        op = "==" if self.exact else "<="
        rows = []
        for name in LIMIT_NAMES:
            allowed = self.per_unit.get(name)
            verdict = "✗" if name in self.failed else ""
            rows.append(
                [name, *(self.counts[f][name] for f in self.factors), self._growth_text(name),
                 f"{op} {_number(allowed)}" if allowed is not None else "", verdict]
            )
        headers = ["category", *(f"×{f}" for f in self.factors), "growth/unit", "allowed", "verdict"]
        lines += tabulate(rows, headers=headers, tablefmt="simple").splitlines()
        growing = self._endpoint_rows()
        if growing:
            lines += ["", "endpoints whose calls change with the factor:"]
            lines += tabulate(
                growing, headers=["endpoint", "category", *(f"×{f}" for f in self.factors), "growth/unit"], tablefmt="simple"
            ).splitlines()
        return "\n".join(lines)

    def _endpoint_rows(self) -> list[list[Any]]:
        counts = {f: self.traces[f].count_by("endpoint", "category") for f in self.factors}
        keys = sorted({k for c in counts.values() for k in c})
        rows = []
        f = self.factors
        for key in keys:
            series = [counts[x].get(key, 0) for x in f]
            if len(set(series)) == 1:
                continue
            steps = {Fraction(series[i + 1] - series[i], f[i + 1] - f[i]) for i in range(len(f) - 1)}
            growth = _number(steps.pop()) if len(steps) == 1 else "not linear"
            rows.append([key[0], key[1], *series, growth])
        return rows


def parse_scaling(
    factors: Sequence[int], per_unit: Mapping[str, float] | None, measure: str, handler: str | None,
    source: str = "github_api_scaling", event: str | None = None,
) -> tuple[tuple[int, ...], dict[str, Fraction]]:
    """Validate the arguments; a bad one is a one-line :class:`UsageError`."""
    facs = tuple(factors)
    if len(facs) < 2 or any(isinstance(f, bool) or not isinstance(f, int) or f < 0 for f in facs):
        raise UsageError(f"{source}: factors={factors!r} must be two or more whole numbers ≥ 0, e.g. (1, 2, 3)")
    if any(b <= a for a, b in zip(facs, facs[1:])):
        raise UsageError(f"{source}: factors={factors!r} must increase strictly")
    check_measure(measure, source)
    check_handler(handler, source)
    check_event(event, source)
    allowed: dict[str, Fraction] = {}
    for name, value in (per_unit if per_unit is not None else {TOTAL: 0}).items():
        if name not in LIMIT_NAMES:
            raise UsageError(f"{source}: unknown per_unit category {name!r} (one of: {', '.join(LIMIT_NAMES)})")
        if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)) or value < 0:
            raise UsageError(f"{source}: per_unit[{name!r}]={value!r} must be a number of calls ≥ 0")
        allowed[name] = Fraction(value).limit_denominator(1000)
    if not allowed:
        raise UsageError(f"{source}: per_unit is empty (give calls per unit for one or more of: {', '.join(LIMIT_NAMES)})")
    return facs, allowed


def measure_scaling(
    work: Callable[[int], Any],
    factors: Sequence[int] = DEFAULT_FACTORS,
    per_unit: Mapping[str, float] | None = None,
    *,
    exact: bool = False,
    measure: str = "requests",
    handler: str | None = None,
    event: str | None = None,
) -> ScalingResult:
    """Run ``work`` at each factor under its own tracer; nothing is asserted."""
    facs, allowed = parse_scaling(factors, per_unit, measure, handler, event=event)
    traces: dict[int, Trace] = {}
    unfiltered = Trace()
    for factor in facs:
        with Tracer() as tracer:
            work(factor)
        whole = tracer.trace()
        unfiltered = unfiltered + whole
        trace = whole.measured(measure)
        if handler is not None:
            trace = trace.where(lambda c: c.handler == handler)
        if event is not None:
            trace = trace.where(lambda c: c.event == event)
        traces[factor] = trace
    return ScalingResult(facs, allowed, exact, measure, handler, traces, event, unfiltered)


def check_scaling(
    work: Callable[[int], Any],
    factors: Sequence[int] = DEFAULT_FACTORS,
    per_unit: Mapping[str, float] | None = None,
    *,
    exact: bool = False,
    measure: str = "requests",
    handler: str | None = None,
    event: str | None = None,
    where: str | None = None,
) -> ScalingResult:
    """:func:`measure_scaling`, then raise :class:`ScalingExceeded` with the table if not allowed.

    ``per_unit`` defaults to ``{"total": 0}``: no call may grow with the work. A ``handler=`` or
    ``event=`` filter that matches no call at any factor fails, naming what was seen instead.
    """
    result = measure_scaling(work, factors, per_unit, exact=exact, measure=measure, handler=handler, event=event)
    if not result.ok:
        raise ScalingExceeded(result.message(where))
    return result
