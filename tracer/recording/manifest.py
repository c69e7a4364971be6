"""The manifest of a recorded run: what was recorded, with what, and which cassette is which."""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from tracer.capture.call import CATEGORIES
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

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["profile_file"]:
            del data["profile_file"]
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
        unknown = sorted(set(data) - {"format", "version"} - set(_MANIFEST_FIELDS), key=str)
        if unknown:
            raise DataError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(_MANIFEST_FIELDS)})")
        for key, kind in _MANIFEST_FIELDS.items():
            if key in data or key in ("profile", "knobs", "cassettes"):
                _expect(data.get(key), kind, f"{path}: {key!r}")
        entries = [_entry(raw, f"{path}: cassettes[{i}]") for i, raw in enumerate(data["cassettes"])]
        for key in ("file", "step"):
            seen: dict[Any, int] = {}
            for i, entry in enumerate(entries):
                value = getattr(entry, key)
                if value in seen:
                    raise DataError(f"{path}: cassettes[{i}].{key} {value!r} is listed twice (also cassettes[{seen[value]}])")
                seen[value] = i
        if check_files:
            for i, entry in enumerate(entries):
                if not (run / entry.file).is_file():
                    raise DataError(f"{path}: cassettes[{i}] names {entry.file}, which does not exist")
        known = {k: data[k] for k in _MANIFEST_FIELDS if k in data and k not in ("profile", "knobs", "cassettes")}
        return cls(profile=data["profile"], knobs=data["knobs"], cassettes=entries, **known)


#: the manifest's fields and their types (str: text, dict: a mapping, list: a list)
_MANIFEST_FIELDS: dict[str, type] = {
    "profile": str, "knobs": dict, "target": str, "name": str, "description": str,
    "versions": dict, "cassettes": list, "model": dict, "profile_file": str,
}
#: a cassette entry's fields: (type or types, required)
_ENTRY_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "file": ((str,), True), "step": ((int,), True), "event": ((str,), True), "handler": ((str,), True),
    "chroot": ((str, type(None)), False), "interactions": ((int,), True), "categories": ((list,), False),
}
_KIND_NAMES = {str: "text", int: "a whole number", dict: "a mapping", list: "a list", type(None): "null"}


def _expect(value: Any, kinds: type | tuple[type, ...], where: str) -> None:
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if isinstance(value, bool) or not isinstance(value, kinds):
        wanted = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
        raise DataError(f"{where} must be {wanted}, got {value!r:.60}")


def check_run_file(name: Any, where: str) -> str:
    """``name`` as a file name inside a run folder: no folders, no ``..``, no absolute path."""
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name \
            or name.startswith(".") or "\0" in name:
        raise DataError(f"{where} must be a plain file name inside the run folder, got {name!r:.80}")
    return name


def _entry(raw: Any, where: str) -> CassetteEntry:
    if not isinstance(raw, dict):
        raise DataError(f"{where} must be a mapping, got {raw!r:.60}")
    unknown = sorted(set(raw) - set(_ENTRY_FIELDS), key=str)
    if unknown:
        raise DataError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_ENTRY_FIELDS)})")
    for key, (kinds, required) in _ENTRY_FIELDS.items():
        if key in raw or required:
            _expect(raw.get(key), kinds, f"{where}.{key}")
    check_run_file(raw["file"], f"{where}.file")
    if raw["step"] < 1 or raw.get("interactions", 0) < 0:
        raise DataError(f"{where}: step must be 1 or more and interactions 0 or more")
    for j, category in enumerate(raw.get("categories", [])):
        if category not in CATEGORIES:
            raise DataError(f"{where}.categories[{j}]: unknown category {category!r:.60} (one of {', '.join(CATEGORIES)})")
    return CassetteEntry(**raw)


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
