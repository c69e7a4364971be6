"""A run's call records: the trace its replay gives, kept beside its cassettes (``calls.json``).

Reading them is what makes ``drift`` and ``stats`` fast: no worker re-executed, no cassette body
parsed. They are trusted only while their *key* still holds, the fingerprint of everything a
replay's trace depends on, worked out from what the replay imports and reads, never listed by hand
(:mod:`tracer.recording.inputs`):

- the run: every file in its folder (manifest, cassettes, its ``profile.yaml``, ...), byte for byte;
- the classification: the rules in use (text of every rules file);
- the code: every module of ours the replaying module (``entry``, e.g. ``tracer.packit.runs``)
  imports, at any depth, and the data files beside them (profiles, worlds, events, rules);
- the libraries that code can import (api-tracer's requirements, and theirs) at their versions;
- the Python version.

A record whose key no longer holds is *stale*: callers replay instead and say why, naming what
changed (never a stale classification shown silently); ``api-tracer replay --refresh RUN``
writes new records, and ``drift --verify`` replays every run and compares with its records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracer.capture import Rules, Trace
from tracer.capture.trace import read_json
from tracer.datafile import check_header
from tracer.errors import DataError
from tracer.recording import inputs
from tracer.recording.cassette_io import write_text_atomic
from tracer.recording.manifest import MANIFEST, Manifest

RECORDS = "calls.json"
FORMAT = "api-tracer/call-records"
VERSION = 2
_PACKAGE = inputs.PACKAGE_DIR


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


def run_files(run: Path, manifest: Manifest) -> dict[str, str]:
    """``{"manifest.yaml": sha256, ...}``: every file of the run (those its manifest lists, which
    must exist, and any other, such as its ``profile.yaml``), but its records and hidden files."""
    names = {MANIFEST, *(e.file for e in manifest.cassettes)}
    names |= {p.name for p in run.iterdir() if p.is_file() and not p.name.startswith(".")} - {RECORDS}
    found = {}
    for name in sorted(names):
        try:
            found[name] = inputs.sha256((run / name).read_bytes())
        except OSError as exc:
            raise DataError(f"{run / name}: cannot read ({exc.strerror})") from None
    return found


def key_of(run: Path, manifest: Manifest, rules: Rules | None = None, *, entry: str,
           environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The key of ``run``'s records as replayed by module ``entry``: run, rules, entry, python,
    libraries, code (see the module's docstring); ``environment``: the Python and library versions
    of the interpreter that replays the run when it is another one (the real packit-service's)."""
    return {"run": run_files(run, manifest), "rules": rules_fingerprint(rules),
            **inputs.inputs_key(entry, environment)}


def save(run: Path, trace: Trace, manifest: Manifest, rules: Rules | None = None, *, entry: str,
         environment: Mapping[str, str] | None = None) -> Path:
    """Write ``RUN/calls.json`` for ``trace``, the replay module ``entry`` made (e.g.
    ``"tracer.packit.runs"``; ``environment`` as for :func:`key_of`), unless it holds exactly
    that already."""
    key = key_of(run, manifest, rules, entry=entry, environment=environment)
    return write(run / RECORDS, trace, key, manifest.name or run.name)


def write(path: Path, trace: Trace, key: dict[str, Any], name: str) -> Path:
    """Call records of ``trace`` at ``path`` under ``key`` (any kept trace's, e.g. a whatif
    variant's), unless the file holds exactly that already.

    Durations are left out (0): a replay's say nothing of GitHub's, and records stay the same
    from one refresh to the next.
    """
    body = trace.to_json(name=name)
    del body["summary"]  # derived from the calls when read
    for call in body["calls"]:
        call["duration_ms"] = 0.0
    data = {"format": FORMAT, "version": VERSION, "key": key, "trace": body}
    # one value per line: a refresh that changes only the key changes only its lines
    text = json.dumps(data, indent=0, separators=(",", ":")) + "\n"
    try:
        if path.read_text() == text:
            return path
    except (OSError, UnicodeDecodeError):
        pass
    return write_text_atomic(path, text)


def read(run: Path) -> tuple[Trace, dict[str, Any]] | None:
    """The run's recorded trace and the key it was written under (None: it has no records).

    Records of an earlier format version come back with an empty key: stale, never an error.
    """
    return read_file(run / RECORDS)


def read_file(path: Path) -> tuple[Trace, dict[str, Any]] | None:
    """The trace and key of call records at ``path`` (None: no such file; an empty key: an
    earlier format version)."""
    if not path.is_file():
        return None
    data = read_json(path)
    if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("version"), int) \
            and 0 < data["version"] < VERSION:
        return Trace(), {}
    check_header(data, str(path), FORMAT, VERSION, "api-tracer call records")
    stored = data.get("key")
    if not isinstance(stored, dict):
        raise DataError(f"{path}: 'key' must be a mapping")
    return Trace.from_json(data.get("trace"), str(path)), stored


def changed(stored: dict[str, Any], run: Path, manifest: Manifest, rules: Rules | None = None,
            environment: Mapping[str, str] | None = None) -> list[str]:
    """What changed since records with key ``stored`` were written, in words ([] when nothing):
    ``["the run's files (profile.yaml)", "api-tracer's code (tracer/recording/runs.py)"]``."""
    if not stored:
        return ["the records' format (written by an earlier api-tracer)"]
    out = []
    now = run_files(run, manifest)
    old = stored.get("run") if isinstance(stored.get("run"), dict) else {}
    if old != now:
        out.append(f"the run's files ({inputs.few([n for n in sorted({*now, *old}) if old.get(n) != now.get(n)])})")
    if stored.get("rules") != rules_fingerprint(rules):
        out.append("the classification rules")
    return out + inputs.changed_inputs(stored, environment)


def load_current(run: Path, manifest: Manifest, rules: Rules | None = None,
                 environment: Mapping[str, str] | None = None) -> tuple[Trace | None, str]:
    """The run's recorded trace if its records are current, else (None, why they cannot be used);
    ``environment`` as for :func:`key_of`."""
    found = read(run)
    if found is None:
        return None, f"no {RECORDS}"
    trace, stored = found
    if not stored:
        return None, f"its {RECORDS} is of an earlier api-tracer's format"
    parts = changed(stored, run, manifest, rules, environment)
    if parts:
        return None, f"{' and '.join(parts)} changed since its {RECORDS} was written"
    return trace, ""


def difference(records: Trace, replayed: Trace) -> str:
    """How a run's records differ from a replay of it, in one line ("" when they hold the same
    calls; durations are never compared: a replay's say nothing of GitHub's)."""
    kept, made = records.all_calls(), replayed.all_calls()
    for i, (a, b) in enumerate(zip(kept, made)):
        da, db = a.to_dict(), b.to_dict()
        fields = [k for k in da if k != "duration_ms" and da[k] != db[k]]
        if fields:
            first = fields[0]
            return (f"call {i + 1} ({b.method} {b.route}): {first} {da[first]!r:.60} in the records, "
                    f"{db[first]!r:.60} in a replay" + (f" (and {len(fields) - 1} more fields)" if len(fields) > 1 else ""))
    if len(kept) != len(made):
        return f"{len(kept)} calls in the records, {len(made)} in a replay"
    return ""


def verify(run: Path, replayed: Trace) -> None:
    """Raise a one-line :class:`DataError` unless ``run``'s records hold the calls of ``replayed``
    (a replay of it made now), whatever their key says."""
    found = read(run)
    path = run / RECORDS
    if found is None:
        raise DataError(f"{path}: missing: nothing to verify (write it with: {refresh_command(run)})")
    if not found[1]:
        raise DataError(f"{path}: written by an earlier api-tracer (refresh with: {refresh_command(run)})")
    diff = difference(found[0], replayed)
    if diff:
        raise DataError(f"{path}: differs from a replay of the run: {diff} (refresh with: {refresh_command(run)})")


def refresh_command(*runs: Path | str) -> str:
    return f"api-tracer replay --refresh {' '.join(map(str, runs))}"
