"""Measure the GitHub API calls of packit-service's PR pipeline and compare them with the published model.

Each sub-command lives in its own module of this package and exposes
``add_parser(subparsers) -> argparse.ArgumentParser`` (importing nothing heavy: ``--help`` reads
no data); the parser's ``func`` default is called with the parsed arguments and returns the exit
code. The conventions every command follows are declared in :mod:`tracer.cli.convention`
(``--format``, ``--out``, the JSON header) and :mod:`tracer.cli.terminal` (pipes, full disks,
width, colour, progress). Exit codes are a contract (:mod:`tracer.cli.exitcodes`): every
:class:`tracer.errors.TracerError` and every unreadable or unwritable path becomes one line on
stderr and exit 2; Ctrl-C is 130; a closed pipe keeps the exit code; any other exception is a
bug: one line saying so and exit 3 (the traceback with ``--debug`` or ``API_TRACER_DEBUG=1``).
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
from tracer.cli.terminal import GuardedStdout, colour
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
#: the shells ``--print-completion`` writes a completion script for (shtab)
SHELLS = ("bash", "zsh", "tcsh")

EPILOG = """\
exit status: 0 ok, 1 a verdict (drift beyond the tolerance, a secret found), 2 bad input
(one line naming the file and what is wrong), 3 a bug in api-tracer, 130 interrupted.

shell completion: api-tracer --print-completion bash > ~/.local/share/bash-completion/completions/api-tracer
(zsh: ... --print-completion zsh > ~/.zfunc/_api-tracer)
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(BAD_INPUT, f"{self.prog}: error: {message}\n")


def _add_debug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="on an error, also print the Python traceback")


class _Completion(argparse.Action):
    """``--print-completion SHELL``: the shell's completion script for every command, on stdout."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        import shtab

        sys.stdout.write(shtab.complete(build_parser(), shell=str(values)))
        parser.exit(OK)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` the one command about to run (its module alone
    is imported: ``drift`` does not wait for the recorder's or the loopback's imports)."""
    parser = _Parser(prog="api-tracer", description=(__doc__ or "").splitlines()[0], epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"api-tracer {__version__}",
                        help="print api-tracer's version and exit")
    parser.add_argument("--print-completion", choices=SHELLS, action=_Completion, metavar="SHELL",
                        help=f"print a shell completion script ({', '.join(SHELLS)}) and exit")
    _add_debug(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"tracer.cli.{name}")
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
    stdout = sys.stdout
    guarded = GuardedStdout(stdout)
    sys.stdout = guarded  # type: ignore[assignment]
    try:
        return _run(argv, guarded)
    finally:
        sys.stdout = stdout


def _run(argv: list[str], out: GuardedStdout) -> int:
    prefix = "api-tracer"
    debug = "--debug" in argv or os.environ.get("API_TRACER_DEBUG", "") not in ("", "0")
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)  # --help, --version, a usage error: argparse's own SystemExit
    try:
        if not getattr(args, "func", None):
            parser.print_help()
            out.flush()
            return BAD_INPUT
        debug = debug or getattr(args, "debug", False)
        prefix = f"api-tracer {args.command}"
        code = int(args.func(args) or OK)
        out.flush()
        return code
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except TracerError as exc:
        _report(f"{prefix}: error: {one_line(str(exc))}", exc, debug)
        if exc.details:  # e.g. replay's per-handler table, after the one line
            print(exc.details, file=sys.stderr)
        return BAD_INPUT
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):  # a pipe the command itself wrote to went away
            return OK
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
    print(colour(line, "red", sys.stderr), file=sys.stderr)


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
