"""The packit study's pytest plugin (entry point ``pytest11: packit``), beside the tracer's budget
plugin: fixtures for the loopback GitHub.

- ``fakehub``: a running :class:`FakeGitHub` on the default world (bodies carry
  ``https://api.github.com`` URLs, as GitHub's do); stopped after the test.
- ``make_fakehub``: a factory, ``make_fakehub(world=None, **FakeGitHub kwargs)``, for tests
  that need another world or options; every server it made is stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tracer.packit.loopback.server import FakeGitHub
from tracer.packit.loopback.world import World


@pytest.fixture
def make_fakehub() -> Iterator[Callable[..., FakeGitHub]]:
    started: list[FakeGitHub] = []

    def make(world: World | None = None, **kwargs: Any) -> FakeGitHub:
        hub = FakeGitHub(world, **kwargs).start()
        started.append(hub)
        return hub

    yield make
    for hub in started:
        hub.stop()


@pytest.fixture
def fakehub(make_fakehub: Callable[..., FakeGitHub]) -> FakeGitHub:
    return make_fakehub()
