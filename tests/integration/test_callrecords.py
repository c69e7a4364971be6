"""Call records: drift and stats read a run's replay trace from ``calls.json`` while its key
holds, and replay (saying why) the moment the run, the rules or the code changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from traces import same_calls

from paths import CASSETTES
from tracer.capture import Rules
from tracer.cli import main
from tracer.recording import callrecords
from tracer.recording.manifest import Manifest
from tracer.recording.stats import trace_from_cassettes
from tracer.packit import runs
from tracer.packit.runs import record_on_loopback, replay

SHIPPED = CASSETTES


@pytest.fixture
def run_copy(tmp_path: Path) -> Path:
    """A shipped run, its records refreshed for this machine's library versions."""
    run = tmp_path / "runs" / "c-3ch"
    shutil.copytree(SHIPPED / "c-3ch", run)
    runs.replay_all([run], refresh=True)
    return run


def drift(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["drift", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_drift_from_records_is_the_replay_report(run_copy, capsys):
    code, from_records, err = drift(capsys, str(run_copy.parent))
    assert err == ""  # current records: nothing replayed, nothing to say
    assert (code, from_records) == drift(capsys, str(run_copy.parent), "--replay")[:2]


def test_a_changed_cassette_is_replayed_and_said(run_copy, capsys):
    manifest = Manifest.load(run_copy)
    cassette = run_copy / manifest.cassettes[0].file
    cassette.write_text(cassette.read_text().replace("x-ratelimit-remaining", "X-RateLimit-Remaining", 1))
    trace, why = callrecords.load_current(run_copy, manifest)
    assert trace is None and why == "the cassettes or manifest changed since its calls.json was written"
    code, out, err = drift(capsys, str(run_copy))
    assert err.splitlines() == [
        f"api-tracer drift: note: {run_copy}: {why}: replayed instead "
        f"(refresh with: api-tracer replay --refresh {run_copy})"
    ]
    assert "PR is updated" in out
    assert main(["replay", "--refresh", str(run_copy)]) == 0
    capsys.readouterr()
    assert callrecords.load_current(run_copy, manifest)[0] is not None
    assert drift(capsys, str(run_copy))[2] == ""


def test_other_rules_or_code_make_records_stale(run_copy, tmp_path, monkeypatch):
    manifest = Manifest.load(run_copy)
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\nroutes:\n  - route: GET /repos/{owner}/{repo}/branches/{branch+}\n    category: set_status\n")
    assert callrecords.load_current(run_copy, manifest, Rules.load(rules)) == (
        None, "the classification rules changed since its calls.json was written")
    real = callrecords.metadata.version
    monkeypatch.setattr(callrecords.metadata, "version", lambda d: "99.0" if d == "ogr" else real(d))
    try:
        callrecords.library_versions.cache_clear()
        trace, why = callrecords.load_current(run_copy, manifest)
        assert trace is None and why.startswith("the library versions (ogr=")
        assert "→ ogr=99.0 PyGithub=" in why
    finally:
        monkeypatch.undo()
        callrecords.library_versions.cache_clear()
    assert callrecords.load_current(run_copy, manifest)[0] is not None


def test_stats_reads_current_records_and_the_cassettes_otherwise(run_copy):
    from_records = trace_from_cassettes([run_copy])
    (run_copy / callrecords.RECORDS).unlink()
    from_cassettes = trace_from_cassettes([run_copy])
    assert from_records.summary() == from_cassettes.summary()
    assert from_records.logical == from_cassettes.logical == replay(run_copy).trace.logical


def test_record_writes_current_records_equal_to_a_replay(tmp_path):
    run = tmp_path / "one"
    record_on_loopback("HEAD", {"chroots": 1}, run)
    manifest = Manifest.load(run)
    records, why = callrecords.load_current(run, manifest)
    assert records is not None, why
    assert same_calls(records, replay(run).trace)


def test_malformed_records_are_a_one_line_error(run_copy, capsys):
    (run_copy / callrecords.RECORDS).write_text('{"format": "api-tracer/call-records", "version": 1, "key": 3}')
    assert main(["drift", str(run_copy)]) == 2
    assert capsys.readouterr().err.strip() == f"api-tracer drift: error: {run_copy / 'calls.json'}: 'key' must be a mapping"
