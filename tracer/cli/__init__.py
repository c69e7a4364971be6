"""The `api-tracer` command: argument parsing and output only.

Each sub-command lives in its own module of this package and exposes
``add_parser(subparsers) -> argparse.ArgumentParser``; the parser's ``func``
default is called with the parsed arguments and returns the exit code.
Every :class:`tracer.errors.TracerError` becomes one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from tracer import __version__
from tracer.errors import TracerError

#: sub-command modules, in the order ``--help`` lists them
COMMANDS = (
    "model",
    "drift",
    "record",
    "replay",
    "stats",
    "scan",
    "import_requre",
    "fakehub",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="api-tracer", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"api-tracer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"tracer.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tracer.cli.{name}":
                continue  # command not built yet
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except TracerError as exc:
        print(f"api-tracer {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
