"""requre → vcrpy import, the converted ogr fixtures, and atomic cassette files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import vcr
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from paths import DATA, ROOT, SHARED
from tracer.cli import main
from tracer.errors import DataError
from tracer.recording.cassette_io import load_cassette, write_cassette_atomic, write_text_atomic
from tracer.recording.requre import convert_file, import_requre, normalise_uri
from tracer.recording.secrets import PLACEHOLDER, scan_paths

REPO = ROOT
SHARED = SHARED
RECORDINGS = SHARED / "realdata" / "ogr-github-recordings"
FIXTURES = DATA / "ogr"
API = "https://api.github.com"


@pytest.fixture
def recordings() -> Path:
    if not RECORDINGS.is_dir():
        pytest.skip(f"needs ../shared (ogr's real requre recordings): {RECORDINGS} is absent")
    return RECORDINGS


def calls(interactions: list[dict]) -> list[tuple[str, str]]:
    return [(i["request"]["method"], i["request"]["uri"]) for i in interactions]


def header(response: dict, name: str) -> list[str] | None:
    for key, value in response["headers"].items():
        if key.lower() == name.lower():
            return value
    return None


# --------------------------------------------------------------------------- importer
def test_app_recording_resolves_aliases_once_in_requre_order(recordings: Path) -> None:
    src = recordings / "App.test_get_project.yaml"
    raw = yaml.safe_load(src.read_text())
    get_urls = list(raw["requests.sessions"]["send"]["GET"])
    # the source stores the installation list under two URLs through a YAML alias
    assert raw["requests.sessions"]["send"]["GET"][get_urls[0]] is (
        raw["requests.sessions"]["send"]["GET"][f"{API}:443/repos/packit/ogr/installation"]
    )
    interactions = import_requre(src)
    assert calls(interactions) == [
        ("GET", f"{API}/repos/packit/ogr/installation"),
        ("GET", f"{API}/repos/packit/ogr"),
        ("POST", f"{API}/app/installations/1210186/access_tokens"),
    ]
    installation = json.loads(interactions[0]["response"]["body"]["string"])
    assert installation == raw["requests.sessions"]["send"]["GET"][get_urls[0]][0]["output"]["_content"]
    token_response = interactions[2]["response"]
    assert token_response["status"] == {"code": 201, "message": "Created"}
    assert json.loads(token_response["body"]["string"])["token"] == PLACEHOLDER


def test_check_run_recording_keeps_method_blocks_and_entry_order(recordings: Path) -> None:
    interactions = import_requre(recordings / "CheckRun.test_create_to_queue_and_succeed.yaml")
    assert calls(interactions) == [
        ("GET", f"{API}/repos/packit/hello-world/installation"),
        ("GET", f"{API}/repos/packit/hello-world"),
        ("PATCH", f"{API}/repos/packit/hello-world/check-runs/2684990362"),
        ("POST", f"{API}/app/installations/1924121/access_tokens"),
        ("POST", f"{API}/repos/packit/hello-world/check-runs"),
    ]
    files = import_requre(recordings / "GenericCommands.test_get_files.yaml")
    uris = [uri for _, uri in calls(files)]
    assert len(files) == 26
    assert uris[0] == f"{API}/repos/packit/ogr"
    assert uris[1:] == sorted(uris[1:])  # requre kept the contents/ URLs sorted, and so do we


def test_every_recording_converts_to_well_formed_interactions(recordings: Path) -> None:
    sources = sorted(recordings.glob("*.yaml"))
    assert len(sources) == 14
    for src in sources:
        interactions = import_requre(src)
        # each stored entry appears once in the text; aliases only repeat a reference to it
        assert len(interactions) == src.read_text().count("- metadata:"), src.name
        for interaction in interactions:
            request, response = interaction["request"], interaction["response"]
            assert request["uri"].startswith(f"{API}/") and ":443" not in request["uri"]
            assert request["body"] is None and request["headers"] == {}
            body = response["body"]["string"]
            assert isinstance(body, str)
            if body:
                json.loads(body)
            assert header(response, "Content-Length") == [str(len(body.encode()))]
            assert header(response, "Content-Encoding") is None
            assert header(response, "Transfer-Encoding") is None
            assert all(isinstance(v, list) and len(v) == 1 for v in response["headers"].values())
            assert isinstance(response["status"]["code"], int)


def test_normalise_uri_drops_default_ports_only() -> None:
    assert normalise_uri(f"{API}:443/repos/a/b?ref=x") == f"{API}/repos/a/b?ref=x"
    assert normalise_uri("http://example.test:80/x") == "http://example.test/x"
    assert normalise_uri("https://example.test:8443/x") == "https://example.test:8443/x"
    assert normalise_uri(f"{API}:443/x?access_token=abc&ref=y") == f"{API}/x?ref=y"


def test_vcrpy_replays_a_converted_cassette_with_requests(recordings: Path, tmp_path: Path) -> None:
    cassette = convert_file(recordings / "App.test_get_project.yaml", tmp_path)
    assert cassette == tmp_path / "App.test_get_project.yaml"
    on_disk = yaml.safe_load(cassette.read_text())
    assert set(on_disk) == {"interactions", "version"} and on_disk["version"] == 1
    with vcr.VCR(record_mode="none").use_cassette(str(cassette)) as played:
        session = requests.Session()
        installation = session.get(f"{API}/repos/packit/ogr/installation")
        repo = session.get(f"{API}/repos/packit/ogr")
        token = session.post(f"{API}/app/installations/1210186/access_tokens")
        assert played.all_played
        with pytest.raises(CannotOverwriteExistingCassetteException):
            session.get(f"{API}/repos/packit/ogr/pulls")
    assert installation.status_code == 200 and installation.json()["app_slug"] == "packit-as-a-service"
    assert repo.json()["full_name"] == "packit/ogr"
    assert int(repo.headers["Content-Length"]) == len(repo.content)
    assert token.status_code == 201 and token.json()["token"] == PLACEHOLDER


def test_ogr_reads_a_fixture_cassette() -> None:
    from ogr.services.github import GithubService

    cassette = FIXTURES / "GenericCommands.test_is_private.yaml"
    with vcr.VCR(record_mode="none").use_cassette(str(cassette)) as played:
        project = GithubService(token="not-a-token").get_project(namespace="mfocko", repo="playground")
        assert project.is_private() is True
        assert played.play_count == 1


def test_fixtures_are_a_fresh_conversion_of_shared(recordings: Path, tmp_path: Path) -> None:
    sources = sorted(recordings.glob("*.yaml"))
    assert sorted(p.name for p in FIXTURES.glob("*.yaml")) == [p.name for p in sources]
    for src in sources:
        fresh = convert_file(src, tmp_path)
        assert fresh.read_bytes() == (FIXTURES / src.name).read_bytes(), src.name
    assert (FIXTURES / "LICENSE").read_bytes() == (recordings / "LICENSE").read_bytes()


def test_fixtures_hold_no_secrets_but_the_source_does(recordings: Path) -> None:
    assert scan_paths([FIXTURES]) == []
    found = scan_paths([recordings])
    assert [(Path(f.file).name, f.kind) for f in found] == [
        ("GenericCommands.test_is_private.yaml", "temp-clone-token")
    ]
    private = load_cassette(FIXTURES / "GenericCommands.test_is_private.yaml")
    body = json.loads(private["interactions"][0]["response"]["body"]["string"])
    assert body["temp_clone_token"] == PLACEHOLDER


# --------------------------------------------------------------------------- CLI
def test_cli_converts_and_prints_one_line_per_file(recordings: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out" / "nested"
    files = [recordings / "App.test_get_project.yaml", recordings / "GenericCommands.test_get_files.yaml"]
    assert main(["import-requre", *map(str, files), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("App.test_get_project.yaml: 3 interactions")
    assert lines[1].endswith("GenericCommands.test_get_files.yaml: 26 interactions")
    assert sorted(p.name for p in out.iterdir()) == sorted(f.name for f in files)


BAD_INPUTS = {
    "version4.yaml": (
        "_requre:\n  DataTypes: 1\n  key_strategy: StorageKeysInspectSimple\n"
        "  version_storage_file: 4\nrequests.sessions:\n  send: {}\n",
        "version_storage_file 4",
    ),
    "datatypes.yaml": (
        "_requre:\n  DataTypes: 3\n  version_storage_file: 2\nrequests.sessions:\n  send: {}\n",
        "DataTypes 3",
    ),
    "vcrpy.yaml": ("interactions: []\nversion: 1\n", "not a requre recording"),
    "broken.yaml": ("_requre: {version_storage_file: 2\nfoo: [\n", "not valid YAML"),
    "binary.yaml": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not a UTF-8 text file"),
    "notsend.yaml": ("_requre: {DataTypes: 1, version_storage_file: 2}\nrequests.sessions: {send: [1]}\n", "send"),
    "nooutput.yaml": (
        "_requre: {DataTypes: 1, version_storage_file: 3}\nrequests.sessions:\n  send:\n"
        "    GET:\n      https://api.github.com:443/x:\n      - metadata: {}\n",
        "GET https://api.github.com:443/x entry 0: no 'output' mapping",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_cli_rejects_bad_input_in_one_line_and_writes_nothing(name: str, tmp_path: Path, capsys) -> None:
    content, problem = BAD_INPUTS[name]
    src = tmp_path / name
    src.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "out"
    assert main(["import-requre", str(src), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert len(err) == 1 and captured.out == ""
    assert err[0].startswith("api-tracer import-requre: error: ")
    assert str(src) in err[0] and problem in err[0]
    assert not out.exists() or list(out.iterdir()) == []
    with pytest.raises(DataError):
        import_requre(src)


def test_cli_missing_file_keeps_existing_output_and_converts_the_rest(
    recordings: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "missing.yaml"
    previous.write_text("previous content\n")
    good = recordings / "GenericCommands.test_get_owners.yaml"
    args = ["import-requre", str(tmp_path / "missing.yaml"), str(good), "--out", str(out)]
    assert main(args) == 2  # refused: missing.yaml exists in --out
    assert "missing.yaml: already exists; nothing written (use --force to overwrite)" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["missing.yaml"]
    assert main([*args, "--force"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "missing.yaml: no such file" in captured.err
    assert captured.out.strip().endswith("test_get_owners.yaml: 1 interaction")
    assert previous.read_text() == "previous content\n"
    assert sorted(p.name for p in out.iterdir()) == ["GenericCommands.test_get_owners.yaml", "missing.yaml"]


def test_cli_refuses_to_overwrite_its_input(tmp_path: Path, capsys) -> None:
    src = tmp_path / "rec.yaml"
    src.write_text("_requre: {}\n")
    assert main(["import-requre", str(src), "--out", str(tmp_path)]) == 2
    assert "overwrite its own input" in capsys.readouterr().err
    assert src.read_text() == "_requre: {}\n"


def test_cli_subprocess_bad_file_exit_2_without_traceback(tmp_path: Path) -> None:
    src = tmp_path / "old.yaml"
    src.write_text("_requre:\n  DataTypes: 1\n  version_storage_file: 1\n")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "tracer", "import-requre", str(src), "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"{src}: unsupported requre version_storage_file 1" in proc.stderr
    assert not out.exists() or list(out.iterdir()) == []


# --------------------------------------------------------------------------- cassette files
def small_cassette(uri: str = "https://example.test/x") -> dict:
    return {
        "interactions": [
            {
                "request": {"body": None, "headers": {}, "method": "GET", "uri": uri},
                "response": {"body": {"string": "{}"}, "headers": {}, "status": {"code": 200, "message": "OK"}},
            }
        ],
        "version": 1,
    }


def test_atomic_write_that_fails_midway_keeps_the_previous_file(tmp_path: Path) -> None:
    path = write_cassette_atomic(tmp_path / "deep" / "dir" / "c.yaml", small_cassette())
    before = path.read_bytes()
    assert load_cassette(path) == small_cassette()
    broken = small_cassette("https://example.test/y")
    broken["interactions"].append({"request": {"uri": object()}, "response": {}})
    with pytest.raises(DataError, match="cannot serialise"):
        write_cassette_atomic(path, broken)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["c.yaml"]


def test_atomic_text_write_replaces_whole_file_and_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    write_text_atomic(path, "one\n")
    os.chmod(path, 0o640)
    write_text_atomic(path, "two\n")
    assert path.read_text() == "two\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_written_cassette_is_what_vcrpy_itself_reads(tmp_path: Path) -> None:
    path = write_cassette_atomic(tmp_path / "c.yaml", small_cassette())
    with vcr.VCR(record_mode="none").use_cassette(str(path)):
        assert requests.get("https://example.test/x").json() == {}


LOAD_ERRORS = {
    "empty": ("", "file is empty"),
    "list": ("- a\n- b\n", "top level is a list"),
    "no_interactions": ("version: 1\n", "no 'interactions' key"),
    "interactions_dict": ("interactions: {}\nversion: 1\n", "'interactions' is a dict"),
    "version": ("interactions: []\nversion: 2\n", "unsupported cassette version 2"),
    "no_response": ("interactions:\n- request: {uri: x}\nversion: 1\n", "interaction 0 has no 'response'"),
}


@pytest.mark.parametrize("case", sorted(LOAD_ERRORS))
def test_load_cassette_names_file_and_problem(case: str, tmp_path: Path) -> None:
    text, problem = LOAD_ERRORS[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        load_cassette(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message


def test_load_cassette_truncated_and_missing(tmp_path: Path) -> None:
    whole = (FIXTURES / "App.test_get_project.yaml").read_text()
    cut = tmp_path / "cut.yaml"
    cut.write_text(whole[: whole.index('"app_slug"')])  # inside a quoted body string
    with pytest.raises(DataError, match=r"cut\.yaml: not valid YAML: line \d+, column \d+"):
        load_cassette(cut)
    with pytest.raises(DataError, match="nothing.yaml: no such file"):
        load_cassette(tmp_path / "nothing.yaml")
    with pytest.raises(DataError, match="is a directory"):
        load_cassette(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "_requre: {DataTypes: 1, version_storage_file: 2}\nother: {}\n",
        "_requre: {DataTypes: 1, version_storage_file: 3}\nrequests.sessions: {send: {}}\n",
        "_requre: {DataTypes: 1, version_storage_file: 3}\nrequests.sessions: {}\n",
    ],
    ids=["no-requests", "empty-send", "no-send"],
)
def test_a_recording_without_http_entries_is_an_empty_cassette(text: str, tmp_path: Path) -> None:
    src = tmp_path / "Service.test_no_calls.yaml"
    src.write_text(text)
    assert main(["import-requre", str(src), "--out", str(tmp_path / "out")]) == 0
    cassette = tmp_path / "out" / src.name
    assert load_cassette(cassette)["interactions"] == []
    with vcr.VCR(record_mode="none").use_cassette(str(cassette)) as cass:
        pass  # a test that makes no call replays it
    assert cass.all_played and len(cass) == 0


# -- error answers that ogr's retry sends again ----------------------------------------------
@pytest.fixture
def refused_recording(tmp_path: Path) -> Path:
    """A requre recording, made by requre against the loopback GitHub, of a call refused with 401
    (an ogr with no retries, as the recordings of ogr's suite were made: one entry)."""
    from ogr.services.github import GithubService
    from requre.online_replacing import recording_requests
    from urllib3.util import Retry

    from tracer.capture import redirect_api
    from tracer.packit.loopback import FakeGitHub

    storage = tmp_path / "Service.test_wrong_auth.yaml"
    with FakeGitHub() as hub, redirect_api(hub.url), recording_requests(storage_file=str(storage)):
        with pytest.raises(Exception, match="credentials"):
            GithubService(token="ghp_" + "1" * 36, max_retries=Retry(total=0)).get_project(namespace="packit", repo="hello-world").is_private()
    return storage


def test_a_retried_error_answer_replays_for_every_attempt(refused_recording: Path, tmp_path: Path) -> None:
    from ogr.services.github import GithubService

    from tracer.capture import Tracer

    entries = import_requre(refused_recording, retries=0)
    assert [i["response"]["status"]["code"] for i in entries] == [401]
    assert main(["import-requre", str(refused_recording), "--out", str(tmp_path / "out")]) == 0
    cassette = tmp_path / "out" / refused_recording.name
    assert [i["response"]["status"]["code"] for i in load_cassette(cassette)["interactions"]] == [401] * 4

    # today's ogr retries 401 three times below requests: the cassette answers every attempt
    with vcr.VCR(record_mode="none").use_cassette(str(cassette)) as cass, Tracer() as t:
        with pytest.raises(Exception) as failure:
            GithubService(token="ghp_" + "1" * 36).get_project(namespace="packit", repo="hello-world").is_private()
    assert not isinstance(failure.value, CannotOverwriteExistingCassetteException)
    assert "CannotOverwrite" not in repr(failure.value.__cause__)
    assert cass.all_played
    trace = t.trace()
    assert [(c.logical, c.attempt, c.status, c.charged) for c in trace] == [(1, n, 401, False) for n in (1, 2, 3, 4)]
    assert trace.logical == 1 and trace.charged == 0


def test_no_retries_write_each_answer_once(refused_recording: Path, tmp_path: Path) -> None:
    assert main(["import-requre", str(refused_recording), "--out", str(tmp_path / "out"), "--retries", "0"]) == 0
    assert len(load_cassette(tmp_path / "out" / refused_recording.name)["interactions"]) == 1
