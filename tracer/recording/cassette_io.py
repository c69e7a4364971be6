"""Reading and writing vcrpy cassette files.

Cassettes are written the way vcrpy writes them (``{"interactions": [...], "version": 1}``,
block-style YAML with sorted keys) but atomically: a temporary file in the target directory is
written, flushed, fsynced and then renamed over the target, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import yaml

from tracer.capture.charging import header
from tracer.datafile import one_line, read_text, read_yaml
from tracer.errors import DataError

try:  # libyaml is about 4x faster; fall back to the pure-Python classes
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

#: the cassette format version vcrpy writes and reads
CASSETTE_FORMAT_VERSION = 1


#: kept for the modules that read YAML through this one
load_yaml = read_yaml


#: cassette formats: vcrpy's YAML (its default) and vcrpy's JSON serializer (``.json``), which
#: parses several times faster; vcrpy reads either (``serializer="json"`` for the second)
CASSETTE_FORMATS = ("yaml", "json")


def cassette_format(path: str | os.PathLike[str]) -> str:
    """``json`` for a ``.json`` cassette, else ``yaml``."""
    return "json" if str(path).endswith(".json") else "yaml"


def load_cassette(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a vcrpy cassette file (YAML, or JSON for ``.json``) and check its shape.

    Returns the data as stored on disk (bodies stay ``str``/``bytes`` as written).
    """
    path = Path(path)
    data = _load_json(path) if cassette_format(path) == "json" else load_yaml(path)
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
        check_interaction(interaction, f"{path}: interaction {index}")
    return data


_METHOD = re.compile(r"[A-Z]+\Z")


def check_interaction(interaction: Any, where: str) -> None:
    """One recorded interaction in vcrpy's on-disk form, or a one-line DataError saying
    which part is wrong: request ``method``/``uri``/``body``/``headers``, response
    ``status`` (``code`` a number from 100 to 599, ``message``), ``headers`` (a mapping of
    names to a value or a list of values) and ``body`` (``string``: text or bytes; a JSON
    content type must hold JSON)."""
    if not isinstance(interaction, dict):
        raise DataError(f"{where} is not a mapping")
    request, response = interaction.get("request"), interaction.get("response")
    if not isinstance(request, dict):
        raise DataError(f"{where} has no 'request' mapping")
    if not isinstance(response, dict):
        raise DataError(f"{where} has no 'response' mapping")
    method, uri = request.get("method"), request.get("uri")
    if not isinstance(method, str) or not _METHOD.match(method):
        raise DataError(f"{where}: request.method must be an HTTP method such as GET, got {method!r:.60}")
    if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
        raise DataError(f"{where}: request.uri must be an http(s) URL, got {uri!r:.60}")
    where = f"{where} ({method} {uri[:80]})"
    if "body" not in request:
        raise DataError(f"{where}: request has no 'body' (null for none)")
    if not isinstance(request["body"], (str, bytes, type(None))):
        raise DataError(f"{where}: request.body must be text, bytes or null")
    _check_headers(request.get("headers"), f"{where}: request.headers")
    status = response.get("status")
    if not isinstance(status, dict):
        raise DataError(f"{where}: response.status must be a mapping with 'code' and 'message'")
    code = status.get("code")
    if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
        raise DataError(f"{where}: response.status.code must be a number from 100 to 599, got {code!r:.60}")
    if not isinstance(status.get("message"), str):
        raise DataError(f"{where}: response.status.message must be text, got {status.get('message')!r:.60}")
    headers = response.get("headers")
    _check_headers(headers, f"{where}: response.headers")
    body = response.get("body")
    if not isinstance(body, dict) or "string" not in body:
        raise DataError(f"{where}: response.body must be a mapping with 'string'")
    text = body["string"]
    if not isinstance(text, (str, bytes)):
        raise DataError(f"{where}: response.body.string must be text or bytes, got {type(text).__name__}")
    if text and _is_json(headers) and not header(headers, "content-encoding"):
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            raise DataError(f"{where}: response.body is not JSON although its Content-Type says so") from None


def _check_headers(headers: Any, where: str) -> None:
    if headers is None:
        raise DataError(f"{where} is missing ({{}} for none)")
    if not isinstance(headers, dict):
        raise DataError(f"{where} must be a mapping of names to values, got {type(headers).__name__}")
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(name, str) or not values or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
            raise DataError(f"{where}: {str(name)[:60]!r} must map a name to text or a list of texts")


def _load_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def _is_json(headers: dict[str, Any]) -> bool:
    kind = header(headers, "content-type")
    return isinstance(kind, str) and "json" in kind.split(";")[0].lower()


def dump_cassette(data: dict[str, Any], stream: IO[str] | None = None) -> str | None:
    """Serialise cassette data in vcrpy's style (to ``stream``, or return the text)."""
    return yaml.dump(data, stream, Dumper=_Dumper, default_flow_style=False)


def write_cassette_atomic(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write ``data`` as a cassette file at ``path`` atomically (JSON for ``.json``, as vcrpy's JSON
    serializer writes it; else YAML); returns the path."""

    def write(stream: IO[str]) -> None:
        try:
            if cassette_format(path) == "json":
                json.dump(data, stream, indent=4)
            else:
                dump_cassette(data, stream)
        except (yaml.YAMLError, TypeError, ValueError) as exc:
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
