"""Baseline files: the GitHub calls each test made, recorded beside the test file and compared on each run.

``tests/test_foo.py`` keeps its records in ``tests/test_foo.github-api.yml``, one top-level key
per record (the test's name: ``test_x``, ``TestA.test_y[p1]``; a named record adds ``.name``)::

    test_pr_opened:
      charged: 7
      requests: 8
      handlers:
        CoprBuildHandler:
          categories: {other: 2, set_status: 6}     # requests per category (zeros left out)
          charged: 7
          endpoints: {GET /rate_limit: 1, POST /repos/{owner}/{repo}/check-runs: 6}
          requests: 8

(written block-style, keys sorted, so diffs stay small). Modes: ``check`` compares and writes
missing records, ``update`` rewrites records that differ, ``strict`` fails on a missing or
different record. Writes re-read the file under a lock, change one record and replace the file
atomically, so other tests' records are never touched.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tracer.budget.errors import BaselineMismatch
from tracer.capture import Trace
from tracer.errors import DataError, UsageError
from tracer.recording.cassette_io import load_yaml, write_text_atomic

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

MODES = ("check", "update", "strict")
SUFFIX = ".github-api.yml"
HEADER = (
    "# GitHub API calls per test, recorded by api-tracer's pytest plugin (github_api_record).\n"
    "# Regenerate with: pytest --github-api-budget=update\n"
)


def baseline_path(test_file: str | os.PathLike[str]) -> Path:
    """``tests/test_foo.py`` → ``tests/test_foo.github-api.yml``."""
    p = Path(test_file)
    return p.with_name(p.stem + SUFFIX)


def record_of(trace: Trace) -> dict[str, Any]:
    """The record of a trace: requests and charged calls, per handler by category and endpoint."""
    handlers: dict[str, dict[str, Any]] = {}
    for call in trace.calls:
        row = handlers.setdefault(call.handler, {"categories": {}, "charged": 0, "endpoints": {}, "requests": 0})
        row["requests"] += 1
        row["charged"] += int(call.charged)
        row["categories"][call.category] = row["categories"].get(call.category, 0) + 1
        row["endpoints"][call.endpoint] = row["endpoints"].get(call.endpoint, 0) + 1
    return {"charged": trace.charged, "handlers": handlers, "requests": trace.requests}


def dump(records: dict[str, Any]) -> str:
    """Stable YAML: block style, sorted keys, no line wrapping."""
    return yaml.safe_dump(records, sort_keys=True, default_flow_style=False, allow_unicode=True, width=10_000)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}{key} / " if prefix or key != "handlers" else ""))
        return out
    return {prefix.removesuffix(" / "): value}


def record_diff(path: Path | str, key: str, old: Any, new: Any) -> str:
    """The changed counts, one a line, then a unified diff of the record's YAML."""
    before, after = _flatten(old), _flatten(new)
    changes = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name, 0), after.get(name, 0)
        if a != b:
            sign = f"{b - a:+d}" if isinstance(a, int) and isinstance(b, int) else "changed"
            changes.append(f"  {name}: {a} → {b} ({sign})")
    diff = difflib.unified_diff(
        dump({key: old}).splitlines(keepends=True),
        dump({key: new}).splitlines(keepends=True),
        fromfile=f"{path} (recorded)",
        tofile="this run",
    )
    return "\n".join(["changes:", *changes, "", "".join(diff).rstrip("\n")])


class BaselineFile:
    """One ``*.github-api.yml`` file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, Any]:
        """All records (an absent file has none); :class:`DataError` if the file is malformed."""
        if not self.path.exists():
            return {}
        try:
            data = load_yaml(self.path)
        except DataError as exc:
            if "file is empty" in str(exc):
                return {}
            raise
        if data is None:
            return {}
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, dict) for k, v in data.items()):
            raise DataError(f"{self.path}: not a GitHub API baseline file (expected a mapping of record name → record)")
        return data

    def save_record(self, key: str, record: dict[str, Any]) -> None:
        """Set one record, keeping the others as they are on disk now."""
        with _locked(self.path.parent):
            records = self.load()
            records[key] = record
            write_text_atomic(self.path, HEADER + dump(records))


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on ``directory`` (parallel pytest workers writing the same file)."""
    if fcntl is None:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass
class Baselines:
    """The baseline files of one test session, compared and written in one mode."""

    mode: str = "check"
    #: paths in messages are shown relative to this directory (the pytest rootdir)
    root: Path | None = None
    written: dict[Path, list[str]] = field(default_factory=dict)
    _keys: set[tuple[Path, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: writes held until their test is known to have passed (owner → [(path, key, record)])
    _pending: dict[str, list[tuple[Path, str, dict[str, Any]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"--github-api-budget: unknown mode {self.mode!r} (one of: {', '.join(MODES)})")

    def claim(self, path: Path, key: str) -> None:
        """Each record is made once per session: a second one with the same key is a usage error."""
        with self._lock:
            if (path, key) in self._keys:
                raise UsageError(f"github_api_record: record {key!r} in {path} made twice; give each record a name")
            self._keys.add((path, key))

    def compare(self, path: Path, key: str, trace: Trace, owner: str | None = None) -> str:
        """Compare (and write, as the mode says) one record; returns what was done.

        ``"matched"``, ``"written"`` (a new record), ``"updated"``; raises :class:`BaselineMismatch`.
        With an ``owner`` (a test's node id) the write waits for :meth:`commit` (the test passed)
        and is dropped by :meth:`discard` (it failed or was interrupted): a failing test never
        writes a baseline.
        """
        record = record_of(trace)
        stored = BaselineFile(path).load().get(key)
        shown = self.show(path)
        if stored == record:
            return "matched"
        if stored is None:
            if self.mode == "strict":
                raise BaselineMismatch(
                    f"GitHub API baseline: no record {key!r} in {shown} (mode strict)\n"
                    f"create it with: pytest --github-api-budget=update, then commit {path.name}\n\n"
                    f"this run:\n{dump({key: record}).rstrip()}"
                )
            return self._write(path, key, record, "written", owner)
        if self.mode == "update":
            return self._write(path, key, record, "updated", owner)
        raise BaselineMismatch(
            f"GitHub API calls differ from the baseline record {key!r} in {shown} (mode {self.mode})\n"
            f"{record_diff(shown, key, stored, record)}\n\n"
            f"if the change is intended: pytest --github-api-budget=update, then commit {path.name}"
        )

    def show(self, path: Path) -> str:
        if self.root is not None:
            try:
                return str(path.resolve().relative_to(self.root))
            except ValueError:
                pass
        return str(path)

    def _write(self, path: Path, key: str, record: dict[str, Any], action: str, owner: str | None = None) -> str:
        if owner is not None:
            with self._lock:
                self._pending.setdefault(owner, []).append((path, key, record))
            return action
        BaselineFile(path).save_record(key, record)
        with self._lock:
            self.written.setdefault(path, []).append(key)
        return action

    def commit(self, owner: str) -> None:
        """Write what ``owner``'s test held back: it passed."""
        with self._lock:
            pending = self._pending.pop(owner, [])
        for path, key, record in pending:
            self._write(path, key, record, "written")

    def discard(self, owner: str | None = None) -> None:
        """Drop what ``owner``'s test (or, with None, every test) held back: it did not pass."""
        with self._lock:
            if owner is None:
                self._pending.clear()
            else:
                self._pending.pop(owner, None)
