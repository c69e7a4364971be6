"""Reading and writing vcrpy cassette files.

Cassettes are written the way vcrpy writes them (``{"interactions": [...], "version": 1}``,
block-style YAML with sorted keys) but atomically: a temporary file in the target directory is
written, flushed, fsynced and then renamed over the target, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import yaml

from tracer.datafile import one_line, read_yaml
from tracer.errors import DataError

try:  # libyaml is about 4x faster; fall back to the pure-Python classes
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

#: the cassette format version vcrpy writes and reads
CASSETTE_FORMAT_VERSION = 1


#: kept for the modules that read YAML through this one
load_yaml = read_yaml


def load_cassette(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a vcrpy cassette file and check its shape.

    Returns the data as stored on disk (bodies stay ``str``/``bytes`` as written).
    """
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise DataError(
            f"{path}: not a vcrpy cassette (top level is a {type(data).__name__}, not a mapping)"
        )
    if "interactions" not in data:
        raise DataError(f"{path}: not a vcrpy cassette (no 'interactions' key)")
    interactions = data["interactions"]
    if not isinstance(interactions, list):
        raise DataError(f"{path}: 'interactions' is a {type(interactions).__name__}, not a list")
    version = data.get("version")
    if version != CASSETTE_FORMAT_VERSION:
        raise DataError(
            f"{path}: unsupported cassette version {version!r} "
            f"(expected {CASSETTE_FORMAT_VERSION})"
        )
    for index, interaction in enumerate(interactions):
        if not isinstance(interaction, dict):
            raise DataError(f"{path}: interaction {index} is not a mapping")
        for part in ("request", "response"):
            if not isinstance(interaction.get(part), dict):
                raise DataError(f"{path}: interaction {index} has no '{part}' mapping")
    return data


def dump_cassette(data: dict[str, Any], stream: IO[str] | None = None) -> str | None:
    """Serialise cassette data in vcrpy's style (to ``stream``, or return the text)."""
    return yaml.dump(data, stream, Dumper=_Dumper, default_flow_style=False)


def write_cassette_atomic(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write ``data`` as a cassette file at ``path`` atomically; returns the path."""

    def write(stream: IO[str]) -> None:
        try:
            dump_cassette(data, stream)
        except yaml.YAMLError as exc:
            raise DataError(f"{path}: cannot serialise the cassette: {one_line(exc)}") from exc

    return _write_atomic(Path(path), write)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    return _write_atomic(Path(path), lambda stream: stream.write(text))


def _write_atomic(path: Path, write: Callable[[IO[str]], Any]) -> Path:
    """Temp file beside ``path``, written by ``write``, fsynced, then renamed over ``path``."""
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{path}: cannot create directory {parent}: {exc.strerror or exc}") from None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise DataError(f"{path}: cannot write: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, _target_mode(path))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(parent)
    return path


def _target_mode(path: Path) -> int:
    """Keep an existing file's permissions; new files get 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
