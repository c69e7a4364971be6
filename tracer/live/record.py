"""Live tracing: each GitHub call lands in the record of the task that made it.

A :class:`TaskRecord` is one task run (its labels and its calls); it is the current record of
the thread, asyncio task or greenlet that runs the task (a context variable: greenlet >= 1.0
gives every greenlet its own context, so concurrent greenlets never see each other's record).
:class:`LiveTracer` is capture's :class:`~tracer.capture.Tracer` (the one classifier and
charging rule) whose calls are handed to the current record instead of a growing list; calls
made outside any task go straight to ``outside`` (e.g. the metrics).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracer.capture import Call, Rules, Trace, Tracer
from tracer.capture.hosts import Hosts
from tracer.live.labels import NO_EVENT


@dataclass
class TaskRecord:
    """One run of one task: who it is, how it is labelled, the calls it made."""

    task_id: str
    task: str  # the Celery task name
    handler: str
    event: str | None = None
    chroots: int | None = None
    pipeline: str | None = None  # the PR pipeline it works for (the label table's key)
    invocation: int = 0  # the capture scope's invocation number: its calls are this task's own
    calls: list[Call] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    outcome: str = "success"
    retries: int = 0  # Celery's retry number: a retried task runs again under the same id
    starts_pipeline: bool = False  # the label table's pipeline start (counted once per PR)
    pid: int = 0
    owner: int = 0  # the LiveTracer whose calls it takes (0: any); each instrumented app has its own

    @property
    def event_label(self) -> str:
        return self.event or NO_EVENT

    def labelled_calls(self) -> list[Call]:
        """The calls with the task's final labels (an event learnt after they were made, e.g.
        from the tasks it sent); calls of a scope the app opened inside keep theirs."""
        out = []
        for call in self.calls:
            if call.invocation == self.invocation and (call.event != self.event or call.handler != self.handler):
                call.event, call.handler = self.event, self.handler
            out.append(call)
        return out

    def trace(self) -> Trace:
        return Trace(self.labelled_calls())

    def meta(self) -> dict[str, Any]:
        return {
            "name": f"{self.handler} {self.task_id}",
            "task": self.task,
            "task_id": self.task_id,
            "retries": self.retries,
            "handler": self.handler,
            "event": self.event,
            "chroots": self.chroots,
            "pipeline": self.pipeline,
            "outcome": self.outcome,
            "pid": self.pid,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
        }

    def save(self, directory: str | Path) -> Path:
        """Write this task's trace as ``DIR/<task id>[-retry<n>].trace.json`` (atomically)."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        stem = self.task_id + (f"-retry{self.retries}" if self.retries else "")
        path = folder / f"{stem}.trace.json"
        tmp = folder / f".{stem}.trace.json.tmp"
        self.trace().save(tmp, **self.meta())
        tmp.replace(path)
        return path


_current: contextvars.ContextVar[TaskRecord | None] = contextvars.ContextVar("api_tracer_live_task", default=None)


def current_record() -> TaskRecord | None:
    """The record of the task running in this thread, asyncio task or greenlet."""
    return _current.get()


def enter_record(record: TaskRecord) -> contextvars.Token[TaskRecord | None]:
    return _current.set(record)


def exit_record(token: contextvars.Token[TaskRecord | None] | None) -> None:
    """Leave a record; from another context (a revoke) only this context's value is cleared."""
    if token is None:
        return
    try:
        _current.reset(token)
    except ValueError:
        _current.set(None)


Outside = Callable[[list[Call]], None]


class _ToTasks:
    """Where capture's Tracer keeps each call it sees (in the calling thread or greenlet), made
    a Call: in the current task's record, else handed to ``outside``; nothing is kept here.
    With several tracers in a process (an instrumentation per app), a record takes the calls of
    its owner's tracer only, and a record of another's is not this tracer's outside."""

    def __init__(self, outside: Outside, owner: int = 0) -> None:
        self.outside = outside
        self.owner = owner

    def keep(self, row: tuple[Any, ...], ratelimit: dict[str, str]) -> None:
        call = Call.from_row(row, ratelimit)
        record = _current.get()
        if record is None:
            self.outside([call])
        elif not record.owner or record.owner == self.owner:
            record.calls.append(call)


class _ProcessWide(dict):  # type: ignore[type-arg]
    """Scopes keep their process-wide invocation numbers (a record matches its own calls by
    it), and no per-trace renumbering table grows in a worker that runs for weeks."""

    def setdefault(self, key: Any, default: Any = None) -> Any:
        return key


class LiveTracer(Tracer):
    """capture's :class:`Tracer` (the one classifier and charging rule) whose calls go to the
    current task's record, or to ``outside`` when no task is running; it keeps nothing itself.
    PyGithub's throttle is left alone (production)."""

    def __init__(
        self,
        outside: Outside,
        rules: Rules | str | Path | None = None,
        *,
        hosts: Iterable[str] | Hosts | None = None,
        owner: int = 0,
    ) -> None:
        super().__init__(rules, hosts=hosts, skip_sleeps=False)
        self._keep = _ToTasks(outside, owner).keep
        self._invocations = _ProcessWide()
