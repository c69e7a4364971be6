"""The packit study's pytest plugin (entry point ``pytest11: packit``), beside the tracer's budget
plugin: fixtures for the loopback GitHub and the real packit-service's pipeline.

- ``fakehub``: a running :class:`FakeGitHub` on the default world (bodies carry
  ``https://api.github.com`` URLs, as GitHub's do); stopped after the test.
- ``make_fakehub``: a factory, ``make_fakehub(world=None, **FakeGitHub kwargs)``, for tests
  that need another world or options; every server it made is stopped after the test.
- ``packit_pipeline(chroots=3, **knobs)``: runs the real packit-service through one whole PR
  pipeline (:mod:`tracer.packit.realworker`: loopback GitHub, Copr and Testing Farm, a
  throwaway PostgreSQL and Redis) and returns its :class:`~tracer.capture.Trace`, for the budget
  fixtures and markers of api-tracer's plugin::

      def test_pr_pipeline(packit_pipeline, github_api_budget, github_api_record):
          trace = packit_pipeline(chroots=3)
          github_api_record.check(trace)            # per handler and endpoint: the baseline file
          github_api_budget.check(trace, max_total=111)

  The packit-service it runs: ``--packit-source DIR``, else the pytest root when it holds
  ``packit_service/`` (a test file inside a packit-service checkout), else the installed one; in
  ``--packit-python``, ``$API_TRACER_PACKIT_PYTHON``, or this interpreter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tracer.packit.loopback.server import FakeGitHub
from tracer.packit.loopback.world import World

if TYPE_CHECKING:  # the plugin imports no tracer, worker or CLI until a fixture runs
    from tracer.capture import Trace


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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("packit-pipeline", "the real packit-service's PR pipeline (api-tracer)")
    group.addoption("--packit-source", action="store", default=None, metavar="DIR",
                    help="the packit-service the packit_pipeline fixture runs (default: the pytest root "
                    "if it holds packit_service/, else the installed one)")
    group.addoption("--packit-python", action="store", default=None, metavar="PATH",
                    help="packit-service's interpreter (default: $API_TRACER_PACKIT_PYTHON, else this one)")


def _source(config: pytest.Config) -> str | None:
    given = config.getoption("packit_source", None)
    if given:
        return str(given)
    root = Path(config.rootpath)
    return str(root) if (root / "packit_service" / "__init__.py").is_file() else None


@pytest.fixture
def packit_pipeline(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Trace]:
    """``packit_pipeline(chroots=3, **knobs) -> Trace``: the real packit-service's PR pipeline."""
    from tracer.capture import Trace
    from tracer.errors import TracerError
    from tracer.packit.realworker import record_real

    config = request.config

    def run(chroots: int = 3, **knobs: Any) -> Trace:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)[:60]
        out = tmp_path_factory.mktemp("packit-pipeline") / name
        try:
            answer = record_real(out, {"chroots": chroots, **knobs}, source=_source(config),
                                 python=config.getoption("packit_python", None), replay=False)
        except TracerError as exc:
            pytest.fail(f"packit_pipeline: {exc}", pytrace=False)
        return Trace.from_json(answer["trace"], f"{answer['label']} ({out})")

    return run
