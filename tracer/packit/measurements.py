"""Where measured pipelines come from: one protocol, :class:`Source`, for every kind.

``drift`` and ``compare`` loop over sources; each gives measurements (:class:`Measurement`: a
trace and the model parameters to compare it with)::

    sources = [Recorded(["cassettes/"]), LiveTraces(["/var/tmp/traces"]), Fleet("http://prometheus:9090")]
    measured = measure(sources, note=print)

- :class:`Recorded`: run folders (the reference worker's or the real packit-service's; the
  manifest says which), folders of runs, and trace JSON files. A run folder is measured from its
  call records (:mod:`tracer.recording.callrecords`) while they are current: nothing is
  re-executed and no worker imported. A run without current records, or every run with
  ``replay=True`` (the proof), is replayed (:mod:`tracer.packit.runs`); the runs replayed for
  stale or missing records are reported through ``note``, one line per reason, with the command
  that refreshes them. Each manifest is read once.
- :class:`LiveTraces`: a live worker's per-task traces, grouped into pipelines.
- :class:`Fleet`: a fleet's cost per PR, from the Prometheus that scrapes its live metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tracer.packit.drift.measurement import Measurement
from tracer.errors import DataError
from tracer.packit.workers import is_real
from tracer.recording import callrecords
from tracer.recording.manifest import Manifest, find_runs


#: where a source says what it did instead of what was asked (a run replayed: its records were stale)
Note = Callable[[str], None]


class Source(Protocol):
    """Anything measured pipelines are read from."""

    def measurements(self, note: Note | None = None) -> list[Measurement]:
        """The pipelines this source holds, each with the model scenario to compare it with."""
        ...


def measure(sources: Iterable[Source], note: Note | None = None) -> list[Measurement]:
    """Every source's measurements, in the sources' order.

    >>> measure([Recorded(["cassettes/c-3ch"])])[0].trace.requests
    147
    """
    return [m for source in sources for m in source.measurements(note)]


@dataclass(frozen=True)
class Recorded:
    """Run folders, folders of runs and trace JSON files; ``replay=True`` re-executes every run,
    ``verify=True`` also checks each run's call records against its replay."""

    paths: Sequence[str | Path]
    replay: bool = False
    verify: bool = False
    #: called with a run's name after each run replayed (progress)
    replayed: Callable[[str], None] | None = field(default=None, compare=False)

    def measurements(self, note: Note | None = None) -> list[Measurement]:
        return load_measurements(list(self.paths), replay=self.replay, verify=self.verify, note=note,
                                 replayed=self.replayed)


@dataclass(frozen=True)
class LiveTraces:
    """A live worker's per-task traces (``instrument_celery(trace_dir=DIR)``), as whole pipelines
    whose model parameters are ``profile``'s with each pipeline's chroot count."""

    dirs: Sequence[str | Path]
    profile: str = "HEAD"

    def measurements(self, note: Note | None = None) -> list[Measurement]:
        from tracer.packit.live.traces import pipeline_measurements

        return pipeline_measurements(self.dirs, profile=self.profile)


@dataclass(frozen=True)
class Fleet:
    """A fleet's cost per PR per chroot count, from Prometheus (``window``: only the last while)."""

    url: str
    window: str | None = None
    profile: str = "HEAD"

    def measurements(self, note: Note | None = None) -> list[Measurement]:
        from tracer.packit.live.query import fleet_measurements

        return fleet_measurements(self.url, profile=self.profile, window=self.window)


def run_measurement(run: Path, *, replay: bool = False, verify: bool = False, stale: dict[str, list[Path]] | None = None,
                    replayed: Callable[[str], None] | None = None) -> Measurement:
    """One run folder as a measurement: from its call records, or replayed (the reason added to
    ``stale`` when records could not be used; ``replayed(name)`` called after each replay);
    ``verify`` replays and fails (DataError) unless the records hold the same calls as the replay."""
    manifest = Manifest.load(run)
    environment = None
    if is_real(manifest):
        from tracer.packit.realworker.records import recorded_environment

        environment = recorded_environment(manifest)
    trace, why = (None, "") if replay or verify else callrecords.load_current(run, manifest, environment=environment)
    if trace is None:
        from tracer.packit.replaying import replay as replay_run

        result = replay_run(run, manifest)
        manifest, trace = result.manifest, result.trace
        if verify:
            callrecords.verify(run, trace)
        if replayed is not None:
            replayed(run.name)
        if why and stale is not None:
            stale.setdefault(why, []).append(run)
    return Measurement(name=manifest.name or run.name, source=str(run), profile=manifest.profile,
                       knobs=manifest.knobs, model=manifest.model, trace=trace)


def load_measurements(paths: list[str | Path], *, replay: bool = False, verify: bool = False, note: Note | None = None,
                      replayed: Callable[[str], None] | None = None) -> list[Measurement]:
    """Measurements for the drift report: run folders, folders of runs, trace JSON files
    (``replayed(name)``: called after each run replayed, e.g. to show progress)."""
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
        measurements.extend(run_measurement(run, replay=replay, verify=verify, stale=stale, replayed=replayed)
                            for run in runs)
        measurements.extend(Measurement.from_trace_json(t) for t in traces)
    for why, stale_runs in stale.items() if note is not None else ():
        which = str(stale_runs[0]) if len(stale_runs) == 1 else f"{len(stale_runs)} runs"
        where = stale_runs if len(stale_runs) < 4 else sorted({r.parent for r in stale_runs})
        note(f"{which}: {why}: replayed instead (refresh with: {callrecords.refresh_command(*where)})")
    return measurements
