"""The one place that patches third-party code (with :mod:`tracer.capture.httpx_patches`, its
httpx half).

- ``requests.Session.request`` and ``requests.Session.send``: one *logical* call, seen at the
  top of the requests stack, so it is seen whatever answers it below: a real adapter, an adapter
  mock (responses, betamax, requests-mock's adapter), a replaced ``Session.send`` (requre,
  requests-mock), a vcrpy cassette. ``send`` records only when called directly (not from a
  traced ``request``), so a call is never seen twice.
- ``requests.adapters.HTTPAdapter.send``: the API base URL redirect (api.github.com → loopback).
- ``urllib3.connectionpool.HTTPConnectionPool._make_request``: one *physical* attempt (retries
  by urllib3/ogr are attempts of one logical call) where a real transport sends them; inside
  :func:`answering`, a responder answers the attempt instead of a connection (offline replay
  below urllib3's retries: every layer above runs as against a server).
- ``requests.Session.merge_environment_settings`` and ``jwt.algorithms.RSAAlgorithm.prepare_key``:
  inside :func:`answering` only, the proxy settings of a host and a parsed app key are looked up
  once per replay instead of once per request (nothing reaches a proxy; the key is the same).
- ``httpx.Client.request``/``send`` and ``httpx.AsyncClient.request``/``send``: one logical call,
  as for requests; ``httpx.HTTPTransport.handle_request`` and
  ``httpx.AsyncHTTPTransport.handle_async_request``: one physical attempt (or, inside
  :func:`answering`, the responder's answer instead of a connection); pyforgejo's retry delay is
  skipped as the other sleeps are (:mod:`tracer.capture.httpx_patches`).
- ``socket.socket.connect``/``connect_ex`` inside :func:`block_network` (offline replay).
- ``github.Requester.Requester.__deferRequest`` and ``urllib3.util.retry.Retry.sleep``:
  PyGithub's throttling sleeps and ogr's retry back-offs, skipped inside :func:`no_throttle`
  (a context variable) or, process-wide, while :func:`skip_sleeps_everywhere` is held.

Patches are installed while at least one user (a tracer, a redirect, a no-throttle block)
needs them, reference-counted, in any order with mock libraries: a wrapper is marked, never
wrapped twice, and removed only if it is still the attribute's value; one that a mock saved
and later restored stays in place and passes calls straight through while nobody listens.
"""

from __future__ import annotations

import contextvars
import functools
import io
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
import requests.adapters
import requests.structures
import urllib3
import urllib3.connectionpool
import urllib3.util.retry

from tracer.capture.hosts import DEFAULT_PORTS

GITHUB_API = "https://api.github.com"
#: the attribute that marks our wrappers and holds what they wrap
_WRAPS = "__api_tracer_wraps__"


@dataclass(slots=True)
class Attempt:
    """What one physical attempt returned."""

    status: int | None
    headers: Any  # the response's case-insensitive header mapping
    duration_ms: float
    error: str | None = None


@dataclass(slots=True)
class LogicalCall:
    """A request as the client made it, with the attempts it took.

    ``attempts`` are the physical attempts a real transport (urllib3) sent; when something
    above the transport answered (a mock, a replaced ``send``), :func:`_finish` makes the one
    attempt from the response that came back. ``url`` is a string, or an immutable URL object
    whose ``str()`` is the URL (httpx's ``URL``: spelt out only when the call is read,
    :meth:`full_url`)::

        LogicalCall("GET", httpx.URL("https://codeberg.org/api/v1/version"), {}, None).full_url()
    """

    method: str
    url: Any
    headers: Any
    frame: Any
    attempts: list[Attempt] = field(default_factory=list)

    def full_url(self) -> str:
        """The URL as a string."""
        url = self.url
        return url if type(url) is str else str(url)


#: a listener is told of every logical call once it finished
Listener = Callable[[LogicalCall], None]
#: completes a logical call from what came back: (call, response, error, start time)
Finish = Callable[[LogicalCall, Any, "BaseException | None", float], None]
#: a recorded answer: (status, reason, headers as (name, value) pairs, body)
Answer = tuple[int, str, list[tuple[str, str]], bytes]
#: a responder answers one attempt: (method, full URL, request headers, body) → an
#: :data:`Answer` (or raises, as a failed connection would), whichever transport asks
Responder = Callable[[str, str, Any, Any], Answer]

_lock = threading.RLock()
_users = 0
_listeners: list[Listener] = []
_installed: list[tuple[Any, str, Any]] = []  # (owner, attribute, our wrapper)
_redirects: list[tuple[str, str]] = []  # (origin, base URL), a stack: the last one wins
_sleepless = 0  # holders of skip_sleeps_everywhere()
_responders: list[Responder] = []  # stack; the last one answers
_answering_memo: dict[Any, Any] = {}  # what a replay looks up once (cleared when it ends)
_current: contextvars.ContextVar[LogicalCall | None] = contextvars.ContextVar(
    "api_tracer_logical_call", default=None
)
_skip_sleeps: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "api_tracer_skip_sleeps", default=False
)


def _rewrite(url: str) -> str:
    if not _redirects:
        return url
    for origin, target in reversed(_redirects):  # the last one entered for an origin wins
        for prefix in _origin_prefixes(origin):
            if url.startswith(prefix) and (len(url) == len(prefix) or url[len(prefix)] in "/?"):
                return target + url[len(prefix) :]
    return url


@functools.lru_cache(maxsize=64)
def _origin_prefixes(origin: str) -> tuple[str, ...]:
    """``https://host`` and ``https://host:443`` (a client may spell the default port)."""
    scheme, _, host = origin.partition("://")
    port = {"https": 443, "http": 80}.get(scheme)
    return (origin, f"{origin}:{port}") if port and ":" not in host else (origin,)


def _clean(url: str) -> str:
    return url.replace(":443/", "/", 1) if ":443/" in url else url


# -- the logical call: Session.request / Session.send ---------------------------------------------
def _finish(call: LogicalCall, response: Any, error: BaseException | None, start: float) -> None:
    """Complete ``call`` from what came back (a requests response), tell the listeners."""
    prepared = getattr(response, "request", None)
    if isinstance(prepared, requests.PreparedRequest) and prepared.url:
        # the request as it was really sent: params, session headers and auth merged in
        call.method = prepared.method or str(call.method).upper()
        call.url = _clean(prepared.url)
        call.headers = prepared.headers
    else:  # the request as it was asked for, spelt as requests would send it
        call.method, call.url = str(call.method).upper(), _clean(str(call.url))
        if isinstance(call.headers, tuple):
            session_headers, given = call.headers
            call.headers = requests.structures.CaseInsensitiveDict(session_headers)
            call.headers.update(given or {})
    complete(call, response, error, start)


def complete(call: LogicalCall, response: Any, error: BaseException | None, start: float) -> None:
    """Give ``call`` its one attempt if no transport counted any (something above the transport
    answered), tell the listeners, drop the frame."""
    if not call.attempts:
        elapsed = (time.perf_counter() - start) * 1000
        if response is not None:
            call.attempts.append(Attempt(getattr(response, "status_code", None), getattr(response, "headers", {}), elapsed))
        else:
            reason = f"{type(error).__name__}: {error}" if error is not None else "no request was sent"
            call.attempts.append(Attempt(None, {}, elapsed, reason))
    for listener in list(_listeners):
        listener(call)
    call.frame = None


def current_call() -> LogicalCall | None:
    """The logical call under way in this context (its transport's attempts are its own)."""
    return _current.get()


#: makes the logical call a client's method is asked for: (the client, its positional and
#: keyword arguments, the caller's frame); None when they make no request
MakeCall = Callable[[Any, tuple[Any, ...], dict[str, Any], Any], "LogicalCall | None"]


def method_and_url(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The method and URL a client's ``request(method, url, ...)`` was given, None if not::

        method_and_url(("GET",), {"url": "https://api.github.com/"})   # ('GET', 'https://api.github.com/')
    """
    if len(args) > 1:
        return args[0], args[1]
    return (args[0] if args else kwargs.get("method")), kwargs.get("url")


def logical(make_call: MakeCall, finish: Finish) -> Callable[[Any], Any]:
    """A wrapper factory for a client method that makes one logical call (``requests``'
    ``Session.request`` and ``send``, httpx's ``Client.request`` and ``send``): while someone
    listens and no call is under way, the method runs as the call ``make_call`` makes, whose
    attempts are the ones made inside, then ``finish`` completes it from the response (each
    client's own), whatever happened::

        (requests.Session, "send", logical(_sent_call, _finish))

    The wrapper runs the method itself (a helper in between would pass its keyword arguments
    on once more: a dict built and unpacked again on every traced call)."""

    def wrap(original: Any) -> Any:
        clock = time.perf_counter

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            if not _listeners or _current.get() is not None:
                return original(self, *args, **kwargs)
            call = make_call(self, args, kwargs, sys._getframe(1))
            if call is None:  # not a request (arguments missing): the method says what is wrong
                return original(self, *args, **kwargs)
            token = _current.set(call)
            start = clock()
            response = error = None
            try:
                response = original(self, *args, **kwargs)
                return response
            except BaseException as exc:
                error = exc
                raise
            finally:
                _current.reset(token)
                finish(call, response, error, start)

        return wrapper

    return wrap


def logical_async(make_call: MakeCall, finish: Finish) -> Callable[[Any], Any]:
    """:func:`logical` for an async client method (httpx's ``AsyncClient.request`` and
    ``send``): the same call, made and finished alike, around an awaited method::

        (httpx.AsyncClient, "send", logical_async(_sent_call, _finish))
    """

    def wrap(original: Any) -> Any:
        clock = time.perf_counter

        async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            if not _listeners or _current.get() is not None:
                return await original(self, *args, **kwargs)
            call = make_call(self, args, kwargs, sys._getframe(1))
            if call is None:  # not a request (arguments missing): the method says what is wrong
                return await original(self, *args, **kwargs)
            token = _current.set(call)
            start = clock()
            response = error = None
            try:
                response = await original(self, *args, **kwargs)
                return response
            except BaseException as exc:
                error = exc
                raise
            finally:
                _current.reset(token)
                finish(call, response, error, start)

        return wrapper

    return wrap


def _asked_call(session: Any, args: tuple[Any, ...], kwargs: dict[str, Any], frame: Any) -> LogicalCall | None:
    """``Session.request(method, url, params, data, headers, ...)``: the call as asked, with
    (session headers, the call's headers); :func:`_finish` spells them out only if no prepared
    request comes back with the response (it nearly always does)."""
    method, url = method_and_url(args, kwargs)
    if method is None or url is None:
        return None
    given = kwargs.get("headers") if "headers" in kwargs else (args[4] if len(args) > 4 else None)
    return LogicalCall(method, url, (session.headers, given), frame)


def _sent_call(session: Any, args: tuple[Any, ...], kwargs: dict[str, Any], frame: Any) -> LogicalCall | None:
    """``Session.send(request, **kwargs)``: the prepared request as it is sent."""
    request = args[0] if args else kwargs.get("request")
    if request is None:
        return None
    return LogicalCall(request.method or "GET", _clean(request.url or ""), request.headers, frame)


# -- transport: redirect and physical attempts ----------------------------------------------------
def _wrap_adapter_send(original: Any) -> Any:
    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        original_url = request.url or ""
        target = _rewrite(original_url)
        if target is original_url:
            return original(self, request, *args, **kwargs)
        request.url = target
        try:
            return original(self, request, *args, **kwargs)
        finally:
            request.url = original_url

    return send


def _wrap_make_request(original: Any) -> Any:
    current, clock = _current, time.perf_counter

    def _make_request(self: Any, conn: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        call = current.get()
        if call is None and not _responders:
            return original(self, conn, method, url, *args, **kwargs)
        start = clock()
        try:
            if _responders:
                response = _urllib3_answer(self, method, url, kwargs.get("headers"), kwargs.get("body"))
            else:
                response = original(self, conn, method, url, *args, **kwargs)
        except BaseException as exc:
            if call is None:
                raise
            call.attempts.append(Attempt(None, {}, (clock() - start) * 1000, f"{type(exc).__name__}: {exc}"))
            raise
        if call is not None:
            call.attempts.append(Attempt(response.status, response.headers, (clock() - start) * 1000))
        return response

    return _make_request


def _urllib3_answer(pool: Any, method: str, url: str, headers: Any, body: Any) -> Any:
    """The current responder's answer to one urllib3 attempt, as the connection would give it."""
    port = "" if pool.port in (None, DEFAULT_PORTS.get(pool.scheme)) else f":{pool.port}"
    status, reason, answer_headers, data = _responders[-1](method, f"{pool.scheme}://{pool.host}{port}{url}", headers, body)
    return urllib3.HTTPResponse(
        body=io.BytesIO(data), headers=urllib3.HTTPHeaderDict(answer_headers), status=status, reason=reason,
        preload_content=False, decode_content=False, enforce_content_length=False,
        request_method=method, request_url=url,
    )


def responder() -> Responder | None:
    """The responder answering attempts now, if any (for the httpx transport)."""
    return _responders[-1] if _responders else None


# -- a replay's look-ups, made once ---------------------------------------------------------------
def _wrap_merge_environment(original: Any) -> Any:
    def merge_environment_settings(self: Any, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        if not _responders or proxies or not isinstance(url, str) or not isinstance(verify, (bool, str, type(None))):
            return original(self, url, proxies, stream, verify, cert)
        key = ("env", url[: url.find("/", 8) + 1 or None], self.trust_env, stream, verify, cert if isinstance(cert, (str, type(None))) else id(cert))
        settings = _answering_memo.get(key)
        if settings is None:
            settings = _answering_memo[key] = original(self, url, proxies, stream, verify, cert)
        return dict(settings)

    return merge_environment_settings


def _wrap_prepare_key(original: Any) -> Any:
    def prepare_key(self: Any, key: Any) -> Any:
        if not _responders or not isinstance(key, (str, bytes)):
            return original(self, key)
        memo = ("key", type(self), key)
        prepared = _answering_memo.get(memo)
        if prepared is None:
            prepared = _answering_memo[memo] = original(self, key)
        return prepared

    return prepare_key


# -- sleeps ---------------------------------------------------------------------------------------
def sleeps_skipped() -> bool:
    """Whether throttling sleeps and retry back-offs are skipped here and now."""
    return _sleeps_skipped()


def _sleeps_skipped() -> bool:
    return _sleepless > 0 or _skip_sleeps.get()


def _wrap_defer(original: Any) -> Any:
    def defer(self: Any, verb: str) -> None:
        if not _sleeps_skipped():
            original(self, verb)

    return defer


def _wrap_retry_sleep(original: Any) -> Any:
    def sleep(self: Any, response: Any = None) -> None:
        if not _sleeps_skipped():
            original(self, response)

    return sleep


# -- installing -----------------------------------------------------------------------------------
Target = tuple[Any, str, Callable[[Any], Any]]
#: the other clients' places to patch (``httpx_patches`` adds httpx's when it is imported)
_more_targets: list[Callable[[], list[Target]]] = []


def add_targets(provider: Callable[[], list[Target]]) -> None:
    """Patch the places ``provider()`` names too, whenever the interception is installed."""
    _more_targets.append(provider)


def _targets() -> list[Target]:
    targets: list[tuple[Any, str, Callable[[Any], Any]]] = [
        (requests.Session, "request", logical(_asked_call, _finish)),
        (requests.Session, "send", logical(_sent_call, _finish)),
        (requests.adapters.HTTPAdapter, "send", _wrap_adapter_send),
        (urllib3.connectionpool.HTTPConnectionPool, "_make_request", _wrap_make_request),
        (urllib3.util.retry.Retry, "sleep", _wrap_retry_sleep),
    ]
    targets.append((requests.Session, "merge_environment_settings", _wrap_merge_environment))
    for provider in _more_targets:
        targets.extend(provider())
    try:
        from jwt.algorithms import RSAAlgorithm
    except ImportError:  # pragma: no cover - PyJWT comes with PyGithub
        pass
    else:
        targets.append((RSAAlgorithm, "prepare_key", _wrap_prepare_key))
    try:
        from github.Requester import Requester
    except ImportError:  # pragma: no cover - PyGithub comes with ogr
        return targets
    if hasattr(Requester, "_Requester__deferRequest"):
        targets.append((Requester, "_Requester__deferRequest", _wrap_defer))
    return targets


def _acquire() -> None:
    global _users
    with _lock:
        if _users == 0:
            for owner, attr, wrap in _targets():
                current = owner.__dict__[attr]
                if getattr(current, _WRAPS, None) is not None:
                    continue  # ours, restored by a mock that had saved it: it is in place already
                # named as what it wraps: libraries that patch by dotted path (requre) check
                # ``__module__`` before they replace an attribute
                wrapper = functools.update_wrapper(wrap(current), current)
                setattr(wrapper, _WRAPS, current)
                setattr(owner, attr, wrapper)
                _installed.append((owner, attr, wrapper))
        _users += 1


def _release() -> None:
    global _users
    with _lock:
        _users -= 1
        if _users == 0:
            while _installed:
                owner, attr, wrapper = _installed.pop()
                if owner.__dict__.get(attr) is wrapper:
                    setattr(owner, attr, getattr(wrapper, _WRAPS))
                # else: a mock installed itself over us and will put our wrapper back when it
                # stops; the wrapper passes calls through while nobody listens


def installed() -> bool:
    """Whether the patches are in place (for tests and diagnostics)."""
    return _users > 0


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
    recorder's request filter) see ``https://api.github.com/…`` URLs::

        with redirect_api("http://127.0.0.1:8080"), Tracer() as t:
            GithubService(token=token).get_project(namespace="o", repo="r").is_private()
    """
    with redirect_origin(GITHUB_API, base_url) as base:
        yield base


@contextmanager
def redirect_origin(origin: str, base_url: str) -> Iterator[str]:
    """Send every request for ``origin`` (``scheme://host``, its default port spelt or not) to
    ``base_url`` instead, at the transport (``HTTPAdapter.send``), process-wide while inside.

    For a service whose address a client library holds as a constant (e.g. Bodhi's in
    ``fedora-distro-aliases``); the tracer and a recorder's request filter see ``origin``::

        with redirect_origin("https://bodhi.fedoraproject.org", loopback.url):
            requests.get("https://bodhi.fedoraproject.org/releases/")   # answered by the loopback
    """
    base = base_url.rstrip("/")
    entry = (origin.rstrip("/"), base)
    _acquire()
    with _lock:
        _redirects.append(entry)
    try:
        yield base
    finally:
        with _lock:
            _redirects.remove(entry)
        _release()


def redirected_from(url: str) -> str:
    """The URL at the origin that ``url``, a request sent to an active :func:`redirect_api` or
    :func:`redirect_origin` target, stands for; any other URL unchanged. A recorder's request
    filter uses it so cassettes hold GitHub's (the origin's) URLs whatever server answered, and
    replay on any port::

        with redirect_api("http://127.0.0.1:8123"):
            redirected_from("http://127.0.0.1:8123/repos/o/r") == "https://api.github.com/repos/o/r"
    """
    with _lock:
        targets = list(_redirects)
    for origin, base in reversed(targets):
        if url.startswith(base) and (len(url) == len(base) or url[len(base)] in "/?"):
            return origin + url[len(base):]
    return url


@contextmanager
def answering(responder: Responder) -> Iterator[None]:
    """Let ``responder`` answer every HTTP attempt (in any thread) while inside, instead of a
    connection: nothing reaches a socket, and urllib3's retries, requests and the clients above
    run as they would against a server."""
    _acquire()
    with _lock:
        _responders.append(responder)
    try:
        yield
    finally:
        with _lock:
            _responders.remove(responder)
            if not _responders:
                _answering_memo.clear()
        _release()


@contextmanager
def no_throttle() -> Iterator[None]:
    """Skip PyGithub's throttling sleeps and urllib3/ogr retry back-offs in this context.

    ::

        with no_throttle():
            project.set_commit_status(...)   # no 1 s pause between writes
    """
    _acquire()
    token = _skip_sleeps.set(True)
    try:
        yield
    finally:
        _skip_sleeps.reset(token)
        _release()


@contextmanager
def skip_sleeps_everywhere() -> Iterator[None]:
    """Skip the same sleeps in every thread of the process while inside (a tracer records
    every thread, so its runs skip the throttle in every thread it sees)."""
    global _sleepless
    _acquire()
    with _lock:
        _sleepless += 1
    try:
        yield
    finally:
        with _lock:
            _sleepless -= 1
        _release()


class NetworkBlockedError(RuntimeError):
    """A connection to a network host was attempted while the network is blocked.

    ::

        with block_network():
            try:
                requests.get("https://api.github.com/")
            except requests.ConnectionError as exc:   # requests wraps it
                assert isinstance(exc.__context__, NetworkBlockedError)
    """


@contextmanager
def block_network(allowed_hosts: Sequence[str] = (), why: str = "the network is blocked") -> Iterator[None]:
    """Refuse IPv4/IPv6 ``connect`` to any host not matching one of ``allowed_hosts`` (regexes),
    in every thread, while inside (offline replay: only cassettes may answer).

    ::

        with block_network(allowed_hosts=["127.0.0.1"]):
            requests.get("https://api.github.com/")   # NetworkBlockedError
    """
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
