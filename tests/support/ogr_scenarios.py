"""What each of ogr's integration tests behind the shared recordings does, re-enacted with the
same ogr calls (from packit/ogr's tests/integration/github/*.py), for replays of those
recordings under any answering library. The functions are named ``test_*`` as ogr's are (a
function named like an ogr method, ``is_private``, would match that method's call-site rule);
this module holds no tests of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from ogr.abstract import CommitStatus
from ogr.services.github import GithubService
from ogr.services.github.check_run import GithubCheckRunResult, GithubCheckRunStatus, create_github_check_run_output

TOKEN = "ghp_" + "0" * 36
CHECK_RUN_SHA = "7cf6d0cbeca285ecbeb19a0067cb243783b3c768"


def app_key() -> str:
    """Any key signs: the recording answers, whatever the JWT says."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _token() -> GithubService:
    return GithubService(token=TOKEN)


def _app(key: str) -> GithubService:
    return GithubService(github_app_id="123", github_app_private_key=key)


def _ogr() -> Any:
    return _token().get_project(namespace="packit", repo="ogr")


def test_is_private(_: str) -> None:
    service = _token()
    assert service.get_project(namespace=service.user.get_username(), repo="playground").is_private()


def test_get_file(_: str) -> None:
    assert "ref-names:" in _ogr().get_file_content(".git_archival.txt")


def test_nonexisting_file(_: str) -> None:
    try:
        _ogr().get_file_content(".blablabla_nonexisting_file")
    except FileNotFoundError:
        return
    raise AssertionError("a missing file must raise FileNotFoundError")


def test_get_files(_: str) -> None:
    project = _ogr()
    assert ".git_archival.txt" in project.get_files()
    assert any("python-ogr.spec" in f for f in project.get_files(filter_regex=".*.spec", recursive=True))


def test_get_owners(_: str) -> None:
    assert _ogr().get_owners() == ["packit"]


def test_pr_permissions(_: str) -> None:
    project = _ogr()
    assert "lachmanfrantisek" in project.who_can_merge_pr()
    assert project.can_merge_pr("lachmanfrantisek")
    assert not project.can_merge_pr("torvalds")


def test_set_commit_status(_: str) -> None:
    status = _ogr().set_commit_status(
        commit="c891a9e4ac01e6575f3fd66cf1b7db2f52f10128", state=CommitStatus.success,
        target_url="https://github.com/packit/ogr", description="testing description", context="test", trim=True,
    )
    assert status.comment == "testing description"


def test_commit_comment(_: str) -> None:
    service = _token()
    comment = service.get_project(namespace="packit", repo="hello-world").commit_comment(
        commit="95069d7bedb6ae02def3fccce22169b412d08eac", body="Testing commit comment", filename="README.md", row=6,
    )
    assert comment.body == "Testing commit comment"
    assert comment.author == service.user.get_username()


def test_pr_info(_: str) -> None:
    pr = _ogr().get_pr(1)
    assert pr.title == "WIP: API" and pr.author == "lachmanfrantisek"
    assert pr.status.name == "merged"  # GET pulls/1/merge


def test_pr_comments(_: str) -> None:
    comments = list(_ogr().get_pr(9).get_comments())
    assert len(comments) == 2 and comments[1].body.startswith("LGTM")


def test_rate_limit(_: str) -> None:
    assert _token().get_rate_limit_remaining() >= 100


def test_app_get_project(key: str) -> None:
    assert _app(key).get_project(namespace="packit", repo="ogr").github_repo


def test_check_run_neutral(key: str) -> None:
    run = _app(key).get_project(namespace="packit", repo="hello-world").create_check_run(
        name="neutral completed", commit_sha=CHECK_RUN_SHA, url="https://localhost", external_id="ogr-test",
        conclusion=GithubCheckRunResult.neutral,
        output=create_github_check_run_output(
            "Compile & run tests", "Compilation failed",
            "# Compile\n\n**FAILED**\n```\nunused parameters\n```\n\n# Tests\n\ndependency failed",
        ),
    )
    assert run.conclusion == GithubCheckRunResult.neutral


def test_check_run_queue_and_succeed(key: str) -> None:
    run = _app(key).get_project(namespace="packit", repo="hello-world").create_check_run(
        name="check run to be queued", commit_sha=CHECK_RUN_SHA, url="https://localhost",
        external_id="ogr-test", status=GithubCheckRunStatus.queued,
    )
    run.change_status(status=GithubCheckRunStatus.completed, conclusion=GithubCheckRunResult.success)


#: recording stem → the test's ogr calls (given an app private key)
SCENARIOS: dict[str, Callable[[str], None]] = {
    "App.test_get_project": test_app_get_project,
    "CheckRun.test_create_neutral_completed": test_check_run_neutral,
    "CheckRun.test_create_to_queue_and_succeed": test_check_run_queue_and_succeed,
    "Comments.test_pr_comments": test_pr_comments,
    "GenericCommands.test_commit_comment": test_commit_comment,
    "GenericCommands.test_get_file": test_get_file,
    "GenericCommands.test_get_files": test_get_files,
    "GenericCommands.test_get_owners": test_get_owners,
    "GenericCommands.test_is_private": test_is_private,
    "GenericCommands.test_nonexisting_file": test_nonexisting_file,
    "GenericCommands.test_pr_permissions": test_pr_permissions,
    "GenericCommands.test_set_commit_status": test_set_commit_status,
    "PullRequests.test_pr_info": test_pr_info,
    "Service.test_get_rate_limit_remaining": test_rate_limit,
}
