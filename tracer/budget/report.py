"""Rendering shared by the budget, scaling and cassette reports: one call on one line."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from tracer.capture import Call, Trace
from tracer.capture.call import NO_EVENT

#: at most this many calls are listed under one heading
MAX_LISTED = 25


def describe_call(call: Call) -> str:
    """``#7 POST /repos/{owner}/{repo}/check-runs (/repos/o/r/check-runs) → 201, handler X, at mod.func``."""
    parts = urlsplit(call.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    where = f" ({path})" if path != call.route else ""
    status = str(call.status) if call.status is not None else (call.error or "no response")
    charged = "" if call.charged else ", not charged"
    site = call.call_site or "?"
    return f"#{call.seq} {call.method} {call.route}{where} → {status}{charged}, handler {call.handler}, at {site}"


def list_calls(calls: Sequence[Call], indent: str = "    ", limit: int = MAX_LISTED) -> list[str]:
    """One line per call, at most ``limit`` of them and a line saying how many were left out."""
    lines = [indent + describe_call(c) for c in calls[:limit]]
    if len(calls) > limit:
        lines.append(f"{indent}… and {len(calls) - limit} more")
    return lines


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 call``, ``2 calls``, ``0 calls``; ``many`` for an irregular plural."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def unmatched_filters(trace: Trace, handler: str | None, event: str | None, forge: str | None = None) -> list[str]:
    """What a ``forge=`` / ``handler=`` / ``event=`` filter that matches no call of ``trace``
    (on ``forge``'s API, GitHub's by default) did not find, with what was seen instead (a typo
    fails, never passes on an empty selection)::

        handler 'MyHandlr' matched no call (handlers seen: CoprBuildHandler, (no handler))
        forge 'gitlab' matched no call (forges seen: github 3, forgejo 1)
    """
    if forge is not None:
        view = trace if trace.forge == forge else trace.on(forge)
        if not view.calls:
            seen = ", ".join(f"{name} {n}" for name, n in trace.forges().items())
            return [f"forge {forge!r} matched no call (forges seen: {seen or 'none, no forge API call was made'})"]
        trace = view
    problems = []
    calls = trace.calls
    handlers = list(dict.fromkeys(c.handler for c in calls))
    events = list(dict.fromkeys(c.event or NO_EVENT for c in calls))
    if handler is not None and handler not in handlers:
        problems.append(f"handler {handler!r} matched no call (handlers seen: {', '.join(handlers) or 'none, no call was made'})")
    if event is not None and event not in events:
        problems.append(f"event {event!r} matched no call (events seen: {', '.join(events) or 'none, no call was made'})")
    if handler is not None and event is not None and not problems:
        if not any(c.handler == handler and c.event == event for c in calls):
            seen = ", ".join(dict.fromkeys(c.event or NO_EVENT for c in calls if c.handler == handler))
            problems.append(f"handler {handler!r} made no call under event {event!r} (its events: {seen})")
    return problems
