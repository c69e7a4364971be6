"""Model against measurement for one run: per event × category, totals, PRs/hour, outside calls.

Categories compared: the model's four, plus ``other`` and ``auth`` (calls the model does not
see; its count there is 0). Events: the model's, in pipeline order, with the events only the
measurement has (e.g. "Tests submitted") where the pipeline met them (:func:`pipeline_order`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from tracer.capture import OTHER, Call, Trace
from tracer.packit.categories import CATEGORIES, MODEL_CATEGORIES
from tracer.packit.drift.measurement import Measurement
from tracer.packit.drift.load import NO_EVENT, trace_load
from tracer.packit.model import (
    RATE_LIMIT_TIERS,
    SECONDARY_CONTENT_CREATING_PER_HOUR,
    Ceilings,
    Scenario,
    binding_limit,
    both_ceilings,
    content_creating_per_pipeline,
    model_load,
    moment_of,
    per_event,
)

#: the rate limits PRs/hour are given at: 5,000, 12,500 and 15,000 requests per hour
RATE_LIMITS: tuple[int, ...] = tuple(sorted(set(RATE_LIMIT_TIERS.values())))
#: the category key of a grand total
TOTAL = "total"


def within(model: int, measured: int, tolerance: float) -> bool:
    """|measured − model| ≤ tolerance % of model; a model 0 matches only a measured 0."""
    return abs(measured - model) * 100 <= tolerance * model


def deviation_pct(model: int, measured: int) -> float | None:
    """(measured − model) / model in percent; None when model is 0 and measured is not."""
    if model == 0:
        return 0.0 if measured == 0 else None
    return 100.0 * (measured - model) / model


@dataclass(frozen=True)
class Cell:
    """One compared figure: the model's and the measured count of an event × category or total."""

    event: str | None  # None for the totals
    category: str  # one of CATEGORIES, or "total"
    model: int
    measured: int

    @property
    def difference(self) -> int:
        return self.measured - self.model

    @property
    def deviation_pct(self) -> float | None:
        return deviation_pct(self.model, self.measured)

    @property
    def compared(self) -> bool:
        """A figure of the verdict: model or measured is non-zero (0 vs 0 compares nothing)."""
        return bool(self.model or self.measured)

    def within(self, tolerance: float) -> bool:
        return within(self.model, self.measured, tolerance)

    @property
    def label(self) -> str:
        return f"{self.event} · {self.category}" if self.event is not None else f"total · {self.category}"


@dataclass(frozen=True)
class CallGroup:
    """Measured calls of one event, category, endpoint and handler."""

    event: str
    category: str
    endpoint: str
    handler: str
    requests: int
    charged: int

    def count(self, measure: str) -> int:
        return self.requests if measure == "requests" else self.charged


@dataclass
class EventComparison:
    """One event: a cell per category, and the measured calls behind them."""

    event: str
    in_model: bool
    cells: dict[str, Cell]  # every category of CATEGORIES
    calls: list[Call]  # the event's calls in the measure
    groups: list[CallGroup]  # all its calls (requests and charged), by category, endpoint, handler
    explanations: list[str] = field(default_factory=list)

    @property
    def model_total(self) -> int:
        return sum(c.model for c in self.cells.values())

    @property
    def measured_total(self) -> int:
        return sum(c.measured for c in self.cells.values())


@dataclass(frozen=True)
class TotalRow:
    """A category (or the grand total) over the pipeline: model, and measured both ways."""

    category: str
    model: int
    requests: int
    charged: int

    def measured(self, measure: str) -> int:
        return self.requests if measure == "requests" else self.charged


@dataclass(frozen=True)
class PipelineCeiling:
    """PR pipelines per hour under the primary and the secondary limit, and which binds."""

    rate_limit: int
    primary: int | None  # int(rate_limit / charged calls); None when nothing is charged
    secondary: int | None  # 500 // content-creating calls; None when there are none
    binding: Literal["primary", "secondary", "none"]
    prs_per_hour: int | None


@dataclass(frozen=True)
class LimitRow:
    rate_limit: int
    model: PipelineCeiling
    measured: PipelineCeiling


@dataclass
class RunComparison:
    """The whole comparison of one measurement, in one measure for the per-event cells."""

    measurement: Measurement
    measure: str
    events: list[EventComparison]
    totals: list[TotalRow]  # CATEGORIES in order, then the grand total
    content_creating_model: int
    content_creating_measured: int
    limits: list[LimitRow]
    outside_model: list[CallGroup]  # auth and other calls, by endpoint and handler
    #: every ceiling at the scenario's rate limit, (statuses count, statuses free)
    ceilings_model: tuple[Ceilings, Ceilings] | None = None
    ceilings_measured: tuple[Ceilings, Ceilings] | None = None

    @property
    def scenario(self) -> Scenario:
        return self.measurement.scenario

    def total_cells(self) -> list[Cell]:
        """Per category and grand total, in the measure."""
        return [Cell(None, row.category, row.model, row.measured(self.measure)) for row in self.totals]

    def figures(self) -> list[Cell]:
        """Every figure the verdict compares: event × category cells and totals, 0 vs 0 left out."""
        cells = [cell for ev in self.events for cell in ev.cells.values()]
        return [c for c in cells + self.total_cells() if c.compared]

    def drifted(self, tolerance: float) -> list[Cell]:
        return [c for c in self.figures() if not c.within(tolerance)]


def _group_calls(calls: list[Call], event: str) -> list[CallGroup]:
    requests: Counter[tuple[str, str, str]] = Counter()
    charged: Counter[tuple[str, str, str]] = Counter()
    for c in calls:
        key = (c.category, c.endpoint, c.handler)
        requests[key] += 1
        charged[key] += int(c.charged)
    order = {cat: i for i, cat in enumerate(CATEGORIES)}
    keys = sorted(requests, key=lambda k: (order.get(k[0], len(order)), -requests[k]))
    return [CallGroup(event, *k, requests[k], charged[k]) for k in keys]


def measured_events(trace: Trace) -> list[str]:
    """The events of a trace in order of first appearance (no scope: ``(no event)``)."""
    return list(dict.fromkeys(c.event or NO_EVENT for c in trace.calls))


def content_creating(trace: Trace) -> int:
    """POST/PATCH/PUT calls of a trace (check runs and statuses included), except auth calls
    (token minting creates no content)."""
    return trace_load(trace).writes


def ceiling(rate_limit: int, charged: int, creating: int) -> PipelineCeiling:
    """PRs/hour at ``rate_limit`` for a pipeline of ``charged`` calls, ``creating`` of them POSTs."""
    primary = int(rate_limit / charged) if charged else None
    secondary = SECONDARY_CONTENT_CREATING_PER_HOUR // creating if creating else None
    if secondary is not None and (primary is None or secondary < primary):
        return PipelineCeiling(rate_limit, primary, secondary, "secondary", secondary)
    if primary is None:
        return PipelineCeiling(rate_limit, None, None, "none", None)
    return PipelineCeiling(rate_limit, primary, secondary, "primary", primary)


def pipeline_order(model: list[str], measured: list[str], moment: Callable[[str], str] = moment_of) -> list[str]:
    """The model's events in its order, each event only the run has right after the last model
    event of its moment (GitHub's limits data: "Tests submitted" happens in "RPM build
    finished"'s minute), so the order never depends on how a fleet's tasks interleaved; an event
    of a moment of its own comes last (``stats`` and ``replay`` list a run's events as its
    pipeline met them: the same order).

    >>> pipeline_order(["PR", "RPM end", "Tests started"], ["Tests submitted", "PR", "RPM end", "Tests started"],
    ...                {"Tests submitted": "RPM end"}.get)
    ['PR', 'RPM end', 'Tests submitted', 'Tests started']
    """
    names = list(model)
    for event in measured:
        if event in names:
            continue
        home = moment(event) or event
        after = [i for i, name in enumerate(names) if (moment(name) or name) == home]
        names.insert(after[-1] + 1 if after else len(names), event)
    return names


def compare(measurement: Measurement, measure: str = "requests") -> RunComparison:
    """Compare one measurement with the model of its scenario."""
    scenario = measurement.scenario
    trace = measurement.trace
    model_events = per_event(scenario)
    measured = trace.measured(measure)
    by_event: dict[str, list[Call]] = {}
    for call in measured.calls:
        by_event.setdefault(call.event or NO_EVENT, []).append(call)
    all_by_event: dict[str, list[Call]] = {}
    for call in trace.calls:
        all_by_event.setdefault(call.event or NO_EVENT, []).append(call)

    names = pipeline_order(list(model_events), measured_events(trace))
    events = []
    for name in names:
        vector = model_events.get(name)
        model_counts = vector.as_dict() if vector is not None else {}
        calls = by_event.get(name, [])
        counts = Counter(c.category for c in calls)
        cells = {cat: Cell(name, cat, model_counts.get(cat, 0), counts.get(cat, 0)) for cat in CATEGORIES}
        events.append(
            EventComparison(name, vector is not None, cells, calls, _group_calls(all_by_event.get(name, []), name))
        )

    model_totals = {cat: sum(e.cells[cat].model for e in events) for cat in CATEGORIES}
    req = trace.categories("requests")
    chg = trace.categories("charged")
    totals = [TotalRow(cat, model_totals[cat], req.get(cat, 0), chg.get(cat, 0)) for cat in CATEGORIES]
    totals.append(TotalRow(TOTAL, sum(model_totals.values()), trace.requests, trace.charged))

    creating_model = content_creating_per_pipeline(scenario)
    load = trace_load(trace)
    creating = load.writes
    limits = []
    for limit in RATE_LIMITS:
        m = binding_limit(scenario, limit)
        limits.append(LimitRow(
            limit,
            PipelineCeiling(limit, m.primary, m.secondary, m.binding, m.prs_per_hour),
            ceiling(limit, trace.charged, creating),
        ))
    outside = _outside_by_endpoint(trace)
    return RunComparison(
        measurement, measure, events, totals, creating_model, creating, limits, outside,
        both_ceilings(model_load(scenario), scenario.rate_limit),
        both_ceilings(load, scenario.rate_limit),
    )


def _outside_by_endpoint(trace: Trace) -> list[CallGroup]:
    """Auth and other calls by category, endpoint and handler (events merged), most first."""
    groups = _group_calls([c for c in trace.calls if c.category not in MODEL_CATEGORIES], "")
    return sorted(groups, key=lambda g: (g.category != OTHER, -g.requests, g.endpoint, g.handler))
