"""A small JSON service on loopback: routes, a request log, one lock (Copr, Testing Farm, releases).

::

    class Echo(JsonService):
        ROUTES = (("GET", r"/echo/(?P<word>\\w+)", "echo"),)
        def echo(self, call: Call) -> Answer:
            return 200, {"word": call.params["word"]}

    with Echo() as echo:
        requests.get(echo.url + "/echo/hi").json()     # {"word": "hi"}
        echo.requests                                  # [ServiceRequest(method, path, query, status)]

A route's handler gets a :class:`Call` and answers ``(status, JSON-able body)`` (a ``str`` body
is sent as text); an unknown route answers 404 with ``{"error": ...}``. Nothing here is packit's.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote

from tracer.packit.loopback.messages import Reply, Request
from tracer.packit.loopback.server import Served

Answer = tuple[int, Any]


@dataclass(frozen=True)
class ServiceRequest:
    """One request as a service saw it (its own count, for tests)."""

    method: str
    path: str
    query: str
    status: int


@dataclass
class Call:
    """One request, parsed: path parameters, query (lists) and the JSON body (None if absent)."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """One query parameter (its first value)."""
        values = self.query.get(name)
        return values[0] if values else default


class JsonService(Served):
    """Routes ``(METHOD, path regex, method name)`` to handlers, under one lock."""

    ROUTES: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    #: a prefix every path carries (e.g. Copr's ``/api_3``), removed before routing
    PREFIX: ClassVar[str] = ""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.requests: list[ServiceRequest] = []
        self._lock = threading.RLock()
        self._routes = [(m, re.compile(p + r"/?$"), getattr(self, name)) for m, p, name in self.ROUTES]

    def handle(self, request: Request) -> Reply:
        path = unquote(request.path)
        if self.PREFIX and path.startswith(self.PREFIX):
            path = path[len(self.PREFIX):] or "/"
        with self._lock:
            status, body = self._answer(request, path)
            self.requests.append(ServiceRequest(request.method, path, request.query, status))
        if isinstance(body, str):
            data, ctype = body.encode(), "text/plain; charset=utf-8"
        else:
            data, ctype = json.dumps(body).encode(), "application/json"
        return Reply(status, [("Content-Type", ctype)], data)

    def _answer(self, request: Request, path: str) -> Answer:
        for method, pattern, func in self._routes:
            match = pattern.match(path)
            if match and method == request.method:
                try:
                    body = json.loads(request.body) if request.body else None
                except ValueError:
                    return 400, {"error": "the body is not JSON"}
                call = Call(request.method, path, match.groupdict(), parse_qs(request.query, keep_blank_values=True),
                            body, request.headers)
                return func(call)
        return 404, {"error": f"{type(self).__name__}: no route for {request.method} {path}"}

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        """Requests seen (of ``method``, under ``path_prefix``)."""
        with self._lock:
            return sum(1 for r in self.requests if (method is None or r.method == method) and r.path.startswith(path_prefix))
