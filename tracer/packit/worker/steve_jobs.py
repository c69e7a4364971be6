"""``SteveJobs.process_message``: every incoming event, before any handler runs.

It parses the event, finds its pipeline, builds a NEW ogr project object, checks that the
project is public (``is_private``; skipped for result events with the ``private_once`` knob,
PR #2388), loads the package config (from the repository; result events read the stored one
with ``load_config_once``, PR #2397), and for a PR event runs the allowlist and reports
"Task was accepted" on each job's statuses before it sends the handler tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ogr.abstract import GitProject

from tracer.errors import DataError
from tracer.packit.worker.allowlist import Allowlist
from tracer.packit.worker.context import Task, WorkerContext
from tracer.packit.worker.events import (
    CoprBuildEndEvent,
    CoprBuildStartEvent,
    Event,
    PullRequestGithubEvent,
    TestingFarmResultsEvent,
    parse_event,
)
from tracer.packit.worker.job_helpers import BaseBuildJobHelper, CoprBuildJobHelper
from tracer.packit.worker.models import EventData, PipelineModel
from tracer.packit.worker.packit_config import JobConfig, PackageConfig, get_package_config_from_repo
from tracer.packit.worker.reporting import BaseCommitStatus
from tracer.packit.worker.testing_farm import TestingFarmJobHelper

TASK_ACCEPTED = "Task was accepted."
#: the handler classes a PR event starts, in the order packit-service sends them
PR_HANDLERS = (("CoprBuildHandler", "copr_build"), ("TestingFarmHandler", "tests"))


class SteveJobs:
    """Steve Jobs, the superior handler of every incoming event."""

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self.allowlist = Allowlist(ctx.service_config.admins)

    def process_message(self, payload: Mapping[str, Any], source: str = "event payload") -> list[Task]:
        """Handle one incoming payload; the handler tasks it sends."""
        event = parse_event(payload, tf_request_details=self.ctx.testing_farm.request_details, source=source)
        pipeline, chroot = self._pipeline_of(event)
        project = self.ctx.service_config.get_project(pipeline.target.namespace, pipeline.target.repo)
        result_event = not isinstance(event, PullRequestGithubEvent)
        if not (result_event and self.ctx.knobs.private_once):
            if not self.is_project_public_or_enabled_private(project):
                return []
        package_config = self.get_package_config(event, pipeline, project)
        if package_config is None:
            return []
        return self.process_jobs(event, pipeline, project, package_config, chroot)

    # -- steps ------------------------------------------------------------------------------
    def _pipeline_of(self, event: Event) -> tuple[PipelineModel, str | None]:
        if isinstance(event, PullRequestGithubEvent):
            return self.ctx.db.pipeline_for_pr(EventData.from_pr_event(event)), None
        if isinstance(event, (CoprBuildStartEvent, CoprBuildEndEvent)):
            pipeline = self.ctx.db.pipeline_for_build(event.build_id)
            if not event.is_srpm and event.chroot not in pipeline.chroots:
                raise DataError(f"Copr message: build {event.build_id} has no chroot {event.chroot}")
            return pipeline, None if event.is_srpm else event.chroot
        pipeline, run = self.ctx.db.test_run(event.request_id)
        return pipeline, run.target

    @staticmethod
    def is_project_public_or_enabled_private(project: GitProject) -> bool:
        """No private repository is enabled in this worker's service config."""
        return not project.is_private()

    def get_package_config(self, event: Event, pipeline: PipelineModel, project: GitProject) -> PackageConfig | None:
        """From the database when stored once per pipeline, else from the repository."""
        if (
            not isinstance(event, PullRequestGithubEvent)
            and self.ctx.knobs.load_config_once
            and pipeline.package_config is not None
        ):
            return pipeline.package_config
        config = get_package_config_from_repo(project, ref=pipeline.target.head_sha, lookup=self.ctx.switches.config_lookup)
        if isinstance(event, PullRequestGithubEvent):
            pipeline.package_config = config
        return config

    def _helper_for(self, project: GitProject, pipeline: PipelineModel, config: PackageConfig):  # type: ignore[no-untyped-def]
        def helper_for(job: JobConfig) -> BaseBuildJobHelper:
            cls = TestingFarmJobHelper if job.type == "tests" else CoprBuildJobHelper
            return cls(self.ctx, project, pipeline, config, job)

        return helper_for

    def process_jobs(
        self, event: Event, pipeline: PipelineModel, project: GitProject, config: PackageConfig, chroot: str | None
    ) -> list[Task]:
        if isinstance(event, PullRequestGithubEvent):
            return self._process_pr_event(event, pipeline, project, config)
        build_job = (config.jobs_of("copr_build") or [None])[0]
        if isinstance(event, (CoprBuildStartEvent, CoprBuildEndEvent)):
            if build_job is None:
                raise DataError("Copr message: the package config has no copr_build job")
            handler = "CoprBuildStartHandler" if isinstance(event, CoprBuildStartEvent) else "CoprBuildEndHandler"
            return [Task(handler, pipeline, event.name, chroot, {"package_config": config, "job_config": build_job})]
        assert isinstance(event, TestingFarmResultsEvent)
        tests_job = next((j for j in config.jobs_of("tests") if chroot in j.targets), None)
        if tests_job is None:
            raise DataError(f"Testing Farm result: the package config has no tests job for {chroot}")
        return [
            Task(
                "TestingFarmResultsHandler",
                pipeline,
                event.name,
                chroot,
                {"package_config": config, "job_config": tests_job, "state": event.state, "overall": event.overall},
            )
        ]

    def _process_pr_event(
        self, event: PullRequestGithubEvent, pipeline: PipelineModel, project: GitProject, config: PackageConfig
    ) -> list[Task]:
        helper_for = self._helper_for(project, pipeline, config)
        classes = [(name, config.jobs_of(job_type)) for name, job_type in PR_HANDLERS]
        classes = [(name, jobs) for name, jobs in classes if jobs]
        if self.ctx.switches.allowlist == "once_per_event":
            every_job = [job for _, jobs in classes for job in jobs]
            if not self.allowlist.check_and_report(event, project, every_job, helper_for):
                return []
        tasks = []
        for name, jobs in classes:
            if self.ctx.switches.allowlist == "once_per_handler_class":
                if not self.allowlist.check_and_report(event, project, jobs, helper_for):
                    return []  # "Account is not allowlisted!": no handler of this event runs
            for job in jobs:
                helper_for(job).report_status_to_configured_job(TASK_ACCEPTED, BaseCommitStatus.pending)
                tasks.append(Task(name, pipeline, "Submit Copr build", None, {"package_config": config, "job_config": job}))
        return tasks
