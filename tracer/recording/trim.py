"""Trim recorded responses to what the worker's clients read, to keep cassettes small.

GitHub bodies carry dozens of hypermedia URL templates (``forks_url``, ``keys_url{/key_id}``…)
and responses a dozen headers no client here reads. Trimming drops those; the record →
replay round-trip test proves the worker never needed them (PyGithub would otherwise make
an extra request to complete the object, and the replay would fail on it).
"""

from __future__ import annotations

import json
from typing import Any

#: response headers kept (lower case); everything else is dropped
KEPT_HEADERS = frozenset(
    {"content-type", "etag", "last-modified", "link", "location", "retry-after", "x-tracer-auth"}
)
KEPT_HEADER_PREFIXES = ("x-ratelimit-",)
#: keys no client here reads (hypermedia and GraphQL ids)
DROPPED_KEYS = frozenset({"node_id", "_links"})
#: hypermedia keys kept although they end in ``_url`` (PyGithub's PullRequest builds its
#: issue-comment URLs from ``issue_url``)
KEPT_URL_KEYS = frozenset(
    {"url", "html_url", "download_url", "git_url", "clone_url", "ssh_url", "svn_url", "issue_url"}
)


def trim_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: trim_json(v)
            for k, v in value.items()
            if not (k.endswith("_url") and k not in KEPT_URL_KEYS) and k not in DROPPED_KEYS
        }
    if isinstance(value, list):
        return [trim_json(v) for v in value]
    return value


def trim_response(response: dict[str, Any]) -> dict[str, Any]:
    """For vcrpy's ``before_record_response``: drop unread headers and URL templates."""
    headers = response.get("headers") or {}
    response["headers"] = {
        k: v for k, v in headers.items()
        if k.lower() in KEPT_HEADERS or k.lower().startswith(KEPT_HEADER_PREFIXES)
    }
    body = response.get("body") or {}
    raw = body.get("string")
    if raw:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        try:
            data = json.loads(text)
        except ValueError:
            return response
        trimmed = json.dumps(trim_json(data), separators=(",", ":"))
        body["string"] = trimmed.encode() if isinstance(raw, bytes) else trimmed
    return response
