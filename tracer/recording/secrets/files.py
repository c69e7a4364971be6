"""Which files a scan reads: every file under the folders given, less what is not the project's.

A folder is walked for every file except (1) version-control internals, virtual environments
(any folder with a ``pyvenv.cfg``), build output and caches (:data:`SKIPPED_DIRS`), (2) what
the ``.gitignore`` files say (the folder's own and those of its parents up to the repository's
root, as git reads them), (3) what ``--exclude`` patterns say (gitignore syntax, relative to each
folder given). A file given by name is always read. An exclude pattern that matches nothing is
an error (it is surely a typo)::

    files = ScanFiles(["."], exclude=["tests/data/"])
    list(files)          # the files, in walk order
    files.check_used()   # DataError naming an exclude that matched nothing
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from tracer.errors import DataError

#: folders a walk never enters: version control, virtual environments, builds, caches
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "build", "dist", ".eggs", "node_modules",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis",
})
#: files that mark a folder as a virtual environment, whatever its name
VENV_MARKER = "pyvenv.cfg"
#: file names whose text is source code (a key's value there must be a literal to be a secret)
CODE_SUFFIXES = frozenset({
    ".py", ".pyi", ".pyx", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".rb", ".java", ".kt",
    ".rs", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".php", ".swift", ".scala", ".lua", ".pl",
})


def is_code(path: str | os.PathLike[str]) -> bool:
    """Is ``path`` a source file (by its suffix)?"""
    return Path(path).suffix.lower() in CODE_SUFFIXES


def _skipped(directory: Path) -> bool:
    return directory.name in SKIPPED_DIRS or directory.name.endswith(".egg-info") \
        or (directory / VENV_MARKER).is_file()


class _Ignores:
    """The .gitignore files that apply under a folder: (their folder, their patterns)."""

    def __init__(self, root: Path) -> None:
        import pathspec

        self._spec = pathspec.GitIgnoreSpec
        self.rules: list[tuple[Path, object]] = []
        for parent in reversed(self._parents(root)):
            self.add(parent)

    @staticmethod
    def _parents(root: Path) -> list[Path]:
        """``root``'s parents up to its repository's root (none outside a repository)."""
        parents = []
        for parent in root.resolve().parents:
            parents.append(parent)
            if (parent / ".git").exists():
                return parents
        return []

    def add(self, directory: Path) -> None:
        ignore = directory / ".gitignore"
        if ignore.is_file():
            try:
                lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return
            self.rules.append((directory.resolve(), self._spec.from_lines(lines)))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        full = path.resolve()
        for base, spec in self.rules:
            try:
                rel = full.relative_to(base).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + ("/" if is_dir else "")):  # type: ignore[attr-defined]
                return True
        return False


class ScanFiles:
    """The files of ``paths`` a scan reads (see the module's docstring); iterate to walk them.

    ``ignore_files``: read ``.gitignore`` files (default); ``exclude``: gitignore-style patterns.
    """

    def __init__(self, paths: Iterable[str | os.PathLike[str]], exclude: Iterable[str] = (),
                 ignore_files: bool = True) -> None:
        import pathspec

        self.paths = [Path(p) for p in paths]
        self.exclude = list(exclude)
        self.ignore_files = ignore_files
        self._exclude_spec = pathspec.GitIgnoreSpec.from_lines(self.exclude) if self.exclude else None
        self._used: set[int] = set()
        self.count = 0

    def _excluded(self, rel: str, is_dir: bool) -> bool:
        if self._exclude_spec is None:
            return False
        result = self._exclude_spec.check_file(rel + ("/" if is_dir else ""))
        if result.include:
            self._used.add(result.index)
            return True
        return False

    def __iter__(self) -> Iterator[Path]:
        for path in self.paths:
            if path.is_file():
                self.count += 1
                yield path
            elif path.is_dir():
                yield from self._walk(path)
            else:
                raise DataError(f"{path}: no such file or directory")

    def _walk(self, root: Path) -> Iterator[Path]:
        ignores = _Ignores(root) if self.ignore_files else None
        for current, dirs, files in os.walk(root):
            here = Path(current)
            if ignores is not None:
                ignores.add(here)
            kept = []
            for name in sorted(dirs):
                sub = here / name
                rel = sub.relative_to(root).as_posix()
                if _skipped(sub) or self._excluded(rel, True) or (ignores and ignores.ignored(sub, True)):
                    continue
                kept.append(name)
            dirs[:] = kept
            for name in sorted(files):
                file = here / name
                if not file.is_file():
                    continue
                rel = file.relative_to(root).as_posix()
                if self._excluded(rel, False) or (ignores and name != ".gitignore" and ignores.ignored(file, False)):
                    continue
                self.count += 1
                yield file

    def check_used(self) -> None:
        """A DataError naming the first ``--exclude`` pattern that matched no file or folder."""
        for i, pattern in enumerate(self.exclude):
            if i not in self._used:
                raise DataError(f"--exclude {pattern!r}: matches no file or folder under "
                                f"{', '.join(map(str, self.paths))} (a typo?)")
