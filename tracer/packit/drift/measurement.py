"""Measurement: one measured PR pipeline (a trace) with the model scenario it corresponds to.

``tracer.packit.measurements.load_measurements`` returns these for run folders; this module reads the
other input of ``api-tracer drift``, trace JSON files whose ``meta`` names the scenario::

    {"format": "api-tracer/trace", "version": 1,
     "meta": {"name": STR, "profile": STR, "knobs": {...},
              "model": {"chroots": 3, "load_packit_yaml": 3, "tests_enabled": true, ...}},
     "calls": [...]}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracer.capture import Trace
from tracer.capture.trace import read_json
from tracer.packit.drift.scenario import scenario_from_model
from tracer.errors import DataError
from tracer.packit.model import Scenario

#: file names of run folders (recorded runs need tracer.packit.runs to be replayed)
RUN_MANIFEST = "manifest.yaml"


@dataclass
class Measurement:
    """A measured pipeline: its trace and the model parameters to compare it with."""

    name: str
    source: str
    profile: str
    knobs: dict[str, Any]
    model: dict[str, Any]
    trace: Trace
    scenario: Scenario = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.scenario = scenario_from_model(self.model, f"{self.source}: model")

    @property
    def chroots(self) -> int:
        return self.scenario.chroots

    @classmethod
    def from_json(cls, data: Any, source: str) -> Measurement:
        """From a parsed trace JSON document; ``source`` names it in error messages."""
        trace = Trace.from_json(data, source)
        meta = data.get("meta")
        if meta is None:
            raise DataError(f"{source}: no meta: a trace for drift needs meta.model (the model parameters)")
        if not isinstance(meta, dict):
            raise DataError(f"{source}: meta must be a mapping, got {type(meta).__name__}")
        if "model" not in meta:
            raise DataError(f"{source}: meta.model is missing (the model parameters, e.g. chroots)")
        scenario_from_model(meta["model"], f"{source}: meta.model")
        name = meta.get("name", Path(source).stem)
        profile = meta.get("profile", "")
        knobs = meta.get("knobs", {})
        for key, value, kind in (("name", name, str), ("profile", profile, str), ("knobs", knobs, dict)):
            if not isinstance(value, kind):
                raise DataError(f"{source}: meta.{key} must be a {kind.__name__}, got {type(value).__name__}")
        return cls(name or Path(source).stem, source, profile, dict(knobs), dict(meta["model"]), trace)

    @classmethod
    def from_trace_json(cls, path: str | Path) -> Measurement:
        """Read and validate one trace JSON file (one-line DataError naming the file)."""
        return cls.from_json(read_json(path), str(path))


def load_trace_measurements(paths: Iterable[str | Path]) -> list[Measurement]:
    """Trace JSON files, and folders of them, as measurements (no run folders: see tracer.packit.runs)."""
    out: list[Measurement] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise DataError(f"{p}: no such file or directory")
        if p.is_file():
            out.append(Measurement.from_trace_json(p))
            continue
        if (p / RUN_MANIFEST).is_file() or any((d / RUN_MANIFEST).is_file() for d in p.iterdir() if d.is_dir()):
            raise DataError(f"{p}: recorded run folders need tracer.packit.runs to be replayed (not installed)")
        files = sorted(f for f in p.iterdir() if f.suffix == ".json" and f.is_file())
        if not files and any(f.suffix in (".yaml", ".yml") for f in p.iterdir()):
            raise DataError(f"{p}: no {RUN_MANIFEST} (a recorded run needs one beside its cassettes)")
        if not files:
            raise DataError(f"{p}: no runs here (no {RUN_MANIFEST}, no run folders, no trace JSON files)")
        out.extend(Measurement.from_trace_json(f) for f in files)
    return out
