"""Where output goes: stdout that keeps the exit code when a pipe closes or a disk fills, the
terminal's width, colour and progress, each only on a terminal.

- :class:`GuardedStdout` wraps ``sys.stdout`` for one command: a reader that went away
  (``| head -1``) silences the rest of the output, and the command still returns its verdict; a
  device that is full is an :class:`OutputError` (exit 2, one line).
- :func:`width`: on a terminal, its width (``COLUMNS`` when set); None for files and pipes,
  which get tables as wide as they are.
- :func:`colour`: ANSI styles only on a terminal, never with ``NO_COLOR`` set (no-color.org)
  or ``TERM=dumb``.
- :func:`progress`: a tqdm bar on stderr when stderr is a terminal, nothing otherwise::

      for run in progress(runs, "replaying", unit="run"):
          ...
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any, TypeVar

from tracer.errors import TracerError

T = TypeVar("T")

#: errors that mean the reader of a pipe went away
_GONE = (errno.EPIPE, errno.ECONNRESET)


class OutputError(TracerError):
    """The output cannot be written (a full disk, an I/O error): exit 2, one line."""


class GuardedStdout:
    """A text stream in front of stdout for one command (see the module's docstring).

    After a closed pipe every write is dropped and :attr:`closed_pipe` is True; any other write
    error is raised as :class:`OutputError` naming the output.
    """

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.closed_pipe = False

    def write(self, text: str) -> int:
        if self.closed_pipe:
            return len(text)
        try:
            return self.stream.write(text)
        except OSError as exc:
            self._failed(exc)
            return len(text)

    def flush(self) -> None:
        if self.closed_pipe:
            return
        try:
            self.stream.flush()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        if isinstance(exc, BrokenPipeError) or exc.errno in _GONE:
            self.closed_pipe = True
            _silence(self.stream)
            return
        where = describe(self.stream)
        _silence(self.stream)  # what is still buffered goes nowhere: the one line says why
        self.closed_pipe = True
        raise OutputError(f"cannot write the output ({where}): {exc.strerror or exc}") from None

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _silence(stream: IO[str]) -> None:
    """Point the descriptor of a stream whose reader went away at /dev/null, so that Python's
    own flush at exit neither fails nor prints "Exception ignored"."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def describe(stream: IO[str]) -> str:
    """``stdout`` or the file stdout is redirected to (``/dev/full``)."""
    try:
        target = os.readlink(f"/proc/self/fd/{stream.fileno()}")
    except (OSError, ValueError, AttributeError):
        return "stdout"
    return f"stdout: {target}" if target.startswith("/") else "stdout"


def is_terminal(stream: IO[str] | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, AttributeError):
        return False


def width(stream: IO[str] | None = None) -> int | None:
    """Columns to fit plain tables to when ``stream`` (stdout) is a terminal: ``COLUMNS`` when
    set, else the terminal's; None for a file or a pipe (tables as wide as they are)."""
    if is_terminal(stream if stream is not None else sys.stdout):
        return shutil.get_terminal_size().columns
    return None


_STYLES = {"bold": "1", "red": "1;31", "green": "1;32", "yellow": "33", "dim": "2"}


def colour_on(stream: IO[str] | None) -> bool:
    """True when ``stream`` is a terminal and neither ``NO_COLOR`` nor ``TERM=dumb`` is set."""
    if os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def colour(text: str, style: str, stream: IO[str] | None = None) -> str:
    """``text`` in an ANSI ``style`` (bold, red, green, yellow, dim) when :func:`colour_on`."""
    if not colour_on(stream if stream is not None else sys.stdout):
        return text
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m"


def progress(items: Iterable[T], what: str, *, total: int | None = None, unit: str = "it") -> Iterator[T]:
    """``items``, with a progress bar on stderr while they are worked through (a terminal
    only: nothing is written to a pipe or a file, and nothing without tqdm)."""
    if not is_terminal(sys.stderr):
        yield from items
        return
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    # every item shown (items here take a second, not microseconds: tqdm's own
    # estimate of how many to skip can leave the last one unshown)
    bar = tqdm(items, desc=what, total=total, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True,
               disable=None, miniters=1, mininterval=0)
    try:
        yield from bar
    finally:
        bar.close()


class Steps:
    """A progress bar advanced by callbacks (``step(label)``) for work that reports its own
    steps, e.g. whatif's variants; on stderr and only on a terminal."""

    def __init__(self, what: str, total: int | None = None, unit: str = "it") -> None:
        self.bar: Any = None
        if is_terminal(sys.stderr):
            try:
                from tqdm import tqdm
            except ImportError:  # pragma: no cover
                return
            self.bar = tqdm(desc=what, total=total, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True,
                            miniters=1, mininterval=0)

    def step(self, label: str = "") -> None:
        if self.bar is not None:
            if label:
                self.bar.set_postfix_str(label[:40], refresh=False)
            self.bar.update(1)

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
