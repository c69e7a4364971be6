"""What some of ogr's GitLab, Pagure and Forgejo integration tests do, re-enacted with the same
ogr calls (from packit/ogr's tests/integration/<forge>/*.py at the commit in
tests/data/ogr-forges/OGR_COMMIT), for replays of their recordings (tests/data/ogr-forges) with
a tracer on. Each scenario names its recording (``forge/module/test``), the client library
requre stands in for, and what the calls are by packit's rules, in order: (endpoint, category,
charged, status). The functions are named ``test_*`` as ogr's are (a function named like an ogr method,
``is_private``, would match that method's call-site rule); this module holds no tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ogr.abstract import CommitStatus
from ogr.services.forgejo import ForgejoService
from ogr.services.gitlab import GitlabService
from ogr.services.pagure import PagureService

#: the instance ogr's Forgejo suite was recorded against (not one of Forgejo's known hosts)
FORGEJO_HOST = "v10.next.forgejo.org"


@dataclass(frozen=True)
class Scenario:
    recording: str  # under tests/data/ogr-forges, without .yaml
    client: str  # "requests" or "httpx": which client requre answers
    run: Callable[[], None]
    calls: list[tuple[str, str, bool, int]]  # (endpoint, category, charged, status), in order


def _forgejo_project(repo: str = "ogr-tests") -> object:
    service = ForgejoService(instance_url=f"https://{FORGEJO_HOST}", token="not-a-token")
    return service.get_project(namespace="packit-validator", repo=repo)


def _pagure_project() -> object:
    return PagureService(token="not-a-token", instance_url="https://pagure.io").get_project(namespace=None, repo="ogr-tests")


def _gitlab_project() -> object:
    service = GitlabService(token="some_token", instance_url="https://gitlab.com", ssl_verify=True)
    return service.get_project(repo="ogr-tests", namespace="packit-service")


# -- Forgejo (tests/integration/forgejo/test_project.py) -----------------------------------------
def test_is_not_private() -> None:
    assert not _forgejo_project().is_private()


def test_pr_permissions() -> None:
    project = _forgejo_project()
    assert "mfocko" in project.who_can_merge_pr()
    assert not project.can_merge_pr("lbarcziova")


def test_issue_permissions() -> None:
    assert "mfocko" in _forgejo_project().who_can_close_issue()


def test_get_file_content() -> None:
    content = _forgejo_project().get_file_content(path="README.md", ref="b8e18207cfdad954f1b3a96db34d0706b272e6cf")
    assert content.startswith("# ogr-tests\n")


def test_nonexisting_file() -> None:
    try:
        _forgejo_project().get_file_content(".blablabla_nonexisting_file")
    except FileNotFoundError:
        return
    raise AssertionError("a missing file must raise FileNotFoundError")


# -- Pagure (tests/integration/pagure/test_pull_requests.py) -------------------------------------
def test_set_pr_flag() -> None:
    pr = _pagure_project().get_pr(pr_id=6)
    response = pr.set_flag(username="packit/build", comment="A simple RPM build.", url="https://packit.dev",
                           status=CommitStatus.success, uid="553fa0c52d0367d778458af022ac8a9d")
    assert response["uid"] == "553fa0c52d0367d778458af022ac8a9d"


def test_pr_info() -> None:
    pr = _pagure_project().get_pr(pr_id=5)
    assert pr.title.startswith("Test PR") and pr.head_commit == "517121273b142293807606dbd7a2e0f514b21cc8"


# -- GitLab (tests/integration/gitlab/test_issues.py, test_service.py) ---------------------------
def test_issue_info() -> None:
    issue = _gitlab_project().get_issue(1)
    assert issue.title.startswith("My first issue")


def test_get_rate_limit_remaining() -> None:
    assert GitlabService(token="some_token", instance_url="https://gitlab.com", ssl_verify=True).get_rate_limit_remaining() >= 100


FORGEJO_REPO = "GET /repos/{owner}/{repo}"
FORGEJO_COLLABORATORS = "GET /repos/{owner}/{repo}/collaborators"
FORGEJO_TEAMS = "GET /repos/{owner}/{repo}/teams"
FORGEJO_PERMISSION = "GET /repos/{owner}/{repo}/collaborators/{collaborator}/permission"
FORGEJO_CONTENTS = "GET /repos/{owner}/{repo}/contents/{filepath+}"
#: ogr's write-access question on Forgejo: collaborators, the owner, its teams (405 for a user's
#: repository), then each collaborator's permission
WRITE_ACCESS = [
    (FORGEJO_COLLABORATORS, "is_user_approved", False, 200),
    (FORGEJO_REPO, "is_user_approved", False, 200),
    (FORGEJO_TEAMS, "is_user_approved", False, 405),
    (FORGEJO_PERMISSION, "is_user_approved", False, 200),
    (FORGEJO_PERMISSION, "is_user_approved", False, 200),
]

SCENARIOS: dict[str, Scenario] = {s.recording: s for s in [
    Scenario("forgejo/test_project/test_is_not_private", "httpx", test_is_not_private,
             [(FORGEJO_REPO, "is_project_private", False, 200)]),
    Scenario("forgejo/test_project/test_pr_permissions", "httpx", test_pr_permissions,
             [*WRITE_ACCESS, (FORGEJO_PERMISSION, "is_user_approved", False, 200)]),
    Scenario("forgejo/test_project/test_issue_permissions", "httpx", test_issue_permissions, WRITE_ACCESS),
    Scenario("forgejo/test_project/test_get_file_content", "httpx", test_get_file_content,
             [(FORGEJO_CONTENTS, "other", False, 200)]),  # README.md is no packit config file
    Scenario("forgejo/test_project/test_nonexisting_file", "httpx", test_nonexisting_file,
             [(FORGEJO_CONTENTS, "other", False, 404)]),
    Scenario("pagure/test_pull_requests/PullRequests.test_set_pr_flag", "requests", test_set_pr_flag, [
        ("POST /-/whoami", "other", False, 200),  # ogr's Pagure service checks its token when it is built
        ("GET /{repo}/pull-request/{requestid}", "other", False, 200),
        ("POST /{repo}/pull-request/{requestid}/flag", "set_status", False, 200),
    ]),
    Scenario("pagure/test_pull_requests/PullRequests.test_pr_info", "requests", test_pr_info, [
        ("POST /-/whoami", "other", False, 200),
        ("GET /{repo}/pull-request/{requestid}", "other", False, 200),
    ]),
    Scenario("gitlab/test_issues/Issues.test_issue_info", "requests", test_issue_info, [
        ("GET /user", "other", True, 200),  # python-gitlab checks its token when the client is built
        ("GET /projects/{id}", "other", True, 200),
        ("GET /projects/{id}/issues/{issue_iid}", "other", True, 200),
    ]),
    Scenario("gitlab/test_service/Service.test_get_rate_limit_remaining", "requests", test_get_rate_limit_remaining,
             [("GET /user", "other", True, 200), ("HEAD /user", "other", True, 200)]),
]}
