"""Other forges through every recording path: real ogr objects (Forgejo over httpx, GitLab over
requests) recorded by api-tracer's vcrpy set-up against a forge of our own on loopback, with a
tracer on; no token reaches the cassette (Forgejo's ``Authorization: token``, GitLab's
``PRIVATE-TOKEN``, tokens pasted into bodies); the cassette replays through api-tracer's
replayer and through plain vcrpy with the same calls; a requre recording holding a token is
imported without it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import vcr
import yaml
from json_forge import json_forge
from ogr.abstract import CommitStatus
from ogr.services.forgejo import ForgejoService
from ogr.services.gitlab import GitlabService

from tracer.capture import Tracer, handler
from tracer.capture.hosts import host_of
from tracer.capture.patches import block_network
from tracer.recording.cassette_io import load_cassette
from tracer.recording.replayer import CassetteAnswers, Replayer
from tracer.recording.requre import import_requre
from tracer.recording.secrets import AUTH_KIND_HEADER, scan_paths
from tracer.recording.vcr_config import recording_vcr

FORGEJO_TOKEN = "0123456789abcdef0123456789abcdef01234567"
GITLAB_TOKEN = "glpat-AbCdEfGhIjKlMnOpQrSt"
SHA = "c891a9e4ac01e6575f3fd66cf1b7db2f52f10128"
SECRETS = (FORGEJO_TOKEN, GITLAB_TOKEN)


#: what Forgejo (/api/v1) and GitLab (/api/v4) answer, a token pasted into a body
ANSWERS = {
    "/api/v1/repos/packit/hello-world": (200, {"id": 1, "name": "hello-world", "private": True,
                                               "owner": {"id": 2, "login": "packit"},
                                               "description": f"someone pasted {GITLAB_TOKEN} here"}),
    f"/api/v1/repos/packit/hello-world/statuses/{SHA}": (201, {"id": 7, "status": "success"}),
    "/api/v4/user": (200, {"id": 3, "username": "packit"}),
    "/api/v4/projects/packit%2Fhello-world": (200, {"id": 4, "path_with_namespace": "packit/hello-world",
                                                    "visibility": "private"}),
}
#: the requests the loopback forge of the running test has seen (path and headers)
seen: list[dict[str, str]] = []


@pytest.fixture
def forge() -> Iterator[str]:
    seen.clear()
    with json_forge(ANSWERS, {"message": "Not Found"}, seen=seen) as (url, _):
        yield url


def pipeline(url: str) -> None:
    forgejo = ForgejoService(instance_url=url, token=FORGEJO_TOKEN).get_project(namespace="packit", repo="hello-world")
    gitlab = GitlabService(token=GITLAB_TOKEN, instance_url=url).get_project(namespace="packit", repo="hello-world")
    with handler("ProcessMessage"):
        assert forgejo.is_private()
        assert gitlab.is_private()
    with handler("CoprBuildHandler"):
        forgejo.set_commit_status(SHA, CommitStatus.success, "https://packit.dev", "RPM build", "packit/rpm-build")


def rows(tracer: Tracer) -> list[tuple[str | None, str, str, int | None, bool, str]]:
    return [(c.forge, c.endpoint, c.category, c.status, c.charged, c.auth) for c in tracer.trace().all_calls()]


EXPECTED = [
    ("forgejo", "GET /repos/{owner}/{repo}", "is_project_private", 200, False, "token"),
    ("gitlab", "GET /user", "other", 200, True, "token"),  # python-gitlab checks its token first
    ("gitlab", "GET /projects/{id}", "is_project_private", 200, True, "token"),
    ("forgejo", "POST /repos/{owner}/{repo}/statuses/{sha}", "set_status", 201, False, "token"),
]


def record(forge: str, cassette: Path) -> Tracer:
    hosts = [f"forgejo={host_of(forge)}", f"gitlab={host_of(forge)}"]
    with Tracer(hosts=hosts) as tracer, recording_vcr().use_cassette(str(cassette)):
        pipeline(forge)
    return tracer


def test_recording_other_forges_keeps_every_token_off_disk(forge, tmp_path):
    cassette = tmp_path / "forges.yaml"
    tracer = record(forge, cassette)
    assert rows(tracer) == EXPECTED
    # the live requests carried their credentials: scrubbing works on copies
    assert seen[0]["Authorization"] == f"token {FORGEJO_TOKEN}"
    assert seen[1]["PRIVATE-TOKEN"] == GITLAB_TOKEN
    text = cassette.read_text()
    assert [s for s in SECRETS if s in text] == []
    assert scan_paths([cassette]) == []
    requests_ = [i["request"] for i in yaml.safe_load(text)["interactions"]]
    assert [r["headers"][AUTH_KIND_HEADER] for r in requests_] == [["token"]] * 4
    assert not any(k.lower() in ("authorization", "private-token") for r in requests_ for k in r["headers"])


def test_a_recorded_forge_cassette_replays_the_same_calls(forge, tmp_path):
    cassette = tmp_path / "forges.yaml"
    record(forge, cassette)
    served = len(seen)
    hosts = [f"forgejo={host_of(forge)}", f"gitlab={host_of(forge)}"]
    # api-tracer's replayer answers below both clients' transports, the network blocked
    answers = CassetteAnswers(cassette, load_cassette(cassette)["interactions"])
    replayer = Replayer()
    with Tracer(hosts=hosts) as tracer, replayer.active(), replayer.cassette(answers), block_network():
        pipeline(forge)
    assert rows(tracer) == EXPECTED and answers.played == [1, 1, 1, 1]
    # plain vcrpy replays it too
    with Tracer(hosts=hosts) as plain, vcr.VCR(record_mode="none").use_cassette(str(cassette)) as played:
        pipeline(forge)
        assert played.all_played
    assert [r[:4] for r in rows(plain)] == [r[:4] for r in EXPECTED]
    assert len(seen) == served  # nothing reached the server


def test_importing_a_requre_recording_drops_its_tokens(tmp_path):
    """requre keeps responses as they came: a token in one must not reach the cassette."""
    storage = tmp_path / "test_token.yaml"
    response = {"status_code": 200, "headers": {"Content-Type": "application/json", "Authorization": f"token {FORGEJO_TOKEN}"},
                "_content": json.dumps({"token": FORGEJO_TOKEN, "note": f"pasted {GITLAB_TOKEN}"}),
                "encoding": "utf-8", "reason": "OK", "elapsed": 0.1}
    storage.write_text(yaml.safe_dump({
        "_requre": {"DataTypes": 1, "key_strategy": "StorageKeysInspectSimple", "version_storage_file": 3},
        "httpx._client": {"send": {"GET": {"https://codeberg.org/api/v1/user": [
            {"metadata": {"latency": 0.1, "module_call_list": ["ogr"]}, "output": response}]}}},
    }))
    interactions = import_requre(storage, retries=0)
    assert [(i["request"]["method"], i["request"]["uri"], i["response"]["status"]["code"]) for i in interactions] == [
        ("GET", "https://codeberg.org/api/v1/user", 200)]
    text = json.dumps(interactions)
    assert [s for s in SECRETS if s in text] == []
