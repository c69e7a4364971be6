"""One HTTP request as the tracer saw it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: the category of token minting and app (JWT) calls, whatever the rules say
AUTH = "auth"
#: the category of a call no rule puts in another
OTHER = "other"

NO_HANDLER = "(no handler)"
#: how a call made outside any event is shown
NO_EVENT = "(no event)"
#: the kinds of credential a call may carry (never the credential itself)
AUTH_KINDS: tuple[str, ...] = ("token", "jwt", "basic", "none")


@dataclass(slots=True)
class Call:
    """A physical HTTP request: one attempt of one logical call.

    ``logical`` numbers logical calls (what the client asked for once);
    ``attempt`` is 1 for the first try and counts up for each retry.
    Credentials are never kept: ``auth`` is only their kind
    (``token``, ``jwt``, ``basic``, ``none``) and ``auth_id`` a short
    one-way digest that tells rate-limit buckets apart. ``host`` is the
    host asked; ``forge`` is the forge whose API (or web route) it asked (``github``,
    ``gitlab``, ``pagure``, ``forgejo``; ``None`` for any other host: never in a
    category, never charged).

    >>> call = trace.calls[0]
    >>> call.endpoint, call.category, call.charged, call.handler
    ('GET /repos/{owner}/{repo}', 'is_project_private', True, 'process_message')
    """

    seq: int
    method: str
    url: str
    route: str
    category: str
    charged: bool
    status: int | None = None
    handler: str = NO_HANDLER
    event: str | None = None
    invocation: int = 0
    call_site: str | None = None
    duration_ms: float = 0.0
    logical: int = 0
    attempt: int = 1
    auth: str = "none"
    auth_id: str | None = None
    ratelimit: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    host: str = "api.github.com"
    forge: str | None = "github"

    @property
    def github(self) -> bool:
        """Whether the call asked GitHub's API (the default view of a trace)."""
        return self.forge == "github"

    @property
    def endpoint(self) -> str:
        """``METHOD route-template``, e.g. ``GET /repos/{owner}/{repo}``."""
        return f"{self.method} {self.route}"

    @classmethod
    def from_row(cls, row: tuple[Any, ...], ratelimit: dict[str, str] | None = None) -> Call:
        """A Call from a plain tuple of its fields in order, the rate-limit headers as two tuples
        of strings, their names and their values (how a Tracer keeps calls: the garbage
        collector stops tracking a tuple of strings and numbers, never a Call nor a dict);
        ``ratelimit``: those headers as a dict already made::

            Call.from_row((1, "GET", url, "/rate_limit", "other", False, 200, ..., ("remaining",), ("4999",), ...))
        """
        if ratelimit is None:
            ratelimit = dict(zip(row[16], row[17]))
        return cls(*row[:16], ratelimit, *row[18:])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Call:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown call fields: {', '.join(sorted(unknown))}")
        return cls(**data)
