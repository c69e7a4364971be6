"""The loopback GitHub over real HTTP: endpoints (requests and PyGithub), rate limits,
ETags, the GitHub App flow, faults, concurrency, world files and `api-tracer fakehub`."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import github
import pytest
import requests
import yaml

from tracer.errors import DataError
from tracer.packit.loopback import Fault, World, generate_app_key, sign_app_jwt, token_identity

REPO = "packit/hello-world"
PR1_SHA = "717a8652e8c1891b449e48754412152a8b246a6e"
MAIN_SHA = "677967ac7e682b37249257c2db1d08d5c87ca7cf"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"token {token}"}


def rl(response: requests.Response) -> tuple[int, int, int]:
    h = response.headers
    return int(h["x-ratelimit-limit"]), int(h["x-ratelimit-remaining"]), int(h["x-ratelimit-used"])


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


@pytest.fixture
def gh(make_fakehub):  # noqa: F811
    """A server writing its own URL into bodies, and a throttle-free PyGithub for alice."""
    hub = make_fakehub(public_url=None)
    g = github.Github(
        base_url=hub.url,
        auth=github.Auth.Token(hub.issue_token("alice")),
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry=None,
    )
    return hub, g


# -- the default world ---------------------------------------------------------------------
def test_default_world_holds_a_packit_pr_pipeline() -> None:
    world = World.default()
    repo = world.repo(REPO)
    assert repo is not None and not repo.private
    tree = repo.tree("main")
    config = yaml.safe_load(tree[".packit.yaml"])
    jobs = {(j["job"], j["trigger"]) for j in config["jobs"]}
    assert {("copr_build", "pull_request"), ("tests", "pull_request")} <= jobs
    assert "specfile_path" not in config and "downstream_package_name" not in config
    assert tree[".fmf/version"].strip() == "1"
    assert "Name:" in tree["hello-world.spec"] and "README.md" in tree
    pr = repo.pulls[1]
    assert pr.author == "alice" and repo.permission("alice") == "admin"
    assert repo.permission("mallory") == "read"  # public repository, not a collaborator
    assert repo.tree(pr.head_sha) is not None
    private = world.repo("packit/hello-world-private")
    assert private.private and private.permission("mallory") == "none"
    nodot = world.repo("packit/hello-world-noDot").tree("main")
    assert "packit.yaml" in nodot and ".packit.yaml" not in nodot
    assert world.app is not None and world.app.installation_of(REPO) is not None


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "world.yaml"
    path.write_text(textwrap.dedent(text))
    return path


GOOD = """
users: [alice]
repositories:
  - full_name: o/r
    branches: {main: 677967ac7e682b37249257c2db1d08d5c87ca7cf}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("repositories: [\n", "not valid YAML"),
        ("", "world file is empty"),
        ("- a\n- b\n", "top level: expected a mapping"),
        (GOOD + "colour: blue\n", "unknown key 'colour'"),
        (GOOD.replace("677967ac7e682b37249257c2db1d08d5c87ca7cf", "123"), "repositories[0].branches.main: expected a 40-hex"),
        (GOOD + "    default_branch: trunk\n", "repositories[0].default_branch: 'trunk' is not in branches"),
        (GOOD + "    collaborators: {alice: owner}\n", "permission must be one of"),
        (GOOD + "    collaborators: {eve: admin}\n", "unknown user 'eve'"),
        (GOOD + "    pulls: [{number: 1, author: alice, head: {ref: x, sha: 677967ac7e682b37249257c2db1d08d5c87ca7cf}, base: dev}]\n",
         "repositories[0].pulls[0].base: branch 'dev' is not in"),
        (GOOD + "faults: [{path: '(', status: 502}]\n", "faults[0]: path is not a valid regular expression"),
        (GOOD + "app: {id: 1, installations: {x/y: 2}}\n", "app.installations.x/y: unknown repository"),
        ("users: [alice]\n", "missing required key 'repositories'"),
    ],
)
def test_bad_world_file_is_one_line_data_error(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        World.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_missing_world_file_is_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such world file"):
        World.load(tmp_path / "nope.yaml")


# -- endpoints with requests -----------------------------------------------------------------
def test_repo_and_contents(fakehub, session) -> None:  # noqa: F811
    token = fakehub.issue_token("alice")
    r = session.get(f"{fakehub.url}/repos/{REPO}", headers=auth(token))
    assert r.status_code == 200
    body = r.json()
    assert body["full_name"] == REPO and body["private"] is False and body["default_branch"] == "main"
    assert body["url"] == f"https://api.github.com/repos/{REPO}"
    assert body["permissions"]["admin"] is True
    assert "temp_clone_token" not in body
    assert r.headers["Content-Length"] == str(len(r.content))

    r = session.get(f"{fakehub.url}/repos/{REPO}/contents/.packit.yaml", params={"ref": "main"}, headers=auth(token))
    assert r.status_code == 200
    f = r.json()
    assert f["type"] == "file" and f["encoding"] == "base64" and f["path"] == ".packit.yaml"
    text = fakehub.world.repo(REPO).tree("main")[".packit.yaml"]
    assert base64.b64decode(f["content"]).decode() == text
    assert f["size"] == len(text.encode())

    for root in ("/contents/", "/contents"):
        r = session.get(f"{fakehub.url}/repos/{REPO}{root}", params={"ref": "main"}, headers=auth(token))
        assert r.status_code == 200
        listing = {e["name"]: e["type"] for e in r.json()}
        assert listing[".packit.yaml"] == "file" and listing[".fmf"] == "dir" and listing["plans"] == "dir"
    r = session.get(f"{fakehub.url}/repos/{REPO}/contents/.fmf", headers=auth(token))
    assert [e["path"] for e in r.json()] == [".fmf/version"]

    r = session.get(f"{fakehub.url}/repos/{REPO}/contents/.distro/source-git.yaml", headers=auth(token))
    assert r.status_code == 404
    assert r.json()["message"] == "Not Found" and "documentation_url" in r.json()
    r = session.get(f"{fakehub.url}/repos/{REPO}/contents/README.md", params={"ref": "no-such-ref"}, headers=auth(token))
    assert r.status_code == 404 and "No commit found" in r.json()["message"]
    # a PR head sha shows that branch's files
    r = session.get(f"{fakehub.url}/repos/{REPO}/contents/hello_world/__init__.py", params={"ref": PR1_SHA}, headers=auth(token))
    assert "Hello, world!" in base64.b64decode(r.json()["content"]).decode()


def test_permissions_pulls_commits_branches(fakehub, session) -> None:  # noqa: F811
    h = auth(fakehub.issue_token("packit-bot"))
    u = f"{fakehub.url}/repos/{REPO}"
    assert session.get(f"{u}/collaborators/alice/permission", headers=h).json()["permission"] == "admin"
    assert session.get(f"{u}/collaborators/mallory/permission", headers=h).json()["permission"] == "read"
    assert session.get(f"{u}/collaborators/nobody/permission", headers=h).status_code == 404
    pr = session.get(f"{u}/pulls/1", headers=h).json()
    assert pr["user"]["login"] == "alice" and pr["head"]["sha"] == PR1_SHA and pr["base"]["ref"] == "main"
    assert pr["base"]["sha"] == MAIN_SHA and pr["base"]["repo"]["full_name"] == REPO
    fork_pr = session.get(f"{u}/pulls/2", headers=h).json()
    assert fork_pr["head"]["repo"]["full_name"] == "mallory/hello-world"
    assert session.get(f"{u}/pulls/99", headers=h).status_code == 404
    commit = session.get(f"{u}/commits/{PR1_SHA}", headers=h).json()
    assert commit["sha"] == PR1_SHA and commit["url"].endswith(f"/repos/{REPO}/commits/{PR1_SHA}")
    assert session.get(f"{u}/commits/{'0' * 40}", headers=h).status_code == 422
    branch = session.get(f"{u}/branches/main", headers=h).json()
    assert branch["name"] == "main" and branch["commit"]["sha"] == MAIN_SHA
    assert session.get(f"{u}/branches/nope", headers=h).status_code == 404


def test_statuses_and_check_runs_are_kept(fakehub, session) -> None:  # noqa: F811
    h = auth(fakehub.issue_token("packit-bot"))
    u = f"{fakehub.url}/repos/{REPO}"
    r = session.post(f"{u}/statuses/{PR1_SHA}", json={"state": "pending", "context": "copr", "description": "x"}, headers=h)
    assert r.status_code == 201 and r.json()["state"] == "pending" and r.json()["creator"]["login"] == "packit-bot"
    session.post(f"{u}/statuses/{PR1_SHA}", json={"state": "success", "context": "copr"}, headers=h)
    assert session.post(f"{u}/statuses/{PR1_SHA}", json={"state": "great"}, headers=h).status_code == 422
    assert session.post(f"{u}/statuses/{'1' * 40}", json={"state": "success"}, headers=h).status_code == 422
    listed = session.get(f"{u}/commits/{PR1_SHA}/statuses", headers=h).json()
    assert [s["state"] for s in listed] == ["success", "pending"]  # newest first
    assert [s["state"] for s in fakehub.statuses(REPO, PR1_SHA)] == ["pending", "success"]

    r = session.post(f"{u}/check-runs", json={"name": "rpm-build:fedora-rawhide-x86_64", "head_sha": PR1_SHA}, headers=h)
    assert r.status_code == 201
    run = r.json()
    assert run["status"] == "queued" and run["head_sha"] == PR1_SHA
    assert [p["number"] for p in run["pull_requests"]] == [1]
    r = session.patch(f"{u}/check-runs/{run['id']}", json={"status": "completed", "conclusion": "success"}, headers=h)
    assert r.status_code == 200 and r.json()["conclusion"] == "success" and r.json()["completed_at"]
    assert session.get(f"{u}/check-runs/{run['id']}", headers=h).json()["status"] == "completed"
    assert session.get(f"{u}/check-runs/123", headers=h).status_code == 404
    assert session.post(f"{u}/check-runs", json={"name": "x"}, headers=h).status_code == 422
    assert [c["name"] for c in fakehub.check_runs(REPO)] == ["rpm-build:fedora-rawhide-x86_64"]


def test_pull_request_comments(fakehub, session) -> None:  # noqa: F811
    u = f"{fakehub.url}/repos/{REPO}/issues/2/comments"
    mallory = auth(fakehub.issue_token("mallory"))
    r = session.post(u, json={"body": "please build my PR"}, headers=mallory)
    assert r.status_code == 201 and r.json()["user"]["login"] == "mallory"
    assert r.json()["author_association"] == "CONTRIBUTOR"
    bot = auth(fakehub.issue_installation_token(1924121))
    r = session.post(u, json={"body": "Only collaborators can trigger builds."}, headers=bot)
    assert r.status_code == 201 and r.json()["user"]["login"] == "packit-as-a-service[bot]"
    assert session.post(u, json={}, headers=bot).status_code == 422
    assert session.post(u, json={"body": "x"}).status_code == 401
    assert session.get(f"{fakehub.url}/repos/{REPO}/issues/99/comments", headers=bot).status_code == 404
    assert [c["body"] for c in session.get(u, headers=bot).json()] == [
        "please build my PR", "Only collaborators can trigger builds."]
    assert [c["author"] for c in fakehub.comments(REPO, 2)] == ["mallory", "packit-as-a-service[bot]"]
    fakehub.reset()
    assert fakehub.comments(REPO, 2) == []


def test_auth_rules(fakehub, session) -> None:  # noqa: F811
    u = fakehub.url
    bad = session.get(f"{u}/repos/{REPO}", headers=auth("ghp_not-a-token"))
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
    assert session.get(f"{u}/repos/{REPO}", headers={"Authorization": "Basic eDp5"}).status_code == 401
    anon = session.get(f"{u}/repos/{REPO}")
    assert anon.status_code == 200 and rl(anon) == (60, 59, 1)
    assert session.get(f"{u}/repos/packit/hello-world-private").status_code == 404
    assert session.post(f"{u}/repos/{REPO}/statuses/{PR1_SHA}", json={"state": "success"}).status_code == 401
    mallory = auth(fakehub.issue_token("mallory"))
    assert session.get(f"{u}/repos/packit/hello-world-private", headers=mallory).status_code == 404
    assert session.post(f"{u}/repos/{REPO}/statuses/{PR1_SHA}", json={"state": "success"}, headers=mallory).status_code == 404
    alice = auth(fakehub.issue_token("alice"))
    assert session.get(f"{u}/repos/packit/hello-world-private", headers=alice).json()["private"] is True
    assert session.get(f"{u}/user", headers=alice).json()["login"] == "alice"
    assert session.get(f"{u}/user").status_code == 401
    missing = session.get(f"{u}/no/such/route", headers=alice)
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    log = fakehub.requests
    assert [r.status for r in log[:2]] == [401, 401] and not any(r.charged for r in log[:2])
    assert all(r.token != "ghp_not-a-token" for r in log)
    assert log[0].token == token_identity("ghp_not-a-token")


# -- endpoints with real PyGithub ----------------------------------------------------------------
def test_pygithub_reads_and_writes(gh) -> None:
    hub, g = gh
    repo = g.get_repo(REPO)
    assert repo.private is False and repo.default_branch == "main" and repo.owner.login == "packit"
    assert {c.path for c in repo.get_contents("")} >= {".packit.yaml", ".fmf", "hello-world.spec"}
    assert "copr_build" in repo.get_contents(".packit.yaml", ref="main").decoded_content.decode()
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("packit.yaml", ref="main")
    assert repo.get_collaborator_permission("alice") == "admin"
    pr = repo.get_pull(1)
    assert pr.user.login == "alice" and pr.base.repo.get_branch(pr.base.ref).commit.sha == MAIN_SHA
    status = repo.get_commit(pr.head.sha).create_status("success", "https://ci", "ok", "copr")
    assert status.state == "success"
    run = repo.create_check_run(name="tests", head_sha=pr.head.sha, status="in_progress")
    run.edit(status="completed", conclusion="failure")
    assert run.conclusion == "failure" and hub.check_runs(REPO)[0]["conclusion"] == "failure"
    assert g.get_rate_limit().resources.core.used == hub.used("user:alice")
    assert g.get_user().login == "alice"
    paths = [r.path for r in hub.requests]
    assert f"/repos/{REPO}/contents/" in paths  # PyGithub's root listing


# -- rate limits ---------------------------------------------------------------------------------
def test_rate_limit_counts_down_per_token_and_per_user(fakehub, session) -> None:  # noqa: F811
    alice, bob = fakehub.issue_token("alice"), fakehub.issue_token("bob")
    alice2 = fakehub.issue_token("alice")
    u = f"{fakehub.url}/repos/{REPO}"
    seen = [rl(session.get(u, headers=auth(alice))) for _ in range(3)]
    assert seen == [(5000, 4999, 1), (5000, 4998, 2), (5000, 4997, 3)]
    assert rl(session.get(u, headers=auth(bob))) == (5000, 4999, 1)
    assert rl(session.get(f"{u}/pulls/1", headers=auth(alice2))) == (5000, 4996, 4)  # same user, same bucket
    assert session.get(u, headers=auth(alice)).headers["x-ratelimit-resource"] == "core"
    assert fakehub.used("user:alice") == 5 and fakehub.used("user:bob") == 1
    assert fakehub.used(alice) == 4 and fakehub.used(token_identity(alice2)) == 1
    assert fakehub.bucket("user:alice").remaining == 4995


def test_conditional_get_and_rate_limit_endpoint_are_free(fakehub, session) -> None:  # noqa: F811
    h = auth(fakehub.issue_token("alice"))
    u = f"{fakehub.url}/repos/{REPO}/contents/.packit.yaml"
    first = session.get(u, headers=h)
    etag = first.headers["ETag"]
    again = session.get(u, headers={**h, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert rl(again) == (5000, 4999, 1)
    stale = session.get(u, headers={**h, "If-None-Match": 'W/"other"'})
    assert stale.status_code == 200 and rl(stale) == (5000, 4998, 2)
    limits = session.get(f"{fakehub.url}/rate_limit", headers=h)
    core = limits.json()["resources"]["core"]
    assert (core["limit"], core["remaining"], core["used"]) == (5000, 4998, 2)
    assert limits.json()["rate"]["remaining"] == 4998
    assert rl(session.get(f"{fakehub.url}/rate_limit", headers=h)) == (5000, 4998, 2)
    assert fakehub.used("user:alice") == 2
    assert [(r.status, r.charged) for r in fakehub.requests] == [
        (200, True), (304, False), (200, True), (200, False), (200, False)]


def test_exhausted_primary_limit(make_fakehub, session) -> None:  # noqa: F811
    hub = make_fakehub(World.from_dict({**yaml.safe_load(GOOD), "rate_limit": {"limits": {"user:alice": 2}}}))
    h = auth(hub.issue_token("alice"))
    u = f"{hub.url}/repos/o/r"
    assert [session.get(u, headers=h).status_code for _ in range(2)] == [200, 200]
    refused = session.get(u, headers=h)
    assert refused.status_code == 403
    assert refused.headers["x-ratelimit-remaining"] == "0" and refused.headers["x-ratelimit-used"] == "2"
    assert refused.json()["message"].startswith("API rate limit exceeded for user ID")
    assert session.get(f"{hub.url}/rate_limit", headers=h).status_code == 200
    assert hub.used("user:alice") == 2 and not hub.requests[-2].charged
    hub.set_remaining("user:alice", 1)
    assert session.get(u, headers=h).status_code == 200


# -- the GitHub App flow -------------------------------------------------------------------------
def test_app_jwt_gets_an_installation_token(fakehub, session) -> None:  # noqa: F811
    jwt = sign_app_jwt(fakehub.app_id, fakehub.app_private_key)
    bearer = {"Authorization": f"Bearer {jwt}"}
    inst = session.get(f"{fakehub.url}/repos/{REPO}/installation", headers=bearer)
    assert inst.status_code == 200 and inst.json()["app_id"] == fakehub.app_id
    inst_id = inst.json()["id"]
    assert inst.json()["access_tokens_url"] == f"https://api.github.com/app/installations/{inst_id}/access_tokens"
    issued = session.post(f"{fakehub.url}/app/installations/{inst_id}/access_tokens", headers=bearer)
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert token.startswith("ghs_") and len(token) == 40
    second = session.post(f"{fakehub.url}/app/installations/{inst_id}/access_tokens", headers=bearer).json()["token"]
    assert second != token

    private = session.get(f"{fakehub.url}/repos/packit/hello-world-private", headers=auth(token))
    assert private.status_code == 200 and rl(private) == (5000, 4999, 1)
    assert rl(session.get(f"{fakehub.url}/repos/{REPO}", headers=auth(second)))[1] == 4998  # one installation bucket
    assert fakehub.used(f"installation:{inst_id}") == 2
    assert fakehub.used(f"app:{fakehub.app_id}") == 3  # the JWT calls are the app's own
    assert session.get(f"{fakehub.url}/user", headers=auth(token)).status_code == 403
    # the app's installation may not write to a repository it is not installed on
    fork = session.post(f"{fakehub.url}/repos/mallory/hello-world/check-runs",
                        json={"name": "x", "head_sha": MAIN_SHA}, headers=auth(token))
    assert fork.status_code == 403 and fork.json()["message"] == "Resource not accessible by integration"


def test_app_jwt_with_another_key_or_no_jwt_is_refused(fakehub, session) -> None:  # noqa: F811
    other = sign_app_jwt(fakehub.app_id, generate_app_key())
    for path, method in ((f"/repos/{REPO}/installation", "GET"), ("/app/installations/1924121/access_tokens", "POST")):
        r = session.request(method, fakehub.url + path, headers={"Authorization": f"Bearer {other}"})
        assert r.status_code == 401 and r.json()["message"] == "A JSON web token could not be decoded"
        r = session.request(method, fakehub.url + path, headers=auth(fakehub.issue_token("alice")))
        assert r.status_code == 401
    expired = sign_app_jwt(fakehub.app_id, fakehub.app_private_key, now=time.time() - 3600)
    r = session.get(f"{fakehub.url}/repos/{REPO}/installation", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "Expiration time" in r.json()["message"]
    wrong_app = sign_app_jwt(fakehub.app_id + 1, fakehub.app_private_key)
    assert session.get(f"{fakehub.url}/repos/{REPO}/installation",
                       headers={"Authorization": f"Bearer {wrong_app}"}).status_code == 401
    assert session.get(f"{fakehub.url}/repos/{REPO}", headers=auth("ghs_" + "x" * 36)).status_code == 401
    assert not any(r.charged for r in fakehub.requests if r.status == 401)


def test_server_given_only_a_public_key_verifies_with_it(make_fakehub, session) -> None:  # noqa: F811
    from tracer.packit.loopback import public_key_pem

    private = generate_app_key()
    hub = make_fakehub(app_key=public_key_pem(private))
    assert hub.app_private_key is None
    good = {"Authorization": f"Bearer {sign_app_jwt(hub.app_id, private)}"}
    assert session.get(f"{hub.url}/repos/{REPO}/installation", headers=good).status_code == 200


# -- faults --------------------------------------------------------------------------------------
def test_server_error_once_then_ok(fakehub, session) -> None:  # noqa: F811
    h = auth(fakehub.issue_token("alice"))
    fault = fakehub.add_fault(path=r"/pulls/1$", status=502, times=1)
    u = f"{fakehub.url}/repos/{REPO}/pulls/1"
    first, second = session.get(u, headers=h), session.get(u, headers=h)
    assert (first.status_code, second.status_code) == (502, 200)
    assert first.json()["message"] == "Bad Gateway" and fault.hits == 1
    assert session.get(f"{fakehub.url}/repos/{REPO}", headers=h).status_code == 200  # other paths untouched
    assert [(r.status, r.charged, r.fault) for r in fakehub.requests] == [
        (502, False, "error"), (200, True, None), (200, True, None)]


def test_primary_and_secondary_limit_faults(fakehub, session) -> None:  # noqa: F811
    token = fakehub.issue_token("packit-bot")
    h = auth(token)
    fakehub.add_fault(Fault(path=r"/statuses/", method="POST", kind="primary", times=1))
    r = session.post(f"{fakehub.url}/repos/{REPO}/statuses/{PR1_SHA}", json={"state": "success"}, headers=h)
    assert r.status_code == 403 and r.headers["x-ratelimit-remaining"] == "0"
    assert r.json()["message"].startswith("API rate limit exceeded for user ID")
    fakehub.add_fault(kind="secondary", status=429, path=r"/check-runs$", retry_after=7, times=None)
    for _ in range(2):
        r = session.post(f"{fakehub.url}/repos/{REPO}/check-runs", json={"name": "b", "head_sha": PR1_SHA}, headers=h)
        assert r.status_code == 429 and r.headers["retry-after"] == "7"
        assert "You have exceeded a secondary rate limit" in r.json()["message"]
    fakehub.clear_faults()
    r = session.post(f"{fakehub.url}/repos/{REPO}/check-runs", json={"name": "b", "head_sha": PR1_SHA}, headers=h)
    assert r.status_code == 201 and rl(r) == (5000, 4999, 1)


def test_installation_primary_fault_names_the_installation(fakehub, session) -> None:  # noqa: F811
    token = fakehub.issue_installation_token(1924121)
    fakehub.add_fault(path=r"^/repos/", kind="primary")
    r = session.get(f"{fakehub.url}/repos/{REPO}", headers=auth(token))
    assert r.status_code == 403 and "API rate limit exceeded for installation ID 1924121" in r.json()["message"]


def test_faults_from_the_world_file_and_reset(tmp_path: Path, make_fakehub, session) -> None:  # noqa: F811
    path = write(tmp_path, GOOD + "faults:\n  - {path: '^/repos/o/r$', status: 503, times: 2}\n")
    hub = make_fakehub(World.load(path))
    h = auth(hub.issue_token("alice"))
    codes = [session.get(f"{hub.url}/repos/o/r", headers=h).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert hub.used("user:alice") == 1
    hub.reset()
    assert hub.requests == [] and hub.used("user:alice") == 0
    assert session.get(f"{hub.url}/repos/o/r", headers=h).status_code == 503  # faults are back, token still valid


# -- concurrency and speed ---------------------------------------------------------------------------
def test_concurrent_clients_are_counted_exactly(fakehub) -> None:  # noqa: F811
    tokens = [fakehub.issue_token("alice"), fakehub.issue_token("bob")]
    remaining: dict[str, list[int]] = {"alice": [], "bob": []}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        login = ("alice", "bob")[i % 2]
        try:
            with requests.Session() as s:
                for _ in range(25):
                    r = s.get(f"{fakehub.url}/repos/{REPO}/contents/.packit.yaml", headers=auth(tokens[i % 2]))
                    assert r.status_code == 200
                    with lock:
                        remaining[login].append(int(r.headers["x-ratelimit-remaining"]))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that an unlocked server would race
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors
    assert fakehub.used("user:alice") == 100 and fakehub.used("user:bob") == 100
    for login in ("alice", "bob"):  # every count from 4999 down to 4900 handed out exactly once
        assert sorted(remaining[login]) == list(range(4900, 5000))
    assert len(fakehub.requests) == 200
    assert sorted(r.seq for r in fakehub.requests) == list(range(1, 201))


def test_keep_alive_connections_disable_nagle(fakehub, session) -> None:  # noqa: F811
    """Nagle's algorithm + delayed ACK would add ~40 ms to each keep-alive request (median 44 ms
    against 1.4 ms, measured; `python benchmarks/bench_pipeline.py` times it): the server's end
    of every connection has TCP_NODELAY, checked on the socket rather than timed."""
    import socket

    h = auth(fakehub.issue_token("alice"))
    for _ in range(3):
        assert session.get(f"{fakehub.url}/repos/{REPO}", headers=h).status_code == 200
    conns = list(fakehub._server._connections)
    assert conns, "the keep-alive connection is open on the server"
    assert all(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for c in conns)


# -- boundaries and the CLI --------------------------------------------------------------------------
def test_loopback_imports_nothing_of_capture_worker_or_cli() -> None:
    code = ("import sys, tracer.packit.loopback, tracer.packit.pytest_plugin; "
            "print([m for m in sys.modules if m.startswith(('tracer.capture', 'tracer.packit.worker', 'tracer.cli'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracer", "fakehub", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = proc.stdout.readline()
    return proc, line


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_until_signal(sig: signal.Signals) -> None:
    proc, line = _start_cli()
    try:
        assert line.startswith("fakehub listening on http://127.0.0.1:") and line.rstrip().endswith("(world: default)")
        url = line.split()[3]
        hint = proc.stdout.readline()
        assert "hint:" in hint and url in hint
        token = hint.split('Token("')[1].split('"')[0]
        r = requests.get(f"{url}/repos/{REPO}", headers=auth(token), timeout=5)
        assert r.status_code == 200 and r.json()["url"] == f"{url}/repos/{REPO}"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Ctrl-C is 130, as for every command (README "Exit codes"); SIGTERM a requested stop: 0
    assert proc.returncode == (130 if sig == signal.SIGINT else 0), err
    assert "Traceback" not in err


def test_cli_bad_world_is_one_line_error(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "colour: blue\n")
    proc = subprocess.run([sys.executable, "-m", "tracer", "fakehub", "--world", str(path)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"api-tracer fakehub: error: {path}: unknown key 'colour' (known: " + \
        "app, check_runs_require_app, default_user, faults, name, rate_limit, repositories, users)"
