"""Find what still looks like a secret in files: cassettes, or anything else.

Each finding names the file, the line and the kind of secret, with an excerpt in which the
secret is redacted (a finding never repeats it); secrets hidden in an encoding are found too
(:mod:`tracer.recording.secrets.encodings`) and reported with the layers that hid them::

    >>> scan_text('password: "' + "hunter2" * 2 + '"')[0].kind
    'secret-field'
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracer.errors import DataError
from tracer.recording.secrets.allowlist import Allowlist, fingerprint
from tracer.recording.secrets.encodings import b64_bytes, bytes_text, hidden_texts, inflate
from tracer.recording.secrets.files import SKIPPED_DIRS, ScanFiles, is_code
from tracer.recording.secrets.patterns import find_secrets

__all__ = ["SKIPPED_DIRS", "Finding", "ScanResult", "iter_scanned_files", "scan", "scan_file", "scan_paths",
           "scan_text"]


@dataclass(frozen=True)
class Finding:
    """Something in a file that looks like a secret; ``excerpt`` has the secret redacted."""

    file: str
    line: int
    kind: str
    excerpt: str
    fingerprint: str = ""  # the secret's, for an allowlist entry (never the secret)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.excerpt}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "kind": self.kind, "excerpt": self.excerpt,
                "fingerprint": self.fingerprint}


_EXCERPT_WIDTH = 100


def scan_text(text: str, file: str = "<text>", code: bool = False) -> list[Finding]:
    """Findings in one text, in line order (``code``: the text is source code)."""
    accepted = find_secrets(text, code)
    spans = [(start, end, kind, secret) for start, end, _, kind, secret in accepted]
    return [
        Finding(file, text.count("\n", 0, line_at) + 1, kind, _excerpt(text, line_at, spans), fingerprint(secret))
        for _, _, line_at, kind, secret in accepted
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
    code = is_code(path) and inflated is None
    findings = scan_text(text, file, code)
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
            findings.append(Finding(file, line, f"{kind} ({how})", _excerpt(hidden, line_at, shown), fingerprint(secret)))
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


def iter_scanned_files(paths: Iterable[str | os.PathLike[str]], exclude: Iterable[str] = (),
                       ignore_files: bool = True) -> Iterator[Path]:
    """The files :func:`scan_paths` reads (:class:`~tracer.recording.secrets.files.ScanFiles`)."""
    return iter(ScanFiles(paths, exclude, ignore_files))


@dataclass
class ScanResult:
    """What a scan found: findings, the files read, and the findings an allowlist allowed."""

    findings: list[Finding]
    files: int
    allowed: list[Finding]


def scan(paths: Iterable[str | os.PathLike[str]], *, exclude: Iterable[str] = (), ignore_files: bool = True,
         allowlist: Allowlist | None = None, progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
         ) -> ScanResult:
    """Scan every file of ``paths`` (:class:`~tracer.recording.secrets.files.ScanFiles`); a
    missing path, no file at all, an exclude pattern or an allowlist entry that matches nothing
    is a :class:`DataError` (a scan of nothing is not "clean")."""
    paths = list(paths)
    for raw in paths:  # report a missing path before reading anything
        if not Path(raw).exists():
            raise DataError(f"{raw}: no such file or directory")
    files = ScanFiles(paths, exclude, ignore_files)
    findings: list[Finding] = []
    allowed: list[Finding] = []
    for file in progress(files) if progress else files:
        if allowlist is not None:
            allowlist.saw(file)
        for finding in scan_file(file):
            if allowlist is not None and allowlist.allows(finding.file, finding.kind, finding.fingerprint):
                allowed.append(finding)
            else:
                findings.append(finding)
    if not files.count:
        raise DataError(f"{', '.join(map(str, paths))}: no files to scan")
    files.check_used()
    if allowlist is not None:
        allowlist.check_used()
    return ScanResult(findings, files.count, allowed)


def scan_paths(paths: Iterable[str | os.PathLike[str]], exclude: Iterable[str] = ()) -> list[Finding]:
    """Findings in every file of ``paths`` (:func:`scan`)."""
    return scan(paths, exclude=exclude).findings


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
