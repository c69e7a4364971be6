"""Two pipeline runs side by side: which calls a change added or removed, and what it costs in PRs/hour.

::

    result = compare(before, after)                # two Measurements (tracer.packit.measurements)
    result.rows          # changed cells: handler × event × endpoint, requests and charged, before/after
    result.categories    # per category: requests and charged, before/after
    result.prs_per_hour  # primary limit and the binding ceiling (statuses count / free), before/after
    result.added         # calls added (the sum of the cells that grew); result.changed
    render(result, "plain" | "github")   # result.as_dict(): the JSON body

The runs may be two commits or branches of packit-service, or two knob settings: whatever two
traces are, cell by cell.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from tracer.capture import Trace
from tracer.document import table
from tracer.packit.categories import CATEGORIES
from tracer.packit.drift.load import trace_load
from tracer.packit.drift.measurement import Measurement
from tracer.packit.model.ceilings import both_ceilings

Pair = tuple[int, int]


@dataclass(frozen=True)
class Row:
    """One handler × event × endpoint cell that differs."""

    handler: str
    event: str
    endpoint: str
    requests: Pair
    charged: Pair

    @property
    def delta(self) -> int:
        return self.requests[1] - self.requests[0]

    def as_dict(self) -> dict[str, Any]:
        return {"handler": self.handler, "event": self.event, "endpoint": self.endpoint,
                "requests": list(self.requests), "charged": list(self.charged)}


@dataclass(frozen=True)
class Comparison:
    before: str
    after: str
    rows: tuple[Row, ...]
    categories: dict[str, dict[str, Pair]]  # category -> {"requests": pair, "charged": pair}
    totals: dict[str, Pair]
    prs_per_hour: dict[str, tuple[int | None, int | None]]
    binding: dict[str, tuple[str, str]]

    @property
    def added(self) -> int:
        """Calls added: the sum over the cells that grew."""
        return sum(r.delta for r in self.rows if r.delta > 0)

    @property
    def removed(self) -> int:
        return sum(-r.delta for r in self.rows if r.delta < 0)

    @property
    def changed(self) -> bool:
        return bool(self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "before": self.before, "after": self.after, "changed": self.changed,
            "added": self.added, "removed": self.removed,
            "totals": {k: list(v) for k, v in self.totals.items()},
            "categories": {c: {m: list(p) for m, p in v.items()} for c, v in self.categories.items()},
            "prs_per_hour": {k: list(v) for k, v in self.prs_per_hour.items()},
            "binding": {k: list(v) for k, v in self.binding.items()},
            "rows": [r.as_dict() for r in self.rows],
        }


def _cells(trace: Trace, measure: str) -> Counter[Any]:
    return trace.count_by("handler", "event", "endpoint", measure=measure)


def compare(before: Measurement, after: Measurement) -> Comparison:
    """Cell by cell (handler × event × endpoint), per category, in total and in PRs/hour."""
    b, a = before.trace, after.trace
    requests = (_cells(b, "requests"), _cells(a, "requests"))
    charged = (_cells(b, "charged"), _cells(a, "charged"))
    keys = sorted(set(requests[0]) | set(requests[1]), key=lambda k: tuple(str(p) for p in k))
    rows = tuple(
        Row(str(h), str(e), str(ep), (requests[0].get(k, 0), requests[1].get(k, 0)),
            (charged[0].get(k, 0), charged[1].get(k, 0)))
        for k in keys for h, e, ep in [k]
        if requests[0].get(k, 0) != requests[1].get(k, 0) or charged[0].get(k, 0) != charged[1].get(k, 0)
    )
    categories = {}
    for category in CATEGORIES:
        per = {m: tuple(t.count_by("category", measure=m).get(category, 0) for t in (b, a)) for m in ("requests", "charged")}
        categories[category] = per  # type: ignore[assignment]
    loads = (trace_load(b), trace_load(a))
    count = [both_ceilings(load)[0] for load in loads]
    free = [both_ceilings(load)[1] for load in loads]
    return Comparison(
        before=before.name, after=after.name, rows=rows, categories=categories,  # type: ignore[arg-type]
        totals={"requests": (b.requests, a.requests), "charged": (b.charged, a.charged)},
        prs_per_hour={
            "primary": (count[0].row("primary").prs_per_hour, count[1].row("primary").prs_per_hour),
            "binding, statuses count": (count[0].prs_per_hour, count[1].prs_per_hour),
            "binding, statuses free": (free[0].prs_per_hour, free[1].prs_per_hour),
        },
        binding={"statuses count": (count[0].binding_text(), count[1].binding_text()),
                 "statuses free": (free[0].binding_text(), free[1].binding_text())},
    )


def _pair(pair: tuple[Any, Any]) -> str:
    before, after = pair
    if before == after:
        return f"{before}"
    if isinstance(before, int) and isinstance(after, int):
        return f"{before} → {after} ({after - before:+d})"
    return f"{'-' if before is None else before} → {'-' if after is None else after}"


def render(result: Comparison, fmt: str = "plain", width: int | None = None) -> str:
    """``result`` as text in ``fmt`` (plain or github; JSON is :meth:`Comparison.as_dict`)."""
    github = fmt == "github"
    head = f"{result.before} → {result.after}"
    if not result.changed:
        line = f"no change: {result.totals['requests'][0]} requests ({result.totals['charged'][0]} charged), cell by cell"
        return f"### GitHub API calls: no change\n\n{line} ({head})." if github else f"{head}: {line}"
    summary = (f"requests {_pair(result.totals['requests'])}, charged {_pair(result.totals['charged'])}; "
               f"{result.added} call(s) added, {result.removed} removed")
    rows = [[r.handler, r.event, r.endpoint, _pair(r.requests), _pair(r.charged)] for r in result.rows]
    cells = table(rows, ["handler", "event", "endpoint", "requests", "charged"], fmt, width=width)
    cats = table(
        [[c, _pair(v["requests"]), _pair(v["charged"])] for c, v in result.categories.items()
         if v["requests"][0] != v["requests"][1] or v["charged"][0] != v["charged"][1]],
        ["category", "requests", "charged"], fmt, width=width,
    )
    prs = table(
        [[k, _pair(v)] for k, v in result.prs_per_hour.items()]
        + [[f"binding ceiling, {k}", _pair(v)] for k, v in result.binding.items()],
        ["PRs/hour/organisation", "before → after"], fmt, width=width,
    )
    if github:
        title = "### GitHub API calls: " + ("more" if result.added > result.removed else "fewer" if result.removed > result.added else "moved")
        return "\n\n".join([title, f"{summary} ({head}).", "**Per handler, event and endpoint**", cells,
                            "**Per category**", cats, "**PRs/hour** (one organisation's installation)", prs])
    return "\n\n".join([f"{head}: {summary}", cells, cats, prs])
