"""`api-tracer scan` on a project: what it walks (.gitignore, virtual environments, builds,
--exclude), what it reports in code (literals only), an allowlist of known fakes, JSON, and a
private key whose PEM armour is folded across lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from paths import ROOT
from tracer.cli import main
from tracer.errors import DataError
from tracer.recording.secrets import Allowlist, fingerprint, scan, scan_text

TOKEN = "ghp_" + "A1b2C3d4" * 5  # a token-shaped fake, built so that this file holds none
KEY_BODY = "MIIEowIBAAKCAQEA" + "q" * 48


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('clean')\n")
    (root / ".gitignore").write_text("secrets.env\nlogs/\n")
    (root / "secrets.env").write_text(f"TOKEN={TOKEN}\n")
    (root / "logs").mkdir()
    (root / "logs" / "run.log").write_text(f"token: {TOKEN}\n")
    for skipped in (".venv/lib", "build/lib", "env-of-mine/lib", "pkg.egg-info"):
        (root / skipped).mkdir(parents=True)
        (root / skipped / "leak.txt").write_text(f"{TOKEN}\n")
    (root / "env-of-mine" / "pyvenv.cfg").write_text("home = /usr\n")  # a virtual environment by any name
    return root


def test_a_walk_skips_what_is_not_the_project_s(project: Path) -> None:
    result = scan([project])
    assert result.findings == [] and result.files == 2  # .gitignore and src/app.py
    assert sorted(f.file for f in scan([project], ignore_files=False).findings) == [
        str(project / "logs" / "run.log"), str(project / "secrets.env")]
    # a file named is always read
    assert [f.kind for f in scan([project / "secrets.env"]).findings] == ["github-token"]


def test_nested_gitignore_and_exclude(project: Path) -> None:
    (project / "src" / "gen").mkdir()
    (project / "src" / "gen" / "dump.txt").write_text(f"{TOKEN}\n")
    (project / "src" / ".gitignore").write_text("gen/\n")
    assert scan([project]).findings == []
    assert scan([project / "src"]).findings == []  # the .gitignore of a folder given, and its parents'
    (project / "src" / ".gitignore").unlink()
    assert len(scan([project]).findings) == 1
    assert scan([project], exclude=["src/gen/"]).findings == []
    with pytest.raises(DataError, match=r"--exclude 'nothing/here/': matches no file"):
        scan([project], exclude=["src/gen/", "nothing/here/"])


def test_code_is_judged_by_its_literals(tmp_path: Path) -> None:
    code = tmp_path / "client.py"
    code.write_text(
        "key = load_pem_private_key(data, password=None)\n"
        "def sign(app_id: int, private_key: str | None) -> None: ...\n"
        'headers = {"Authorization": f"token {token}"}\n'
        'more = {"Authorization": "token " + token}\n'
        '# "temp_clone_token": "<anything non-empty>"\n'
        "url = f'{api}?token={token}'\n"
        'password = "' + "hunter2" * 2 + '"\n'
    )
    found = scan([code]).findings
    assert [(f.line, f.kind) for f in found] == [(7, "secret-field")]
    data = tmp_path / "settings.yaml"
    data.write_text("password: hunter2hunter2\nprivate_key: str\n")  # in data every value is literal
    assert [f.line for f in scan([data]).findings] == [1, 2]


@pytest.mark.parametrize("armour", [
    "-----BEGIN RSA PRIVATE\n  KEY-----",
    "-----BEGIN\nPRIVATE KEY-----",
    "-----BEGIN RSA PRIV\nATE KEY-----",
    "-----BEGIN RSA PRIVATE\\nKEY-----",
])
def test_a_private_key_with_its_armour_folded_is_found_and_scrubbed(tmp_path: Path, armour: str) -> None:
    text = f"key: >\n  {armour}\n  {KEY_BODY}\n  -----END RSA PRIVATE KEY-----\n"
    [finding] = scan_text(text)
    assert finding.kind == "private-key" and finding.line == 2 and KEY_BODY not in finding.excerpt
    from tracer.recording.secrets import scrub_text

    assert KEY_BODY not in scrub_text(text) and "<scrubbed>" in scrub_text(text)


def test_an_allowlist_allows_known_fakes_and_nothing_stale(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    fake = tmp_path / "tests" / "test_x.py"
    fake.write_text(f'GHP = "{TOKEN}"\n')
    allow = tmp_path / "allow.yaml"
    head = "format: api-tracer/scan-allowlist\nversion: 1\nallow:\n"
    allow.write_text(head + f"  - {{path: tests/*.py, kind: github-token, secret: '{fingerprint(TOKEN)}', why: a fake}}\n")
    result = scan([tmp_path], allowlist=Allowlist.load(allow))
    assert result.findings == [] and len(result.allowed) == 1
    allow.write_text(head + "  - {path: tests/*.py, secret: 'sha256:0000000000000000', why: another}\n")
    with pytest.raises(DataError, match=r"allow\[0\]: allows no finding"):
        scan([tmp_path], allowlist=Allowlist.load(allow))
    allow.write_text(head + f"  - {{path: tests/*.py, secret: '{TOKEN}', why: the secret itself}}\n")
    with pytest.raises(DataError, match="never the secret itself"):
        Allowlist.load(allow)
    # an entry for files this scan does not read is left alone
    allow.write_text(head + "  - {path: docs/*.md, why: not scanned here}\n"
                     + "  - {path: tests/*.py, kind: github-token, why: a fake}\n")
    assert scan([fake], allowlist=Allowlist.load(allow)).findings == []


def test_scan_cli_json_and_exit_codes(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text(f"{TOKEN}\n")
    assert main(["scan", str(tmp_path), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["format"], doc["version"], doc["files"]) == ("api-tracer/scan", 1, 1)
    [finding] = doc["findings"]
    assert finding["fingerprint"] == fingerprint(TOKEN) and TOKEN not in json.dumps(doc)
    assert main(["scan", str(tmp_path), "--exclude", "*.txt"]) == 2  # nothing left to scan
    assert "no files to scan" in capsys.readouterr().err


def test_the_project_scans_clean_with_its_allowlist() -> None:
    res = subprocess.run([sys.executable, "-m", "tracer", "scan", ".", "--allowlist", ".api-tracer-allowlist.yaml"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.startswith("no secrets found in ")
