"""packit-service's job helpers: which statuses a job reports, and the Copr build submission.

Status names are packit's: ``rpm-build:<chroot>`` for the build job and
``testing-farm:<target>`` for the tests job (one test target per chroot, the default mapping).
"""

from __future__ import annotations

from ogr.abstract import GitProject, PullRequest

from tracer.packit.worker.context import WorkerContext
from tracer.packit.worker.models import PipelineModel
from tracer.packit.worker.packit_config import JobConfig, PackageConfig
from tracer.packit.worker.reporting import BaseCommitStatus, StatusReporter

DASHBOARD_URL = "https://dashboard.packit.dev"


class BaseBuildJobHelper:
    """Statuses of the build job and of the test jobs that hang off it."""

    status_name_build = "rpm-build"
    status_name_test = "testing-farm"

    def __init__(
        self,
        ctx: WorkerContext,
        project: GitProject,
        pipeline: PipelineModel,
        package_config: PackageConfig,
        job_config: JobConfig,
    ) -> None:
        self.ctx = ctx
        self.project = project
        self.pipeline = pipeline
        self.metadata = pipeline.target
        self.package_config = package_config
        self.job_config = job_config
        self._status_reporter: StatusReporter | None = None

    # -- jobs and targets -------------------------------------------------------------
    @property
    def job_build(self) -> JobConfig | None:
        builds = self.package_config.jobs_of("copr_build")
        return builds[0] if builds else None

    @property
    def job_tests_all(self) -> list[JobConfig]:
        return self.package_config.jobs_of("tests")

    @property
    def build_targets(self) -> list[str]:
        job = self.job_build or self.job_config
        return list(job.targets)

    @property
    def tests_targets(self) -> list[str]:
        return [t for job in self.job_tests_all for t in job.targets]

    @property
    def sync_test_statuses(self) -> bool:
        """PR #2470: read from the build job's config; the profile says the default."""
        job = self.job_build
        if job is not None and job.sync_test_job_statuses_with_builds is not None:
            return job.sync_test_job_statuses_with_builds
        return self.ctx.switches.sync_test_statuses_default

    def build_check(self, chroot: str) -> str:
        return f"{self.status_name_build}:{chroot}"

    def test_check(self, target: str) -> str:
        return f"{self.status_name_test}:{target}"

    # -- reporting ----------------------------------------------------------------------
    @property
    def status_reporter(self) -> StatusReporter:
        if self._status_reporter is None:
            self._status_reporter = StatusReporter.get_instance(
                self.ctx.switches.status_api, self.project, self.metadata.head_sha,
                packit_user=self.ctx.service_config.get_github_account_name(),
                pr_id=self.metadata.pr_id, caches_pr=self.ctx.switches.reporter_caches_pr,
            )
        return self._status_reporter

    def report_status_to_build(self, description: str, state: BaseCommitStatus, url: str = "") -> None:
        if self.job_build:
            self.status_reporter.report(state, description, [self.build_check(c) for c in self.build_targets], url)

    def report_status_to_build_for_chroot(self, description: str, state: BaseCommitStatus, chroot: str, url: str = "") -> None:
        if self.job_build and chroot in self.build_targets:
            self.status_reporter.report(state, description, [self.build_check(chroot)], url)

    def report_status_to_all_test_jobs(self, description: str, state: BaseCommitStatus, url: str = "") -> None:
        self.status_reporter.report(state, description, [self.test_check(t) for t in self.tests_targets], url)

    def report_status_to_tests_for_test_target(self, description: str, state: BaseCommitStatus, target: str, url: str = "") -> None:
        if target in self.tests_targets:
            self.status_reporter.report(state, description, [self.test_check(target)], url)

    def report_status_to_all(self, description: str, state: BaseCommitStatus, url: str = "") -> None:
        self.report_status_to_build(description, state, url)
        self.report_status_to_all_test_jobs(description, state, url)

    def report_status_to_all_for_chroot(self, description: str, state: BaseCommitStatus, chroot: str, url: str = "") -> None:
        self.report_status_to_build_for_chroot(description, state, chroot, url)
        self.report_status_to_tests_for_test_target(description, state, chroot, url)

    def report_status_to_configured_job(self, description: str, state: BaseCommitStatus, url: str = "") -> None:
        """The statuses of the job this helper was made for."""
        if self.job_config.type == "tests":
            self.report_status_to_all_test_jobs(description, state, url)
        else:
            self.report_status_to_build(description, state, url)


class CoprBuildJobHelper(BaseBuildJobHelper):
    """The Copr build job: submission (SRPM built in Copr from a source script)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._pull_request_object: PullRequest | None = None

    @property
    def pull_request_object(self) -> PullRequest:
        """The PR, read once per helper (GET pulls/{n})."""
        if self._pull_request_object is None:
            self._pull_request_object = self.project.get_pr(self.metadata.pr_id)
        return self._pull_request_object

    @property
    def default_project_name(self) -> str:
        return f"{self.project.namespace}-{self.project.repo}-{self.metadata.pr_id}".replace("/", "-")

    def run_copr_build_from_source_script(self) -> int:
        """Submit the build; the PR's target branch goes into the source script."""
        merged_ref = self.pull_request_object.target_branch
        if not merged_ref:
            raise RuntimeError("the PR has no target branch")
        build_id = self.ctx.copr.create_from_custom(
            ownername="packit", projectname=self.default_project_name, chroots=tuple(self.build_targets)
        )
        self.ctx.db.set_copr_build(self.pipeline, build_id, "packit", self.default_project_name, tuple(self.build_targets))
        self.report_running_build_and_test_on_build_submission(f"{DASHBOARD_URL}/jobs/srpm/{build_id}")
        return build_id

    def report_running_build_and_test_on_build_submission(self, url: str) -> None:
        self.report_status_to_build("SRPM build in Copr was submitted...", BaseCommitStatus.running, url)
        self.report_status_to_all_test_jobs(
            "SRPM build in Copr was submitted..." if self.sync_test_statuses else "Waiting for RPMs to be built...",
            BaseCommitStatus.running if self.sync_test_statuses else BaseCommitStatus.pending,
            url,
        )
