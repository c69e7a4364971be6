"""Replay any recorded run with the worker that recorded it: the reference worker
(:mod:`tracer.packit.runs`) or the real packit-service (:mod:`tracer.packit.realworker`, in its
own interpreter), and keep its call records.

>>> result = replay("cassettes/head-3ch")          # doctest: +SKIP
>>> result.trace.requests, save_records(result)    # doctest: +SKIP
(111, PosixPath('cassettes/head-3ch/calls.json'))

Each worker's records are keyed on the module that replays its runs, so a change to one worker
never makes the other's records stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tracer.errors import DataError
from tracer.packit.workers import is_real
from tracer.recording.manifest import Manifest, find_runs

if TYPE_CHECKING:
    from tracer.recording.runs import ReplayResult

def replay(run_dir: str | Path, manifest: Manifest | None = None, *, python: str | None = None) -> ReplayResult:
    """Replay one recorded run offline (``manifest``: the run's, if already read); a real run in
    packit-service's interpreter (``python``, see :mod:`tracer.packit.realworker`)."""
    manifest = manifest or Manifest.load(run_dir)
    if is_real(manifest):
        from tracer.packit.realworker import replay_real

        return replay_real(run_dir, python=python)
    from tracer.packit.runs import replay as replay_reference

    return replay_reference(run_dir, manifest)


def save_records(result: ReplayResult) -> Path:
    """Write a replayed run's call records (``calls.json``), keyed on the module that replays
    runs of its worker."""
    if is_real(result.manifest):
        from tracer.packit.realworker import save_records as save_real

        return save_real(result.run, result.trace, result.manifest)
    from tracer.packit.runs import save_records as save_reference

    return save_reference(result)


def replay_all(paths: list[str | Path], refresh: bool = False, *, python: str | None = None) -> list[ReplayResult]:
    """Replay every run under ``paths`` (run folders or folders of runs); with ``refresh``, write
    each run's call records from its replay."""
    runs = find_runs(paths)
    if not runs:
        raise DataError(f"{', '.join(map(str, paths))}: no recorded runs (folders with a manifest.yaml)")
    results = [replay(run, python=python) for run in runs]
    if refresh:
        for result in results:
            save_records(result)
    return results
