"""Argument types for the paths a command writes: checked before any work is done.

A bad output path (empty, a file where a folder is expected, a folder where a file is, under
a file, in a folder that does not exist, not writable) is an argparse error: one line and exit 2,
before a replay or a recording has run. A folder to write may be new (it is made with its
parents); a file's folder must exist.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def _writable_parent(path: Path) -> None:
    """The nearest existing ancestor of ``path`` must be a folder we may write in."""
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{path}: cannot write in {parent} (permission denied)")


def output_dir(text: str) -> Path:
    """A folder to write into (it may not exist yet)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a folder path, got an empty string")
    path = Path(text)
    if path.exists():
        if not path.is_dir():
            raise argparse.ArgumentTypeError(f"{path}: is a file, not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"{path}: cannot write in this folder (permission denied)")
    else:
        _writable_parent(path)
    return path


def output_file(text: str) -> Path:
    """A file to write (it may not exist yet; an existing one is replaced)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file path, got an empty string")
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"{path}: is a folder, not a file")
    if path.exists() and not os.access(path, os.W_OK):
        raise argparse.ArgumentTypeError(f"{path}: cannot write this file (permission denied)")
    parent = path.absolute().parent
    if not parent.exists():
        _writable_parent(path)  # a file where a folder should be is said first
        raise argparse.ArgumentTypeError(f"{path}: no such folder {path.parent}")
    _writable_parent(path)
    return path


def run_dir(text: str) -> Path:
    """A run folder to (re)write: an output folder that is not ``.``, ``..`` or a root.

    What exists there already is judged by the recording (a run is replaced, anything else
    only with ``--force``: :func:`tracer.recording.runfolder.check_target`)."""
    path = Path(text)
    if not (path.exists() and not path.is_dir()):
        path = output_dir(text)
    if path.absolute().name in ("", ".", "..") or path.resolve() == Path.cwd().resolve():
        raise argparse.ArgumentTypeError(f"{text}: name a run folder of its own, not the current or a parent folder")
    return path
