"""Property tests for every reader: any bytes, and any one-node mutation of a valid file,
give a valid object or the one-line DataError naming the file, never another exception.

Example counts are modest (the suite must stay fast); `HYPOTHESIS_PROFILE=thorough` runs more.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paths import ROOT
from tracer.capture import Rules, Trace
from tracer.packit.drift import load_explanations
from tracer.packit.drift.measurement import Measurement
from tracer.errors import DataError
from tracer.packit.loopback import World
from tracer.recording.cassette_io import load_cassette
from tracer.recording.manifest import Manifest
from tracer.recording.requre import import_requre
from tracer.recording.secrets import scan_file
from tracer.recording.stats import trace_from_cassettes
from tracer.recording.vcr_config import AtomicPersister
from tracer.packit.worker import load_profile

ROOT = ROOT
RUN = ROOT / "cassettes" / "c-3ch"

settings.register_profile("default", max_examples=40, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "1000")), deadline=None, database=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# -- the seeds: one valid file per reader ---------------------------------------------------------
def _cassette() -> dict[str, Any]:
    data = yaml.safe_load((RUN / "002-submit-copr-build-CoprBuildHandler.yaml").read_text())
    data["interactions"] = data["interactions"][:2]
    return data


def _manifest() -> dict[str, Any]:
    data = yaml.safe_load((RUN / "manifest.yaml").read_text())
    data["cassettes"] = data["cassettes"][:3]
    return data


def _trace() -> dict[str, Any]:
    trace = trace_from_cassettes([RUN / "002-submit-copr-build-CoprBuildHandler.yaml"])
    return json.loads(json.dumps(trace.to_json(name="t", model={"chroots": 3, "load_packit_yaml": 3})))


def _requre() -> dict[str, Any]:
    return {
        "_requre": {"DataTypes": 1, "key_strategy": "StorageKeysInspectSimple", "version_storage_file": 3},
        "requests.sessions": {"send": {"GET": {"https://api.github.com:443/repos/o/r": [
            {"metadata": {"latency": 0.1}, "output": {
                "__store_indicator": 2, "_content": {"id": 1, "private": False}, "status_code": 200,
                "reason": "OK", "headers": {"Content-Type": "application/json", "Content-Encoding": None},
                "encoding": "utf-8"}},
        ]}}},
    }


def _yaml_file(path: Path) -> Callable[[], Any]:
    return lambda: yaml.safe_load(path.read_text())


READERS: dict[str, tuple[Callable[[], Any], str, Callable[[Path], Any]]] = {
    # name: (seed document, file name, reader of that file)
    "cassette": (_cassette, "c.yaml", load_cassette),
    "cassette-persister": (_cassette, "c.yaml", lambda p: AtomicPersister.load_cassette(p, None)),
    "stats": (_cassette, "c.yaml", lambda p: trace_from_cassettes([p])),
    "manifest": (_manifest, "manifest.yaml", lambda p: Manifest.load(p.parent, check_files=False)),
    "trace": (_trace, "t.json", Trace.load),
    "trace-for-drift": (_trace, "t.json", Measurement.from_trace_json),
    "rules": (_yaml_file(ROOT / "tracer/packit/rules.yaml"), "r.yaml", lambda p: Rules.load(p)),
    "world": (_yaml_file(ROOT / "tracer/packit/worker/worlds/packit-pipeline.yaml"), "w.yaml", World.load),
    "profile": (_yaml_file(ROOT / "tracer/packit/worker/profiles/packit-service@bc1f66bb.yaml"), "p.yaml", load_profile),
    "explanations": (_yaml_file(ROOT / "tracer/packit/drift/explanations.yaml"), "e.yaml", load_explanations),
    "requre": (_requre, "q.yaml", import_requre),
    "scan": (_cassette, "c.yaml", scan_file),
}


def _read(reader: Callable[[Path], Any], path: Path) -> None:
    """The property: the reader returns, or raises a one-line DataError naming the file."""
    try:
        reader(path)
    except DataError as exc:
        message = str(exc)
        assert "\n" not in message, message
        assert str(path) in message or path.name in message, message


def _dump(data: Any, name: str) -> bytes:
    if name.endswith(".json"):
        return json.dumps(data).encode()
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a node of a parsed document (keys and list indices)."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node[:4]):
            out += _paths(value, prefix + (i,))
    return out


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 10**6), st.floats(allow_nan=False),
    st.text(max_size=12), st.sampled_from(["", "GET", "200", "set_status", "https://api.github.com/x", "../x", "/etc/passwd"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def _mutate(doc: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    doc = copy.deepcopy(doc)
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "drop":
        del parent[last]
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    else:
        parent[last] = value
    return doc


@pytest.mark.parametrize("name", sorted(READERS))
@given(data=st.binary(max_size=300))
def test_any_bytes(name: str, data: bytes, tmp_path: Path) -> None:
    _, filename, reader = READERS[name]
    path = tmp_path / filename
    path.write_bytes(data)
    _read(reader, path)


@pytest.mark.parametrize("name", sorted(READERS))
@given(choice=st.data())
def test_any_one_node_mutation(name: str, choice: st.DataObject, tmp_path: Path) -> None:
    seed, filename, reader = READERS[name]
    doc = seed()
    path_to = choice.draw(st.sampled_from(_paths(doc)))
    action = choice.draw(st.sampled_from(["replace", "drop", "duplicate"]))
    value = choice.draw(VALUES)
    path = tmp_path / filename
    path.write_bytes(_dump(_mutate(doc, path_to, action, value), filename))
    _read(reader, path)


@pytest.mark.parametrize("name", sorted(READERS))
def test_the_seed_itself_reads(name: str, tmp_path: Path) -> None:
    seed, filename, reader = READERS[name]
    path = tmp_path / filename
    path.write_bytes(_dump(seed(), filename))
    reader(path)  # the unmutated document is valid: the mutations start from a good file


# -- a run's call records (calls.json): read inside a run folder ------------------------------------
def _records_reader(path: Path) -> Any:
    from tracer.recording.callrecords import load_current

    return load_current(path.parent, Manifest.load(path.parent))


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    import shutil

    run = tmp_path / "run"
    shutil.copytree(RUN, run)
    return run


@given(data=st.binary(max_size=300))
def test_call_records_any_bytes(data: bytes, run_folder: Path) -> None:
    path = run_folder / "calls.json"
    path.write_bytes(data)
    _read(_records_reader, path)


@given(choice=st.data())
def test_call_records_any_one_node_mutation(choice: st.DataObject, run_folder: Path) -> None:
    doc = json.loads((RUN / "calls.json").read_text())
    path_to = choice.draw(st.sampled_from(_paths(doc)))
    action = choice.draw(st.sampled_from(["replace", "drop", "duplicate"]))
    path = run_folder / "calls.json"
    path.write_bytes(_dump(_mutate(doc, path_to, action, choice.draw(VALUES)), "calls.json"))
    _read(_records_reader, path)


def test_a_line_break_in_a_files_name_stays_on_one_line(tmp_path: Path) -> None:
    """What the mutation search found once: a world file whose file name is a line break. The
    error names it escaped, on one line, as every TracerError's message is."""
    seed, filename, reader = READERS["world"]
    doc = seed()
    doc["repositories"][0]["files"]["main"] = {"\n": None}
    path = tmp_path / filename
    path.write_bytes(_dump(doc, filename))
    with pytest.raises(DataError) as caught:
        reader(path)
    assert str(caught.value) == f"{path}: repositories[0].files.main.\\n: expected text, got nothing"


@pytest.mark.parametrize("brk", ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_an_errors_message_is_one_line_whatever_it_quotes(brk: str) -> None:
    message = str(DataError(f"f.yaml: key {'a' + brk + 'b'!s}: bad"))
    assert message.splitlines() == [message] and repr(brk)[1:-1] in message
