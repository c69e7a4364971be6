"""Measurements for the drift report: run folders and trace JSON files.

A run folder is measured from its call records (:mod:`tracer.recording.callrecords`) while
they are current: nothing is re-executed, so this module imports no worker. A run without
current records, or every run with ``replay=True`` (the proof), is replayed through the
reference worker (:mod:`tracer.packit.runs`); the runs replayed for stale or missing records are
reported through ``note``, one line per reason, with the command that refreshes them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tracer.packit.drift.measurement import Measurement
from tracer.errors import DataError
from tracer.recording import callrecords
from tracer.recording.manifest import Manifest, find_runs


def run_measurement(run: Path, *, replay: bool = False, stale: dict[str, list[Path]] | None = None) -> Measurement:
    """One run folder as a measurement: from its call records, or replayed (the reason added to
    ``stale`` when records could not be used)."""
    manifest = Manifest.load(run)
    trace, why = (None, "") if replay else callrecords.load_current(run, manifest)
    if trace is None:
        from tracer.packit.runs import replay as replay_run

        result = replay_run(run)
        manifest, trace = result.manifest, result.trace
        if why and stale is not None:
            stale.setdefault(why, []).append(run)
    return Measurement(name=manifest.name or run.name, source=str(run), profile=manifest.profile,
                       knobs=manifest.knobs, model=manifest.model, trace=trace)


def load_measurements(
    paths: list[str | Path], *, replay: bool = False, note: Callable[[str], None] | None = None
) -> list[Measurement]:
    """Measurements for the drift report: run folders, folders of runs, trace JSON files."""
    measurements: list[Measurement] = []
    stale: dict[str, list[Path]] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            measurements.append(Measurement.from_trace_json(p))
            continue
        if not p.exists():
            raise DataError(f"{p}: no such file or directory")
        runs = find_runs([p])
        traces = sorted(p.glob("*.trace.json")) if p.is_dir() else []
        if not runs and not traces:
            raise DataError(f"{p}: no recorded runs (folders with a manifest.yaml) and no *.trace.json files")
        measurements.extend(run_measurement(run, replay=replay, stale=stale) for run in runs)
        measurements.extend(Measurement.from_trace_json(t) for t in traces)
    for why, replayed in stale.items() if note is not None else ():
        which = str(replayed[0]) if len(replayed) == 1 else f"{len(replayed)} runs"
        where = replayed if len(replayed) < 4 else sorted({r.parent for r in replayed})
        note(f"{which}: {why}: replayed instead (refresh with: {callrecords.refresh_command(*where)})")
    return measurements
