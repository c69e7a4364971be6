"""Offline replay of cassettes, built for speed, answering as vcrpy would.

vcrpy replays by patching the connection classes for each cassette, matching each request by a
scan over the cassette, deep-copying every request and response. This replayer answers each
physical attempt below urllib3's retry logic (and at httpx's transport) (:func:`tracer.capture.patches.answering`): no
socket, no connection class swapped, the cassette indexed once by the same match as api-tracer's
vcrpy set-up (method, scheme, host, port, path and query, ``?page=1`` as no query,
:mod:`tracer.recording.matchers`), each recorded answer played at most once, in recorded order
per request. Everything above the transport (urllib3's retries, requests, PyGithub, ogr) runs as
against a server, so a tracer sees the same logical calls and attempts as with vcrpy.

What each cassette's replay did is kept as a :class:`~tracer.recording.completeness.CassettePlay`
(recorded, played, unanswered): a complete replay asked for every answer once and nothing else.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tracer.capture import patches
from tracer.capture.hosts import DEFAULT_PORTS
from tracer.recording.cassette_io import load_cassette
from tracer.recording.matchers import DEFAULT_QUERY


Key = tuple[str, str, str, int, str, tuple[tuple[str, str], ...]]


class NoRecordedAnswer(RuntimeError):
    """A request the cassette has no (more) recorded answer for."""


def match_key(method: str, url: str) -> Key:
    """What two requests must share to be answered alike (api-tracer's vcrpy ``MATCH_ON``)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    query = tuple(sorted(set(parse_qsl(parts.query, keep_blank_values=True)) - DEFAULT_QUERY))
    return (method.upper(), scheme, (parts.hostname or "").lower(), port, parts.path, query)


class CassetteAnswers:
    """One cassette's recorded answers, indexed; what was played and what found no answer."""

    def __init__(self, path: Path, interactions: list[dict[str, Any]]) -> None:
        self.path = path
        self.recorded: list[str] = []
        self.played: list[int] = [0] * len(interactions)
        self.unanswered: list[str] = []
        self._answers: list[tuple[int, str, list[tuple[str, str]], bytes]] = []
        self._queues: dict[Key, deque[int]] = {}
        for index, interaction in enumerate(interactions):
            request, response = interaction["request"], interaction["response"]
            self.recorded.append(f"{request['method']} {request['uri']}")
            self._queues.setdefault(match_key(request["method"], request["uri"]), deque()).append(index)
            body = (response.get("body") or {}).get("string") or b""
            headers = [(str(name), str(v)) for name, values in (response.get("headers") or {}).items()
                       for v in (values if isinstance(values, list) else [values])]
            status = response["status"]
            self._answers.append((int(status["code"]), str(status.get("message") or ""), headers,
                                  body.encode("utf-8") if isinstance(body, str) else bytes(body)))
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path) -> CassetteAnswers:
        path = Path(path)
        return cls(path, load_cassette(path)["interactions"])

    def answer(self, method: str, url: str, headers: Any = None, body: Any = None) -> patches.Answer:
        """The next recorded answer to this request (``url`` whole): status, reason, headers, body."""
        with self._lock:
            queue = self._queues.get(match_key(method, url))
            if not queue:
                request = f"{method} {url}"
                self.unanswered.append(request)
                raise NoRecordedAnswer(
                    f"not in the cassette, or every recorded answer to it already played; closest recorded: "
                    f"{self.closest(request)} ({self.path.name})"
                )
            index = queue.popleft()
            self.played[index] += 1
        return self._answers[index]

    def closest(self, request: str) -> str:
        """The recorded request most like ``request`` ("METHOD uri"): same method and path first."""
        method, _, uri = request.partition(" ")
        path = uri.split("?", 1)[0]
        for candidates in (
            [r for r in self.recorded if r.split("?", 1)[0] == f"{method} {path}"],
            [r for r in self.recorded if r.startswith(method + " ")],
        ):
            if candidates:
                return candidates[0]
        return "none"

    @property
    def complete(self) -> bool:
        return not self.unanswered and all(self.played)


class Replayer:
    """Answers from one cassette at a time (:meth:`cassette`), for a whole run under one patch
    (:meth:`active`); a request outside any cassette finds no answer."""

    def __init__(self) -> None:
        self.current: CassetteAnswers | None = None

    def _respond(self, method: str, url: str, headers: Any, body: Any) -> patches.Answer:
        current = self.current
        if current is None:
            raise NoRecordedAnswer(f"no cassette is in use for {method} {url}")
        # a request redirect_api sent to a loopback GitHub is answered as the GitHub request it
        # stands for: cassettes hold api.github.com URIs whatever port answered the recording
        return current.answer(method, patches.redirected_from(url), headers, body)

    @contextmanager
    def active(self) -> Iterator[Replayer]:
        """Every HTTP attempt in the process is answered from the current cassette while inside."""
        with patches.answering(self._respond):
            yield self

    @contextmanager
    def cassette(self, path: str | Path | CassetteAnswers) -> Iterator[CassetteAnswers]:
        answers = path if isinstance(path, CassetteAnswers) else CassetteAnswers.load(path)
        previous, self.current = self.current, answers
        try:
            yield answers
        finally:
            self.current = previous
