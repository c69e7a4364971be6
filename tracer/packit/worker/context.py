"""What every task of one worker shares: profile, knobs, ogr service, database, Copr, TF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from tracer.packit.worker.models import CoprClient, Database, PipelineModel
from tracer.packit.knobs import Knobs
from tracer.packit.worker.profile import Profile, Switches
from tracer.packit.worker.services import ServiceConfig



class TestingFarm(Protocol):
    """Testing Farm's requests API as the worker uses it (``testing_farm.TestingFarmAPI``)."""

    def submit(self, payload: dict[str, Any]) -> str:
        """POST requests: a new request's id."""
        ...

    def set_state(self, request_id: str, state: str, overall: str | None = None) -> None:
        """What Testing Farm does while it runs the tests."""
        ...

    def request_details(self, request_id: str) -> dict[str, Any]:
        """GET requests/{id}."""
        ...


@dataclass
class RateLimitMemory:
    """The last ``x-ratelimit-remaining`` the worker saw, and when that window resets (the
    ``skip_rate_limit`` fix: a worker that knows it has plenty left skips GET /rate_limit)."""

    remaining: int | None = None
    reset: float = 0.0

    def saw(self, remaining: int, reset: float) -> None:
        if remaining >= 0:
            self.remaining, self.reset = remaining, reset

    def known_above(self, floor: int, now: float) -> bool:
        return self.remaining is not None and self.remaining >= floor and now < self.reset


@dataclass
class WorkerContext:
    profile: Profile
    knobs: Knobs  # resolved: no None left
    service_config: ServiceConfig
    testing_farm: TestingFarm
    db: Database = field(default_factory=Database)
    copr: CoprClient = field(default_factory=CoprClient)
    rate_limit: RateLimitMemory = field(default_factory=RateLimitMemory)

    @property
    def switches(self) -> Switches:
        return self.profile.switches


@dataclass
class Task:
    """A handler task as ``process_message`` (or a handler) sends it: celery's signature."""

    handler: str
    pipeline: PipelineModel
    event: str
    chroot: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.handler}({self.chroot})" if self.chroot else self.handler
