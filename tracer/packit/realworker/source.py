"""Which packit-service runs: its source folder, its commit, a fingerprint of its code.

::

    source = PackitSource.find("../shared/.../packit-service-b828c3d7")   # or None: the installed one
    source.commit        # "b828c3d7b987..." (git HEAD, the archive folder's name, or a known fingerprint)
    source.fingerprint   # sha256 of every packit_service/**/*.py, path and bytes
    source.label         # "packit-service@b828c3d7" or "packit-service (modified, 1a2b3c4d)"

A folder that holds no ``packit_service/`` package is a one-line :class:`UsageError`. This
module imports nothing of packit-service: it reads files.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import subprocess
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from tracer.datafile import parse_yaml
from tracer.errors import UsageError

PACKAGE = "packit_service"
_ARCHIVE_DIR = re.compile(r"^packit-service-([0-9a-f]{7,40})$")
_HEX = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass(frozen=True)
class PackitSource:
    """A packit-service source tree: the folder that holds the ``packit_service`` package."""

    root: Path
    commit: str | None
    fingerprint: str
    known: bool  # the fingerprint is one of a known commit's (known_sources.yaml)

    @property
    def label(self) -> str:
        if self.commit and self.known:
            return f"packit-service@{self.commit[:8]}"
        if self.commit:
            return f"packit-service@{self.commit[:8]} (changed, {self.fingerprint[:8]})"
        return f"packit-service (unknown commit, {self.fingerprint[:8]})"

    @classmethod
    def find(cls, path: str | Path | None = None) -> PackitSource:
        """The source at ``path`` (a checkout or an unpacked archive), or the installed package."""
        if path is None:
            spec = importlib.util.find_spec(PACKAGE)
            if spec is None or not spec.submodule_search_locations:
                raise UsageError("packit_service is not installed here: give --source DIR (a packit-service checkout "
                                 "or unpacked archive)")
            root = Path(next(iter(spec.submodule_search_locations))).parent
        else:
            root = Path(path).expanduser()
            if not root.is_dir():
                raise UsageError(f"{root}: no such folder (--source wants a packit-service checkout or unpacked archive)")
            if not (root / PACKAGE / "__init__.py").is_file():
                inner = [d for d in root.iterdir() if d.is_dir() and (d / PACKAGE / "__init__.py").is_file()]
                if len(inner) != 1:
                    raise UsageError(f"{root}: holds no {PACKAGE}/ package (not a packit-service checkout or archive)")
                root = inner[0]
        root = root.resolve()
        fingerprint = code_fingerprint(root)
        known = known_sources().get(fingerprint)
        commit = _git_commit(root) or _archive_commit(root)
        if known and (commit is None or known.startswith(commit) or commit.startswith(known)):
            commit = known
        return cls(root, commit, fingerprint, bool(known) and commit == known)


def code_fingerprint(root: Path) -> str:
    """sha256 over every ``packit_service/**/*.py`` (relative path and bytes), sorted by path."""
    h = hashlib.sha256()
    package = root / PACKAGE
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@cache
def known_sources() -> dict[str, str]:
    """Fingerprint → full commit hash, for the commits api-tracer measured (data)."""
    text = resources.files("tracer.packit.realworker").joinpath("known_sources.yaml").read_text(encoding="utf-8")
    data = parse_yaml(text, "tracer/packit/realworker/known_sources.yaml") or {}
    return {str(k): str(v) for k, v in (data.get("fingerprints") or {}).items()}


def _git_commit(root: Path) -> str | None:
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and _HEX.match(commit) else None


def _archive_commit(root: Path) -> str | None:
    """An unpacked archive: ``.git_archival.txt``'s ``node:`` line, else the folder's name."""
    archival = root / ".git_archival.txt"
    if archival.is_file():
        for line in archival.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "node" and _HEX.match(value.strip()):
                return value.strip()
    match = _ARCHIVE_DIR.match(root.name)
    return match.group(1) if match else None
