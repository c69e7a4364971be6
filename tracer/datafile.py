"""Reading the project's YAML data files (rules, worlds, profiles, explanations, cassettes).

Every problem is a one-line :class:`~tracer.errors.DataError` that names the file and says
where and what is wrong. A leaf module: any room may import it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterable
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


#: JSON/YAML types by the annotation a dataclass field is written with, and their names
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "int": ((int,), "a whole number"), "float": ((int, float), "a number"), "str": ((str,), "text"),
    "bool": ((bool,), "true or false"), "None": ((type(None),), "null"),
    "dict[str, str]": ((dict,), "a mapping of names to text"), "dict[str, Any]": ((dict,), "a mapping"),
    "list[str]": ((list,), "a list of text"),
}


def checked_fields(cls: type, raw: Any, where: str, required: Iterable[str] = ()) -> dict[str, Any]:
    """``raw`` as the keyword arguments of dataclass ``cls``: a mapping with no unknown key,
    every field without a default (and each of ``required``) present, each value of its
    field's annotated type. Any problem is a one-line DataError starting with ``where``."""
    if not isinstance(raw, dict):
        raise DataError(f"{where} must be a mapping, got {raw!r:.60}")
    checks, needed = _schema(cls)
    unknown = sorted((str(k) for k in raw if k not in checks), key=str)
    if unknown:
        raise DataError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(checks)})")
    missing = [name for name in (*needed, *required) if name not in raw]
    if missing:
        raise DataError(f"{where}: missing {missing[0]!r}")
    for name, value in raw.items():
        kinds, said, strings = checks[name]
        if kinds is not None and not _is(kinds, strings, value):
            raise DataError(f"{where}: {name!r} must be {said}, got {value!r:.60}")
    return dict(raw)


@functools.cache
def _schema(cls: type) -> tuple[dict[str, tuple[frozenset[type] | None, str, bool]], tuple[str, ...]]:
    """A dataclass's fields as (accepted types or None for any, in words, whether a mapping or
    list must hold text), and the fields without a default: worked out once per class."""
    checks = {}
    for f in dataclasses.fields(cls):
        annotation = str(f.type)
        parts = [_TYPES.get(part.strip()) for part in annotation.split("|")]
        if any(part is None for part in parts):
            checks[f.name] = (None, annotation, False)
        else:
            kinds = frozenset(k for part in parts for k in part[0])  # type: ignore[index]
            words = " or ".join(part[1] for part in parts)  # type: ignore[index]
            checks[f.name] = (kinds, words, "dict[str, str]" in annotation or "list[str]" in annotation)
    needed = tuple(f.name for f in dataclasses.fields(cls)
                   if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    return checks, needed


def _is(kinds: frozenset[type], strings: bool, value: Any) -> bool:
    kind = type(value)  # exactly: true is not a number
    if kind not in kinds and not (kind is not bool and any(isinstance(value, k) for k in kinds if k is not bool)):
        return False
    if strings and kind is dict:
        return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    if strings and kind is list:
        return all(isinstance(v, str) for v in value)
    return True
