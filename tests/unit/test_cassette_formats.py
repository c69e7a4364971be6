"""Cassettes in vcrpy's JSON serializer format: recorded, replayed, counted and read by vcrpy
exactly as YAML ones."""

from __future__ import annotations

from pathlib import Path

import vcr

from tracer.cli import main
from tracer.recording import callrecords
from tracer.recording.cassette_io import load_cassette
from tracer.recording.manifest import Manifest
from tracer.recording.matchers import MATCH_ON, configure
from tracer.recording.stats import trace_from_cassettes
from tracer.packit.runs import replay


def test_json_cassettes_record_replay_and_count_like_yaml(tmp_path: Path, capsys) -> None:
    runs = {}
    for fmt in ("yaml", "json"):
        runs[fmt] = tmp_path / fmt
        assert main(["record", "--profile", "HEAD", "--chroots", "1", "--cassette-format", fmt, "--out", str(runs[fmt])]) == 0
    capsys.readouterr()
    yaml_run, json_run = (Manifest.load(runs[f]) for f in ("yaml", "json"))
    assert all(e.file.endswith(".json") for e in json_run.cassettes)
    def shape(run, entry):  # two recordings differ in dates and ids, not in what was asked and answered
        return [(i["request"]["method"], i["request"]["uri"], i["response"]["status"]["code"])
                for i in load_cassette(run / entry.file)["interactions"]]

    for a, b in zip(yaml_run.cassettes, json_run.cassettes):
        assert shape(runs["yaml"], a) == shape(runs["json"], b)
    assert replay(runs["json"]).trace.summary() == replay(runs["yaml"]).trace.summary()
    for run in runs.values():  # counted from the cassettes, too (no records)
        (run / callrecords.RECORDS).unlink()
    assert trace_from_cassettes([runs["json"]]).summary() == trace_from_cassettes([runs["yaml"]]).summary()
    first = runs["json"] / json_run.cassettes[0].file
    replayer = configure(vcr.VCR(record_mode="none", serializer="json", match_on=MATCH_ON))
    with replayer.use_cassette(str(first)) as cassette:  # plain vcrpy reads them
        assert len(cassette) == json_run.cassettes[0].interactions


def test_a_broken_json_cassette_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"interactions": [')
    assert main(["stats", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"api-tracer stats: error: {bad}: not valid JSON: line 1") and "\n" not in err
