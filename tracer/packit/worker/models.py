"""The worker's state between tasks: packit-service's database, and an in-process Copr.

packit-service finds the PR a Copr message or a Testing Farm result belongs to in its
database (by Copr build id and chroot, by Testing Farm request id); here that database is a
few dictionaries. Copr is not GitHub, so it is not called over HTTP: :class:`CoprClient`
hands out build ids, deterministically.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from tracer.errors import DataError
from tracer.packit.worker.events import PullRequestGithubEvent
from tracer.packit.worker.packit_config import PackageConfig

#: the build id of the real Copr payload (fedmsg_copr_build_start.json); the first build gets it
FIRST_COPR_BUILD_ID = 1044215


@dataclass(frozen=True)
class EventData:
    """What a task knows of the PR it works for (packit-service's ``EventData``)."""

    namespace: str
    repo: str
    pr_id: int
    head_sha: str
    base_ref: str
    actor: str
    project_url: str

    @classmethod
    def from_pr_event(cls, event: PullRequestGithubEvent) -> EventData:
        return cls(event.namespace, event.repo, event.pr_id, event.commit_sha, event.base_ref, event.actor, event.project_url)

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.repo}"


@dataclass
class TFTTestRunTargetModel:
    """One Testing Farm request for one chroot: created "new" before the submission (with the
    base project's URL in ``data``), given Testing Farm's request id once submitted."""

    pipeline_id: str | None
    target: str
    build_id: int
    status: str = "new"
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class PipelineModel:
    """One PR pipeline: the PR, its stored package config, its Copr build and test runs."""

    target: EventData
    package_config: PackageConfig | None = None
    copr_build_id: int | None = None
    copr_owner: str = "packit"
    copr_project: str = ""
    chroots: tuple[str, ...] = ()
    build_status: dict[str, str] = field(default_factory=dict)
    test_runs: dict[str, TFTTestRunTargetModel] = field(default_factory=dict)


class Database:
    """Pipelines by PR, by Copr build id, by Testing Farm request id."""

    def __init__(self) -> None:
        self._by_pr: dict[tuple[str, int], PipelineModel] = {}
        self._by_build: dict[int, PipelineModel] = {}
        self._by_request: dict[str, tuple[PipelineModel, TFTTestRunTargetModel]] = {}

    def pipeline_for_pr(self, target: EventData) -> PipelineModel:
        key = (target.full_name.lower(), target.pr_id)
        if key not in self._by_pr or self._by_pr[key].target.head_sha != target.head_sha:
            self._by_pr[key] = PipelineModel(target)
        return self._by_pr[key]

    def find_pr(self, full_name: str, pr_id: int) -> PipelineModel:
        try:
            return self._by_pr[(full_name.lower(), pr_id)]
        except KeyError:
            raise DataError(f"no pipeline for {full_name}#{pr_id} yet") from None

    def set_copr_build(self, pipeline: PipelineModel, build_id: int, owner: str, project: str, chroots: tuple[str, ...]) -> None:
        pipeline.copr_build_id, pipeline.copr_owner, pipeline.copr_project = build_id, owner, project
        pipeline.chroots = chroots
        pipeline.build_status = dict.fromkeys(chroots, "waiting_for_srpm")
        self._by_build[build_id] = pipeline

    def pipeline_for_build(self, build_id: int) -> PipelineModel:
        try:
            return self._by_build[build_id]
        except KeyError:
            raise DataError(f"Copr message: no pipeline knows Copr build {build_id}") from None

    def add_test_run(self, pipeline: PipelineModel, run: TFTTestRunTargetModel) -> None:
        pipeline.test_runs[run.target] = run
        if run.pipeline_id is not None:
            self._by_request[run.pipeline_id] = (pipeline, run)

    def set_pipeline_id(self, pipeline: PipelineModel, run: TFTTestRunTargetModel, request_id: str) -> None:
        """The Testing Farm request id of a submitted run (how its results find it)."""
        run.pipeline_id = request_id
        self._by_request[request_id] = (pipeline, run)

    def test_run(self, request_id: str) -> tuple[PipelineModel, TFTTestRunTargetModel]:
        try:
            return self._by_request[request_id]
        except KeyError:
            raise DataError(f"Testing Farm result: no pipeline knows request {request_id}") from None


class CoprClient:
    """An in-process Copr: build ids in submission order, starting at the real payload's."""

    def __init__(self, first_build_id: int = FIRST_COPR_BUILD_ID) -> None:
        self._ids = itertools.count(first_build_id)
        self.builds: dict[int, tuple[str, str, tuple[str, ...]]] = {}

    def create_from_custom(self, ownername: str, projectname: str, chroots: tuple[str, ...]) -> int:
        build_id = next(self._ids)
        self.builds[build_id] = (ownername, projectname, chroots)
        return build_id
