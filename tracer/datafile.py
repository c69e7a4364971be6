"""Reading the project's YAML data files (rules, worlds, profiles, explanations, cassettes).

Every problem is a one-line :class:`~tracer.errors.DataError` that names the file and says
where and what is wrong. A leaf module: any room may import it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from tracer.errors import DataError

try:  # libyaml is about 4x faster; fall back to the pure-Python loader
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as Loader  # type: ignore[assignment]


def one_line(exc: BaseException) -> str:
    """A YAML error on one line: where (line, column) and what (PyYAML's messages span several)."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return f"line {mark.line + 1}, column {mark.column + 1}: {what}"
    return " ".join(str(exc).split())


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely; ``source`` names it in the error."""
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as exc:
        raise DataError(f"{source}: not valid YAML: {one_line(exc)}") from None


def read_text(path: str | os.PathLike[str], what: str = "file") -> str:
    """A UTF-8 text file's content; missing, a folder, unreadable, empty or not UTF-8 is a
    one-line DataError naming the file (``what`` says what kind, e.g. "rules file")."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a {what}") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise DataError(f"{path}: {what} is empty")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a UTF-8 text file (byte {exc.start})") from None


def read_yaml(path: str | os.PathLike[str], what: str = "file") -> Any:
    """Read and parse one YAML file (missing, empty, not UTF-8 and not YAML are DataErrors)."""
    return parse_yaml(read_text(path, what), str(path))


def check_header(data: Any, source: str, fmt: str, version: int, what: str) -> dict[str, Any]:
    """``data`` as a mapping whose ``format`` is ``fmt`` and ``version`` is ``version``.

    ``what`` names the kind of file in the error, e.g. "an api-tracer trace".
    """
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise DataError(f"{source}: not {what} (expected format: {fmt})")
    if data.get("version") != version:
        raise DataError(f"{source}: unsupported {what.split()[-1]} version {data.get('version')!r} (expected {version})")
    return data
