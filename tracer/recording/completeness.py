"""Is a replay complete both ways? Every request answered from the cassette, every recorded
answer asked for.

A pure function of what each handler invocation did with its cassette (:class:`CassettePlay`:
the recorded interactions, how often each was played, the requests that found no answer), so
any replay, however it drives the cassettes, can reuse it: :func:`differences` picks the
invocations that differ and :func:`table` prints them per handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tabulate import tabulate

from tracer.errors import DataError

#: how many requests of one kind a table cell names before it says "+N more"
SHOWN = 2


@dataclass
class CassettePlay:
    """One handler invocation's use of its cassette."""

    step: int
    handler: str
    event: str
    file: str
    #: "METHOD uri" of each recorded interaction, in cassette order
    recorded: list[str]
    #: how often each recorded interaction was played (same order)
    played: list[int]
    #: requests the handler made that had no recorded answer ("METHOD uri")
    unanswered: list[str] = field(default_factory=list)

    @property
    def unplayed(self) -> list[str]:
        """Recorded answers the handler never asked for."""
        return [r for r, n in zip(self.recorded, self.played) if n == 0]

    @property
    def complete(self) -> bool:
        return not self.unanswered and not self.unplayed


def differences(plays: list[CassettePlay]) -> list[CassettePlay]:
    """The invocations whose replay differs from their recording."""
    return [p for p in plays if not p.complete]


def _names(requests: list[str]) -> str:
    if not requests:
        return "-"
    shown = [r.replace("https://api.github.com", "") for r in requests[:SHOWN]]
    more = f" (+{len(requests) - SHOWN} more)" if len(requests) > SHOWN else ""
    return f"{len(requests)}: " + ", ".join(shown) + more


def table(plays: list[CassettePlay]) -> str:
    """Per handler invocation that differs: recorded, played, not recorded, never asked for."""
    rows = [
        [p.step, f"{p.handler} [{p.event}]", p.file, len(p.recorded), sum(1 for n in p.played if n),
         _names(p.unanswered), _names(p.unplayed)]
        for p in differences(plays)
    ]
    return tabulate(rows, ["step", "handler", "cassette", "recorded", "played",
                           "asked, not recorded", "recorded, never asked for"])


def summary(plays: list[CassettePlay]) -> str:
    """One line: how many requests and answers differ, in how many invocations."""
    diff = differences(plays)
    missing = sum(len(p.unanswered) for p in diff)
    unplayed = sum(len(p.unplayed) for p in diff)
    return (f"{missing} request{'s' if missing != 1 else ''} with no recorded answer and {unplayed} recorded "
            f"answer{'s' if unplayed != 1 else ''} never asked for, in {len(diff)} handler "
            f"invocation{'s' if len(diff) != 1 else ''}")


class IncompleteReplay(DataError):
    """The replay of a run did not use its cassettes exactly: ``plays`` says how, ``details``
    holds the per-handler table."""

    def __init__(self, message: str, plays: list[CassettePlay]) -> None:
        super().__init__(message, details=table(plays))
        self.plays = plays
