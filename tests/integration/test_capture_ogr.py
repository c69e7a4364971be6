"""Real ogr on real api.github.com recordings (ogr's own, imported), under the tracer.

Each test replays one recording through real ogr/PyGithub calls with vcrpy
(network blocked: record_mode "none") and asserts the category, route template,
status and charge of every call.
"""

from __future__ import annotations


import pytest
import vcr
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from ogr.abstract import CommitStatus
from ogr.services.github import GithubService
from ogr.services.github.check_run import GithubCheckRunResult, GithubCheckRunStatus

from paths import DATA
from tracer.capture import Tracer, handler
from tracer.recording.matchers import MATCH_ON, configure

DATA = DATA / "ogr"
REPLAY = configure(vcr.VCR(record_mode="none", match_on=MATCH_ON))
REPO = "/repos/{owner}/{repo}"


def traced(cassette: str, work, all_played: bool = True) -> list[tuple[str, str, str, int, bool]]:
    with REPLAY.use_cassette(str(DATA / cassette)) as cass, Tracer() as t, handler("ogr-test"):
        work()
    assert cass.all_played or not all_played, f"{cassette}: not every recorded interaction was replayed"
    return [(c.endpoint, c.category, c.call_site or "", c.status, c.charged) for c in t.trace()]


def project(namespace: str, repo: str, **auth):
    return GithubService(token="ghp_" + "0" * 36, **auth).get_project(namespace=namespace, repo=repo)


def rows(calls):
    return [(endpoint, category, status, charged) for endpoint, category, _, status, charged in calls]


def test_is_private():
    calls = traced("GenericCommands.test_is_private.yaml", lambda: (
        project("mfocko", "playground").is_private(),
        project("mfocko", "playground").service.user.get_username(),
    ))
    assert rows(calls) == [
        (f"GET {REPO}", "is_project_private", 200, True),
        ("GET /user", "other", 200, True),
    ]
    assert calls[0][2] == "ogr.services.github.project.GithubProject.is_private"


def test_get_file_content_present_and_missing():
    p = project("packit", "ogr")
    calls = traced("GenericCommands.test_get_file.yaml", lambda: p.get_file_content(".git_archival.txt", ref="master"))
    assert rows(calls) == [
        (f"GET {REPO}", "other", 200, True),
        (f"GET {REPO}/contents/{{path+}}", "other", 200, True),
    ]
    assert {c[2] for c in calls} == {"ogr.services.github.project.GithubProject.get_file_content"}

    def missing():
        with pytest.raises(FileNotFoundError):
            project("packit", "ogr").get_file_content(".blablabla_nonexisting_file", ref="master")

    assert rows(traced("GenericCommands.test_nonexisting_file.yaml", missing)) == [
        (f"GET {REPO}", "other", 200, True),
        (f"GET {REPO}/contents/{{path+}}", "other", 404, True),  # a 404 still counts
    ]


def test_get_files_walks_directories():
    p = project("packit", "ogr")
    calls = traced("GenericCommands.test_get_files.yaml", lambda: (
        p.get_files(ref="master"), p.get_files(ref="master", recursive=True),
    ))
    endpoints = [c[0] for c in calls]
    assert endpoints[0] == f"GET {REPO}" and endpoints.count(f"GET {REPO}") == 1
    assert endpoints.count(f"GET {REPO}/contents/") == 2  # the root listing, once per get_files
    assert all(c[4] and c[3] == 200 for c in calls)
    assert {c[1] for c in calls} == {"other"}


def test_can_merge_pr_is_the_allowlist_permission_check():
    p = project("packit", "ogr")
    calls = traced("GenericCommands.test_pr_permissions.yaml", lambda: (
        p.who_can_merge_pr(), p.can_merge_pr("lachmanfrantisek"),
    ), all_played=False)
    approved = [c for c in calls if c[2].endswith("GithubProject.can_merge_pr")]
    assert [c[:2] for c in approved] == [
        (f"GET {REPO}/collaborators/{{username}}/permission", "is_user_approved"),
    ]
    assert all(c[3] == 200 and c[4] for c in calls)


def test_get_pr():
    calls = traced("PullRequests.test_pr_info.yaml", lambda: (lambda pr: (pr.title, pr.status))(project("packit", "ogr").get_pr(1)))
    assert rows(calls)[:2] == [
        (f"GET {REPO}", "other", 200, True),
        (f"GET {REPO}/pulls/{{pull_number}}", "other", 200, True),
    ]


def test_set_commit_status():
    sha = "c891a9e4ac01e6575f3fd66cf1b7db2f52f10128"
    calls = traced("GenericCommands.test_set_commit_status.yaml", lambda: project("packit", "ogr").set_commit_status(
        sha, CommitStatus.success, "https://api.packit.dev", "testing description", "test", trim=True,
    ))
    assert rows(calls) == [
        (f"GET {REPO}", "set_status", 200, True),  # R paid by set_commit_status: its call site says why
        (f"GET {REPO}/commits/{{ref+}}", "set_status", 200, True),
        (f"POST {REPO}/statuses/{{sha+}}", "set_status", 201, True),
    ]


@pytest.fixture(scope="module")
def app_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_create_check_run_with_the_github_app_flow(app_key):
    def work():
        service = GithubService(github_app_id="123", github_app_private_key=app_key)
        p = service.get_project(namespace="packit", repo="hello-world")
        run = p.create_check_run(
            name="check run to be queued",
            commit_sha="7cf6d0cbeca285ecbeb19a0067cb243783b3c768",
            url="https://localhost",
            external_id="ogr-test",
            status=GithubCheckRunStatus.queued,
        )
        run.change_status(status=GithubCheckRunStatus.completed, conclusion=GithubCheckRunResult.success)

    calls = traced("CheckRun.test_create_to_queue_and_succeed.yaml", work)
    assert rows(calls) == [
        # ogr mints the installation token inside the first call that touches the
        # repository (here create_check_run): still auth (a `final` route rule), JWT-signed
        # and not charged
        (f"GET {REPO}/installation", "auth", 200, False),
        ("POST /app/installations/{installation_id}/access_tokens", "auth", 201, False),
        (f"GET {REPO}", "set_status", 200, True),
        (f"POST {REPO}/check-runs", "set_status", 201, True),
        (f"PATCH {REPO}/check-runs/{{check_run_id}}", "set_status", 200, True),
    ]


def test_app_token_minting_outside_a_status_call_is_auth(app_key):
    def work():
        service = GithubService(github_app_id="123", github_app_private_key=app_key)
        service.get_project(namespace="packit", repo="ogr").get_owners()

    assert rows(traced("App.test_get_project.yaml", work)) == [
        (f"GET {REPO}/installation", "auth", 200, False),
        ("POST /app/installations/{installation_id}/access_tokens", "auth", 201, False),
        (f"GET {REPO}", "other", 200, True),
    ]


def test_rate_limit_is_not_charged():
    calls = traced("Service.test_get_rate_limit_remaining.yaml", lambda: GithubService(token="t").get_rate_limit_remaining())
    assert rows(calls) == [("GET /rate_limit", "other", 200, False)]
