"""The tracer: while active, every HTTP request through ``requests`` becomes a :class:`Call`."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tracer.capture import patches
from tracer.capture.call import NO_HANDLER, Call
from tracer.capture.charging import charged, ratelimit_keys
from tracer.capture.classify import Classifier
from tracer.capture.headers import auth_of, ratelimit_of
from tracer.capture.hosts import Hosts
from tracer.capture.rules import Rules
from tracer.capture.scope import _current as _scope
from tracer.capture.trace import Trace

#: the one attempt of a call that sent nothing
_NOT_SENT = (patches.Attempt(None, {}, 0.0, "no request was sent"),)


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

    Each call's fields are worked out in the calling thread as its call finishes and kept as a
    plain tuple of strings and numbers, made a :class:`Call` when read (:attr:`calls`,
    :meth:`trace`): the garbage collector soon stops tracking such a tuple, never a Call, and a
    growing trace of tracked objects costs every traced call its share of full collections
    (holding the clients' request and response objects until the trace was read cost a loopback
    call 20 µs; holding Calls, 6-7 µs; ``benchmarks/bench_capture.py`` prints the collector's
    time a call).
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
        self._rows: list[tuple[Any, ...]] = []  # a plain tuple a call (Call.from_row makes it a Call)
        #: where each call's row goes, with its rate-limit headers as a dict (a LiveTracer makes
        #: it a Call at once)
        self._keep: Callable[[tuple[Any, ...], dict[str, str]], None] = self._keep_row
        self._seq = itertools.count(1)
        self._logical = itertools.count(1)
        self._invocations: dict[int, int] = {}  # a scope's process-wide number → this trace's
        self._lock = threading.Lock()
        self._stack: ExitStack | None = None
        self._call_site, self._endpoint = self.classifier.call_site, self.classifier.endpoint

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
        """Every call recorded so far, to any host, in order (a new list each time)::

            with Tracer() as t:
                requests.get("https://api.github.com/rate_limit")
            t.calls[0].endpoint   # 'GET /rate_limit'
        """
        return self.calls_since(0)

    def calls_since(self, start: int) -> list[Call]:
        """The calls recorded after the first ``start`` (only those are made Calls)::

            start = len(tracer)
            project.get_pr(1)
            tracer.calls_since(start)   # the calls get_pr made
        """
        with self._lock:
            rows = self._rows[start:]
        return [Call.from_row(row) for row in rows]

    def __len__(self) -> int:
        """How many calls were recorded so far (``len(tracer)``)."""
        return len(self._rows)

    def _record(self, call: patches.LogicalCall) -> None:
        """One logical call's Calls, one per attempt, worked out in the calling thread as the
        call ends (the stack dies with the call)."""
        site_category, site = self._call_site(call.frame)
        scope = _scope.get()  # current_scope(), inline: every traced call passes here
        method, url = call.method, call.url
        if type(url) is not str:
            url = str(url)
        e = self._endpoint(method, url)
        forge = e.forge
        category = e.category_at(site_category)
        free = forge is None or e.free
        auth, auth_id = auth_of(call.headers)
        keys = ratelimit_keys(forge)
        with self._lock:
            logical = next(self._logical)
            if scope is None:
                handler, event, invocation = NO_HANDLER, None, 0
            else:
                handler, event = scope.handler, scope.event
                invocation = self._invocations.setdefault(scope.invocation, len(self._invocations) + 1)
            number = 0
            for attempt in call.attempts or _NOT_SENT:
                number += 1
                status = attempt.status
                ratelimit = ratelimit_of(attempt.headers, keys)
                # a plain tuple in Call's field order (seq, method, url, route, category,
                # charged, status, handler, event, invocation, call_site, duration_ms, logical,
                # attempt, auth, auth_id, ratelimit's names, its values, error, host, forge),
                # made a Call when read (Call.from_row): the collector stops tracking a tuple
                # of strings and numbers, never a Call nor a dict (a growing trace of Calls made
                # full collections cost 6-7 µs a traced call). The duration is rounded to the
                # microsecond by arithmetic: ``round(x, 3)`` formats the float as decimal.
                self._keep((
                    next(self._seq), method, url, e.route, category,
                    charged(forge, free, status, auth, category, attempt.headers),
                    status, handler, event, invocation, site,
                    int(attempt.duration_ms * 1000 + 0.5) / 1000, logical, number,
                    auth, auth_id, tuple(ratelimit), tuple(ratelimit.values()), attempt.error, e.host, forge,
                ), ratelimit)

    def _keep_row(self, row: tuple[Any, ...], ratelimit: dict[str, str]) -> None:
        self._rows.append(row)

    def trace(self) -> Trace:
        """A snapshot of what was recorded so far."""
        return Trace(self.calls)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
