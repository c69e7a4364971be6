"""The one place that patches third-party code; every patch is undone on exit.

- ``requests.adapters.HTTPAdapter.send``: one *logical* call; the API base URL
  redirect (api.github.com → loopback) happens here.
- ``urllib3.connectionpool.HTTPConnectionPool._make_request``: one *physical*
  attempt (retries by urllib3/ogr are attempts of one logical call).
- ``socket.socket.connect``/``connect_ex`` inside :func:`block_network` (offline replay).
- ``github.Requester.Requester.__deferRequest`` and ``urllib3.util.retry.Retry.sleep``:
  PyGithub's throttling sleeps and ogr's retry back-offs, skipped only inside
  :func:`no_throttle` (a context variable: never globally).

Patches are installed while at least one user (a tracer, a redirect, a
no-throttle block) needs them, reference-counted.
"""

from __future__ import annotations

import contextvars
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests.adapters
import urllib3.connectionpool
import urllib3.util.retry

GITHUB_API = "https://api.github.com"
_GITHUB_API_443 = "https://api.github.com:443"


@dataclass(slots=True)
class Attempt:
    """What one physical attempt returned."""

    status: int | None
    headers: Any  # the response's case-insensitive header mapping
    duration_ms: float
    error: str | None = None


@dataclass(slots=True)
class LogicalCall:
    """A request as the client made it, with the attempts it took."""

    method: str
    url: str
    headers: Any
    frame: Any
    attempts: list[Attempt] = field(default_factory=list)


#: a listener is told of every logical call once it finished
Listener = Callable[[LogicalCall], None]

_lock = threading.RLock()
_users = 0
_listeners: list[Listener] = []
_originals: dict[str, Any] = {}
_redirects: list[str] = []  # stack; the last one wins
_current: contextvars.ContextVar[LogicalCall | None] = contextvars.ContextVar(
    "api_tracer_logical_call", default=None
)
_skip_sleeps: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "api_tracer_skip_sleeps", default=False
)


def _rewrite(url: str) -> str:
    if not _redirects:
        return url
    target = _redirects[-1]
    for prefix in (_GITHUB_API_443, GITHUB_API):
        if url.startswith(prefix) and (len(url) == len(prefix) or url[len(prefix)] in "/?"):
            return target + url[len(prefix) :]
    return url


def _send(self: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
    original_url = request.url or ""
    target = _rewrite(original_url)
    if not _listeners:
        if target is original_url:
            return _originals["send"](self, request, *args, **kwargs)
        request.url = target
        try:
            return _originals["send"](self, request, *args, **kwargs)
        finally:
            request.url = original_url
    call = LogicalCall(request.method or "GET", original_url.replace(":443/", "/", 1), request.headers, sys._getframe(1))
    token = _current.set(call)
    request.url = target
    try:
        return _originals["send"](self, request, *args, **kwargs)
    finally:
        request.url = original_url
        _current.reset(token)
        for listener in list(_listeners):
            listener(call)
        call.frame = None


def _make_request(self: Any, conn: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
    call = _current.get()
    if call is None:
        return _originals["make_request"](self, conn, method, url, *args, **kwargs)
    start = time.perf_counter()
    try:
        response = _originals["make_request"](self, conn, method, url, *args, **kwargs)
    except BaseException as exc:
        call.attempts.append(Attempt(None, {}, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}"))
        raise
    call.attempts.append(Attempt(response.status, response.headers, (time.perf_counter() - start) * 1000))
    return response


def _defer_request(self: Any, verb: str) -> None:
    if _skip_sleeps.get():
        return
    _originals["defer"](self, verb)


def _retry_sleep(self: Any, response: Any = None) -> None:
    if _skip_sleeps.get():
        return
    _originals["retry_sleep"](self, response)


def _targets() -> list[tuple[str, Any, str, Any]]:
    targets: list[tuple[str, Any, str, Any]] = [
        ("send", requests.adapters.HTTPAdapter, "send", _send),
        ("make_request", urllib3.connectionpool.HTTPConnectionPool, "_make_request", _make_request),
        ("retry_sleep", urllib3.util.retry.Retry, "sleep", _retry_sleep),
    ]
    try:
        from github.Requester import Requester
    except ImportError:  # pragma: no cover - PyGithub comes with ogr
        return targets
    if hasattr(Requester, "_Requester__deferRequest"):
        targets.append(("defer", Requester, "_Requester__deferRequest", _defer_request))
    return targets


def _acquire() -> None:
    global _users
    with _lock:
        if _users == 0:
            for name, owner, attr, replacement in _targets():
                _originals[name] = owner.__dict__[attr]
                setattr(owner, attr, replacement)
        _users += 1


def _release() -> None:
    global _users
    with _lock:
        _users -= 1
        if _users == 0:
            for name, owner, attr, _ in _targets():
                setattr(owner, attr, _originals.pop(name))


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Tell ``listener`` of every logical call made (in any thread) while inside."""
    _acquire()
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)
        _release()


@contextmanager
def redirect_api(base_url: str) -> Iterator[str]:
    """Send every request for ``https://api.github.com[:443]/…`` to ``base_url`` instead.

    The one documented redirect that points unchanged ogr/PyGithub at a loopback
    GitHub: clients keep their default base URL and the tracer (and a cassette
    recorder's request filter) see ``https://api.github.com/…`` URLs.
    """
    base = base_url.rstrip("/")
    _acquire()
    with _lock:
        _redirects.append(base)
    try:
        yield base
    finally:
        with _lock:
            _redirects.remove(base)
        _release()


@contextmanager
def no_throttle() -> Iterator[None]:
    """Skip PyGithub's throttling sleeps and urllib3/ogr retry back-offs in this context."""
    _acquire()
    token = _skip_sleeps.set(True)
    try:
        yield
    finally:
        _skip_sleeps.reset(token)
        _release()


def throttle_skipped() -> bool:
    return _skip_sleeps.get()


class NetworkBlockedError(RuntimeError):
    """A connection to a network host was attempted while the network is blocked."""


@contextmanager
def block_network(allowed_hosts: Sequence[str] = (), why: str = "the network is blocked") -> Iterator[None]:
    """Refuse IPv4/IPv6 ``connect`` to any host not matching one of ``allowed_hosts`` (regexes),
    in every thread, while inside (offline replay: only cassettes may answer)."""
    pattern = re.compile("|".join(f"(?:{h})" for h in allowed_hosts)) if allowed_hosts else None
    with _lock:
        original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(original: Any) -> Any:
        def connect(self: socket.socket, address: Any, *args: Any, **kwargs: Any) -> Any:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                host = str(address[0])
                if pattern is None or not pattern.match(host):
                    raise NetworkBlockedError(f"{why}: connection to {host}:{address[1]} refused")
            return original(self, address, *args, **kwargs)

        return connect

    with _lock:
        socket.socket.connect = guard(original_connect)  # type: ignore[method-assign]
        socket.socket.connect_ex = guard(original_connect_ex)  # type: ignore[method-assign]
    try:
        yield
    finally:
        with _lock:
            socket.socket.connect = original_connect  # type: ignore[method-assign]
            socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
