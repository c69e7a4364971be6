"""Known fakes a scan should not report: an allowlist file (YAML), each entry saying why.

::

    format: api-tracer/scan-allowlist
    version: 1
    allow:
      - path: tests/integration/test_secrets.py   # gitignore-style, relative to this file's folder
        kind: private-key                          # optional: this kind only (also hidden: "jwt (base64)")
        secret: sha256:4f2a...                     # optional: this secret only (scan --format json prints it)
        why: the tests' own planted key            # required

A finding is allowed when an entry's path matches its file and its kind and secret, where given,
match it. An entry that allows nothing in the files it applies to is an error: a stale entry
hides nothing, and a typo in one would hide nothing either (an entry for files this scan did not
read is left alone, so a part of a project scans with the project's allowlist).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from tracer.datafile import check_header, read_yaml
from tracer.errors import DataError

FORMAT, VERSION = "api-tracer/scan-allowlist", 1
_KEYS = {"path", "kind", "secret", "why"}


def fingerprint(secret: str) -> str:
    """``sha256:`` and the first 16 hex digits of the secret's SHA-256 (never the secret).

    >>> fingerprint("hunter2")
    'sha256:f52fbd32b2b3b86f'
    """
    return "sha256:" + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class Entry:
    path: str
    kind: str | None
    secret: str | None
    why: str
    where: str  # "FILE: allow[i]", for errors
    used: int = 0  # findings it allowed
    seen: int = 0  # files it applies to among those scanned


class Allowlist:
    """The entries of an allowlist file (:meth:`load`); :meth:`allows` a finding or not."""

    def __init__(self, entries: list[Entry], base: Path, source: str) -> None:
        import pathspec

        self.entries = entries
        self.base = base.resolve()
        self.source = source
        self._specs = [pathspec.GitIgnoreSpec.from_lines([e.path]) for e in entries]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Allowlist:
        source = str(path)
        data = check_header(read_yaml(path, "allowlist"), source, FORMAT, VERSION, "an api-tracer scan allowlist")
        raw = data.get("allow")
        if not isinstance(raw, list) or not raw:
            raise DataError(f"{source}: 'allow' must be a non-empty list of entries")
        entries = []
        for i, item in enumerate(raw):
            where = f"{source}: allow[{i}]"
            if not isinstance(item, dict):
                raise DataError(f"{where}: must be a mapping (path, kind, secret, why)")
            unknown = sorted(set(map(str, item)) - _KEYS)
            if unknown:
                raise DataError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
            for key in ("path", "why"):
                if not isinstance(item.get(key), str) or not item[key].strip():
                    raise DataError(f"{where}: '{key}' must be a non-empty string")
            for key in ("kind", "secret"):
                if item.get(key) is not None and not isinstance(item[key], str):
                    raise DataError(f"{where}: '{key}' must be a string")
            secret = item.get("secret")
            if secret is not None and not (secret.startswith("sha256:") and len(secret) == 23):
                raise DataError(f"{where}: 'secret' must be a fingerprint as scan prints it (sha256: and 16 hex"
                                f" digits), never the secret itself")
            entries.append(Entry(item["path"], item.get("kind"), secret, item["why"], where))
        return cls(entries, Path(path).parent, source)

    def _relative(self, file: str | os.PathLike[str]) -> str | None:
        try:
            return Path(file).resolve().relative_to(self.base).as_posix()
        except ValueError:
            return None

    def saw(self, file: str | os.PathLike[str]) -> None:
        """Note a file scanned: entries whose path matches it are in scope."""
        rel = self._relative(file)
        for entry, spec in zip(self.entries, self._specs):
            if rel is not None and spec.match_file(rel):
                entry.seen += 1

    def allows(self, file: str, kind: str, secret_fingerprint: str) -> bool:
        rel = self._relative(file)
        if rel is None:
            return False
        for entry, spec in zip(self.entries, self._specs):
            if not spec.match_file(rel):
                continue
            if entry.kind is not None and kind.split(" (")[0] != entry.kind:
                continue
            if entry.secret is not None and entry.secret != secret_fingerprint:
                continue
            entry.used += 1
            return True
        return False

    def check_used(self) -> None:
        """A DataError naming the first entry that allowed no finding in the files it applies to
        (an entry for files not scanned this time is left alone)."""
        for entry in self.entries:
            if entry.seen and not entry.used:
                raise DataError(f"{entry.where}: allows no finding ({entry.path}"
                                f"{', ' + entry.kind if entry.kind else ''}); remove it if the fake is gone")
