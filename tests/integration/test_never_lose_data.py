"""Nothing recorded is ever lost: `record` refuses what is not a run, replaces a run only once
the new one is complete, and recognises, never counts and cleans what a kill -9 leaves."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from paths import CASSETTES
from tracer.cli import main
from tracer.recording.cassette_io import load_cassette
from tracer.recording.manifest import Manifest, find_runs
from tracer.recording.runfolder import clean_leftovers
from tracer.recording.stats import trace_from_cassettes

SHIPPED = CASSETTES
RECORD = ["record", "--profile", "C", "--chroots", "1"]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_complete_run(run: Path) -> Manifest:
    """Every cassette the manifest names is whole and holds the interactions it says."""
    manifest = Manifest.load(run)
    for entry in manifest.cassettes:
        entry.check_count(len(load_cassette(run / entry.file)["interactions"]), run / entry.file)
    return manifest


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("seed") / "r1"
    assert main([*RECORD, "--out", str(run)]) == 0
    return run


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_record_refuses_what_is_not_a_run(tmp_path, capsys, kind) -> None:
    target = tmp_path / "cassettes-of-mine"
    if kind == "folder":
        target.mkdir()
        (target / "notes.txt").write_text("precious\n")
    else:
        target.write_text("precious\n")
    before = snapshot(tmp_path)
    assert main([*RECORD, "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refusing to replace it (use --force to replace it anyway)" in err
    assert str(target) in err
    assert snapshot(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["cassettes-of-mine"]


def test_record_refuses_the_folder_of_runs_itself(tmp_path, capsys) -> None:
    runs = tmp_path / "cassettes"
    shutil.copytree(SHIPPED / "c-3ch", runs / "c-3ch")
    before = snapshot(tmp_path)
    assert main([*RECORD, "--out", str(runs)]) == 2  # `--out cassettes` once wiped every shipped run
    assert "is a folder that is not a recorded run" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_force_replaces_and_a_run_or_empty_folder_needs_no_force(tmp_path, one_run) -> None:
    target = tmp_path / "r"
    target.mkdir()  # an empty folder: nothing to lose
    assert main([*RECORD, "--out", str(target)]) == 0
    assert_complete_run(target)
    assert main([*RECORD, "--out", str(target)]) == 0  # a run: replaced
    (target / "notes.txt").write_text("x")
    shutil.rmtree(target / "manifest.yaml", ignore_errors=True)
    (target / "manifest.yaml").unlink()
    assert main([*RECORD, "--out", str(target)]) == 2
    assert main([*RECORD, "--out", str(target), "--force"]) == 0
    assert_complete_run(target) and not (target / "notes.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # nothing hidden left behind


def test_leftovers_are_never_counted_and_the_next_record_cleans_them(tmp_path, one_run, capsys) -> None:
    runs = tmp_path / "runs"
    shutil.copytree(one_run, runs / "a")
    shutil.copytree(one_run, runs / ".a.partial-999999999")  # a recording killed while writing
    shutil.copytree(one_run, runs / ".a.old-999999998")      # killed after the new one was swapped in
    shutil.copytree(one_run, runs / ".b.old-999999997")      # killed between the two renames: b is gone
    assert [p.name for p in find_runs([runs])] == ["a"]
    assert main(["stats", str(runs), "--format", "json"]) == 0
    assert len({p for p in runs.rglob("*.yaml") if not any(x.startswith(".") for x in p.relative_to(runs).parts)}) \
        == len(list(one_run.glob("*.yaml")))
    stats = trace_from_cassettes([runs])
    assert stats.requests == trace_from_cassettes([one_run]).requests  # counted once
    capsys.readouterr()
    main(["drift", str(runs), "--format", "json"])
    assert [r["source"] for r in json.loads(capsys.readouterr().out)["runs"]] == [str(runs / "a")]
    assert main([*RECORD, "--out", str(runs / "c")]) == 0
    assert sorted(p.name for p in runs.iterdir()) == ["a", "b", "c"]  # b put back, the rest removed
    assert snapshot(runs / "b") == snapshot(one_run)


def test_a_live_recordings_folder_is_left_alone(tmp_path) -> None:
    live = tmp_path / f".x.partial-{os.getppid()}"  # our parent process is alive
    live.mkdir()
    assert clean_leftovers(tmp_path) == [] and live.is_dir()


def _started(root: Path) -> bool:
    return any(p.name.startswith(".r.partial-") for p in root.iterdir())


def _record_in_background(runs: Path) -> tuple[subprocess.Popen[bytes], float]:
    """Start `record` replacing ``runs/r``; returns once it writes its partial folder."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracer", *RECORD, "--out", str(runs / "r")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not _started(runs) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    return proc, time.monotonic()


@pytest.fixture(scope="module")
def record_seconds(tmp_path_factory, one_run) -> float:
    """How long `record` writes, from its partial folder to its exit (measured here, once)."""
    runs = tmp_path_factory.mktemp("timing")
    shutil.copytree(one_run, runs / "r")
    proc, started = _record_in_background(runs)
    assert proc.wait(timeout=120) == 0
    return time.monotonic() - started


@pytest.mark.parametrize("point", [0.1, 0.35, 0.55, 0.7, 0.8, 1.0])
def test_kill_9_at_random_points_of_record(tmp_path, one_run, record_seconds, point) -> None:
    """Kill -9 `record` replacing a run, at random points around a fraction of its writing
    time (the last ones near the swap): the run folder is always a complete run (the old or
    the new one), hidden leftovers are never counted, and the next record cleans them."""
    runs = tmp_path / "runs"
    shutil.copytree(one_run, runs / "r")
    shutil.copytree(one_run, runs / "other")
    old = snapshot(runs / "r")
    proc, started = _record_in_background(runs)
    delay = record_seconds * random.Random(point).uniform(point - 0.05, point + 0.05)
    time.sleep(max(0.0, started + delay - time.monotonic()))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    names = sorted(p.name for p in runs.iterdir())
    assert {"other"} <= set(names) and all(n in ("r", "other") or n.startswith((".r.partial-", ".r.old-")) for n in names)
    assert [p.name for p in find_runs([runs])] in (["other", "r"], ["other"])
    if (runs / "r").exists():
        assert_complete_run(runs / "r")  # the old run or the new one, whole
    else:
        assert any(n.startswith(".r.old-") for n in names)  # killed between the two renames
    for name in names:  # the hidden folders: complete cassettes or none, never a half file
        for cassette in (runs / name).glob("*.yaml"):
            yaml.safe_load(cassette.read_text())
    assert main(["stats", str(runs)]) == 0
    assert main([*RECORD, "--out", str(runs / "next")]) == 0  # the next record tidies up
    assert sorted(p.name for p in runs.iterdir()) == ["next", "other", "r"]
    if snapshot(runs / "r") != old:
        assert_complete_run(runs / "r")


def test_import_requre_never_overwrites_without_force(tmp_path, capsys) -> None:
    src = tmp_path / "rec.yaml"
    src.write_text(
        "_requre: {DataTypes: 1, version_storage_file: 3}\n"
        "requests.sessions:\n  send:\n    GET:\n      https://api.github.com/x:\n"
        "      - metadata: {}\n        output: {status_code: 200, _content: {a: 1}, __store_indicator: 2}\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "rec.yaml").write_text("mine\n")
    assert main(["import-requre", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rec.yaml: already exists; nothing written (use --force to overwrite)" in err
    assert (out / "rec.yaml").read_text() == "mine\n"
    assert main(["import-requre", str(src), "--out", str(out), "--force"]) == 0
    assert len(load_cassette(out / "rec.yaml")["interactions"]) == 1
