"""httpx, sync and async, seen as requests is (the httpx half of :mod:`tracer.capture.patches`).

- ``httpx.Client.request`` and ``httpx.Client.send`` (and ``AsyncClient``'s): one *logical*
  call at the top of the client, so it is seen whatever answers it below: the real transport,
  a replaced ``send`` (requre's ``record_httpx``), a replaced transport (pytest-httpx, vcrpy,
  ``httpx.MockTransport``), a replaced connection pool (respx). ``send`` records only when
  called directly (``Client.stream`` does), as for requests; the request ``request`` builds
  (``BaseClient.build_request``: base URL, query parameters, the client's headers) is the call's
  even when something replacing ``send`` answers it.
- ``httpx.HTTPTransport.handle_request`` and ``httpx.AsyncHTTPTransport.handle_async_request``:
  one *physical* attempt each (a redirect followed is a second attempt of the same call); inside
  :func:`tracer.capture.patches.answering` the responder answers instead of a connection.
- ``pyforgejo.core.http_client._retry_timeout``: pyforgejo's retry delay is 0 where sleeps are
  skipped (a tracer's runs), as PyGithub's throttle and urllib3's back-off are.

>>> import httpx
>>> from tracer.capture import Tracer
>>> with Tracer() as t:
...     httpx.get("https://codeberg.org/api/v1/version")   # doctest: +SKIP
>>> t.trace().calls[0].route                                 # doctest: +SKIP
'/version'
"""

from __future__ import annotations

import time
from typing import Any

from tracer.capture import patches
from tracer.capture.patches import Attempt, LogicalCall

# the interception's state, read inline by the wrappers (every traced call passes each of them;
# both lists are only ever changed in place)
_listeners, _responders, _current = patches._listeners, patches._responders, patches._current


def _logical(request: Any, frame: Any) -> LogicalCall:
    return LogicalCall(request.method, request.url, request.headers, frame)


def _finish(call: LogicalCall, response: Any, error: BaseException | None, start: float) -> None:
    """Complete ``call`` from the response: the last request really sent (auth and redirects
    applied) gives its URL and headers. httpx's ``URL`` is immutable: it is kept as it is and
    spelt out when the call is read (a quarter of the tracer's time per call went to ``str()``)."""
    sent = getattr(response, "_request", None)  # ``Response.request`` raises when unset
    if sent is not None:
        call.method = sent.method
        call.url = sent.url
        call.headers = sent.headers
    patches.complete(call, response, error, start)


def _asked_call(client: Any, args: tuple[Any, ...], kwargs: dict[str, Any], frame: Any) -> LogicalCall | None:
    """``Client.request(method, url, ...)``: the call as the caller asked; the request the client
    builds (base URL, query parameters, its own headers: :func:`_wrap_build_request`) replaces
    it, then :func:`_finish` the one really sent."""
    method, url = patches.method_and_url(args, kwargs)
    if method is None or url is None:
        return None
    return LogicalCall(str(method).upper(), str(url), kwargs.get("headers"), frame)


def _sent_call(client: Any, args: tuple[Any, ...], kwargs: dict[str, Any], frame: Any) -> LogicalCall | None:
    """``Client.send(request, ...)``: the request as it is sent."""
    request = args[0] if args else kwargs.get("request")
    return None if request is None else _logical(request, frame)


def _wrap_build_request(original: Any) -> Any:
    def build_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        request = original(self, *args, **kwargs)
        call = _current.get()
        if call is not None and not call.attempts:  # the request ``request`` sends, whatever answers it
            call.method, call.url, call.headers = request.method, request.url, request.headers
        return request

    return build_request


# -- the transport: physical attempts, or a responder's answers -----------------------------------
def _answer(request: Any) -> Any:
    import httpx

    respond = patches.responder()
    assert respond is not None
    body = request.read() if hasattr(request, "read") else None
    status, reason, headers, data = respond(request.method, str(request.url), request.headers, body)
    return httpx.Response(status, headers=headers, content=data, extensions={"reason_phrase": reason.encode()})


def _attempt(call: LogicalCall | None, response: Any, start: float) -> None:
    if call is not None:
        call.attempts.append(Attempt(response.status_code, response.headers, (time.perf_counter() - start) * 1000))


def _failed(call: LogicalCall | None, exc: BaseException, start: float) -> None:
    if call is not None:
        call.attempts.append(Attempt(None, {}, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}"))


def _wrap_handle_request(original: Any) -> Any:
    clock = time.perf_counter

    def handle_request(self: Any, request: Any) -> Any:
        call = _current.get()
        answering = bool(_responders)
        if call is None and not answering:
            return original(self, request)
        start = clock()
        try:
            response = _answer(request) if answering else original(self, request)
        except BaseException as exc:
            _failed(call, exc, start)
            raise
        if call is not None:  # _attempt, inlined: every traced call passes here
            call.attempts.append(Attempt(response.status_code, response.headers, (clock() - start) * 1000))
        return response

    return handle_request


def _wrap_handle_async_request(original: Any) -> Any:
    async def handle_async_request(self: Any, request: Any) -> Any:
        call = patches.current_call()
        answering = patches.responder() is not None
        if call is None and not answering:
            return await original(self, request)
        start = time.perf_counter()
        try:
            if answering:
                await request.aread()
                response = _answer(request)
            else:
                response = await original(self, request)
        except BaseException as exc:
            _failed(call, exc, start)
            raise
        _attempt(call, response, start)
        return response

    return handle_async_request


def _wrap_retry_timeout(original: Any) -> Any:
    def _retry_timeout(response: Any, retries: int) -> float:
        return 0.0 if patches.sleeps_skipped() else original(response, retries)

    return _retry_timeout


def targets() -> list[tuple[Any, str, Any]]:
    """(owner, attribute, wrapper factory) for each httpx place to patch; none without httpx."""
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx comes with ogr (pyforgejo)
        return []
    found: list[tuple[Any, str, Any]] = [
        (httpx._client.BaseClient, "build_request", _wrap_build_request),
        (httpx.Client, "request", patches.logical(_asked_call, _finish)),
        (httpx.Client, "send", patches.logical(_sent_call, _finish)),
        (httpx.AsyncClient, "request", patches.logical_async(_asked_call, _finish)),
        (httpx.AsyncClient, "send", patches.logical_async(_sent_call, _finish)),
        (httpx.HTTPTransport, "handle_request", _wrap_handle_request),
        (httpx.AsyncHTTPTransport, "handle_async_request", _wrap_handle_async_request),
    ]
    try:
        from pyforgejo.core import http_client
    except ImportError:  # pragma: no cover - pyforgejo comes with ogr
        return found
    if "_retry_timeout" in http_client.__dict__:
        found.append((http_client, "_retry_timeout", _wrap_retry_timeout))
    return found


patches.add_targets(targets)
