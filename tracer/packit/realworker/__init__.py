"""The real worker: packit-service's own code through a whole PR pipeline, on loopback, offline.

Public API (api-tracer's side; packit-service runs in its own interpreter, :mod:`.launch`)::

    from tracer.packit.realworker import record_real, replay_real
    answer = record_real("runs/real-3ch", {"chroots": 3}, source="packit-service-b828c3d7/")
    answer["requests"], answer["charged"], answer["server"]       # the loopback GitHub's own count per step
    result = replay_real("runs/real-3ch")                          # a ReplayResult, offline
    PackitWorld(knobs) / ReplayWorld(...)                          # the world around it (.world)
    run_child("live", {"source": ..., "mode": "gevent", ...}, python)   # its app with live mode (.live)

A run folder is the reference worker's (manifest, one cassette per task, ``calls.json``) plus
``incoming.json`` (the events handed in) and the manifest's ``worker`` block (source, environment,
service URLs, the config without credentials, tasks sent but not run).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracer.capture import Trace
from tracer.errors import DataError
from tracer.packit.realworker.launch import PYTHON_ENV, packit_python, replay_in_child, run_child
from tracer.packit.realworker.records import INCOMING, WORKER, is_real, recorded_environment, save_records
from tracer.packit.realworker.source import PackitSource
from tracer.recording.manifest import Manifest
from tracer.recording.runs import ReplayResult

__all__ = ["INCOMING", "PYTHON_ENV", "WORKER", "is_real", "packit_python", "record_real", "recorded_environment",
           "replay_real", "run_child", "save_records"]


def record_real(
    out: str | Path,
    knobs: Mapping[str, Any] | None = None,
    *,
    source: str | Path | None = None,
    profile: str | None = None,
    python: str | None = None,
    database: str | None = None,
    services: str | Path | None = None,
    world: str | Path | None = None,
    name: str = "",
    description: str = "",
    trim: bool = True,
    force: bool = False,
    cassette_format: str = "yaml",
    replay: bool = True,
) -> dict[str, Any]:
    """Record the real packit-service at ``source`` (default: the installed one) into ``out``;
    with ``replay`` (default) the run is replayed in a fresh process before it replaces anything,
    which writes its call records (``calls.json``) and proves it replays.

    Returns the child's answer: ``run``, ``label``, ``steps``, ``requests``, ``charged``, ``trace``
    (JSON), ``server`` (per step, the loopback GitHub's own count) and ``seconds`` (per task).
    """
    from tracer.packit.realworker.config import check_knobs
    from tracer.packit.worker import Knobs, load_profile

    check_knobs(Knobs.from_mapping(dict(knobs or {})), load_profile(profile or "HEAD"))  # before any process starts
    if source is not None:
        source = PackitSource.find(source).root
    request = {
        "out": str(Path(out).resolve()), "knobs": dict(knobs or {}), "source": str(source) if source else None,
        "profile": profile, "database": database, "services": str(services) if services else None,
        "world": str(world) if world else None, "name": name or Path(out).name, "description": description,
        "trim": trim, "force": force, "cassette_format": cassette_format, "replay": replay,
    }
    return run_child("record", request, packit_python(python))


def _python_for(manifest: Manifest, python: str | None) -> str:
    """--python, $API_TRACER_PACKIT_PYTHON, the interpreter the run was recorded with, or this one."""
    import os

    if python or os.environ.get(PYTHON_ENV):
        return packit_python(python)
    recorded = manifest.worker.get("python")
    if isinstance(recorded, str) and os.path.isfile(recorded) and os.access(recorded, os.X_OK):
        return recorded
    return packit_python(None)


def replay_real(run: str | Path, *, python: str | None = None, source: str | None = None,
                database: str | None = None, refresh: bool = False) -> ReplayResult:
    """Replay a real run offline in a fresh packit-service process (its own database and broker)."""
    run = Path(run)
    manifest = Manifest.load(run)
    if not is_real(manifest):
        raise DataError(f"{run}: not a run of the real packit-service")
    answer = replay_in_child(run, python=_python_for(manifest, python), refresh=refresh, source=source,
                             database=database)
    trace = Trace.from_json(answer["trace"], f"{run} (replayed)")
    return ReplayResult(run, Manifest.load(run) if refresh else manifest, trace)
