"""packit-service's handler tasks for a PR pipeline, with the ogr calls each one makes.

Every handler builds a NEW ogr project object (so pays GET /repos/{o}/{r} again) and, where
the profile says so (PR #2941), first asks ``GET /rate_limit`` through ogr's
``get_rate_limit_remaining(namespace, repo)``, which builds its own PyGithub instance.

Fixes (knobs): with ``project_reuse`` "task" or "pipeline" the check asks through the task's
own project object (no PyGithub instance, no token of its own); with ``skip_rate_limit`` a
worker that saw ``x-ratelimit-remaining`` of at least :data:`RATE_LIMIT_KNOWN_HIGH` in the
current window (after its last task, from that task's last response) skips the check.
"""

from __future__ import annotations

import time
from typing import ClassVar

from tracer.errors import DataError
from tracer.packit.worker.context import Task, WorkerContext
from tracer.packit.worker.job_helpers import CoprBuildJobHelper
from tracer.packit.worker.models import TFTTestRunTargetModel
from tracer.packit.worker.packit_config import JobConfig, PackageConfig
from tracer.packit.worker.reporting import BaseCommitStatus, DuplicateCheckMode
from tracer.packit.worker.testing_farm import TestingFarmJobHelper

COPR_URL = "https://copr.fedorainfracloud.org/coprs/build"
#: packit-service re-queues a task below this many requests left (constants.RATE_LIMIT_THRESHOLD)
RATE_LIMIT_THRESHOLD = 200
#: the skip_rate_limit fix skips the check while the worker last saw at least this many left
#: (5 × the threshold: other workers spend from the same installation meanwhile)
RATE_LIMIT_KNOWN_HIGH = 5 * RATE_LIMIT_THRESHOLD
SUCCESSFUL_BUILD_COMMENT = (
    "Congratulations! One of the builds has completed. :champagne:\n\n"
    "You can install the built RPMs by following these steps:\n\n"
    "* `sudo dnf install -y 'dnf*-command(copr)'`\n"
    "* `dnf copr enable {owner}/{project}`\n"
    "* And now you can install the packages.\n"
    "\nPlease note that the RPMs should be used only in a testing environment."
)


class JobHandler:
    """One celery handler task."""

    task_name: ClassVar[str] = ""

    def __init__(self, ctx: WorkerContext, task: Task) -> None:
        self.ctx = ctx
        self.task = task
        self.pipeline = task.pipeline
        self.metadata = task.pipeline.target
        package_config = task.kwargs.get("package_config")
        job_config = task.kwargs.get("job_config")
        if not isinstance(package_config, PackageConfig) or not isinstance(job_config, JobConfig):
            raise DataError(f"task {task}: sent without its package config and job config")
        self.package_config: PackageConfig = package_config
        self.job_config: JobConfig = job_config
        self.project = ctx.service_config.get_project(self.metadata.namespace, self.metadata.repo)

    def run_job(self) -> list[Task]:
        """What celery runs: the rate-limit check (where the profile has it), then :meth:`run`."""
        skip = self.ctx.knobs.skip_rate_limit
        if self.ctx.switches.rate_limit_check and not (
            skip and self.ctx.rate_limit.known_above(RATE_LIMIT_KNOWN_HIGH, time.time())
        ):
            self.check_rate_limit_remaining()
        tasks = self.run()
        if skip:
            self._remember_rate_limit()
        return tasks

    def check_rate_limit_remaining(self) -> int | None:
        if self.ctx.knobs.project_reuse == "call":
            remaining = self.ctx.service_config.github_service.get_rate_limit_remaining(
                namespace=self.metadata.namespace, repo=self.metadata.repo
            )
        else:  # one project object per task: ask through its PyGithub instance
            overview = self.project.github_instance.get_rate_limit()
            remaining = overview.resources.core.remaining
        return remaining

    def _remember_rate_limit(self) -> None:
        """The ``x-ratelimit-remaining`` of this task's last response (PyGithub keeps it on the
        requester of ogr's cached instance; a project that made no request has none)."""
        instance = getattr(self.project, "_github_instance", None)
        if instance is not None:
            remaining, _limit = instance.requester.rate_limiting
            self.ctx.rate_limit.saw(remaining, instance.requester.rate_limiting_resettime)

    def run(self) -> list[Task]:
        raise NotImplementedError


class CoprBuildHandler(JobHandler):
    """Submits the Copr build (SRPM built in Copr from a source script)."""

    task_name = "task.run_copr_build_handler"

    def run(self) -> list[Task]:
        helper = CoprBuildJobHelper(self.ctx, self.project, self.pipeline, self.package_config, self.job_config)
        helper.run_copr_build_from_source_script()
        return []


class TestingFarmHandler(JobHandler):
    """Sent by the PR event (returns: the build job handles it) and by each RPM build end."""

    __test__ = False
    task_name = "task.run_testing_farm_handler"

    def run(self) -> list[Task]:
        helper = TestingFarmJobHelper(self.ctx, self.project, self.pipeline, self.package_config, self.job_config)
        chroot = self.task.chroot
        if chroot is None:
            if not self.job_config.skip_build and helper.job_build is not None:
                return []  # "Build required, already handled by build job"
            raise DataError("TestingFarmHandler: tests without a build job are not part of this pipeline")
        build_id = self.task.kwargs.get("build_id")
        if not isinstance(build_id, int):
            raise DataError(f"task {self.task}: sent without the Copr build id")
        helper.run_testing_farm(self._get_or_create_group(chroot, build_id))
        return []

    def _get_or_create_group(self, chroot: str, build_id: int) -> TFTTestRunTargetModel:
        """The test run, stored "new" with the base project's URL (``get_web_url``: the first
        call on this handler's project, so its GET repo is paid here)."""
        run = TFTTestRunTargetModel(None, chroot, build_id, "new", {"base_project_url": self.project.get_web_url()})
        self.ctx.db.add_test_run(self.pipeline, run)
        return run


class _CoprResultHandler(JobHandler):
    """Common to the Copr start/end handlers: which statuses a Copr message updates."""

    def helper(self) -> CoprBuildJobHelper:
        return CoprBuildJobHelper(self.ctx, self.project, self.pipeline, self.package_config, self.job_config)

    def report(self, helper: CoprBuildJobHelper, description: str, state: BaseCommitStatus) -> None:
        """Build statuses, and the mapped test statuses unless sync_test_job_statuses_with_builds is off."""
        chroot = self.task.chroot
        url = f"{COPR_URL}/{self.pipeline.copr_build_id}"
        if chroot is None:
            report_all = helper.report_status_to_all if helper.sync_test_statuses else helper.report_status_to_build
            report_all(description, state, url)
        else:
            report_one = (
                helper.report_status_to_all_for_chroot
                if helper.sync_test_statuses
                else helper.report_status_to_build_for_chroot
            )
            report_one(description, state, chroot, url)


class CoprBuildStartHandler(_CoprResultHandler):
    task_name = "task.run_copr_build_start_handler"

    def run(self) -> list[Task]:
        what = "SRPM" if self.task.chroot is None else "RPM"
        if self.task.chroot is not None:
            self.pipeline.build_status[self.task.chroot] = "running"
        self.report(self.helper(), f"{what} build is in progress...", BaseCommitStatus.running)
        return []


class CoprBuildEndHandler(_CoprResultHandler):
    task_name = "task.run_copr_build_end_handler"

    def run(self) -> list[Task]:
        helper = self.helper()
        chroot = self.task.chroot
        if chroot is None:
            self.report(helper, "SRPM build succeeded. Waiting for RPM build to start...", BaseCommitStatus.running)
            return []
        self.pipeline.build_status[chroot] = "success"
        self.report_successful_build(helper)
        if chroot == self.ctx.switches.osh_pr_lookup_chroot and self.job_config.osh_diff_scan_after_copr_build:
            self.handle_scan(helper)
        return [
            Task(
                "TestingFarmHandler",
                self.pipeline,
                "Tests submitted",
                chroot,
                {"package_config": self.package_config, "job_config": job, "build_id": self.pipeline.copr_build_id},
            )
            for job in helper.job_tests_all
            if chroot in job.targets
        ]

    def report_successful_build(self, helper: CoprBuildJobHelper) -> None:
        """With notifications.pull_request.successful_build, a PR comment first (unless packit's
        last comment says the same: the Copr project is the same for every chroot), then the
        statuses."""
        if helper.job_build and self.metadata.pr_id and self.job_config.notify_successful_build:
            helper.status_reporter.comment(
                SUCCESSFUL_BUILD_COMMENT.format(owner=self.pipeline.copr_owner, project=self.pipeline.copr_project),
                duplicate_check=DuplicateCheckMode.check_last_comment,
            )
        self.report(helper, "RPMs were built successfully.", BaseCommitStatus.success)

    def handle_scan(self, helper: CoprBuildJobHelper) -> None:
        """OpenScanHub's differential scan needs the PR's target branch (GET pulls/{n})."""
        target_branch = helper.pull_request_object.target_branch
        if not target_branch:
            raise DataError("OpenScanHub: the PR has no target branch")


class TestingFarmResultsHandler(JobHandler):
    __test__ = False
    task_name = "task.run_testing_farm_results_handler"

    def run(self) -> list[Task]:
        chroot = self.task.chroot
        if chroot is None:
            raise DataError(f"task {self.task}: sent without its test target")
        state = self.task.kwargs.get("state")
        overall = self.task.kwargs.get("overall")
        helper = TestingFarmJobHelper(self.ctx, self.project, self.pipeline, self.package_config, self.job_config)
        if state in ("new", "queued", "running"):
            status, description = BaseCommitStatus.running, "Tests are running ..."
        elif state == "complete" and overall == "passed":
            status, description = BaseCommitStatus.success, "Tests passed ..."
        elif state == "complete":
            status, description = BaseCommitStatus.failure, f"Tests {overall or 'failed'} ..."
        else:
            status, description = BaseCommitStatus.error, "Tests errored ..."
        self.pipeline.test_runs[chroot].status = str(state)
        helper.report_status_to_tests_for_test_target(description, status, chroot)
        return []


HANDLERS: dict[str, type[JobHandler]] = {
    cls.__name__: cls
    for cls in (
        CoprBuildHandler,
        TestingFarmHandler,
        CoprBuildStartHandler,
        CoprBuildEndHandler,
        TestingFarmResultsHandler,
    )
}
