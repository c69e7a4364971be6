"""The `api-tracer` command: argument parsing and output only.

Each sub-command lives in its own module of this package and exposes
``add_parser(subparsers) -> argparse.ArgumentParser``; the parser's ``func``
default is called with the parsed arguments and returns the exit code.
Exit codes are a contract (:mod:`tracer.cli.exitcodes`): every
:class:`tracer.errors.TracerError` and every unreadable or unwritable path becomes one line on
stderr and exit 2; any other exception is a bug: one line saying so and exit 3 (the traceback
with ``--debug`` or ``API_TRACER_DEBUG=1``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from tracer import __version__
from tracer.cli.exitcodes import BAD_INPUT, INTERNAL_ERROR, INTERRUPTED, OK
from tracer.errors import TracerError

#: sub-command modules, in the order ``--help`` lists them
COMMANDS = (
    "model",
    "drift",
    "whatif",
    "compare",
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
        self.exit(BAD_INPUT, f"{self.prog}: error: {message}\n")


def _add_debug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="on an error, also print the Python traceback")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` the one command about to run (its module alone
    is imported: ``drift`` does not wait for the recorder's or the loopback's imports)."""
    parser = _Parser(prog="api-tracer", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"api-tracer {__version__}")
    _add_debug(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f"tracer.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tracer.cli.{name}":
                continue  # command not built yet
            raise
        _add_debug(module.add_parser(sub))
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The module of the command ``argv`` names (its first word that is not an option)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    name = word.replace("-", "_") if word else None
    return name if name in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the return value is the exit code (:mod:`tracer.cli.exitcodes`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return BAD_INPUT
    debug = getattr(args, "debug", False) or os.environ.get("API_TRACER_DEBUG", "") not in ("", "0")
    prefix = f"api-tracer {args.command}"
    try:
        return int(args.func(args) or OK)
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        return OK
    except TracerError as exc:
        _report(f"{prefix}: error: {one_line(str(exc))}", exc, debug)
        if exc.details:  # e.g. replay's per-handler table, after the one line
            print(exc.details, file=sys.stderr)
        return BAD_INPUT
    except OSError as exc:
        if exc.filename is None:
            return _internal(prefix, exc, debug)
        # a path the user gave that cannot be read or written (permissions, a full disk, ...)
        _report(f"{prefix}: error: {exc.filename}: {exc.strerror or exc}", exc, debug)
        return BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - anything else is a bug, said so in one line
        return _internal(prefix, exc, debug)


def one_line(text: str) -> str:
    """``text`` on one line (a message is never allowed to spill over several)."""
    return " ".join(text.split())


def _report(line: str, exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    print(line, file=sys.stderr)


def _internal(prefix: str, exc: BaseException, debug: bool) -> int:
    where = ""
    tb = traceback.extract_tb(exc.__traceback__)
    if tb:
        frame = tb[-1]
        where = f" at {os.path.basename(frame.filename)}:{frame.lineno}"
    _report(
        f"{prefix}: internal error (a bug in api-tracer, please report it): {type(exc).__name__}"
        f"{where}: {one_line(str(exc))[:300]}{'' if debug else ' (run again with --debug for the traceback)'}",
        exc, debug,
    )
    return INTERNAL_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
