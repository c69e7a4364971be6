"""Find what still looks like a secret in files: cassettes, or anything else.

Each finding names the file, the line and the kind of secret, with an excerpt in which the
secret is redacted (a finding never repeats it); secrets hidden in an encoding are found too
(:mod:`tracer.recording.secrets.encodings`) and reported with the layers that hid them::

    >>> scan_text('password: "hunter2hunter2"')[0].kind
    'secret-field'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracer.errors import DataError
from tracer.recording.secrets.encodings import b64_bytes, bytes_text, hidden_texts, inflate
from tracer.recording.secrets.patterns import find_secrets


@dataclass(frozen=True)
class Finding:
    """Something in a file that looks like a secret; ``excerpt`` has the secret redacted."""

    file: str
    line: int
    kind: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.excerpt}"


_EXCERPT_WIDTH = 100


def scan_text(text: str, file: str = "<text>") -> list[Finding]:
    """Findings in one text, in line order."""
    accepted = find_secrets(text)
    spans = [(start, end, kind, secret) for start, end, _, kind, secret in accepted]
    return [
        Finding(file, text.count("\n", 0, line_at) + 1, kind, _excerpt(text, line_at, spans))
        for _, _, line_at, kind, _ in accepted
    ]


def scan_file(path: str | os.PathLike[str]) -> list[Finding]:
    """Findings in one file: its text (UTF-8, undecodable bytes replaced) and what hides
    inside it (:func:`hidden_texts`: compressed, base64, ``!!binary``, percent-encoded, JSON
    strings), each hidden secret reported once, at the line of the value that holds it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    file = str(path)
    inflated = inflate(raw)
    if inflated is not None:  # a compressed file: scan what it holds
        raw = inflated
    text = raw.decode("utf-8", errors="replace")
    findings = scan_text(text, file)
    # a hidden secret already found in plain text (the same secret, or one of its kind on
    # its line: a PEM's "\n" escapes decoded) is reported once
    seen: set[Any] = {(f.line, f.kind) for f in findings} | {m[4] for m in find_secrets(text)}
    for line, how, hidden in _hidden_in_file(text):
        spans = find_secrets(hidden)
        shown = [(start, end, kind, secret) for start, end, _, kind, secret in spans]
        for _, _, line_at, kind, secret in spans:
            if secret in seen or (line, kind) in seen:
                continue
            seen |= {secret, (line, kind)}
            findings.append(Finding(file, line, f"{kind} ({how})", _excerpt(hidden, line_at, shown)))
    return sorted(findings, key=lambda f: f.line) if len(findings) > 1 else findings


def _hidden_in_file(text: str) -> Iterator[tuple[int, str, str]]:
    """(line, how it was hidden, text) for every hidden text of a file: per YAML (or JSON)
    scalar when the file parses, else per line."""
    import yaml

    try:
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as Loader  # type: ignore[assignment]
    try:
        nodes = [yaml.compose(text, Loader=Loader)] if text.strip() else []
    except (yaml.YAMLError, RecursionError, ValueError):
        for number, line in enumerate(text.splitlines(), 1):
            for how, hidden in hidden_texts(line):
                yield number, how, hidden
        return
    while nodes:
        node = nodes.pop()
        if isinstance(node, yaml.ScalarNode):
            line = node.start_mark.line + 1
            if node.tag.endswith(":binary"):
                decoded = b64_bytes(node.value)
                if decoded is not None:
                    inner = bytes_text(decoded)
                    yield line, "!!binary", inner
                    for how, hidden in hidden_texts(inner):
                        yield line, f"!!binary, {how}", hidden
                continue
            if node.style == '"':  # escapes (\x67hp_...) are an encoding too
                yield line, "YAML escapes", node.value
            for how, hidden in hidden_texts(node.value):
                yield line, how, hidden
        elif isinstance(node, yaml.SequenceNode):
            nodes.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                nodes.extend((key, value))


#: folders a directory walk skips (version control internals)
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn"})


def iter_scanned_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The files :func:`scan_paths` reads: files as given, directories walked for every file
    (version-control folders skipped)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
                for name in sorted(files):
                    if os.path.isfile(os.path.join(root, name)):
                        yield Path(root) / name
        elif path.is_file():
            yield path
        else:
            raise DataError(f"{path}: no such file or directory")


def scan_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Finding]:
    """Findings in every file of ``paths`` (a missing path, or no file at all, is a
    :class:`DataError`: a scan of nothing is not "clean")."""
    paths = list(paths)
    for raw in paths:  # report a missing path before reading anything
        if not Path(raw).exists():
            raise DataError(f"{raw}: no such file or directory")
    findings: list[Finding] = []
    files = 0
    for file in iter_scanned_files(paths):
        files += 1
        findings.extend(scan_file(file))
    if not files:
        raise DataError(f"{', '.join(map(str, paths))}: no files to scan")
    return findings


def _excerpt(text: str, at: int, spans: list[tuple[int, int, str, str]]) -> str:
    """The line around offset ``at`` with every secret on it redacted, at most ~100 chars."""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    if line_end == -1:
        line_end = len(text)
    pieces: list[str] = []
    cursor = line_start
    focus = 0
    for start, end, kind, secret in spans:
        if end <= line_start or start >= line_end:
            continue
        start, end = max(start, line_start), min(end, line_end)
        pieces.append(text[cursor:start])
        if start <= at < end or (focus == 0 and start >= at):
            focus = sum(len(p) for p in pieces)
        pieces.append(_redacted(kind, text[start:end]))
        cursor = end
    pieces.append(text[cursor:line_end])
    line = "".join(pieces).rstrip("\r")
    if len(line) <= _EXCERPT_WIDTH:
        return line.strip()
    begin = max(0, min(focus - _EXCERPT_WIDTH // 3, len(line) - _EXCERPT_WIDTH))
    snippet = line[begin : begin + _EXCERPT_WIDTH]
    return ("…" if begin else "") + snippet.strip() + ("…" if begin + _EXCERPT_WIDTH < len(line) else "")


def _redacted(kind: str, secret: str) -> str:
    prefix = ""
    if kind in ("github-token", "access-token"):
        match = re.match(r"(gh[pousr]_|github_pat_)", secret)
        prefix = match.group(1) if match else ""
    elif kind == "jwt":
        prefix = "eyJ"
    elif kind == "private-key":
        match = re.match(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----", secret)
        prefix = match.group(0) if match else ""
    return f"{prefix}<redacted {len(secret) - len(prefix)} chars>"
