"""Secrets never reach disk: vcrpy scrub hooks against a real local server, and the scanner."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import vcr
import yaml

from paths import DATA, ROOT
from tracer.cli import main
from tracer.errors import DataError
from tracer.recording.secrets import (
    AUTH_KIND_HEADER,
    PLACEHOLDER,
    auth_kind,
    scan_paths,
    scan_text,
    scrub_body,
    scrub_json,
)

REPO = ROOT
FIXTURES = DATA / "ogr"


def b64url(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Fake secrets, each unique enough to grep for.
GHS = "ghs_" + "Fak3InstallationT0ken" * 2
GHP = "ghp_" + "Fak3PersonalT0ken0123456789"
PAT = "github_pat_" + "11FAKE0_" + "Fak3FineGrainedT0ken" * 2
JWT = ".".join([b64url({"alg": "RS256", "typ": "JWT"}), b64url({"iss": 4242, "exp": 1}), b64url(b"sig-FAKE-jwt")])
PEM_BODY = "MIIEfakeFAKEfakePrivateKeyMaterialDoNotUse0123456789abcdefABCDEF"
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY[::-1]}\n-----END RSA PRIVATE KEY-----\n"
TEMP_CLONE = "AB6FAKETEMPCLONETOKEN5J3KX7Q"
HEX40 = "0123456789abcdef0123456789abcdef01234567"
COOKIE = "session=FakeCookieValue42"
QUERY = "FakeQueryToken777"
BASIC = ("fakeuser", "FakeBasicPassw0rd")
BASIC_B64 = base64.b64encode(":".join(BASIC).encode()).decode()
SECRETS = [GHS, GHP, PAT, JWT, PEM_BODY, PEM_BODY[::-1], TEMP_CLONE, HEX40, "FakeCookieValue42",
           QUERY, BASIC[1], BASIC_B64, "SetCookieSecret99", "RawDownloadToken55"]


class FakeGitHub(BaseHTTPRequestHandler):
    """Answers like api.github.com would, with secrets in bodies and headers."""

    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, str]] = []

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._answer()

    def _answer(self) -> None:
        FakeGitHub.seen.append({"path": self.path, **dict(self.headers)})
        path = self.path.split("?")[0]
        extra: dict[str, str] = {}
        if path == "/app/installations/7/access_tokens":
            status, body = 201, {"token": GHS, "expires_at": "2030-01-01T00:00:00Z",
                                 "permissions": {"statuses": "write"}}
        elif path == "/repos/o/r":
            status, body = 200, {"name": "r", "private": True, "temp_clone_token": TEMP_CLONE,
                                 "description": f"someone pasted {GHP} and {PAT} here"}
            extra["Set-Cookie"] = "logged_in=SetCookieSecret99; Path=/"
        elif path == "/gz":
            status, body = 200, {"jwt": JWT, "nested": [{"token": HEX40}], "ok": True}
        elif path == "/download":
            status, body = 200, {"download_url": "http://127.0.0.1/raw/x?token=RawDownloadToken55&a=1"}
        elif path == "/key":
            raw = f"key follows\n{PEM}".encode()
            self._send(200, raw, {"Content-Type": "text/plain"})
            return
        else:
            status, body = 404, {"message": "Not Found"}
        raw = json.dumps(body, indent=2).encode()
        if path == "/gz":
            raw = gzip.compress(raw)
            extra["Content-Encoding"] = "gzip"
        self._send(status, raw, {"Content-Type": "application/json; charset=utf-8", **extra})

    def _send(self, status: int, raw: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def server() -> Iterator[str]:
    FakeGitHub.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeGitHub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def talk_to(base: str) -> list[requests.Response]:
    session = requests.Session()
    return [
        session.post(f"{base}/app/installations/7/access_tokens", headers={"Authorization": f"Bearer {JWT}"}),
        session.get(f"{base}/repos/o/r", headers={"Authorization": f"token {GHP}", "Cookie": COOKIE}),
        session.get(f"{base}/gz?access_token={QUERY}&per_page=5"),
        session.get(f"{base}/key", auth=BASIC),
        session.get(f"{base}/download"),
    ]


def scrubbing_vcr(mode: str) -> vcr.VCR:
    from tracer.recording.secrets import scrub_request, scrub_response

    return vcr.VCR(record_mode=mode, before_record_request=scrub_request,
                   before_record_response=scrub_response)


def test_recording_through_the_hooks_keeps_every_secret_off_disk(server: str, tmp_path: Path) -> None:
    cassette = tmp_path / "scrubbed.yaml"
    with scrubbing_vcr("once").use_cassette(str(cassette)):
        live = talk_to(server)
    # the real requests still carried their credentials: scrubbing works on copies
    assert FakeGitHub.seen[0]["Authorization"] == f"Bearer {JWT}"
    assert FakeGitHub.seen[1]["Cookie"] == COOKIE
    assert QUERY in FakeGitHub.seen[2]["path"]
    assert live[0].json()["token"] == GHS  # and the live answer is untouched

    text = cassette.read_text()
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == []
    assert "BEGIN RSA PRIVATE KEY" not in text
    assert "Set-Cookie" not in text and "set-cookie" not in text
    assert scan_paths([cassette]) == []

    data = yaml.safe_load(text)
    requests_ = [i["request"] for i in data["interactions"]]
    assert [r["headers"][AUTH_KIND_HEADER] for r in requests_] == [["jwt"], ["token"], ["token"], ["basic"], ["none"]]
    assert all("Authorization" not in r["headers"] and "Cookie" not in r["headers"] for r in requests_)
    assert requests_[2]["uri"] == f"{server}/gz?per_page=5"
    bodies = [i["response"]["body"]["string"] for i in data["interactions"]]
    assert json.loads(bodies[0])["token"] == PLACEHOLDER
    repo = json.loads(bodies[1])
    assert repo["temp_clone_token"] == PLACEHOLDER and repo["private"] is True
    assert repo["description"] == f"someone pasted {PLACEHOLDER} and {PLACEHOLDER} here"
    gz_response = data["interactions"][2]["response"]
    assert "Content-Encoding" not in gz_response["headers"]
    assert json.loads(bodies[2]) == {"jwt": PLACEHOLDER, "nested": [{"token": PLACEHOLDER}], "ok": True}
    assert gz_response["headers"]["Content-Length"] == [str(len(bodies[2].encode()))]
    assert bodies[3] == f"key follows\n{PLACEHOLDER}\n"
    assert json.loads(bodies[4])["download_url"].endswith(f"?token={PLACEHOLDER}&a=1")


def test_scrubbed_cassette_replays_the_same_requests(server: str, tmp_path: Path) -> None:
    cassette = tmp_path / "scrubbed.yaml"
    with scrubbing_vcr("once").use_cassette(str(cassette)):
        talk_to(server)
    served = len(FakeGitHub.seen)
    with scrubbing_vcr("none").use_cassette(str(cassette)) as played:
        replayed = talk_to(server)
        assert played.all_played
    assert len(FakeGitHub.seen) == served  # nothing reached the server
    assert [r.status_code for r in replayed] == [201, 200, 200, 200, 200]
    assert replayed[0].json()["token"] == PLACEHOLDER
    assert replayed[2].json()["ok"] is True


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (f"Bearer {JWT}", "jwt"),
        (f"token {GHS}", "token"),
        (f"Bearer {GHS}", "token"),
        (f"Basic {BASIC_B64}", "basic"),
        (None, "none"),
        ("", "none"),
        (JWT.encode(), "jwt"),
    ],
)
def test_auth_kind(value: str | bytes | None, kind: str) -> None:
    assert auth_kind(value) == kind


def test_scrub_json_keeps_types_and_non_secrets() -> None:
    data = {
        "token": "plain-word", "temp_clone_token": "", "sha": HEX40,
        "owner": {"temp_clone_token": TEMP_CLONE, "private_key": PEM, "id": 5},
        "access": {"token": "x" * 43, "expires_at": "2030"},
        "n": None, "list": [JWT, 3, False],
    }
    assert scrub_json(data) == {
        "token": "plain-word", "temp_clone_token": "", "sha": HEX40,
        "owner": {"temp_clone_token": PLACEHOLDER, "private_key": PLACEHOLDER, "id": 5},
        "access": {"token": PLACEHOLDER, "expires_at": "2030"},
        "n": None, "list": [PLACEHOLDER, 3, False],
    }


def test_scrub_body_keeps_type_and_identity_when_clean() -> None:
    clean = b'{"a":1}'
    assert scrub_body(clean) is clean
    assert scrub_body(f"x {GHP} y") == f"x {PLACEHOLDER} y"
    binary = b"\xff\xfe" + GHS.encode() + b"\x00"
    assert scrub_body(binary) == b"\xff\xfe" + PLACEHOLDER.encode() + b"\x00"
    broken_json = '{"temp_clone_token": "' + TEMP_CLONE + '", "x": '
    assert TEMP_CLONE not in scrub_body(broken_json)


# --------------------------------------------------------------------------- scanner
PLANTED_YAML = f"""interactions:
- request:
    headers:
      Authorization:
      - token {GHP}
    uri: https://api.github.com/x?per_page=1
  response:
    body:
      string: '{{"token":"{HEX40}","temp_clone_token":"{TEMP_CLONE}"}}'
    headers:
      X-Note:
      - {PAT}
version: 1
"""
PLANTED_JSON = json.dumps({"jwt": JWT, "key": PEM, "nothing": "here"}, indent=1)
CLEAN_YAML = f"""headers:
  Authorization:
  - {PLACEHOLDER}
  Vary:
  - Accept, Authorization, Cookie
  Access-Control-Allow-Headers: Authorization, Content-Type
body: '{{"token":"{PLACEHOLDER}","temp_clone_token":"","sha":"{HEX40}"}}'
other_temp_clone_token_holder:
  temp_clone_token: null
  token: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
"""


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "cassette.yaml").write_text(PLANTED_YAML)
    (root / "sub" / "payload.json").write_text(PLANTED_JSON)
    (root / "sub" / "clean.yml").write_text(CLEAN_YAML)
    (root / "sub" / "notes.txt").write_text(f"any file is scanned when walking: {GHS}\n")
    return root


def test_scan_finds_planted_secrets_with_file_and_line(planted: Path) -> None:
    findings = scan_paths([planted])
    got = [(Path(f.file).relative_to(planted).as_posix(), f.line, f.kind) for f in findings]
    json_lines = PLANTED_JSON.splitlines()
    jwt_line = next(n for n, line in enumerate(json_lines, 1) if '"jwt"' in line)
    key_line = next(n for n, line in enumerate(json_lines, 1) if '"key"' in line)
    assert got == [
        ("cassette.yaml", 4, "authorization-header"),
        ("cassette.yaml", 9, "access-token"),
        ("cassette.yaml", 9, "temp-clone-token"),
        ("cassette.yaml", 12, "github-token"),
        ("sub/notes.txt", 1, "github-token"),
        ("sub/payload.json", jwt_line, "jwt"),
        ("sub/payload.json", key_line, "private-key"),
    ]
    shown = "\n".join(str(f) for f in findings)
    assert [secret for secret in SECRETS if secret in shown] == []
    assert "<redacted" in shown


def test_scan_reads_a_named_file_whatever_its_suffix(planted: Path) -> None:
    findings = scan_paths([planted / "sub" / "notes.txt"])
    assert [(f.line, f.kind) for f in findings] == [(1, "github-token")]
    assert GHS not in str(findings[0]) and "ghs_<redacted" in findings[0].excerpt


def test_scan_ignores_placeholders_and_header_lists(planted: Path) -> None:
    assert scan_paths([planted / "sub" / "clean.yml"]) == []
    assert scan_text(f"Authorization: token {PLACEHOLDER}\n") == []
    assert scan_text(f"Authorization: Bearer {PLACEHOLDER}x") != []  # not exactly the placeholder


def test_scan_cli_exit_codes_and_output(planted: Path, capsys) -> None:
    assert main(["scan", str(planted)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{planted / 'cassette.yaml'}:4: authorization-header: ")
    assert len(out) == 8 and out[-1] == "7 possible secret(s) in 3 of 4 file(s) scanned"
    assert [secret for secret in SECRETS if secret in "\n".join(out)] == []

    assert main(["scan", str(FIXTURES)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["no secrets found in 17 file(s) scanned"]  # 14 cassettes, one requre recording, LICENSE, README

    assert main(["scan", str(planted / "nope")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"api-tracer scan: error: {planted / 'nope'}: no such file or directory"]
    with pytest.raises(DataError):
        scan_paths([planted, planted / "nope"])


def test_scan_subprocess(planted: Path) -> None:
    def run(*paths: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tracer", "scan", *map(str, paths)],
                              capture_output=True, text=True, cwd=REPO, timeout=60)

    found = run(planted / "sub")
    assert found.returncode == 1 and found.stderr == ""
    assert f"{planted / 'sub' / 'payload.json'}:2: jwt: " in found.stdout
    assert JWT not in found.stdout and PEM_BODY not in found.stdout
    clean = run(planted / "sub" / "clean.yml", FIXTURES / "App.test_get_project.yaml")
    assert (clean.returncode, clean.stdout) == (0, "no secrets found in 2 file(s) scanned\n")
    missing = run(planted / "missing.yaml")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "Traceback" not in missing.stderr


def test_scrub_request_returns_a_copy_and_leaves_the_live_request_alone() -> None:
    from vcr.request import Request

    from tracer.recording.secrets import scrub_request

    live = Request("GET", f"https://api.github.com/x?token={QUERY}&a=1", None,
                   {"Authorization": f"token {GHS}", "Cookie": COOKIE, "X-Trace": GHP})
    scrubbed = scrub_request(live)
    assert live.headers["Authorization"] == f"token {GHS}" and QUERY in live.uri
    assert dict(scrubbed.headers) == {"X-Trace": PLACEHOLDER, AUTH_KIND_HEADER: "token"}
    assert scrubbed.uri == "https://api.github.com/x?a=1"
    assert scrub_request(scrubbed).headers[AUTH_KIND_HEADER] == "token"  # idempotent
