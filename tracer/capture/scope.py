"""Handler scopes: which handler (and event) a GitHub call is made for.

Built on :mod:`contextvars`, so each thread and each asyncio task keeps its own
scope. A scope is entered with ``with handler("CoprBuildEndHandler", event=...)``
or by decorating a function with ``@handler(...)``.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_invocations = itertools.count(1)


@dataclass(frozen=True)
class Scope:
    """One invocation of one handler for one event."""

    handler: str
    event: str | None = None
    invocation: int = 0

    @property
    def label(self) -> str:
        return f"{self.handler} [{self.event}]" if self.event else self.handler


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar(
    "api_tracer_scope", default=None
)


def current_scope() -> Scope | None:
    """The scope of the running thread or task, or None outside any handler."""
    return _current.get()


class handler:
    """Attribute the GitHub calls made inside to ``name`` (and ``event``).

    Usable as ``with handler(...) as scope:`` and as a decorator; scopes nest,
    the innermost wins; each thread, greenlet and asyncio task keeps its own::

        with Tracer() as t, handler("CoprBuildEndHandler", event="RPM build finished"):
            project.get_pr(1)
        t.trace().count_by("handler")        # Counter({'CoprBuildEndHandler': 2})

        @handler("TestingFarmHandler")
        def run_job(): ...
    """

    def __init__(self, name: str, event: str | None = None) -> None:
        if not name:
            raise ValueError("a handler scope needs a handler name")
        self.name = name
        self.event = event
        self._tokens: list[contextvars.Token[Scope | None]] = []

    def __enter__(self) -> Scope:
        scope = Scope(self.name, self.event, next(_invocations))
        self._tokens.append(_current.set(scope))
        return scope

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._tokens.pop())

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with handler(self.name, self.event):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


@contextmanager
def no_scope() -> Iterator[None]:
    """Run calls outside any handler scope (they are kept and shown as such)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)
