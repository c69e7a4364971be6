"""What passes between the transport and the API: requests, replies, principals, log entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tracer.packit.loopback import bodies


@dataclass(frozen=True)
class Principal:
    """Who made a request: ``kind`` is user, installation, app or anonymous."""

    kind: str
    bucket: str
    token: str | None = None  # token_identity(), never the token
    login: str | None = None
    installation_id: int | None = None


#: a request header the server logs as :attr:`LoggedRequest.tag` (a client names itself: which
#: process or task sent the request), so a test can split the server's own count by sender
TAG_HEADER = "X-Loopback-Tag"


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it."""

    seq: int
    method: str
    path: str
    query: str
    status: int
    charged: bool
    token: str | None  # token_identity() of the credential; None if anonymous
    bucket: str | None  # rate-limit bucket; None when authentication failed
    principal: str | None  # user, installation, app, anonymous; None when authentication failed
    fault: str | None = None  # kind of the injected fault that answered, if any
    remaining: int | None = None  # the bucket's remaining count after the request
    tag: str | None = None  # the request's TAG_HEADER: who sent it, as the client says (e.g. a Celery task)


@dataclass
class Request:
    method: str
    path: str  # percent-encoded, no query
    query: str
    headers: Mapping[str, str]  # case-insensitive .get()
    body: bytes = b""


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class ApiError(Exception):
    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Ctx:
    """What a handler gets besides its path parameters."""

    principal: Principal
    query: dict[str, str]
    body: Any


def not_found(doc: str = bodies.DOCS) -> ApiError:
    return ApiError(404, bodies.error("Not Found", doc, 404))


