"""Replay is complete both ways, and manifests are checked, not trusted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from paths import CASSETTES, ROOT
from traces import same_calls
from tracer.cli import main
from tracer.errors import DataError
from tracer.recording import callrecords
from tracer.recording.completeness import CassettePlay, differences, summary, table
from tracer.recording.manifest import Manifest, find_runs
from tracer.recording.runs import IncompleteReplay
from tracer.packit.runs import replay

SHIPPED = CASSETTES
RUN = SHIPPED / "c-3ch"


def test_every_shipped_run_replays_every_interaction() -> None:
    """The README's figures stay true: each shipped run's worker asks for exactly what was recorded,
    and its call records (what drift and stats read) are current and equal to this replay."""
    runs = find_runs([SHIPPED])
    assert len(runs) >= 13
    for run in runs:
        result = replay(run)
        manifest = Manifest.load(run)
        found = callrecords.read(run)
        assert found is not None, f"{run}: no call records; write them with: {callrecords.refresh_command(SHIPPED)}"
        records, key = found
        # stale for this run, these rules or this code: refresh them (other library or Python
        # versions than the recording's are the machine's: drift replays there, and says so)
        stale = [p for p in callrecords.changed(key, run, manifest)
                 if not p.startswith(("the library versions", "the Python version"))]
        assert not stale, f"{run}: {stale} changed; refresh with: {callrecords.refresh_command(SHIPPED)}"
        assert same_calls(records, result.trace), f"{run}: call records differ from a replay"
        assert [p.file for p in result.plays] == [e.file for e in manifest.cassettes]
        assert differences(result.plays) == [], table(result.plays)
        assert all(n == 1 for p in result.plays for n in p.played)  # each answer played once
        assert sum(len(p.recorded) for p in result.plays) == sum(e.interactions for e in manifest.cassettes)


def test_completeness_is_a_function_of_played_and_recorded() -> None:
    plays = [
        CassettePlay(1, "process_message", "PR is updated", "001.yaml", ["GET https://api.github.com/repos/o/r"], [1]),
        CassettePlay(2, "CoprBuildHandler", "Submit Copr build", "002.yaml",
                     ["GET https://api.github.com/a", "GET https://api.github.com/b", "POST https://api.github.com/c"],
                     [1, 0, 0], ["GET https://api.github.com/d"]),
    ]
    assert [p.step for p in differences(plays)] == [2]
    assert summary(plays) == "1 request with no recorded answer and 2 recorded answers never asked for, in 1 handler invocation"
    text = table(plays)
    assert "CoprBuildHandler [Submit Copr build]" in text and "process_message" not in text
    assert "1: GET /d" in text and "2: GET /b, POST /c" in text


@pytest.fixture
def run_copy(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(RUN, run)
    return run


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_recorded_answer_never_asked_for_fails_with_a_table(run_copy, capsys) -> None:
    manifest = Manifest.load(run_copy)
    entry = next(e for e in manifest.cassettes if e.handler == "CoprBuildHandler")

    def add_unasked(data):
        extra = yaml.safe_load(yaml.safe_dump(data["interactions"][0]))
        extra["request"]["uri"] = "https://api.github.com/repos/packit/hello-world/never-asked"
        data["interactions"].append(extra)

    _edit(run_copy / entry.file, add_unasked)
    _edit(run_copy / "manifest.yaml", lambda m: next(
        e for e in m["cassettes"] if e["file"] == entry.file).__setitem__("interactions", entry.interactions + 1))
    with pytest.raises(IncompleteReplay) as info:
        replay(run_copy)
    assert [p.file for p in differences(info.value.plays)] == [entry.file]
    assert main(["replay", str(run_copy)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"api-tracer replay: error: {run_copy}: the replay differs from the recording: 0 requests with no "
        "recorded answer and 1 recorded answer never asked for, in 1 handler invocation; re-record with: "
        f"api-tracer record --profile packit-service@bc1f66bb --chroots 3 --tests --config-file .packit.yaml "
        f"--spec-search --no-load-once --no-private-once --all-flags --contributor collaborator --auth token "
        f"--fmf --no-admin --no-success-comment --pr-action synchronize --permission admin --out {run_copy}"
    )
    assert "recorded, never asked for" in err[1]
    row = next(line for line in err if entry.file in line)
    assert "CoprBuildHandler [Submit Copr build]" in row and "1: GET /repos/packit/hello-world/never-asked" in row


def test_a_request_with_no_answer_names_it_and_tabulates(run_copy, capsys) -> None:
    manifest = Manifest.load(run_copy)
    entry = next(e for e in manifest.cassettes if e.handler == "CoprBuildStartHandler")
    _edit(run_copy / entry.file, lambda d: d["interactions"][-1]["request"].__setitem__(
        "uri", "https://api.github.com/repos/packit/hello-world/moved"))
    assert main(["replay", str(run_copy)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "CoprBuildStartHandler [SRPM build started] made POST" in err[0] and "the replay stopped there" in err[0]
    row = next(line for line in err[1:] if entry.file in line)
    assert "1: POST" in row and "1: POST /repos/packit/hello-world/moved" in row


def test_an_interaction_count_that_does_not_match(run_copy, capsys) -> None:
    _edit(run_copy / "manifest.yaml", lambda m: m["cassettes"][1].__setitem__("interactions", 99))
    for command in ("replay", "stats"):
        assert main([command, str(run_copy)]) == 2
        err = capsys.readouterr().err
        assert "002-submit-copr-build-CoprBuildHandler.yaml: holds 8 interactions but the run's manifest says 99" in err


@pytest.mark.parametrize(("key", "value", "message"), [
    ("chroots", 6, "chroots 6 (its knobs give 3)"),
    ("load_packit_yaml", 2, "load_packit_yaml 2 (its knobs give 3)"),
    ("tests_enabled", False, "tests_enabled False (its knobs give True)"),
])
def test_a_model_block_that_disagrees_with_the_knobs(run_copy, capsys, key, value, message) -> None:
    _edit(run_copy / "manifest.yaml", lambda m: m["model"].__setitem__(key, value))
    assert main(["drift", str(run_copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the 'model' block does not match the run's profile and knobs" in err and message in err


def test_a_missing_model_block_is_derived(run_copy) -> None:
    _edit(run_copy / "manifest.yaml", lambda m: m.pop("model"))
    assert replay(run_copy).manifest.model == Manifest.load(RUN).model


def test_a_run_recorded_with_a_profile_file_replays_anywhere(tmp_path, capsys) -> None:
    profile = yaml.safe_load((ROOT / "tracer/packit/worker/profiles/packit-service@b828c3d7.yaml").read_text())
    profile.update(name="my-fork@0123abcd", aliases=["mine"], commit="0123abcd")
    src = tmp_path / "mine.yaml"
    src.write_text(yaml.safe_dump(profile))
    run = tmp_path / "run"
    assert main(["record", "--profile", str(src), "--chroots", "1", "--out", str(run)]) == 0
    src.unlink()  # the profile file is gone: the run keeps its own copy
    manifest = Manifest.load(run)
    assert manifest.profile == "my-fork@0123abcd" and manifest.profile_file == "profile.yaml"
    moved = tmp_path / "elsewhere" / "run"
    shutil.move(run, moved)
    assert replay(moved).manifest.profile == "my-fork@0123abcd"
    _edit(moved / "manifest.yaml", lambda m: m.__setitem__("profile_file", "../mine.yaml"))
    with pytest.raises(DataError, match=r"'profile_file' must be a plain file name inside the run folder"):
        replay(moved)


class _TinyPipeline:
    """Any pipeline replays (``steps()`` and ``run(around=...)``): one handler, real requests,
    which swallows the error of a request that has no recorded answer."""

    class Step:
        index, event, handler, chroot = 1, "PR is updated", "process_message", None

    def steps(self) -> list:
        return [self.Step()]

    def run(self, around) -> None:
        import requests

        from tracer.capture import handler

        with around(self.Step()), handler("process_message", event="PR is updated"):
            assert requests.get("https://api.github.com/repos/o/r").status_code == 200
            try:
                requests.get("https://api.github.com/repos/o/r/not-recorded")
            except Exception:  # noqa: BLE001 - a worker that goes on after a failed call
                pass


def test_a_request_whose_miss_the_worker_swallowed_still_fails_the_replay(tmp_path) -> None:
    from tracer.recording.cassette_io import write_cassette_atomic
    from tracer.recording.manifest import CassetteEntry
    from tracer.recording.runs import replay_run

    run = tmp_path / "run"
    interaction = {
        "request": {"body": None, "headers": {}, "method": "GET", "uri": "https://api.github.com/repos/o/r"},
        "response": {"body": {"string": "{}"}, "headers": {"Content-Type": ["application/json"]},
                     "status": {"code": 200, "message": "OK"}},
    }
    write_cassette_atomic(run / "001.yaml", {"interactions": [interaction], "version": 1})
    Manifest(profile="p", knobs={}, cassettes=[CassetteEntry("001.yaml", 1, "PR is updated", "process_message",
                                                             interactions=1)]).save(run)
    with pytest.raises(IncompleteReplay) as info:
        replay_run(run, _TinyPipeline())
    (play,) = info.value.plays
    assert play.unanswered == ["GET https://api.github.com/repos/o/r/not-recorded"] and play.unplayed == []
    assert "1 request with no recorded answer and 0 recorded answers never asked for" in str(info.value)
