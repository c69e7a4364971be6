"""Run a pipeline against a loopback GitHub stood up for its scenario (tests, benchmarks, CLI).

The worker itself never needs the loopback; this module only stands a world up for it::

    run = run_on_loopback("C", {"chroots": 3})
    run.trace.count_by("event", "endpoint"); run.server_requests   # what the server saw
"""

from __future__ import annotations

from collections.abc import Mapping
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracer.capture import Rules, Trace
from tracer.packit.worker.pipeline import run_traced
from tracer.packit.knobs import Knobs, as_knobs
from tracer.packit.worker.profile import Profile, load_profile
from tracer.packit.worker.scenario import resolve_knobs, scenario_world
from tracer.packit.worker.services import Credentials

#: whose personal token a token-authenticated run uses (a collaborator with write access)
BOT_LOGIN = "packit-bot"


@dataclass
class LoopbackRun:
    """A traced run and what the loopback GitHub saw of it."""

    trace: Trace
    knobs: Knobs
    server_requests: list[Any]  # tracer.packit.loopback.LoggedRequest
    wall_s: float

    def server_count(self, method: str, path_suffix: str) -> int:
        return sum(1 for r in self.server_requests if r.method == method and r.path.endswith(path_suffix))


def run_on_loopback(
    profile: str | Path | Profile,
    knobs: Knobs | Mapping[str, Any] | None = None,
    *,
    rules: Rules | None = None,
    keep_hub: list[Any] | None = None,
    app_key: str | None = None,
) -> LoopbackRun:
    """Stand up the scenario's world on a fresh loopback GitHub, run the pipeline traced, stop.

    Token runs use a personal token of ``packit-bot``; app runs the server's GitHub App (its
    private key made at run time, in memory). ``keep_hub``, if given, receives the stopped
    server for inspection; ``app_key`` is the GitHub App's PEM key (default: one made now).
    """
    from tracer.packit.loopback import FakeGitHub, World

    prof = load_profile(profile)
    resolved = resolve_knobs(prof, as_knobs(knobs))
    world = World.from_dict(scenario_world(resolved), source="tracer/packit/worker/worlds (scenario)")
    with FakeGitHub(world, app_key=app_key) as hub:
        if resolved.auth == "app":
            assert hub.app_id is not None and hub.app_private_key is not None
            credentials = Credentials.github_app(hub.app_id, hub.app_private_key)
        else:
            credentials = Credentials.with_token(hub.issue_token(BOT_LOGIN))
        start = time.perf_counter()
        trace = run_traced(prof, resolved, api_url=hub.url, credentials=credentials, rules=rules)
        wall = time.perf_counter() - start
        requests = hub.requests
    if keep_hub is not None:
        keep_hub.append(hub)
    return LoopbackRun(trace, resolved, requests, wall)
