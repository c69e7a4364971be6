"""Every documented GitHub ceiling one PR pipeline meets, and PRs/hour under each.

A pipeline's load (:class:`PipelineLoad`) is what it asks of GitHub: requests, charged
requests, and per *moment* (the calls that happen within one minute, ``limits.yaml``) the
content-generating requests, the points per endpoint and the handler tasks that may run at
once. The model gives one (:func:`model_load`, from its per-event vectors); a measured trace
gives another (``tracer.packit.drift.load``). :func:`ceilings` turns a load into PRs/hour under

- the primary limit (charged requests per hour, at a tier),
- content-generating requests per hour (500) and per minute (80),
- points per minute per endpoint (900; GET 1, writes 5),
- concurrent requests (100, with an assumed time per request),

names the binding one, and for the per-minute ones gives the burst: the busiest moment's
share, and how many pipelines may reach it in the same minute. Whether check runs and
statuses are content-generating is undocumented: every result says which answer it assumes
(``statuses_count``), and callers show both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tracer.packit.model.limits import (
    LIMITS,
    POINTS_PER_METHOD,
    SECONDARY_CONCURRENT_REQUESTS,
    SECONDARY_CONTENT_CREATING_PER_HOUR,
    SECONDARY_CONTENT_CREATING_PER_MINUTE,
    SECONDARY_POINTS_PER_MINUTE,
)
from tracer.packit.model.published import EVENT_PR_UPDATED, EVENT_SUBMIT_COPR_BUILD, per_event
from tracer.packit.model.scenario import Scenario

#: event → the moment its calls happen in (``limits.yaml``); other events are their own moment
MOMENTS: dict[str, str] = dict(LIMITS["assumptions"]["moments"])
#: seconds a request is in flight, for the concurrency ceiling (an assumption, see limits.yaml)
REQUEST_SECONDS: float = float(LIMITS["assumptions"]["request_seconds"])
#: the two answers to "are check runs and statuses content-generating?", in display order
STATUS_ASSUMPTIONS: tuple[bool, bool] = (True, False)
#: ceiling keys, in display order (a tie for the binding one goes to the first)
KEYS = ("primary", "content-per-hour", "content-per-minute", "points-per-minute", "concurrent")
#: short names for tables
SHORT = {
    "primary": "primary",
    "content-per-hour": "content/h",
    "content-per-minute": "content/min",
    "points-per-minute": "points/min",
    "concurrent": "concurrent",
}
#: the endpoint each of the model's categories stands for (the model knows no endpoints)
MODEL_ENDPOINTS: dict[str, tuple[str, str]] = {
    "is_project_private": ("GET", "/repos/{owner}/{repo}"),
    "is_user_approved": ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"),
    "load_packit_yaml": ("GET", "/repos/{owner}/{repo}/contents/{path+}"),
    "set_status": ("POST", "/repos/{owner}/{repo}/check-runs"),
}


def moment_of(event: str) -> str:
    """The moment an event's calls belong to."""
    return MOMENTS.get(event, event)


def points_of(method: str) -> int:
    """GitHub's secondary-limit points of one request (writes 5, reads 1)."""
    return POINTS_PER_METHOD.get(method.upper(), 1)


@dataclass(frozen=True)
class Moment:
    """The calls of one pipeline that happen within a minute."""

    name: str
    tasks: int  # handler invocations: each is sequential, they may run at the same time
    writes: int  # content-generating requests when statuses count
    status_writes: int  # check runs and commit statuses among the writes
    points: Mapping[str, int] = field(default_factory=dict)  # by endpoint ("METHOD /template")

    def content_generating(self, statuses_count: bool) -> int:
        return self.writes if statuses_count else self.writes - self.status_writes


@dataclass(frozen=True)
class PipelineLoad:
    """What one PR pipeline asks of GitHub."""

    requests: int
    charged: int
    moments: tuple[Moment, ...]
    token_mints: int = 0

    @property
    def writes(self) -> int:
        return sum(m.writes for m in self.moments)

    @property
    def status_writes(self) -> int:
        return sum(m.status_writes for m in self.moments)

    def content_generating(self, statuses_count: bool) -> int:
        return sum(m.content_generating(statuses_count) for m in self.moments)

    @property
    def points(self) -> dict[str, int]:
        """Points per endpoint over the whole pipeline."""
        out: dict[str, int] = {}
        for moment in self.moments:
            for endpoint, points in moment.points.items():
                out[endpoint] = out.get(endpoint, 0) + points
        return out


@dataclass(frozen=True)
class CeilingRow:
    """One ceiling: what a pipeline spends against it, and the PRs/hour it allows."""

    key: str  # one of KEYS
    label: str  # e.g. "content-generating 500/h"
    per_pipeline: int  # charged requests, content-generating requests, points on the busiest endpoint, requests
    prs_per_hour: int | None  # None: the pipeline spends nothing against it
    burst: int | None = None  # per-minute and concurrent ones: the busiest moment's share
    in_step: int | None = None  # pipelines that may reach their busiest moment in the same minute
    detail: str = ""  # e.g. the busiest endpoint

    @property
    def short(self) -> str:
        return SHORT[self.key]

    def text(self) -> str:
        """``34 [147]``: PRs/hour [per pipeline]; per-minute ones ``100 [48; 12 → 6]``: and the
        busiest moment's share → pipelines that may reach it in the same minute; ``-`` for
        PRs/hour when the pipeline spends nothing against the ceiling."""
        prs = "-" if self.prs_per_hour is None else str(self.prs_per_hour)
        burst = f"; {self.burst} → {self.in_step}" if self.burst is not None else ""
        return f"{prs} [{self.per_pipeline}{burst}]"

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "label": self.label, "per_pipeline": self.per_pipeline,
                "prs_per_hour": self.prs_per_hour, "burst": self.burst, "in_step": self.in_step,
                "detail": self.detail}


@dataclass(frozen=True)
class Ceilings:
    """Every ceiling of one pipeline load, under one answer about statuses."""

    statuses_count: bool
    rate_limit: int
    rows: tuple[CeilingRow, ...]

    @property
    def binding(self) -> CeilingRow | None:
        """The ceiling that allows the fewest PRs/hour (a tie: the first in :data:`KEYS`)."""
        rows = [r for r in self.rows if r.prs_per_hour is not None]
        return min(rows, key=lambda r: (r.prs_per_hour, KEYS.index(r.key))) if rows else None

    @property
    def prs_per_hour(self) -> int | None:
        binding = self.binding
        return binding.prs_per_hour if binding else None

    def row(self, key: str) -> CeilingRow:
        return next(r for r in self.rows if r.key == key)

    @property
    def assumption(self) -> str:
        return "statuses count" if self.statuses_count else "statuses free"

    def binding_text(self) -> str:
        """``content/h 10``: the binding ceiling and its PRs/hour (``-`` if nothing binds)."""
        binding = self.binding
        return "-" if binding is None else f"{binding.short} {binding.prs_per_hour}"

    def as_dict(self) -> dict[str, object]:
        binding = self.binding
        return {"statuses_count": self.statuses_count, "rate_limit": self.rate_limit,
                "binding": binding.key if binding else None, "prs_per_hour": self.prs_per_hour,
                "rows": [r.as_dict() for r in self.rows]}


def _per(limit: float, spent: float) -> int | None:
    return int(limit / spent) if spent else None


def ceilings(
    load: PipelineLoad,
    *,
    statuses_count: bool,
    rate_limit: int = 5000,
    request_seconds: float = REQUEST_SECONDS,
) -> Ceilings:
    """PRs/hour under every ceiling for ``load``, the binding one first among equals."""
    cg = load.content_generating(statuses_count)
    cg_burst = max((m.content_generating(statuses_count) for m in load.moments), default=0)
    points = load.points
    busiest = max(points, key=lambda e: (points[e], e)) if points else ""
    points_burst = max((max(m.points.values(), default=0) for m in load.moments), default=0)
    tasks_burst = max((m.tasks for m in load.moments), default=0)
    per_minute = SECONDARY_CONTENT_CREATING_PER_MINUTE
    rows = (
        CeilingRow("primary", f"primary {rate_limit:,}/h", load.charged, _per(rate_limit, load.charged)),
        CeilingRow("content-per-hour", f"content-generating {SECONDARY_CONTENT_CREATING_PER_HOUR}/h", cg,
                   _per(SECONDARY_CONTENT_CREATING_PER_HOUR, cg)),
        CeilingRow("content-per-minute", f"content-generating {per_minute}/min", cg, _per(per_minute * 60, cg),
                   cg_burst or None, _per(per_minute, cg_burst)),
        CeilingRow("points-per-minute", f"{SECONDARY_POINTS_PER_MINUTE} points/min per endpoint",
                   points.get(busiest, 0), _per(SECONDARY_POINTS_PER_MINUTE * 60, points.get(busiest, 0)),
                   points_burst or None, _per(SECONDARY_POINTS_PER_MINUTE, points_burst), busiest),
        CeilingRow("concurrent", f"{SECONDARY_CONCURRENT_REQUESTS} concurrent requests", load.requests,
                   _per(SECONDARY_CONCURRENT_REQUESTS * 3600, load.requests * request_seconds),
                   tasks_burst or None, _per(SECONDARY_CONCURRENT_REQUESTS, tasks_burst),
                   f"{request_seconds:g} s a request"),
    )
    return Ceilings(statuses_count, rate_limit, rows)


def both_ceilings(load: PipelineLoad, rate_limit: int = 5000) -> tuple[Ceilings, Ceilings]:
    """(statuses count, statuses free)."""
    return tuple(ceilings(load, statuses_count=s, rate_limit=rate_limit) for s in STATUS_ASSUMPTIONS)  # type: ignore[return-value]


def model_load(scenario: Scenario) -> PipelineLoad:
    """The model's pipeline as a load: its set_status calls are check-run POSTs (the model's
    statuses), its other categories GETs of the endpoint each stands for; one task per message
    it charges (1 for the PR and the Copr submission, N for every other event)."""
    moments: dict[str, dict[str, object]] = {}
    for event, vector in per_event(scenario).items():
        m = moments.setdefault(moment_of(event), {"tasks": 0, "writes": 0, "points": {}})
        m["tasks"] = int(m["tasks"]) + (1 if event in (EVENT_PR_UPDATED, EVENT_SUBMIT_COPR_BUILD) else scenario.chroots)
        m["writes"] = int(m["writes"]) + vector.set_status
        points: dict[str, int] = m["points"]  # type: ignore[assignment]
        for category, count in vector.as_dict().items():
            if count:
                method, route = MODEL_ENDPOINTS[category]
                key = f"{method} {route}"
                points[key] = points.get(key, 0) + count * points_of(method)
    total = sum(v.total for v in per_event(scenario).values())
    return PipelineLoad(
        requests=total,
        charged=total,
        moments=tuple(
            Moment(name, int(m["tasks"]), int(m["writes"]), int(m["writes"]), dict(m["points"]))  # type: ignore[arg-type]
            for name, m in moments.items()
        ),
    )
