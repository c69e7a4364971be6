"""vcrpy request matchers that tolerate what differs between PyGithub versions."""

from __future__ import annotations

from typing import Any

from vcr.request import Request

#: query parameters a client may add with their default value (PyGithub 2.x adds ?page=1)
DEFAULT_QUERY = frozenset({("page", "1")})


def github_query(r1: Request, r2: Request) -> None:
    """Like vcrpy's ``query`` matcher, but ``page=1`` counts as absent."""
    q1 = sorted(set(r1.query) - DEFAULT_QUERY)
    q2 = sorted(set(r2.query) - DEFAULT_QUERY)
    assert q1 == q2, f"{q1} != {q2}"


#: the matchers api-tracer replays with (the query one is ``github_query``)
MATCH_ON = ("method", "scheme", "host", "port", "path", "github_query")


def configure(vcr: Any) -> Any:
    """Register api-tracer's matchers on a ``vcr.VCR`` instance and return it."""
    vcr.register_matcher("github_query", github_query)
    return vcr
