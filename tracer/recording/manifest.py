"""The manifest of a recorded run: what was recorded, with what, and which cassette is which."""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from tracer.capture import Rules
from tracer.datafile import check_header, checked_fields
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

    def check_count(self, recorded: int, path: str | Path) -> None:
        """The cassette at ``path`` holds ``recorded`` interactions: the manifest must agree."""
        if recorded != self.interactions:
            raise DataError(
                f"{path}: holds {recorded} interaction{'s' if recorded != 1 else ''} but the run's "
                f"manifest says {self.interactions}; the cassette or the manifest was changed after recording"
            )


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
    #: the worker profile's own file, kept in the run folder when it was not a shipped one
    profile_file: str = ""
    #: which worker recorded the run and what it needs to replay it (empty: the reference worker)
    worker: dict[str, Any] = field(default_factory=dict)
    #: more files of the run that its replay reads (plain names in the run folder)
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("profile_file", "worker", "files"):
            if not data[key]:
                del data[key]
        return {"format": FORMAT, "version": VERSION, **data}

    def save(self, run_dir: Path) -> Path:
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=None, width=100)
        return write_text_atomic(run_dir / MANIFEST, text)

    @classmethod
    def load(cls, run_dir: str | Path, check_files: bool = True) -> Manifest:
        """Load and validate ``RUN/manifest.yaml``; every cassette it names must exist.

        Every field is checked for its type; cassette entries must be unique (file and step)
        and name plain files inside the run folder. Problems are one-line DataErrors.
        """
        run = Path(run_dir)
        path = run / MANIFEST
        if not path.is_file():
            raise DataError(f"{run}: not a recorded run (no {MANIFEST})")
        data = load_yaml(path)
        check_header(data, str(path), FORMAT, VERSION, "an api-tracer run manifest")
        fields = checked_fields(cls, {k: v for k, v in data.items() if k not in ("format", "version")}, str(path),
                                required=("knobs", "cassettes"))
        if not isinstance(fields["cassettes"], list):
            raise DataError(f"{path}: 'cassettes' must be a list, got {fields['cassettes']!r:.60}")
        fields["cassettes"] = [_entry(raw, f"{path}: cassettes[{i}]") for i, raw in enumerate(fields["cassettes"])]
        for key in ("file", "step"):
            seen: dict[Any, int] = {}
            for i, entry in enumerate(fields["cassettes"]):
                value = getattr(entry, key)
                if value in seen:
                    raise DataError(f"{path}: cassettes[{i}].{key} {value!r} is listed twice (also cassettes[{seen[value]}])")
                seen[value] = i
        if not isinstance(fields.get("worker", {}), dict):
            raise DataError(f"{path}: 'worker' must be a mapping")
        names = fields.get("files", [])
        if not isinstance(names, list):
            raise DataError(f"{path}: 'files' must be a list of file names")
        for i, name in enumerate(names):
            check_run_file(name, f"{path}: files[{i}]")
            if check_files and not (run / name).is_file():
                raise DataError(f"{path}: files[{i}] names {name}, which does not exist")
        if check_files:
            for i, entry in enumerate(fields["cassettes"]):
                if not (run / entry.file).is_file():
                    raise DataError(f"{path}: cassettes[{i}] names {entry.file}, which does not exist")
        return cls(**fields)


def check_run_file(name: Any, where: str) -> str:
    """``name`` as a file name inside a run folder: no folders, no ``..``, no absolute path."""
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name \
            or name.startswith(".") or "\0" in name:
        raise DataError(f"{where} must be a plain file name inside the run folder, got {name!r:.80}")
    return name


def _entry(raw: Any, where: str) -> CassetteEntry:
    entry = CassetteEntry(**checked_fields(CassetteEntry, raw, where, required=("interactions",)))
    check_run_file(entry.file, f"{where}: 'file'")
    if entry.step < 1 or entry.interactions < 0:
        raise DataError(f"{where}: 'step' must be 1 or more and 'interactions' 0 or more")
    known = Rules.default().categories
    for j, category in enumerate(entry.categories):
        if category not in known:
            raise DataError(f"{where}: categories[{j}]: unknown category {category!r:.60} (one of {', '.join(known)})")
    return entry


def library_versions() -> dict[str, str]:
    """The versions a recording depends on (written into every manifest)."""
    versions = {"python": platform.python_version()}
    for dist in ("api-tracer", "ogr", "PyGithub", "vcrpy", "requests", "urllib3"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def is_hidden(path: Path, under: Path) -> bool:
    """Whether ``path`` (below ``under``) is in a hidden folder or is a hidden file: such are
    never runs or cassettes (e.g. an interrupted recording's ``.NAME.partial-PID``)."""
    return any(part.startswith(".") for part in path.relative_to(under).parts)


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
            # hidden folders are never runs: .NAME.partial-PID/.NAME.old-PID are recordings
            # in progress or interrupted (tracer.recording.runfolder)
            runs.extend(sorted(d for d in p.iterdir() if not d.name.startswith(".") and (d / MANIFEST).is_file()))
    return runs
