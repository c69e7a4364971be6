"""Secrets in every encoding: the scan finds them and the scrubber removes them (base64 file
content, gzip/deflate and !!binary bodies, percent-encoding, JSON escapes, secret fields, any
file in a folder); a scan of nothing is bad input."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import zlib
from pathlib import Path

import pytest
import yaml

from tracer.cli import main
from tracer.recording.secrets import PLACEHOLDER, scan_file, scrub_response, scrub_text

# built at run time so that this file itself holds no secret-looking literal
GHS = "ghs_" + "a1B2c3D4e5F6g7H8i9J0" * 2
HEX40 = "0123456789abcdef" * 2 + "01234567"


def cassette(body: str | bytes, headers: dict | None = None) -> dict:
    return {"interactions": [{
        "request": {"body": None, "headers": {}, "method": "GET", "uri": "https://api.github.com/repos/o/r/contents/x"},
        "response": {"body": {"string": body}, "headers": headers or {"Content-Type": ["application/json"]},
                     "status": {"code": 200, "message": "OK"}},
    }], "version": 1}


def contents_body(text: str) -> str:
    """A contents-API answer: the file base64-encoded and wrapped every 60 characters, as GitHub does."""
    encoded = base64.b64encode(text.encode()).decode()
    wrapped = "\n".join(encoded[i:i + 60] for i in range(0, len(encoded), 60)) + "\n"
    return json.dumps({"name": "x", "encoding": "base64", "content": wrapped})


CONFIG = f"jobs:\n- job: copr_build\n  env:\n    GITHUB_TOKEN: {GHS}\n"

CASES = {
    "base64 file content": (cassette(contents_body(CONFIG)), "github-token (JSON, base64)"),
    "gzip !!binary body": (cassette(gzip.compress(json.dumps({"t": GHS}).encode()),
                                    {"Content-Encoding": ["gzip"]}), "github-token (!!binary)"),
    "deflate !!binary body": (cassette(zlib.compress(json.dumps({"t": GHS}).encode()),
                                       {"Content-Encoding": ["deflate"]}), "github-token (!!binary)"),
    "binary body": (cassette(b"\xff\xfe" + GHS.encode()), "github-token (!!binary)"),
    "percent-encoded token parameter": (cassette(f'{{"next": "https://x.test/?back=%2Fcb%3Ftoken%3D{HEX40}"}}'), "url-token (percent-encoded)"),
    "percent-encoded JSON": (cassette(f"%7B%22token%22%3A%22{HEX40}%22%7D"), "access-token (percent-encoded)"),
    "JSON escapes": (cassette('{"t": "\\u0067hs_' + GHS[4:] + '"}'), "github-token (JSON escapes)"),
    "private_key field": (cassette('{"private_key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"}'), "secret-field"),
    "password field": (cassette('{"user": "bot", "password": "hunter2-and-more"}'), "secret-field"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_scan_finds_a_secret_in_every_encoding(tmp_path: Path, capsys, case: str) -> None:
    data, kind = copy.deepcopy(CASES[case])
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    findings = scan_file(path)
    assert [f.kind for f in findings] == [kind], findings
    assert GHS not in str(findings[0]) and HEX40 not in str(findings[0])
    assert main(["scan", str(tmp_path)]) == 1
    assert "1 possible secret(s) in 1 of 1 file(s) scanned" in capsys.readouterr().out


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_scrubber_leaves_nothing_the_scan_finds(tmp_path: Path, case: str) -> None:
    data, _ = copy.deepcopy(CASES[case])
    interaction = data["interactions"][0]
    interaction["response"] = scrub_response(interaction["response"])
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    assert scan_file(path) == []


def test_scrubbed_file_content_stays_base64_of_the_file(tmp_path: Path) -> None:
    response = scrub_response(cassette(contents_body(CONFIG))["interactions"][0]["response"])
    content = json.loads(response["body"]["string"])["content"]
    assert all(len(line) <= 60 for line in content.splitlines())  # wrapped as GitHub wraps it
    assert base64.b64decode(content).decode() == CONFIG.replace(GHS, PLACEHOLDER)


def test_percent_encoded_secrets_are_scrubbed_in_place() -> None:
    text = f"https://x.test/cb?state=1&redirect=%2Fback%3Faccess_token%3D{HEX40}%26a%3D1"
    assert scrub_text(text) == f"https://x.test/cb?state=1&redirect=%2Fback%3Faccess_token%3D{PLACEHOLDER}%26a%3D1"


def test_a_scan_of_nothing_is_bad_input(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["scan", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty: no files to scan" in err


def test_any_file_in_a_folder_is_scanned_but_not_git_internals(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(f"token: {GHS}\n")
    (tmp_path / "dump.gz").write_bytes(gzip.compress(f"x={GHS}".encode()))
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(f"{GHS}\n")
    from tracer.recording.secrets import scan_paths

    assert sorted(Path(f.file).name for f in scan_paths([tmp_path])) == ["dump.gz", "notes.md"]
