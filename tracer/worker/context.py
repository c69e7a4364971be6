"""What every task of one worker shares: profile, knobs, ogr service, database, Copr, TF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tracer.worker.models import CoprClient, Database, PipelineModel
from tracer.worker.profile import Knobs, Profile, Switches
from tracer.worker.services import ServiceConfig

if TYPE_CHECKING:
    from tracer.worker.testing_farm import TestingFarmAPI


@dataclass
class WorkerContext:
    profile: Profile
    knobs: Knobs  # resolved: no None left
    service_config: ServiceConfig
    testing_farm: TestingFarmAPI
    db: Database = field(default_factory=Database)
    copr: CoprClient = field(default_factory=CoprClient)

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
