"""A measured pipeline as the model's :class:`~tracer.packit.model.ceilings.PipelineLoad`.

Calls are grouped into moments by their event (``tracer.packit.model.ceilings.moment_of``); within a
moment, the handler invocations are the tasks that may run at once. Auth calls (token minting,
signed by the app for the app) are neither content-generating nor the installation's points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracer.capture import AUTH, Trace
from tracer.capture.call import NO_EVENT
from tracer.packit.model import CONTENT_GENERATING_METHODS, Moment, PipelineLoad, moment_of, points_of

#: the call that mints a GitHub App installation token
TOKEN_MINT = "POST /app/installations/{installation_id}/access_tokens"
#: calls of an event without a scope


@dataclass
class _Moment:
    tasks: set[int] = field(default_factory=set)
    writes: int = 0
    status_writes: int = 0
    points: dict[str, int] = field(default_factory=dict)


def trace_load(trace: Trace) -> PipelineLoad:
    """The load of one measured pipeline (GitHub calls only: other hosts are not GitHub's)."""
    moments: dict[str, _Moment] = {}
    for call in trace:
        moment = moments.setdefault(moment_of(call.event or NO_EVENT), _Moment())
        moment.tasks.add(call.invocation)
        if call.category == AUTH:
            continue
        if call.method.upper() in CONTENT_GENERATING_METHODS:
            moment.writes += 1
            moment.status_writes += call.category == "set_status"
        moment.points[call.endpoint] = moment.points.get(call.endpoint, 0) + points_of(call.method)
    return PipelineLoad(
        requests=trace.requests,
        charged=trace.charged,
        moments=tuple(Moment(name, len(m.tasks), m.writes, m.status_writes, dict(m.points)) for name, m in moments.items()),
        token_mints=sum(1 for c in trace if c.endpoint == TOKEN_MINT),
    )
