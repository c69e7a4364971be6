"""packit-service's allowlist check of a PR event (``Allowlist._check_pr_event``).

An actor (the webhook's sender) listed in the service config's ``admins`` passes without a
look at GitHub, whatever the event (``check_and_report``). Otherwise the actor is let in when
the repository's namespace is approved (the database: every namespace here is) and the actor
can merge (``can_merge_pr``: GET
collaborators/{actor}/permission) or, failing that, is the PR's author (``get_pr``: GET
pulls/{n}). Otherwise packit reports a neutral status "User cannot trigger!" on the statuses of
the jobs being checked and the event goes no further.

Left out: on refusal packit-service also looks for an approval issue in packit/notifications
(``get_approval_issue``), another repository's issue list; the loopback world has neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ogr.abstract import GitProject

from tracer.packit.worker.events import PullRequestGithubEvent
from tracer.packit.worker.job_helpers import BaseBuildJobHelper
from tracer.packit.worker.packit_config import JobConfig
from tracer.packit.worker.reporting import BaseCommitStatus

DOCS_APPROVAL_URL = "https://packit.dev/docs/guide/#2-approval"


class Allowlist:
    def __init__(self, admins: Iterable[str] = (), approved_namespaces: Iterable[str] = ("github.com",)) -> None:
        self.admins = frozenset(admins)
        self.approved = {n.lower() for n in approved_namespaces}

    def is_namespace_or_parent_approved(self, namespace: str) -> bool:
        """The database's allowlist (no GitHub call)."""
        parts = namespace.lower().split("/")
        return any("/".join(parts[:i]) in self.approved for i in range(len(parts), 0, -1))

    def check_and_report(
        self,
        event: object,
        project: GitProject,
        job_configs: list[JobConfig],
        helper_for: Callable[[JobConfig], BaseBuildJobHelper],
    ) -> bool:
        """True when the event may start these jobs: an admin's always; PR events are checked."""
        actor = getattr(event, "actor", None)
        if actor and actor in self.admins:
            return True  # "{actor} is admin, you shall pass."
        if isinstance(event, PullRequestGithubEvent):
            return self._check_pr_event(event, project, job_configs, helper_for)
        return True

    def _check_pr_event(
        self,
        event: PullRequestGithubEvent,
        project: GitProject,
        job_configs: list[JobConfig],
        helper_for: Callable[[JobConfig], BaseBuildJobHelper],
    ) -> bool:
        actor_name = event.actor
        project_url = event.project_url.split("://", 1)[-1] + ".git"
        namespace_approved = self.is_namespace_or_parent_approved(project_url)
        user_approved = project.can_merge_pr(actor_name) or project.get_pr(event.pr_id).author == actor_name
        if namespace_approved and user_approved:
            return True
        short_msg = f"{project_url} not allowed!" if not namespace_approved else "User cannot trigger!"
        self._check_pr_report_status(job_configs, helper_for, short_msg)
        return False

    @staticmethod
    def _check_pr_report_status(
        job_configs: list[JobConfig], helper_for: Callable[[JobConfig], BaseBuildJobHelper], short_msg: str
    ) -> None:
        for job_config in job_configs:
            helper_for(job_config).report_status_to_configured_job(
                short_msg, BaseCommitStatus.neutral, url=DOCS_APPROVAL_URL
            )
