"""Record → replay of the reference worker through real vcrpy cassettes, offline."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from paths import CASSETTES
from tracer.cli import main
from tracer.recording.manifest import Manifest
from tracer.recording.runs import ReplayMismatch
from tracer.recording.stats import trace_from_cassettes
from tracer.packit.runs import record_on_loopback, replay

KEY = ("handler", "event", "category", "endpoint", "status", "charged", "auth")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, object]:
    run = tmp_path_factory.mktemp("runs") / "c-2ch"
    manifest, trace = record_on_loopback("C", {"chroots": 2}, run)
    return run, trace


def test_record_writes_a_cassette_per_handler_invocation(recorded):
    run, trace = recorded
    manifest = Manifest.load(run)
    assert manifest.profile == "packit-service@bc1f66bb"
    assert manifest.knobs["chroots"] == 2 and manifest.target == "loopback"
    assert set(manifest.versions) >= {"ogr", "PyGithub", "vcrpy", "api-tracer"}
    assert manifest.model == {
        "chroots": 2, "load_packit_yaml": 3, "builds_enabled": True, "tests_enabled": True,
        "load_packit_yaml_once": False, "all_flags": True, "is_private_once": False,
    }
    files = sorted(p.name for p in run.glob("*.yaml") if p.name != "manifest.yaml")
    assert files == sorted(e.file for e in manifest.cassettes)
    assert [e.step for e in manifest.cassettes] == sorted(e.step for e in manifest.cassettes)
    assert sum(e.interactions for e in manifest.cassettes) == trace.requests == 18 + 43 * 2
    for entry in manifest.cassettes:  # plain vcrpy version-1 YAML with api.github.com URIs
        data = yaml.safe_load((run / entry.file).read_text())
        assert data["version"] == 1 and len(data["interactions"]) == entry.interactions
        assert all(i["request"]["uri"].startswith("https://api.github.com/") for i in data["interactions"])


def test_replay_gives_the_same_trace_call_for_call(recorded):
    run, trace = recorded
    result = replay(run)
    assert [tuple(getattr(c, k) for k in KEY) for c in result.trace] == [
        tuple(getattr(c, k) for k in KEY) for c in trace
    ]
    assert [c.call_site for c in result.trace] == [c.call_site for c in trace]


def test_stats_without_running_anything_agree_with_the_replay(recorded):
    run, trace = recorded
    stats = trace_from_cassettes([run])
    assert stats.count_by("handler", "event", "category", "endpoint", "charged") == trace.count_by(
        "handler", "event", "category", "endpoint", "charged"
    )


def test_replay_cli_prints_the_trace(recorded, capsys):
    run, trace = recorded
    assert main(["replay", str(run), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)  # one document for any number of runs, with a total
    assert (data["format"], data["version"]) == ("api-tracer/replay", 1)
    [one] = data["runs"]
    assert one["summary"]["requests"] == trace.requests == data["total"]["requests"]
    assert one["meta"]["profile"] == "packit-service@bc1f66bb"


def test_a_request_missing_from_the_cassette_names_handler_request_and_command(recorded, tmp_path):
    run, _ = recorded
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in run.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    manifest = Manifest.load(broken)
    entry = next(e for e in manifest.cassettes if e.handler == "CoprBuildHandler")
    data = yaml.safe_load((broken / entry.file).read_text())
    dropped = data["interactions"].pop(1)  # GET pulls/{n}
    (broken / entry.file).write_text(yaml.safe_dump(data))
    raw = yaml.safe_load((broken / "manifest.yaml").read_text())  # the count agrees: only the request is missing
    next(e for e in raw["cassettes"] if e["file"] == entry.file)["interactions"] -= 1
    (broken / "manifest.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(ReplayMismatch) as info:
        replay(broken)
    message = str(info.value)
    assert entry.file in message and "CoprBuildHandler [Submit Copr build]" in message
    assert dropped["request"]["uri"] in message
    assert "closest recorded: GET https://api.github.com/repos/packit/hello-world" in message
    assert "api-tracer record --profile packit-service@bc1f66bb --chroots 2" in message
    assert f"--out {broken}" in message and "\n" not in message


def test_canary_credentials_never_reach_disk(tmp_path):
    from tracer.packit.loopback import FakeGitHub, World
    from tracer.recording.runs import record_run
    from tracer.packit.runs import model_parameters
    from tracer.packit.worker import Credentials, Knobs, Pipeline, load_profile, scenario_world

    profile = load_profile("HEAD")
    knobs = Knobs(chroots=1, auth="app").resolved(profile)
    with FakeGitHub(World.from_dict(scenario_world(knobs))) as hub:
        pem = hub.app_private_key
        pipeline = Pipeline(profile, knobs, Credentials.github_app(hub.app_id, pem))
        manifest = Manifest(profile=profile.name, knobs=knobs.as_dict(), model=model_parameters(profile, knobs))
        record_run(pipeline, tmp_path / "run", manifest, api_url=hub.url)
        issued = [r for r in hub.requests if r.path.endswith("/access_tokens")]
        tokens = hub.issued_installation_tokens() if hasattr(hub, "issued_installation_tokens") else list(
            getattr(hub, "_installation_tokens", {})
        )
    assert issued and tokens, "the app flow minted installation tokens through the loopback"
    key_line = pem.strip().splitlines()[1]
    written = "".join(p.read_text() for p in (tmp_path / "run").iterdir())
    for secret in [*tokens, key_line, "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY"]:
        assert secret not in written
    assert "eyJ" not in written  # no JWT
    assert main(["scan", str(tmp_path / "run")]) == 0


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda run, f: (run / f).unlink(), "which does not exist"),
        (lambda run, f: (run / f).write_text((run / f).read_text()[:200]), "not valid YAML|truncated|malformed|interactions|cassette version"),
        (lambda run, f: (run / f).write_text("just: [a, text"), "YAML"),
        (lambda run, f: (run / "manifest.yaml").unlink(), "no manifest.yaml"),
    ],
)
def test_bad_runs_give_one_line_and_exit_2(recorded, tmp_path, capsys, damage, message):
    run, _ = recorded
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in run.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    target = Manifest.load(bad).cassettes[0].file
    damage(bad, target)
    before = {p.name: p.read_bytes() for p in bad.iterdir()}
    assert main(["replay", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("api-tracer replay: error:")
    import re

    assert re.search(message, err), err
    assert {p.name: p.read_bytes() for p in bad.iterdir()} == before  # nothing touched


def test_a_missing_cassette_file_in_stats_and_scan_is_exit_2(tmp_path, capsys):
    assert main(["stats", str(tmp_path / "nope.yaml")]) == 2
    assert main(["scan", str(tmp_path / "nope.yaml")]) == 2


def test_a_failed_recording_leaves_the_previous_run_untouched(recorded, tmp_path):
    run, _ = recorded
    target = tmp_path / "run"
    record_on_loopback("C", {"chroots": 1}, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    with pytest.raises(Exception):
        record_on_loopback("C", {"chroots": 1, "contributor": "nobody-such"}, target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no partial folder left


def test_a_killed_recording_leaves_complete_cassettes_or_none(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracer", "record", "--profile", "C", "--chroots", "6", "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    partial = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and partial is None:  # wait until cassettes are being written
        partial = next((p for p in tmp_path.glob(".run.partial-*") if len(list(p.glob("*.yaml"))) >= 5), None)
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert partial is not None, "the recording never started writing cassettes"
    assert not out.exists()  # the run folder appears only once complete
    for cassette in partial.glob("*.yaml"):  # every cassette written is whole
        data = yaml.safe_load(cassette.read_text())
        assert data["version"] == 1 and isinstance(data["interactions"], list)
    # a write the kill interrupted can only be a hidden temp file, never a *.yaml cassette
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in partial.iterdir() if p.suffix != ".yaml")


def test_shipped_cassettes_replay_with_plain_vcrpy_and_requests():
    """A shipped cassette is plain vcrpy: default matchers, default persister, plain requests."""
    import requests
    import vcr

    run = CASSETTES / "c-3ch"
    manifest = Manifest.load(run)
    entry = next(e for e in manifest.cassettes if e.handler == "TestingFarmHandler" and e.interactions)
    data = yaml.safe_load((run / entry.file).read_text())
    with vcr.VCR(record_mode="none").use_cassette(str(run / entry.file)) as cassette:
        session = requests.Session()
        for interaction in data["interactions"]:
            request = interaction["request"]
            response = session.request(request["method"], request["uri"], data=request["body"])
            assert response.status_code == interaction["response"]["status"]["code"]
    assert cassette.all_played and cassette.play_count == entry.interactions


def test_a_manifest_whose_knobs_do_not_match_its_cassettes(recorded, tmp_path, capsys):
    run, _ = recorded
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in run.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    manifest = yaml.safe_load((bad / "manifest.yaml").read_text())
    manifest["knobs"]["chroots"] = 3
    manifest["model"]["chroots"] = 3  # the model block agrees with the knobs, the cassettes do not
    (bad / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    assert main(["replay", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "the manifest lists 25 handler invocations but packit-service@bc1f66bb with these knobs makes 34" in err
    assert "re-record with: api-tracer record --profile packit-service@bc1f66bb --chroots 3" in err
