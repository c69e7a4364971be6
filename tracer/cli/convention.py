"""The one convention of every `api-tracer` command, declared here and applied by each:

- ``--format plain|github|json`` (:data:`tracer.document.FORMATS`; default plain): a terminal, a
  GitHub comment or issue, a program;
- ``--out PATH`` for what a command writes besides its report (a folder or a file; the older
  ``--save`` still works, with a note that it is deprecated);
- every JSON document starts with the same header, ``{"format": "api-tracer/COMMAND",
  "version": N, ...}`` (:func:`tracer.document.json_document`), as every file api-tracer writes
  does;
- ``--debug`` on every command (the traceback of an error);
- exit codes (:mod:`tracer.cli.exitcodes`), and where output goes (:mod:`tracer.cli.terminal`).

::

    add_format(parser)                         # --format, the one declaration of the formats
    add_out(parser, "folder", "every run as a run folder under DIR", old="--save")
    emit_json(json_document("replay", 1, {"runs": [...]}))
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracer.cli.paths import output_dir, output_file, run_dir
from tracer.document import FORMATS, json_document

__all__ = ["FORMATS", "add_chart", "add_format", "add_measure", "add_out", "emit", "emit_json", "json_document",
           "note"]

#: the kinds of --out: what the path must be
OUT_KINDS: dict[str, Callable[[str], Path]] = {"folder": output_dir, "file": output_file, "run": run_dir}
#: what --format's help says of each format
FORMAT_HELP = {"plain": "text for a terminal", "github": "GitHub markdown (a PR comment or an issue)",
               "json": "one JSON document"}


def add_format(parser: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS) -> None:
    """``--format`` with the formats (default plain)."""
    parser.add_argument("--format", choices=formats, default="plain",
                        help="; ".join(f"{f}: {FORMAT_HELP[f]}" for f in formats) + " (default plain)")


class _Deprecated(argparse.Action):
    """An old spelling of an option: works as the new one, with a note on stderr."""

    def __init__(self, *args: Any, new: str, **kwargs: Any) -> None:
        self.new = new
        super().__init__(*args, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(f"{parser.prog}: note: {option_string} is deprecated, use {self.new}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_out(parser: argparse.ArgumentParser | Any, kind: str, what: str, *, required: bool = False,
            old: str | None = None, metavar: str | None = None) -> None:
    """``--out PATH``: ``what`` the command writes there; ``kind`` folder, file or run (a run
    folder); checked before any work (:mod:`tracer.cli.paths`). ``old``: a deprecated alias."""
    check = OUT_KINDS[kind]
    metavar = metavar or ("FILE" if kind == "file" else "DIR")
    parser.add_argument("--out", type=check, metavar=metavar, required=required, help=what)
    if old:
        parser.add_argument(old, type=check, metavar=metavar, dest="out", action=_Deprecated, new="--out",
                            help=argparse.SUPPRESS)


def add_measure(parser: argparse.ArgumentParser | Any, what: str = "") -> None:
    parser.add_argument(
        "--measure", choices=("requests", "charged"), default="requests",
        help=f"count every request, or only those charged to the rate limit{what} (default requests)",
    )


def add_chart(parser: argparse.ArgumentParser | Any, what: str) -> None:
    parser.add_argument("--chart", metavar="FILE.png", type=output_file,
                        help=f"also draw {what} (needs the charts extra)")


def emit_json(document: Any) -> None:
    """One JSON document on stdout (UTF-8 as is, indented one space a level)."""
    sys.stdout.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def emit(text: str = "") -> None:
    """A report (or a line of one) on stdout."""
    sys.stdout.write(text + "\n")


def note(command: str, text: str) -> None:
    """``api-tracer COMMAND: note: TEXT`` on stderr (output stays what the format says)."""
    print(f"api-tracer {command}: note: {text}", file=sys.stderr)
