"""The manifest of a recorded run: what was recorded, with what, and which cassette is which."""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from tracer.datafile import check_header
from tracer.errors import DataError
from tracer.recording.cassette_io import load_yaml, write_text_atomic

MANIFEST = "manifest.yaml"
FORMAT = "api-tracer/run"
VERSION = 1


@dataclass
class CassetteEntry:
    """One handler invocation: its cassette and what the tracer saw when recording it."""

    file: str
    step: int
    event: str
    handler: str
    chroot: str | None = None
    interactions: int = 0
    #: per call, in order: the category the call site gave when recording (replay-free stats)
    categories: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    profile: str
    knobs: dict[str, Any]
    target: str = "loopback"
    name: str = ""
    description: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    cassettes: list[CassetteEntry] = field(default_factory=list)
    #: the model scenario parameters this run corresponds to (for the drift report)
    model: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {"format": FORMAT, "version": VERSION, **data}

    def save(self, run_dir: Path) -> Path:
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=None, width=100)
        return write_text_atomic(run_dir / MANIFEST, text)

    @classmethod
    def load(cls, run_dir: str | Path, check_files: bool = True) -> Manifest:
        """Load and validate ``RUN/manifest.yaml``; every cassette it names must exist."""
        run = Path(run_dir)
        path = run / MANIFEST
        if not path.is_file():
            raise DataError(f"{run}: not a recorded run (no {MANIFEST})")
        data = load_yaml(path)
        check_header(data, str(path), FORMAT, VERSION, "an api-tracer run manifest")
        for key, kind in (("profile", str), ("knobs", dict), ("cassettes", list)):
            if not isinstance(data.get(key), kind):
                raise DataError(f"{path}: '{key}' is missing or not a {kind.__name__}")
        entries = []
        for i, raw in enumerate(data["cassettes"]):
            try:
                entry = CassetteEntry(**raw)
            except TypeError as exc:
                raise DataError(f"{path}: cassettes[{i}] is malformed ({exc})") from None
            if check_files and not (run / entry.file).is_file():
                raise DataError(f"{path}: cassettes[{i}] names {entry.file}, which does not exist")
            entries.append(entry)
        known = {k: data[k] for k in ("target", "name", "description", "versions", "model") if k in data}
        return cls(profile=data["profile"], knobs=data["knobs"], cassettes=entries, **known)


def library_versions() -> dict[str, str]:
    """The versions a recording depends on (written into every manifest)."""
    versions = {"python": platform.python_version()}
    for dist in ("api-tracer", "ogr", "PyGithub", "vcrpy", "requests", "urllib3"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def find_runs(paths: list[str | Path]) -> list[Path]:
    """Run folders under ``paths`` (a run folder, or a folder of runs), sorted by name."""
    runs: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise DataError(f"{p}: no such file or directory")
        if (p / MANIFEST).is_file():
            runs.append(p)
        elif p.is_dir():
            if any(f.is_file() for f in p.glob("*.yaml")):
                raise DataError(f"{p}: holds cassettes but is not a recorded run (no {MANIFEST})")
            runs.extend(sorted(d for d in p.iterdir() if (d / MANIFEST).is_file()))
    return runs
