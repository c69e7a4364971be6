"""Status reporting and PR comments, named as packit-service names them (``StatusReporter*``).

At both profiles GitHub statuses are check runs and every update creates a new check run
(``create_check_run``: GET repo once per project object, then POST check-runs). The
``commit_statuses`` reporter (``set_commit_status``: GET commits/{sha} · POST statuses/{sha})
exists for profiles that want to compare.

``StatusReporter.comment`` comments on the PR, first reading its comments newest first when
asked to avoid a duplicate (``DuplicateCheckMode``): the last comment by packit's own GitHub
account (``packit_user``) with the same body means no new comment. Reading them is
``get_pr(n).get_comments(reverse=True)``: GET pulls/{n}, then PyGithub's reversed list GETs
issues/{n}/comments once to find the last page and once more to read it. At C every
``get_pr`` is a new GET pulls/{n}; at HEAD the reporter caches the PR (profile switch
``reporter_caches_pr``).
"""

from __future__ import annotations

from enum import Enum, auto

from ogr.abstract import CommitStatus, GitProject, PullRequest
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


class DuplicateCheckMode(Enum):
    """How ``StatusReporter.comment`` avoids repeating itself."""

    do_not_check = auto()
    check_last_comment = auto()  # only packit's last comment
    check_all_comments = auto()


class StatusReporter:
    """Reports one commit's statuses through one ogr project object, and comments on its PR."""

    def __init__(
        self,
        project: GitProject,
        commit_sha: str,
        packit_user: str,
        pr_id: int | None = None,
        caches_pr: bool = True,
    ) -> None:
        self.project = project
        self.commit_sha = commit_sha
        self._packit_user = packit_user
        self.pr_id = pr_id
        self._caches_pr = caches_pr
        self._pull_request_object: PullRequest | None = None

    @staticmethod
    def get_instance(
        status_api: str, project: GitProject, commit_sha: str, packit_user: str, pr_id: int | None = None,
        caches_pr: bool = True,
    ) -> StatusReporter:
        cls = StatusReporterGithubChecks if status_api == "check_runs" else StatusReporterGithubStatuses
        return cls(project, commit_sha, packit_user, pr_id, caches_pr)

    @property
    def pull_request_object(self) -> PullRequest:
        """The PR: at HEAD read once per reporter, at C ``get_pr`` on every use."""
        if self._pull_request_object is None or not self._caches_pr:
            self._pull_request_object = self.project.get_pr(self.pr_id)
        return self._pull_request_object

    def _has_identical_comment(self, body: str, mode: DuplicateCheckMode) -> bool:
        if mode == DuplicateCheckMode.do_not_check:
            return False
        for comment in self.pull_request_object.get_comments(reverse=True):
            if comment.author.startswith(self._packit_user):
                if mode == DuplicateCheckMode.check_last_comment:
                    return body == comment.body
                if body == comment.body:
                    return True
        return False

    def comment(self, body: str, duplicate_check: DuplicateCheckMode = DuplicateCheckMode.do_not_check) -> None:
        """Comment on the PR unless ``duplicate_check`` finds the same comment of packit's."""
        if self.pr_id is None:
            raise ValueError("StatusReporter.comment: commit comments are not part of this pipeline")
        if self._has_identical_comment(body, duplicate_check):
            return
        self.pull_request_object.comment(body=body)

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
