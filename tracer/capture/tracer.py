"""The tracer: while active, every HTTP request through ``requests`` becomes a :class:`Call`."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import itertools
import threading
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tracer.capture import patches
from tracer.capture.call import NO_HANDLER, OTHER, Call
from tracer.capture.charging import charged, ratelimit_keys
from tracer.capture.classify import Classifier
from tracer.capture.hosts import Hosts
from tracer.capture.rules import Rules
from tracer.capture.scope import current_scope
from tracer.capture.trace import Trace

def auth_of(headers: Any) -> tuple[str, str | None]:
    """(kind, short digest) of a request's credentials; never the credential itself (GitLab's
    ``PRIVATE-TOKEN`` / ``JOB-TOKEN`` headers are tokens too).

    >>> auth_of({"Authorization": "token ghs_x"})[0]
    'token'
    """
    kind = _headers_kind(type(headers))
    if kind == _REQUESTS:
        # requests' CaseInsensitiveDict (every request it sends): lower-cased name → (name,
        # value); one look-up instead of its public get's three calls
        store = headers._store

        def get(name: str) -> Any:
            found = store.get(name.lower())
            return found[1] if found is not None else None
    elif kind == _HTTPX:
        table = _httpx_table(headers)

        def get(name: str) -> Any:
            return _httpx_value(table, _encoded(name.lower()), headers)
    elif headers is not None:
        get = headers.get
    else:
        return "none", None
    value = get("Authorization")
    if value:
        return _auth_kind(str(value))
    gitlab = get("PRIVATE-TOKEN") or get("JOB-TOKEN")
    return ("token", _digest(str(gitlab))) if gitlab else ("none", None)


#: the header mappings whose insides are read directly (each public look-up costs several calls)
_OTHER, _REQUESTS, _HTTPX, _URLLIB3 = range(4)


@functools.cache
def _headers_kind(cls: type) -> int:
    """Which header mapping a type is, by its name and the insides read (asked once per type)."""
    name = f"{cls.__module__}.{cls.__qualname__}"
    if name == "requests.structures.CaseInsensitiveDict" and "_store" in getattr(cls, "__init__").__code__.co_names:
        return _REQUESTS
    if name == "httpx.Headers":
        return _HTTPX
    if name == "urllib3._collections.HTTPHeaderDict":
        return _URLLIB3
    return _OTHER


def _httpx_table(headers: Any) -> dict[bytes, bytes]:
    """httpx's ``Headers`` as lower-cased name → value (repeated headers joined as httpx joins
    them), read from its list in one pass: each of its public look-ups scans and decodes the
    whole list (most of the tracer's time per httpx call went there)."""
    table: dict[bytes, bytes] = {}
    for _, key, value in headers._list:
        table[key] = table[key] + b", " + value if key in table else value
    return table


def _httpx_value(table: dict[bytes, bytes], name: bytes, headers: Any) -> str | None:
    """One header of :func:`_httpx_table`, decoded as httpx would (ASCII; else its public look-up)."""
    value = table.get(name)
    if value is None:
        return None
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        return headers.get(name.decode("latin-1"))


@functools.lru_cache(maxsize=256)  # a worker reuses a few credentials: hash each once
def _auth_kind(value: str) -> tuple[str, str]:
    scheme, _, credential = value.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer" and credential.count(".") == 2 and credential.startswith("eyJ"):
        # an app JWT is signed anew every few minutes: its digest is the app's (its issuer)
        return "jwt", _digest(f"app:{_jwt_issuer(credential)}")
    return ("basic" if scheme == "basic" else "token"), _digest(credential)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _jwt_issuer(jwt: str) -> str:
    """The ``iss`` claim of a JWT (a GitHub App's id), or the whole token if it has none."""
    payload = jwt.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["iss"])
    except (ValueError, KeyError, TypeError):
        return jwt


def _ratelimit(headers: Any, keys: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The rate-limit headers ``keys`` names of an answer, by name (``remaining``: ``"4999"``)."""
    found = {}
    kind = _headers_kind(type(headers))
    if kind == _URLLIB3:
        # urllib3's HTTPHeaderDict (every answer a transport got): lower-cased name ->
        # [name as sent, *values]; five look-ups in it cost a third of its public
        # ``in``/``[]`` (a third of what building a Call cost in live mode)
        container = headers._container
        for name, header in keys:
            values = container.get(header)
            if values is not None:
                found[name] = ", ".join(values[1:])
        return found
    if kind == _HTTPX:
        table = _httpx_table(headers)
        for name, header in keys:
            value = _httpx_value(table, _encoded(header), headers)
            if value is not None:
                found[name] = value
        return found
    for name, header in keys:
        if header in headers:  # a miss costs no KeyError
            found[name] = headers[header]
    return found


@functools.cache
def _encoded(header: str) -> bytes:
    return header.encode("ascii")


class Tracer:
    """Records every HTTP request made through ``requests`` (in any thread) while it is active.

    >>> with Tracer() as t, handler("CoprBuildHandler", event="PR is updated"):
    ...     project.get_pr(1)
    >>> t.trace().totals()

    Calls to a forge's API (each forge's known hosts, plus the rules' ``hosts`` and ``hosts``
    here, e.g. ``"gitlab=gitlab.example.com"`` or a GitHub Enterprise Server
    ``"github.example.com/api/v3"``) are named by the forge's route table, classified and may be
    charged by the forge's rule; calls to other hosts are kept apart in the trace. ``skip_sleeps`` skips PyGithub's throttle and
    ogr's retry back-offs in every thread while the tracer is active.

    Each :class:`Call` is built in the calling thread as its call finishes, and only the Call is
    kept: holding the client's request and response objects until the trace was read instead
    (a dozen objects a call for the garbage collector) made full collections cost a loopback
    call 20 µs more than building its Call does (``benchmarks/bench_capture.py`` prints the
    collector's time a call).
    """

    def __init__(
        self,
        rules: Rules | str | Path | None = None,
        *,
        hosts: Iterable[str] | Hosts | None = None,
        skip_sleeps: bool = True,
    ) -> None:
        if isinstance(rules, (str, Path)):
            rules = Rules.load(rules)
        rules = rules or Rules.default()
        self.hosts = hosts if isinstance(hosts, Hosts) else rules.hosts.with_hosts(hosts or (), "Tracer(hosts=...)")
        self.classifier = Classifier(rules, self.hosts)
        self.skip_sleeps = skip_sleeps
        self._calls: list[Call] = []
        self._seq = itertools.count(1)
        self._logical = itertools.count(1)
        self._invocations: dict[int, int] = {}  # a scope's process-wide number → this trace's
        self._lock = threading.Lock()
        self._stack: ExitStack | None = None

    def __enter__(self) -> Tracer:
        stack = ExitStack()
        stack.enter_context(patches.listening(self._record))
        if self.skip_sleeps:
            stack.enter_context(patches.skip_sleeps_everywhere())
        self._stack = stack
        return self

    def __exit__(self, *exc: object) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()

    @property
    def calls(self) -> list[Call]:
        """The calls recorded so far (the list the tracer appends to)."""
        return self._calls

    @calls.setter
    def calls(self, value: list[Call]) -> None:
        self._calls = value

    def _record(self, call: patches.LogicalCall) -> None:
        site_category, site = self.classifier.call_site(call.frame)  # the stack dies with the call
        entry = (call, current_scope(), site_category, site)
        with self._lock:
            self._add(entry)

    def _add(self, entry: tuple[patches.LogicalCall, Any, str | None, str | None]) -> None:
        """One logical call's Calls, one per attempt (lock held)."""
        call, scope, site_category, site = entry
        url = call.url if type(call.url) is str else call.full_url()
        e = self.classifier.endpoint(call.method, url)
        forge = e.forge
        # Classifier.classify_at, inlined: another host's call is other; a final route
        # category wins, then the call site's, then the route's
        category = OTHER if forge is None else (e.category or OTHER) if e.final else (site_category or e.category or OTHER)
        free = forge is None or e.free
        auth, auth_id = auth_of(call.headers)
        attempts = call.attempts or [patches.Attempt(None, {}, 0.0, "no request was sent")]
        logical = next(self._logical)
        if scope is None:
            handler, event, invocation = NO_HANDLER, None, 0
        else:
            handler, event = scope.handler, scope.event
            invocation = self._invocations.setdefault(scope.invocation, len(self._invocations) + 1)
        keys = ratelimit_keys(forge)
        number = 0
        for attempt in attempts:
            number += 1
            status = attempt.status
            # positionally, in Call's field order (seq, method, url, route, category, charged,
            # status, handler, event, invocation, call_site, duration_ms, logical, attempt,
            # auth, auth_id, ratelimit, error, host, forge): a quarter of the keyword call's cost
            self._calls.append(Call(
                next(self._seq), call.method, url, e.route, category,
                charged(forge, free, status, auth, category, attempt.headers),
                status, handler, event, invocation, site,
                round(attempt.duration_ms, 3), logical, number,
                auth, auth_id, _ratelimit(attempt.headers, keys), attempt.error, e.host, forge,
            ))

    def trace(self) -> Trace:
        """A snapshot of what was recorded so far."""
        with self._lock:
            return Trace(list(self._calls))

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
