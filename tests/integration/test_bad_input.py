"""A test per class of bad input: exit 2, one line on stderr naming the file and what is wrong,
no traceback, and every file that was there before is intact."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from paths import CASSETTES
from tracer.cli import main
from tracer.cli.exitcodes import BAD_INPUT

RUN = CASSETTES / "c-3ch"
FIRST = "001-pr-is-updated-process_message.yaml"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_bad(capsys, tmp_path: Path, args: list[str], pattern: str) -> str:
    before = snapshot(tmp_path)
    assert main(args) == BAD_INPUT
    captured = capsys.readouterr()
    err = captured.err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert re.search(pattern, err), err
    assert snapshot(tmp_path) == before  # nothing written, nothing changed
    return err


@pytest.fixture
def run_copy(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(RUN, run)
    return run


def edit_yaml(path: Path, change: Callable[[Any], Any]) -> None:
    data = yaml.safe_load(path.read_text())
    result = change(data)
    path.write_text(yaml.safe_dump(result if isinstance(result, list) else data, sort_keys=False))


def first_request(d: dict) -> dict:
    return d["interactions"][0]["request"]


def first_response(d: dict) -> dict:
    return d["interactions"][0]["response"]


CASSETTE_DAMAGE = {
    "no body": (lambda d: first_response(d).pop("body"), r"interaction 0 \(GET https://api.github.com/repos/packit/hello-world\): response.body must be a mapping"),
    "no status": (lambda d: first_response(d).pop("status"), r"interaction 0 .*response.status must be a mapping"),
    "no method": (lambda d: first_request(d).pop("method"), r"interaction 0: request.method must be an HTTP method"),
    "no uri": (lambda d: first_request(d).pop("uri"), r"interaction 0: request.uri must be an http\(s\) URL"),
    "no request body": (lambda d: first_request(d).pop("body"), r"request has no 'body'"),
    "headers as a list": (lambda d: first_response(d).__setitem__("headers", ["a", "b"]), r"response.headers must be a mapping"),
    "status not a number": (lambda d: first_response(d)["status"].__setitem__("code", "OK"), r"status.code must be a number from 100 to 599, got 'OK'"),
    "non-JSON body": (lambda d: first_response(d)["body"].__setitem__("string", "<html>"), r"response.body is not JSON although its Content-Type says so"),
    "interactions not a list": (lambda d: d.__setitem__("interactions", {"a": 1}), r"'interactions' is a dict, not a list"),
    "not a cassette": (lambda d: ["just", "a", "list"], r"not a vcrpy cassette"),
}


@pytest.mark.parametrize("damage", sorted(CASSETTE_DAMAGE))
@pytest.mark.parametrize("command", ["replay", "stats"])
def test_a_damaged_cassette(run_copy, tmp_path, capsys, damage, command) -> None:
    change, message = CASSETTE_DAMAGE[damage]
    edit_yaml(run_copy / FIRST, change)
    err = run_bad(capsys, tmp_path, [command, str(run_copy)], message)
    assert f"{run_copy / FIRST}" in err


def _entry(i: int, key: str, value: Any) -> Callable[[dict], None]:
    return lambda m: m["cassettes"][i].__setitem__(key, value)


MANIFEST_DAMAGE = {
    "knobs a list": (lambda m: m.__setitem__("knobs", [3]), r"'knobs' must be a mapping"),
    "profile a number": (lambda m: m.__setitem__("profile", 3), r"'profile' must be text"),
    "model a string": (lambda m: m.__setitem__("model", "3 chroots"), r"'model' must be a mapping"),
    "step a string": (_entry(0, "step", "one"), r"cassettes\[0\]: 'step' must be a whole number, got 'one'"),
    "interactions negative": (_entry(0, "interactions", -1), r"cassettes\[0\]: 'step' must be 1 or more and 'interactions' 0 or more"),
    "unknown category": (lambda m: m["cassettes"][0]["categories"].__setitem__(0, "is_private"), r"cassettes\[0\]: categories\[0\]: unknown category 'is_private'"),
    "unknown key": (_entry(1, "colour", "red"), r"cassettes\[1\]: unknown key 'colour'"),
    "duplicate entry": (lambda m: m["cassettes"].append(dict(m["cassettes"][0])), r"cassettes\[\d+\].file '001-.*' is listed twice \(also cassettes\[0\]\)"),
    "file outside the run": (_entry(0, "file", "../c-6ch/" + FIRST), r"cassettes\[0\]: 'file' must be a plain file name inside the run folder"),
    "absolute file": (_entry(0, "file", "/etc/passwd"), r"must be a plain file name inside the run folder"),
    "entry a string": (lambda m: m["cassettes"].__setitem__(0, "001.yaml"), r"cassettes\[0\] must be a mapping"),
    "wrong format": (lambda m: m.__setitem__("format", "something/else"), r"not an api-tracer run manifest"),
}


@pytest.mark.parametrize("damage", sorted(MANIFEST_DAMAGE))
@pytest.mark.parametrize("command", ["replay", "stats", "drift"])
def test_a_damaged_manifest(run_copy, tmp_path, capsys, damage, command) -> None:
    change, message = MANIFEST_DAMAGE[damage]
    edit_yaml(run_copy / "manifest.yaml", change)
    err = run_bad(capsys, tmp_path, [command, str(run_copy)], message)
    assert str(run_copy / "manifest.yaml") in err


def test_knobs_of_the_wrong_type_in_a_manifest(run_copy, tmp_path, capsys) -> None:
    edit_yaml(run_copy / "manifest.yaml", lambda m: m["knobs"].__setitem__("chroots", [3]))
    run_bad(capsys, tmp_path, ["replay", str(run_copy)], r"manifest.yaml: .*knob 'chroots' must be a whole number")


def test_an_answer_the_worker_cannot_use(run_copy, tmp_path, capsys) -> None:
    edit_yaml(run_copy / FIRST, lambda d: first_response(d)["body"].__setitem__("string", "{}"))
    run_bad(capsys, tmp_path, ["replay", str(run_copy)],
            rf"{FIRST}: process_message \[PR is updated\] failed on the recorded answers \(AttributeError: .*re-record with: api-tracer record")


def _trace(tmp_path: Path, change: Callable[[dict], None]) -> Path:
    from tracer.recording.stats import trace_from_cassettes

    data = trace_from_cassettes([RUN / FIRST]).to_json(name="t", model={"chroots": 3})
    change(data)
    path = tmp_path / "t.trace.json"
    path.write_text(json.dumps(data))
    return path


TRACE_DAMAGE = {
    "unknown category": (lambda d: d["calls"][0].__setitem__("category", "is_private"), r"calls\[0\]: unknown category 'is_private'"),
    "status a string": (lambda d: d["calls"][1].__setitem__("status", "200"), r"calls\[1\]: 'status' must be a whole number or null, got '200'"),
    "charged a number": (lambda d: d["calls"][0].__setitem__("charged", 1), r"calls\[0\]: 'charged' must be true or false, got 1"),
    "call a list": (lambda d: d["calls"].__setitem__(0, [1]), r"calls\[0\] must be a mapping"),
    "no method": (lambda d: d["calls"][0].pop("method"), r"calls\[0\]: missing 'method'"),
    # of the right type, but no tracer could have recorded them
    "negative attempt": (lambda d: d["calls"][0].__setitem__("attempt", -1), r"calls\[0\]: 'attempt' must be 1 or more, got -1"),
    "attempt 0": (lambda d: d["calls"][0].__setitem__("attempt", 0), r"calls\[0\]: 'attempt' must be 1 or more, got 0"),
    "negative seq": (lambda d: d["calls"][2].__setitem__("seq", -3), r"calls\[2\]: 'seq' must be 0 or more, got -3"),
    "negative logical": (lambda d: d["calls"][0].__setitem__("logical", -1), r"calls\[0\]: 'logical' must be 0 or more"),
    "negative invocation": (lambda d: d["calls"][0].__setitem__("invocation", -2), r"calls\[0\]: 'invocation' must be 0 or more"),
    "status 99": (lambda d: d["calls"][1].__setitem__("status", 99), r"calls\[1\]: 'status' must be an HTTP status \(100–599\) or null, got 99"),
    "status 600": (lambda d: d["calls"][1].__setitem__("status", 600), r"calls\[1\]: 'status' must be an HTTP status \(100–599\) or null, got 600"),
    "negative duration": (lambda d: d["calls"][0].__setitem__("duration_ms", -0.5), r"calls\[0\]: 'duration_ms' must be a time of 0 or more"),
    "method lower case": (lambda d: d["calls"][0].__setitem__("method", "get"), r"calls\[0\]: 'method' must be an HTTP method such as GET, got 'get'"),
    "unknown auth": (lambda d: d["calls"][0].__setitem__("auth", "ghp_x"), r"calls\[0\]: 'auth' must be one of token, jwt, basic, none"),
    "route not a path": (lambda d: d["calls"][0].__setitem__("route", "repos"), r"calls\[0\]: 'route' must be a path template"),
    "charged elsewhere": (lambda d: d["calls"][0].update(github=False, forge=None, charged=True), r"calls\[0\]: 'charged' is true on a call to a host that is no forge's API"),
}


@pytest.mark.parametrize("damage", sorted(TRACE_DAMAGE))
def test_a_damaged_trace(tmp_path, capsys, damage) -> None:
    change, message = TRACE_DAMAGE[damage]
    path = _trace(tmp_path, change)
    err = run_bad(capsys, tmp_path, ["drift", str(path)], message)
    assert str(path) in err


def test_statuses_at_the_edges_of_the_range_are_read(tmp_path) -> None:
    """100 and 599 are statuses; 99 and 600 (above) are not: the boundaries exactly."""
    from tracer.capture import Trace

    for status in (100, 599):
        path = _trace(tmp_path, lambda d: d["calls"][1].__setitem__("status", status))
        assert Trace.load(path).calls[1].status == status


@pytest.mark.parametrize("damage", ["negative attempt", "status 600", "charged elsewhere"])
def test_impossible_values_in_call_records(run_copy, tmp_path, capsys, damage) -> None:
    """The same check reads a run's call records (calls.json): an edited record is refused, not used."""
    change, message = TRACE_DAMAGE[damage]
    records = run_copy / "calls.json"
    data = json.loads(records.read_text())
    change(data["trace"])
    records.write_text(json.dumps(data))
    err = run_bad(capsys, tmp_path, ["drift", str(run_copy)], message)
    assert str(records) in err


NOT_UTF8 = b"version: 1\n# caf\xe9\n"


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["stats", str(RUN / FIRST), "--rules", "{f}"], "rules"),
        (["drift", str(RUN), "--explanations", "{f}"], "explanations"),
        (["record", "--profile", "{f}", "--out", "{out}"], "profile"),
        (["record", "--profile", "C", "--world", "{f}", "--out", "{out}"], "world"),
        (["fakehub", "--world", "{f}"], "world"),
        (["import-requre", "{f}", "--out", "{out}"], "requre"),
        (["scan", "{f}"], "scan"),
    ],
)
def test_a_file_that_is_not_utf8(tmp_path, capsys, args, what) -> None:
    bad = tmp_path / f"{what}.yaml"
    bad.write_bytes(NOT_UTF8)
    args = [a.format(f=bad, out=tmp_path / "out") for a in args]
    if what == "scan":  # a scan reads any bytes: a file that is not text is scanned, not refused
        assert main(args) == 0
        return
    run_bad(capsys, tmp_path, args, rf"{re.escape(str(bad))}: not a UTF-8 text file \(byte 16\)")
