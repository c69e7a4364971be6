"""The one rule for what GitHub charges to an installation's primary rate limit.

Used alike by live tracing, replay and ``stats`` (calls read back from cassettes). A request
is charged unless:

- it went to a host that is not GitHub's API (Testing Farm, Copr, ...);
- no response came back (a connection error, a refused or unanswered request);
- its route is free (``GET /rate_limit``: ``charged: false`` in the rules);
- it is an app call signed with a JWT, or token minting (category ``auth``): those count in the
  app's own bucket, not the installation's;
- the answer is ``304 Not Modified`` (a conditional request that matched);
- the answer is ``401`` (the credentials were refused: nothing is charged to them);
- the answer is a server error (``5xx``): the request was not served;
- the answer refuses the request for a rate limit: ``403``/``429`` with
  ``x-ratelimit-remaining: 0`` (primary) or a ``retry-after`` header (secondary).

Any other answer is charged, errors included (a ``404`` or ``422`` counts, as on GitHub). The
loopback GitHub charges by the same rule. Each attempt of a retried call is judged on its own.
"""

from __future__ import annotations

from typing import Any

from tracer.capture.call import AUTH


def header(headers: Any, name: str) -> Any:
    """A header (any case) from a case-insensitive mapping or a plain cassette dict; a list's first value."""
    if not headers:
        return None
    try:
        value = headers.get(name)
    except AttributeError:
        return None
    if value is None and not hasattr(headers, "lower_items"):
        lowered = name.lower()
        for key, v in headers.items():
            if str(key).lower() == lowered:
                value = v
                break
    if isinstance(value, list):
        return value[0] if value else None
    return value


def rate_limited(status: int | None, headers: Any) -> bool:
    """Whether an answer refuses the request for a primary or secondary rate limit."""
    if status not in (403, 429):
        return False
    if header(headers, "retry-after") is not None:
        return True
    return str(header(headers, "x-ratelimit-remaining")) == "0"


def is_charged(
    *,
    github: bool,
    rule_charged: bool,
    status: int | None,
    auth: str,
    category: str,
    headers: Any = None,
) -> bool:
    """Whether one attempt is charged to the installation (see the module's rule)."""
    if not github or not rule_charged or status is None:
        return False
    if auth == "jwt" or category == AUTH:
        return False
    if status in (304, 401) or status >= 500:
        return False
    return not rate_limited(status, headers)
