"""httpx's mock libraries answering real ogr Forgejo objects (pyforgejo over httpx) with a tracer
on: respx (it replaces the connection pool) and pytest-httpx (it replaces the transport) each
answer a packit pipeline's four questions, and every call is seen once, with the status the mock
gave, its forge, packit's category and Forgejo's charge (none: Forgejo documents no limit)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx
from ogr.abstract import CommitStatus
from ogr.services.forgejo import ForgejoService

from tracer.capture import Tracer, handler

API = "https://codeberg.org/api/v1"
REPO = f"{API}/repos/packit/hello-world"
SHA = "c891a9e4ac01e6575f3fd66cf1b7db2f52f10128"
TOKEN = "0123456789abcdef0123456789abcdef01234567"  # Forgejo's tokens are 40 hex digits

#: (method, URL, status, JSON answer) a packit pipeline's four questions cost on Forgejo
ANSWERS = [
    ("GET", REPO, 200, {"id": 1, "name": "hello-world", "full_name": "packit/hello-world", "private": False,
                        "owner": {"id": 2, "login": "packit"}}),
    ("GET", f"{REPO}/collaborators/alice/permission", 200, {"permission": "write"}),
    ("GET", f"{REPO}/contents/.packit.yaml?ref=main", 200,
     {"name": ".packit.yaml", "path": ".packit.yaml", "type": "file", "encoding": "base64",
      "content": base64.b64encode(b"jobs: []\n").decode()}),
    ("GET", f"{REPO}/contents/packit.yaml?ref=main", 404, {"message": "object does not exist"}),
    ("POST", f"{REPO}/statuses/{SHA}", 201, {"id": 7, "status": "success", "context": "packit/rpm-build"}),
]
#: what each answer is, by packit's rules: (endpoint, category, charged, status)
EXPECTED = [
    ("GET /repos/{owner}/{repo}", "is_project_private", False, 200),
    ("GET /repos/{owner}/{repo}/collaborators/{collaborator}/permission", "is_user_approved", False, 200),
    ("GET /repos/{owner}/{repo}/contents/{filepath+}", "load_packit_yaml", False, 200),
    ("GET /repos/{owner}/{repo}/contents/{filepath+}", "load_packit_yaml", False, 404),
    ("POST /repos/{owner}/{repo}/statuses/{sha}", "set_status", False, 201),
]


def pipeline() -> None:
    """A packit pipeline's questions, asked through ogr's Forgejo service."""
    project = ForgejoService(instance_url="https://codeberg.org", token=TOKEN).get_project(namespace="packit", repo="hello-world")
    with handler("ProcessMessage", event="PR is updated"):
        assert not project.is_private()
        assert project.can_merge_pr("alice")
        assert project.get_file_content(".packit.yaml", ref="main") == "jobs: []\n"
        with pytest.raises(FileNotFoundError):
            project.get_file_content("packit.yaml", ref="main")
    with handler("CoprBuildHandler", event="Submit Copr build"):
        project.set_commit_status(SHA, CommitStatus.success, "https://packit.dev", "RPM build", "packit/rpm-build")


def check(tracer: Tracer) -> None:
    trace = tracer.trace()
    assert trace.forges() == {"forgejo": len(ANSWERS)} and len(trace) == 0  # GitHub's view: none of them
    forgejo = trace.on("forgejo")
    assert [(c.endpoint, c.category, c.charged, c.status) for c in forgejo] == EXPECTED
    assert [(c.method, c.url) for c in forgejo] == [(m, u) for m, u, _, _ in ANSWERS]  # query kept
    assert {(c.auth, c.logical, c.attempt) for c in forgejo} == {("token", c.logical, 1) for c in forgejo}
    assert len({c.logical for c in forgejo}) == len(ANSWERS)
    assert [c.handler for c in forgejo] == ["ProcessMessage"] * 4 + ["CoprBuildHandler"]
    assert TOKEN not in json.dumps(trace.to_json()) and {c.auth_id for c in forgejo} != {None}  # a digest, never the token
    assert forgejo.categories() == {"is_project_private": 1, "is_user_approved": 1, "load_packit_yaml": 2,
                                    "set_status": 1, "auth": 0, "other": 0}


def test_respx_answers_ogr_forgejo_and_every_call_is_seen():
    with Tracer() as tracer, respx.mock(assert_all_called=True) as mock:
        for method, url, status, body in ANSWERS:
            mock.request(method, url).respond(status, json=body)
        pipeline()
    check(tracer)


def test_pytest_httpx_answers_ogr_forgejo_and_every_call_is_seen(httpx_mock):
    for method, url, status, body in ANSWERS:
        httpx_mock.add_response(method=method, url=url, status_code=status, json=body)
    with Tracer() as tracer:
        pipeline()
    check(tracer)


def test_a_call_no_mock_answers_is_seen_with_its_error(httpx_mock):
    httpx_mock.add_exception(httpx.ConnectTimeout("timed out"), url=REPO)
    project = ForgejoService(instance_url="https://codeberg.org", token=TOKEN).get_project(namespace="packit", repo="hello-world")
    with Tracer() as tracer, pytest.raises(httpx.ConnectTimeout):
        project.is_private()
    (call,) = tracer.trace().on("forgejo")
    assert (call.endpoint, call.category, call.status, call.charged) == ("GET /repos/{owner}/{repo}", "is_project_private", None, False)
    assert "ConnectTimeout" in call.error
