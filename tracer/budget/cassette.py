"""Replay a vcrpy cassette with the network blocked (pytest-recording's cassette layout).

A test ``tests/test_foo.py::TestA::test_x`` replays ``tests/cassettes/test_foo/TestA.test_x.yaml``
(the path pytest-recording 0.14 gives it: ``vcr_cassette_dir`` + ``default_cassette_name``). Only
recorded requests are answered, each recorded answer once (vcrpy's ``record_mode="none"``), by
api-tracer's replayer (:mod:`tracer.recording.replayer`), or by vcrpy itself when the test asks
for its own ``match_on``; every other connection to a network host is refused, so a request that
is not in the cassette fails instead of reaching GitHub.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tracer.budget.errors import CassetteMiss
from tracer.budget.report import plural
from tracer.capture import Call, Trace, Tracer, block_network
from tracer.errors import DataError, UsageError
from tracer.recording.cassette_io import cassette_format

#: how a cassette is used: replayed ("none") or recorded (vcrpy's modes and pytest-recording's "rewrite")
RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")
#: characters pytest-recording replaces by "-" in a cassette name
_FORBIDDEN = r"<>?%*:|\"'/\\"
#: how the tracer records a request the cassette had no answer for (ours, vcrpy's)
#: (the replayer and vcrpy are imported when a cassette is first used, not when the plugin loads:
#: pytest-recording registers ``vcr.matchers`` for assertion rewriting, which warns once it is imported)
_MISSES = ("NoRecordedAnswer", "CannotOverwriteExistingCassetteException")


def cassette_dir(test_file: str | os.PathLike[str]) -> Path:
    """``tests/test_foo.py`` → ``tests/cassettes/test_foo`` (pytest-recording's ``vcr_cassette_dir``)."""
    p = Path(test_file)
    return p.parent / "cassettes" / p.stem


def cassette_name(test_name: str, class_name: str | None = None) -> str:
    """pytest-recording's ``default_cassette_name`` plus the ``.yaml`` suffix."""
    name = f"{class_name}.{test_name}" if class_name else test_name
    for ch in _FORBIDDEN:
        name = name.replace(ch, "-")
    return name + ".yaml"


def cassette_path(directory: Path, default_name: str, given: str | None = None) -> Path:
    """The given name (relative to ``directory``, or absolute), else the default; ``.yaml`` added if missing."""
    name = given or default_name
    path = Path(name) if os.path.isabs(name) else directory / name
    return path if path.suffix in (".yaml", ".yml", ".json") else path.with_name(path.name + ".yaml")


class CassetteReplay:
    """``with CassetteReplay(path) as replay:`` serves requests from the cassette only.

    ``replay.trace`` holds every call made inside (each request the cassette could not answer
    is a call with an error); :meth:`check` raises :class:`CassetteMiss` listing those.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, allowed_hosts: Sequence[str] = (), match_on: Sequence[str] | None = None,
        record_mode: str = "none", rerecord: str = "",
    ) -> None:
        self.path = Path(path)
        self.allowed_hosts = tuple(allowed_hosts)
        self.match_on = tuple(match_on) if match_on else None
        if record_mode not in RECORD_MODES:
            raise UsageError(f"record mode {record_mode!r}: one of {', '.join(RECORD_MODES)}")
        #: "none" replays; vcrpy's other modes (and pytest-recording's "rewrite") record
        self.record_mode = record_mode
        #: the command that records this cassette again, for the failure message
        self.rerecord = rerecord
        self.trace = Trace()
        self.cassette: Any = None
        self._stack: ExitStack | None = None
        self._tracer: Tracer | None = None

    def __enter__(self) -> CassetteReplay:
        if self.record_mode != "none":
            return self._record()
        if not self.path.is_file():
            raise DataError(
                f"{self.path}: no such cassette (pytest-recording layout: cassettes/<test module>/<test name>.yaml "
                "beside the test file)"
            )
        from tracer.recording.replayer import CassetteAnswers, Replayer

        answers = CassetteAnswers.load(self.path)  # a malformed file is a DataError naming it
        stack = ExitStack()
        try:
            if self.match_on:
                import vcr  # imported late: pytest-recording must register vcr for assertion rewriting first

                options = {"record_mode": "none", "serializer": cassette_format(self.path), "match_on": self.match_on}
                self.cassette = stack.enter_context(vcr.VCR().use_cassette(str(self.path), **options))
            else:
                replayer = Replayer()
                stack.enter_context(replayer.active())
                self.cassette = stack.enter_context(replayer.cassette(answers))
            stack.enter_context(
                block_network(self.allowed_hosts, f"network blocked while replaying {self.path.name}")
            )
            self._tracer = stack.enter_context(Tracer())
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        self.trace = self._tracer.trace()
        return self

    def _record(self) -> CassetteReplay:
        """Record through vcrpy as api-tracer records: api.github.com URIs whatever loopback
        answered behind ``redirect_api``, secrets scrubbed, the file written atomically."""
        from tracer.recording.vcr_config import recording_vcr

        mode = self.record_mode
        if mode == "rewrite":
            self.path.unlink(missing_ok=True)
            mode = "new_episodes"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        v = recording_vcr(trim=False, serializer=cassette_format(self.path))
        stack = ExitStack()
        try:
            self.cassette = stack.enter_context(v.use_cassette(str(self.path), record_mode=mode))
            self._tracer = stack.enter_context(Tracer())
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        self.trace = self._tracer.trace()
        return self

    def __exit__(self, *exc: object) -> None:
        stack, tracer = self._stack, self._tracer
        self._stack = self._tracer = None
        if stack is not None:
            stack.close()
        if tracer is not None:
            self.trace = tracer.trace()

    def misses(self) -> list[Call]:
        return [c for c in self.trace.all_calls() if c.error and c.error.startswith(_MISSES)]

    def _counts(self) -> tuple[int, int]:
        """(recorded interactions, played ones)."""
        from tracer.recording.replayer import CassetteAnswers

        if isinstance(self.cassette, CassetteAnswers):
            return len(self.cassette.recorded), sum(1 for n in self.cassette.played if n)
        if self.cassette is not None:
            return len(self.cassette), self.cassette.play_count
        return 0, 0

    def message(self, where: str | None = None) -> str:
        misses = self.misses()
        total, played = self._counts()
        lines = [
            f"GitHub API cassette has no answer for {plural(len(misses), 'request')}{f' at {where}' if where else ''}",
            f"cassette: {self.path} ({plural(total, 'interaction')}, {played} played; record_mode none, network blocked)",
            "requests not in the cassette:",
        ]
        for call in misses:
            reason = call.error.split(": ", 1)[-1].splitlines()[0] if call.error else ""
            lines.append(f"    #{call.seq} {call.method} {call.url}, handler {call.handler}, at {call.call_site or '?'}")
            lines.append(f"        {reason}")
        again = self.rerecord or "pytest TEST --github-api-cassettes=rewrite"
        lines.append(f"record the cassette again with: {again}; or stop the test from making these requests")
        return "\n".join(lines)

    def check(self, where: str | None = None) -> None:
        if self.misses():
            raise CassetteMiss(self.message(where))


def replay(path: str | os.PathLike[str], *, allowed_hosts: Sequence[str] = (),
           match_on: Sequence[str] | None = None) -> CassetteReplay:
    """Answer every request from the vcrpy cassette at ``path`` alone, network blocked, and trace.

    A request the cassette cannot answer fails the client's call and is listed by
    ``check()``; ``allowed_hosts`` (regexes) may still be reached::

        with tracer.replay("cassettes/test_x/test_build.yaml") as r:
            run_handler()
        r.check()                     # CassetteMiss naming each unanswered request
        r.trace.categories()
    """
    return CassetteReplay(path, allowed_hosts=allowed_hosts, match_on=match_on)

