"""Status reporting, named as packit-service names it (``StatusReporter*.set_status``).

At both profiles GitHub statuses are check runs and every update creates a new check run
(``create_check_run``: GET repo once per project object, then POST check-runs). The
``commit_statuses`` reporter (``set_commit_status``: GET commits/{sha} · POST statuses/{sha})
exists for profiles that want to compare.
"""

from __future__ import annotations

from enum import Enum

from ogr.abstract import CommitStatus, GitProject
from ogr.services.github.check_run import (
    GithubCheckRunResult,
    GithubCheckRunStatus,
    create_github_check_run_output,
)

DOCS_URL = "https://packit.dev/docs"


class BaseCommitStatus(Enum):
    pending = "pending"
    running = "running"
    success = "success"
    failure = "failure"
    neutral = "neutral"
    error = "error"


_CHECK_RUN: dict[BaseCommitStatus, tuple[GithubCheckRunStatus, GithubCheckRunResult | None]] = {
    BaseCommitStatus.pending: (GithubCheckRunStatus.queued, None),
    BaseCommitStatus.running: (GithubCheckRunStatus.in_progress, None),
    BaseCommitStatus.success: (GithubCheckRunStatus.completed, GithubCheckRunResult.success),
    BaseCommitStatus.failure: (GithubCheckRunStatus.completed, GithubCheckRunResult.failure),
    BaseCommitStatus.neutral: (GithubCheckRunStatus.completed, GithubCheckRunResult.neutral),
    BaseCommitStatus.error: (GithubCheckRunStatus.completed, GithubCheckRunResult.failure),
}
_COMMIT_STATUS: dict[BaseCommitStatus, CommitStatus] = {
    BaseCommitStatus.pending: CommitStatus.pending,
    BaseCommitStatus.running: CommitStatus.pending,
    BaseCommitStatus.success: CommitStatus.success,
    BaseCommitStatus.failure: CommitStatus.failure,
    BaseCommitStatus.neutral: CommitStatus.success,
    BaseCommitStatus.error: CommitStatus.error,
}


class StatusReporter:
    """Reports one commit's statuses through one ogr project object."""

    def __init__(self, project: GitProject, commit_sha: str, pr_id: int | None = None) -> None:
        self.project = project
        self.commit_sha = commit_sha
        self.pr_id = pr_id

    @staticmethod
    def get_instance(status_api: str, project: GitProject, commit_sha: str, pr_id: int | None = None) -> StatusReporter:
        cls = StatusReporterGithubChecks if status_api == "check_runs" else StatusReporterGithubStatuses
        return cls(project, commit_sha, pr_id)

    def set_status(self, state: BaseCommitStatus, description: str, check_name: str, url: str = "") -> None:
        raise NotImplementedError

    def report(self, state: BaseCommitStatus, description: str, check_names: list[str], url: str = "") -> None:
        """One status per check name."""
        for check_name in check_names:
            self.set_status(state, description, check_name, url)


class StatusReporterGithubChecks(StatusReporter):
    """Check runs: one POST per update (packit-service never PATCHes them)."""

    def set_status(self, state: BaseCommitStatus, description: str, check_name: str, url: str = "") -> None:
        status, conclusion = _CHECK_RUN[state]
        self.project.create_check_run(
            name=check_name,
            commit_sha=self.commit_sha,
            url=url or None,
            external_id=check_name,
            status=status,
            conclusion=conclusion,
            output=create_github_check_run_output(title=description, summary=description),
        )


class StatusReporterGithubStatuses(StatusReporter):
    """Commit statuses (``set_commit_status``)."""

    def set_status(self, state: BaseCommitStatus, description: str, check_name: str, url: str = "") -> None:
        self.project.set_commit_status(
            self.commit_sha, _COMMIT_STATUS[state], url or DOCS_URL, description, check_name, trim=True
        )
