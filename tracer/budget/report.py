"""Rendering shared by the budget, scaling and cassette reports: one call on one line."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from tracer.capture import Call

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
