"""Real ogr 0.61 / PyGithub 2.10 against the loopback GitHub through `redirect_api`.

Clients keep their default base URL (https://api.github.com); `redirect_api` sends the
requests to the server, whose bodies carry https://api.github.com URLs as GitHub's do.
PyGithub's throttle sleeps and urllib3/ogr back-offs are skipped with `no_throttle`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ogr.abstract import CommitStatus
from ogr.exceptions import OgrException
from ogr.services.github import GithubService

from tracer.capture import no_throttle, redirect_api
from tracer.packit.loopback import FakeGitHub, generate_app_key

REPO = "packit/hello-world"
PR1_SHA = "717a8652e8c1891b449e48754412152a8b246a6e"
MAIN_SHA = "677967ac7e682b37249257c2db1d08d5c87ca7cf"
R = ("GET", f"/repos/{REPO}")

pytestmark = pytest.mark.filterwarnings(  # ogr 0.61 still calls PyGithub's deprecated arguments
    "ignore:Argument login_or_token is deprecated:DeprecationWarning",
    "ignore:Arguments integration_id, private_key:DeprecationWarning",
)


@pytest.fixture
def hub() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server, redirect_api(server.url), no_throttle():
        yield server


def calls(hub: FakeGitHub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in hub.requests]


def test_token_flow_pays_what_the_ogr_map_says(hub: FakeGitHub) -> None:
    project = GithubService(token=hub.issue_token("packit-bot")).get_project(namespace="packit", repo="hello-world")
    assert hub.requests == []  # building a service or a project makes no call

    assert project.is_private() is False
    assert "copr_build" in project.get_file_content(".packit.yaml")
    with pytest.raises(FileNotFoundError):
        project.get_file_content(".distro/source-git.yaml")
    files = project.get_files()
    assert {".packit.yaml", "hello-world.spec", "README.md"} <= set(files) and ".fmf/version" not in files
    assert project.can_merge_pr("alice") is True
    assert project.can_merge_pr("mallory") is False
    pr = project.get_pr(1)
    assert (pr.author, pr.head_commit, pr.target_branch) == ("alice", PR1_SHA, "main")
    assert pr.target_branch_head_commit == MAIN_SHA
    project.set_commit_status(PR1_SHA, CommitStatus.pending, "https://copr", "Building", "rpm-build:fedora-all")
    run = project.create_check_run(name="testing-farm:fedora-all", commit_sha=PR1_SHA)
    assert run.name == "testing-farm:fedora-all"

    assert calls(hub) == [
        R,  # paid once per project object, by is_private()
        ("GET", f"/repos/{REPO}/contents/.packit.yaml"),
        ("GET", f"/repos/{REPO}/contents/.distro/source-git.yaml"),
        ("GET", f"/repos/{REPO}/contents/"),
        ("GET", f"/repos/{REPO}/collaborators/alice/permission"),
        ("GET", f"/repos/{REPO}/collaborators/mallory/permission"),
        ("GET", f"/repos/{REPO}/pulls/1"),
        ("GET", f"/repos/{REPO}/branches/main"),
        ("GET", f"/repos/{REPO}/commits/{PR1_SHA}"),
        ("POST", f"/repos/{REPO}/statuses/{PR1_SHA}"),
        ("POST", f"/repos/{REPO}/check-runs"),
    ]
    assert [r.status for r in hub.requests][2] == 404
    assert all(r.charged and r.bucket == "user:packit-bot" for r in hub.requests)  # a 404 counts too
    assert hub.used("user:packit-bot") == 11
    assert [s["state"] for s in hub.statuses(REPO, PR1_SHA)] == ["pending"]
    assert [c["name"] for c in hub.check_runs(REPO)] == ["testing-farm:fedora-all"]
    assert project.github_instance.rate_limiting == (4989, 5000)  # PyGithub read our headers


def test_each_project_object_pays_the_repository_again(hub: FakeGitHub) -> None:
    service = GithubService(token=hub.issue_token("packit-bot"))
    for _ in range(3):
        assert service.get_project(namespace="packit", repo="hello-world-private").is_private() is True
    assert calls(hub) == [("GET", "/repos/packit/hello-world-private")] * 3


def test_pull_request_comment(hub: FakeGitHub) -> None:
    project = GithubService(token=hub.issue_token("packit-bot")).get_project(namespace="packit", repo="hello-world")
    pr = project.get_pr(2)
    assert pr.author == "mallory" and pr.source_project.namespace == "mallory"
    pr.comment("Only collaborators can trigger packit builds.")
    assert [c.body for c in pr.get_comments()] == ["Only collaborators can trigger packit builds."]
    assert calls(hub) == [
        R,
        ("GET", f"/repos/{REPO}/pulls/2"),
        ("POST", f"/repos/{REPO}/issues/2/comments"),
        ("GET", f"/repos/{REPO}/issues/2/comments"),
    ]
    assert hub.comments(REPO, 2)[0]["author"] == "packit-bot"


def test_github_app_flow(hub: FakeGitHub) -> None:
    service = GithubService(github_app_id=str(hub.app_id), github_app_private_key=hub.app_private_key)
    project = service.get_project(namespace="packit", repo="hello-world-private")
    assert project.is_private() is True
    assert project.get_file_content(".fmf/version").strip() == "1"
    private_main = hub.world.repo("packit/hello-world-private").branches["main"]
    run = project.create_check_run(name="rpm-build:fedora-all", commit_sha=private_main)
    assert run.app.id == hub.app_id
    second = service.get_project(namespace="packit", repo="hello-world")
    assert second.can_merge_pr("alice") is True

    installation = "/repos/{}/installation"
    token = "/app/installations/1924121/access_tokens"
    assert calls(hub) == [
        ("GET", installation.format("packit/hello-world-private")),
        ("POST", token),
        ("GET", "/repos/packit/hello-world-private"),
        ("GET", "/repos/packit/hello-world-private/contents/.fmf/version"),
        ("POST", "/repos/packit/hello-world-private/check-runs"),
        ("GET", installation.format(REPO)),  # every new project object asks for a new token
        ("POST", token),
        R,
        ("GET", f"/repos/{REPO}/collaborators/alice/permission"),
    ]
    buckets = [r.bucket for r in hub.requests]
    assert buckets.count(f"app:{hub.app_id}") == 4 and buckets.count("installation:1924121") == 5
    assert hub.used(f"app:{hub.app_id}") == 4 and hub.used("installation:1924121") == 5
    tokens = {r.token for r in hub.requests if r.bucket == "installation:1924121"}
    assert len(tokens) == 2  # two fresh installation tokens, one bucket


def test_github_app_with_the_wrong_key_gets_no_token(hub: FakeGitHub) -> None:
    service = GithubService(github_app_id=str(hub.app_id), github_app_private_key=generate_app_key())
    project = service.get_project(namespace="packit", repo="hello-world")
    with pytest.raises(OgrException, match="No installation ID"):
        project.is_private()
    assert [(r.path, r.status, r.charged) for r in hub.requests] == [(f"/repos/{REPO}/installation", 401, False)]


def test_ogr_retries_a_503_and_the_server_sees_both_attempts(hub: FakeGitHub) -> None:
    project = GithubService(token=hub.issue_token("packit-bot")).get_project(namespace="packit", repo="hello-world")
    hub.add_fault(path=r"/pulls/1$", status=503, times=1)
    assert project.get_pr(1).author == "alice"
    assert [(r.path, r.status, r.charged) for r in hub.requests] == [
        (f"/repos/{REPO}", 200, True),
        (f"/repos/{REPO}/pulls/1", 503, False),
        (f"/repos/{REPO}/pulls/1", 200, True),
    ]


def test_check_runs_from_a_personal_token_refused_when_the_world_says_so(hub: FakeGitHub) -> None:
    hub.check_runs_require_app = True
    project = GithubService(token=hub.issue_token("packit-bot")).get_project(namespace="packit", repo="hello-world")
    with pytest.raises(Exception):  # noqa: B017 - ogr wraps PyGithub's 403 differently across versions
        project.create_check_run(name="x", commit_sha=PR1_SHA)
    posts = [r for r in hub.requests if r.method == "POST"]
    assert posts and all(r.status == 403 for r in posts)
    assert hub.check_runs(REPO) == []
