"""Call records: drift and stats read a run's replay trace from ``calls.json`` while its key
holds, and replay (saying why) the moment the run, the rules or the code changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from traces import same_calls

from paths import CASSETTES, ROOT
from tracer.capture import Rules
from tracer.cli import main
from tracer.recording import callrecords, inputs
from tracer.recording.manifest import Manifest
from tracer.recording.stats import trace_from_cassettes
from tracer.packit import replaying
from tracer.packit.runs import record_on_loopback, replay

SHIPPED = CASSETTES


@pytest.fixture
def run_copy(tmp_path: Path) -> Path:
    """A shipped run, its records refreshed for this machine's library versions."""
    run = tmp_path / "runs" / "c-3ch"
    shutil.copytree(SHIPPED / "c-3ch", run)
    replaying.replay_all([run], refresh=True)
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
    assert trace is None
    assert why == f"the run's files ({cassette.name}) changed since its calls.json was written"
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


def test_other_rules_make_records_stale(run_copy, tmp_path):
    manifest = Manifest.load(run_copy)
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\nroutes:\n  - route: GET /repos/{owner}/{repo}/branches/{branch+}\n    category: set_status\n")
    assert callrecords.load_current(run_copy, manifest, Rules.load(rules)) == (
        None, "the classification rules changed since its calls.json was written")


def test_other_libraries_or_python_make_records_stale(run_copy, monkeypatch):
    manifest = Manifest.load(run_copy)
    real = inputs.libraries("tracer.packit.runs")
    monkeypatch.setattr(inputs, "libraries", lambda entry: {**real, "ogr": "99.0", "typing_extensions": "0.1"})
    trace, why = callrecords.load_current(run_copy, manifest)
    assert trace is None
    assert why == (f"the library versions (ogr {real['ogr']} → 99.0, typing_extensions {real['typing_extensions']} → 0.1)"
                   " changed since its calls.json was written")
    monkeypatch.undo()
    here = inputs.python()
    monkeypatch.setattr(inputs, "python", lambda: "cpython 3.99.0")
    trace, why = callrecords.load_current(run_copy, manifest)
    assert trace is None and why == f"the Python version ({here} → cpython 3.99.0) changed since its calls.json was written"
    monkeypatch.undo()
    assert callrecords.load_current(run_copy, manifest)[0] is not None


def test_the_key_covers_what_a_replay_imports_and_reads():
    """Derived from the replaying module's imports, not a list: the modules issue 22 found
    missing are in it, the command line and the drift report are not."""
    code = inputs.code("tracer.packit.runs")
    for path in ("tracer/recording/runs.py", "tracer/packit/runs.py", "tracer/recording/cassette_io.py",
                 "tracer/recording/matchers.py", "tracer/recording/completeness.py", "tracer/recording/manifest.py",
                 "tracer/recording/replayer.py", "tracer/capture/patches.py", "tracer/packit/worker/handlers.py",
                 "tracer/capture/github.yaml", "tracer/packit/rules.yaml",
                 "tracer/packit/worker/profiles/packit-service@b828c3d7.yaml",
                 "tracer/packit/worker/events/github_pr.json", "tracer/datafile.py"):
        assert path in code, path
    assert not [p for p in code if p.startswith(("tracer/cli/", "tracer/packit/drift/", "tracer/live/"))]
    assert {"ogr", "PyGithub", "requests", "urllib3", "PyJWT", "vcrpy", "cryptography"} <= set(inputs.libraries("tracer.packit.runs"))


def test_a_lazy_import_is_followed():
    """An import inside a function is a dependency too (the regular expression reads every line)."""
    names = inputs.modules("tracer.packit.measurements")
    assert "tracer.packit.runs" in names  # imported inside run_measurement only
    assert "tracer.packit.worker.pipeline" in names


def test_stale_keys_outside_the_shipped_runs(run_copy, capsys):
    """Records whose key names other code, another entry or another form are replayed, naming why."""
    manifest = Manifest.load(run_copy)
    records = run_copy / callrecords.RECORDS
    original = records.read_text()

    def forge(change) -> str:
        data = json.loads(original)
        change(data["key"])
        records.write_text(json.dumps(data))
        trace, why = callrecords.load_current(run_copy, manifest)
        assert trace is None
        return why

    assert forge(lambda k: k["code"].__setitem__("tracer/recording/runs.py", "0" * 64)) == (
        "api-tracer's code (tracer/recording/runs.py) changed since its calls.json was written")
    assert forge(lambda k: k["code"].pop("tracer/recording/manifest.py")).startswith(
        "api-tracer's code (tracer/recording/manifest.py)")
    assert forge(lambda k: k.__setitem__("entry", "tracer.packit.gone")) == (
        "api-tracer's code (module tracer.packit.gone is gone) changed since its calls.json was written")
    assert forge(lambda k: k.pop("entry")).startswith("the key's form")
    assert forge(lambda k: k["run"].pop("manifest.yaml")) == (
        "the run's files (manifest.yaml) changed since its calls.json was written")
    data = json.loads(original)
    data["version"] = 1
    records.write_text(json.dumps(data))
    assert callrecords.load_current(run_copy, manifest) == (None, "its calls.json is of an earlier api-tracer's format")
    records.write_text(original)
    assert callrecords.load_current(run_copy, manifest)[0] is not None


def test_an_edited_profile_or_an_added_file_makes_records_stale(tmp_path, capsys):
    """A run recorded from a profile file keeps it as profile.yaml: editing it is a change of the run."""
    profile = tmp_path / "mine.yaml"
    profile.write_text((ROOT / "tracer/packit/worker/profiles/packit-service@b828c3d7.yaml").read_text())
    run = tmp_path / "runs" / "mine"
    record_on_loopback(profile, {"chroots": 1}, run)
    manifest = Manifest.load(run)
    assert (run / "profile.yaml").is_file() and callrecords.load_current(run, manifest)[0] is not None
    (run / "profile.yaml").write_text((run / "profile.yaml").read_text() + "\n# edited\n")
    assert callrecords.load_current(run, manifest) == (
        None, "the run's files (profile.yaml) changed since its calls.json was written")
    code, out, err = drift(capsys, str(run))
    assert "profile.yaml" in err and "replayed instead" in err


def test_forged_records_are_caught_by_verify(run_copy, capsys):
    """Records edited by hand keep their key; ``drift --verify`` replays and compares, anywhere."""
    records = run_copy / callrecords.RECORDS
    data = json.loads(records.read_text())
    call = data["trace"]["calls"][4]
    was = call["category"]
    call["category"] = "is_user_approved" if was != "is_user_approved" else "other"
    records.write_text(json.dumps(data))
    code, forged, err = drift(capsys, str(run_copy))
    assert err == ""  # the key holds: read as they are
    code, out, err = drift(capsys, str(run_copy), "--verify")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"api-tracer drift: error: {records}: differs from a replay of the run: call 5 ({call['method']} {call['route']}):"
        f" category {call['category']!r} in the records, {was!r} in a replay (refresh with: api-tracer replay --refresh {run_copy})"
    ]
    data["trace"]["calls"].pop()
    data["trace"]["calls"][4]["category"] = was
    records.write_text(json.dumps(data))
    assert drift(capsys, str(run_copy), "--verify")[2].endswith(
        f"differs from a replay of the run: {len(data['trace']['calls'])} calls in the records,"
        f" {len(data['trace']['calls']) + 1} in a replay (refresh with: api-tracer replay --refresh {run_copy})\n")
    assert main(["replay", "--refresh", str(run_copy)]) == 0
    capsys.readouterr()
    code, verified, err = drift(capsys, str(run_copy), "--verify")
    assert err == "" and code in (0, 1) and verified == drift(capsys, str(run_copy), "--replay")[1]
    (run_copy / callrecords.RECORDS).unlink()
    assert drift(capsys, str(run_copy), "--verify")[2] == (
        f"api-tracer drift: error: {records}: missing: nothing to verify "
        f"(write it with: api-tracer replay --refresh {run_copy})\n")


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
    (run_copy / callrecords.RECORDS).write_text('{"format": "api-tracer/call-records", "version": 2, "key": 3}')
    assert main(["drift", str(run_copy)]) == 2
    assert capsys.readouterr().err.strip() == f"api-tracer drift: error: {run_copy / 'calls.json'}: 'key' must be a mapping"
