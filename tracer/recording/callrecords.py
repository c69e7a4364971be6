"""A run's call records: the trace its replay gives, kept beside its cassettes (``calls.json``).

Reading them is what makes ``drift`` and ``stats`` fast: no worker re-executed, no cassette body
parsed. They are trusted only while their *key* still holds, the fingerprint of everything a
replay's trace depends on:

- the run: its manifest and every cassette, byte for byte;
- the classification: the rules in use (text of every rules file);
- the code that makes, answers and classifies the calls: api-tracer's ``capture`` and ``worker``
  sources and data (profiles, worlds) and its replayer;
- the libraries in the calls' path: the versions of ogr, PyGithub, requests, urllib3 and PyJWT.

A record whose key no longer holds is *stale*: callers replay instead and say why (never a stale
classification shown silently); ``api-tracer replay --refresh RUN`` writes new records.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from tracer.capture import Rules, Trace
from tracer.capture.trace import read_json
from tracer.datafile import check_header
from tracer.errors import DataError
from tracer.recording.cassette_io import write_text_atomic
from tracer.recording.manifest import MANIFEST, Manifest

RECORDS = "calls.json"
FORMAT = "api-tracer/call-records"
VERSION = 1
#: the libraries whose behaviour is in a trace (which calls, from where, retried how)
LIBRARIES = ("ogr", "PyGithub", "requests", "urllib3", "PyJWT")
#: the parts of api-tracer that make, answer and classify a replay's calls (not those that only show them)
_SOURCES = ("capture", "packit/worker", "recording/replayer.py")
_NOT_IN_CALLS = ("capture/trace.py", "capture/__init__.py")
_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def code_fingerprint() -> str:
    """api-tracer's call-making code and data (one process: once)."""
    h = hashlib.sha256()
    for part in _SOURCES:
        root = _PACKAGE / part
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            name = str(path.relative_to(_PACKAGE))
            if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".json") and name not in _NOT_IN_CALLS:
                h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@cache
def library_versions() -> str:
    """``ogr=0.61.1 PyGithub=2.10.0 ...``: the libraries in the calls' path."""
    versions = []
    for dist in LIBRARIES:
        try:
            versions.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist}=-")
    return " ".join(versions)


def rules_fingerprint(rules: Rules | None) -> str:
    """The classification rules in use: the text of each rules file, in order."""
    rules = rules or Rules.default()
    h = hashlib.sha256()
    for source in rules.sources:
        path = Path(source)
        if not path.is_file():  # the packaged default: named by its package path
            path = _PACKAGE / Path(source).relative_to("tracer") if source.startswith("tracer/") else path
        h.update(source.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"?") + b"\0")
    return h.hexdigest()


def run_fingerprint(run: Path, manifest: Manifest) -> str:
    """The manifest, every cassette and every file it lists of the run, byte for byte."""
    h = hashlib.sha256()
    for name in (MANIFEST, *(e.file for e in manifest.cassettes), *manifest.files):
        try:
            data = (run / name).read_bytes()
        except OSError as exc:
            raise DataError(f"{run / name}: cannot read ({exc.strerror})") from None
        h.update(name.encode() + b"\0" + data + b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class Replayed:
    """What replays a run, when it is not api-tracer's reference worker in this process: the
    fingerprint of the code and the library versions (another worker, in its own environment)."""

    code: str
    libraries: str


def key_of(run: Path, manifest: Manifest, rules: Rules | None = None, by: Replayed | None = None) -> dict[str, str]:
    """The key of a run's records (``by``: what replays it, default the reference worker here)."""
    return {"run": run_fingerprint(run, manifest), "rules": rules_fingerprint(rules),
            "code": by.code if by else code_fingerprint(), "libraries": by.libraries if by else library_versions()}


_WHAT = {"run": "the cassettes or manifest", "rules": "the classification rules",
         "code": "api-tracer's worker or tracer code", "libraries": "the library versions"}


def save(run: Path, trace: Trace, manifest: Manifest, rules: Rules | None = None, by: Replayed | None = None) -> Path:
    """Write ``RUN/calls.json`` for ``trace`` (a replay's), unless it holds exactly that already.

    Durations are left out (0): a replay's say nothing of GitHub's, and records stay the same
    from one refresh to the next.
    """
    body = trace.to_json(name=manifest.name or run.name)
    del body["summary"]  # derived from the calls when read
    for call in body["calls"]:
        call["duration_ms"] = 0.0
    data = {"format": FORMAT, "version": VERSION, "key": key_of(run, manifest, rules, by), "trace": body}
    # one value per line: a refresh that changes only the key changes only its lines
    text = json.dumps(data, indent=0, separators=(",", ":")) + "\n"
    path = run / RECORDS
    try:
        if path.read_text() == text:
            return path
    except (OSError, UnicodeDecodeError):
        pass
    return write_text_atomic(path, text)


def read(run: Path) -> tuple[Trace, dict[str, Any]] | None:
    """The run's recorded trace and the key it was written under (None: it has no records)."""
    path = run / RECORDS
    if not path.is_file():
        return None
    data = read_json(path)
    check_header(data, str(path), FORMAT, VERSION, "api-tracer call records")
    stored = data.get("key")
    if not isinstance(stored, dict):
        raise DataError(f"{path}: 'key' must be a mapping")
    return Trace.from_json(data.get("trace"), str(path)), stored


def changed(stored: dict[str, Any], run: Path, manifest: Manifest, rules: Rules | None = None,
            by: Replayed | None = None) -> list[str]:
    """What changed since records with key ``stored`` were written (the key's parts, in order)."""
    current = key_of(run, manifest, rules, by)
    return [part for part in current if stored.get(part) != current[part]]


def load_current(run: Path, manifest: Manifest, rules: Rules | None = None,
                 by: Replayed | None = None) -> tuple[Trace | None, str]:
    """The run's recorded trace if its records are current, else (None, why they cannot be used)."""
    found = read(run)
    if found is None:
        return None, f"no {RECORDS}"
    trace, stored = found
    parts = changed(stored, run, manifest, rules, by)
    if parts:
        what = " and ".join(_WHAT[p] for p in parts)
        if "libraries" in parts:
            what += f" ({stored.get('libraries')} → {by.libraries if by else library_versions()})"
        return None, f"{what} changed since its {RECORDS} was written"
    return trace, ""


def refresh_command(*runs: Path | str) -> str:
    return f"api-tracer replay --refresh {' '.join(map(str, runs))}"
