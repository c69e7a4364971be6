"""Per-task traces of a live worker (``instrument_celery(trace_dir=...)``) as whole pipelines.

Each task's trace carries its task, handler, event, chroot count and pipeline (the PR's head
commit, from the label table) in its ``meta``; :func:`pipeline_measurements` groups the tasks of
each pipeline into one measurement whose model parameters come from the deployed era's profile
with that chroot count, so ``api-tracer drift --live-traces DIR`` reads a real worker's traces
with no hand-made metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tracer.capture import Call, Trace
from tracer.capture.trace import read_json
from tracer.packit.drift.measurement import Measurement
from tracer.errors import DataError

SUFFIX = ".trace.json"


def _task_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            found = sorted(p.rglob(f"*{SUFFIX}"))
            if not found:
                raise DataError(f"{p}: no task traces (*{SUFFIX}) here")
            files += found
        else:
            raise DataError(f"{p}: no such file or directory")
    return files


def _short(key: str) -> str:
    """``https://github.com/o/r@<sha>`` → ``o/r@<sha[:12]>``."""
    where, _, commit = key.rpartition("@")
    where = where.removeprefix("https://github.com/")
    return f"{where}@{commit[:12]}" if where else commit[:12]


def pipeline_measurements(paths: Iterable[str | Path], profile: str = "HEAD") -> list[Measurement]:
    """One measurement per pipeline found in the task traces under ``paths``."""
    from tracer.packit.runs import model_parameters
    from tracer.packit.worker import Knobs, load_profile

    prof = load_profile(profile)
    groups: dict[str, list[tuple[dict[str, Any], Trace]]] = {}
    for path in _task_files(paths):
        data = read_json(path)
        trace = Trace.from_json(data, str(path))
        meta = data.get("meta") if isinstance(data, dict) else None
        if not isinstance(meta, dict) or "task_id" not in meta:
            raise DataError(f"{path}: not a live task trace (no meta.task_id: written by instrument_celery(trace_dir=...))")
        key = meta.get("pipeline")
        if isinstance(key, str) and key:
            groups.setdefault(key, []).append((meta, trace))
    if not groups:
        raise DataError(f"{', '.join(map(str, paths))}: no task trace names its pipeline (meta.pipeline)")
    out = []
    for key, tasks in groups.items():
        tasks.sort(key=lambda t: (t[0].get("started_at") or 0.0))
        chroots = max((m.get("chroots") or 0 for m, _ in tasks), default=0)
        if chroots < 1:
            raise DataError(f"pipeline {key}: no task knows its chroot count (meta.chroots)")
        calls: list[Call] = []
        for _, trace in tasks:
            for call in trace.all_calls():
                call.seq = len(calls) + 1
                calls.append(call)
        knobs = Knobs.from_mapping({"chroots": chroots}).resolved(prof)
        out.append(Measurement(
            name=f"pipeline {_short(key)} ({chroots} chroots, {len(tasks)} tasks)", source=str(key),
            profile=prof.name, knobs=knobs.as_dict(), model=model_parameters(prof, knobs), trace=Trace(calls),
        ))
    out.sort(key=lambda m: (m.chroots, m.name))
    return out
