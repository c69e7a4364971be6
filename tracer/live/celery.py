"""``instrument_celery(app)``: every GitHub call of a Celery worker, per task, in metrics.

One call in the worker's start-up (the module that builds the app)::

    from tracer.live import Metrics, instrument_celery
    instrument_celery(celery_app, labels="packit-service", metrics=Metrics.multiprocess(port=9108))

What it connects (Celery's signals, as sentry-sdk's integration does from the outside):

- ``worker_init`` (the worker's main process) starts the metrics endpoint, if any;
  ``worker_process_init`` (each prefork child) and, lazily, the first task of any other pool
  (threads, gevent, solo) install the interception once per process;
- ``task_prerun`` opens a handler scope (capture's, so any tracer sees it too) and the task's
  record, labelled from the task's name and the event dict in its kwargs; ``before_task_publish``
  inside a task lets a task that sends others (packit-service's ``process_message``) take its
  event and scenario from what it sends, when its own payload does not say;
- ``task_postrun`` closes them (it follows success, failure and retry alike; ``task_failure``,
  ``task_retry`` and ``task_revoked`` set the outcome; a revoked task that never ran is
  counted); the task's calls then go to the metrics and, with ``trace_dir``, to a trace file.

Scopes live in context variables: one per thread, asyncio task and greenlet (greenlet >= 1.0),
so prefork, threads and gevent pools attribute every call to the task that made it.
Idempotent per app; :func:`uninstrument_celery` disconnects and stops everything.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import os
import threading
import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import signals

from tracer.capture import Rules, handler
from tracer.live.labels import Labels
from tracer.live.record import LiveTracer, TaskRecord, current_record, enter_record, exit_record

log = logging.getLogger("tracer.live")
_ATTR = "_api_tracer_instrumentation"


@dataclass
class _Open:
    record: TaskRecord
    scope: handler
    record_token: contextvars.Token[TaskRecord | None] | None


@dataclass
class Instrumentation:
    """What :func:`instrument_celery` set up for one app (one per app)."""

    app: Any
    labels: Labels
    metrics: Any = None  # tracer.live.metrics.Metrics
    trace_dir: Path | None = None
    rules: Rules | None = None
    hosts: tuple[str, ...] = ()
    _open: dict[tuple[str, int], _Open] = field(default_factory=dict)
    _stack: ExitStack | None = None
    _pid: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _receivers: list[tuple[Any, Any]] = field(default_factory=list)

    # -- per process ----------------------------------------------------------------------
    def install(self) -> None:
        """The interception, once per process (a forked child installs its own)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            stack = ExitStack()
            stack.enter_context(LiveTracer(self._outside, self.rules, hosts=self.hosts))
            self._stack, self._pid = stack, os.getpid()
            self._open.clear()  # a fork copies the parent's open tasks: not this process's

    def _outside(self, calls: list[Any]) -> None:
        if self.metrics is not None:
            self.metrics.add_calls(calls)

    def close(self) -> None:
        with self._lock:
            stack, self._stack, self._pid = self._stack, None, None
        if stack is not None:
            stack.close()

    # -- tasks ----------------------------------------------------------------------------
    def start_task(self, task_id: str, task_name: str, kwargs: Any, retries: int = 0) -> None:
        self.install()
        name = self.labels.handler(task_name)
        record = TaskRecord(task_id, task_name, name, self.labels.event(name, kwargs), self.labels.chroots(kwargs),
                            pipeline=self.labels.pipeline(kwargs), pid=os.getpid(), retries=retries)
        scope = handler(name, event=record.event)
        record.invocation = scope.__enter__().invocation
        self._open[(task_id, retries)] = _Open(record, scope, enter_record(record))

    def published(self, child_kwargs: Any) -> None:
        """The current task sends a task with ``child_kwargs``: fill in the labels it lacks."""
        record = current_record()
        if record is None or not self.labels.learns_from_published(record.handler):
            return
        if record.event is None:
            record.event = self.labels.event(record.handler, child_kwargs)
        if record.chroots is None:
            record.chroots = self.labels.chroots(child_kwargs)
        if record.pipeline is None:
            record.pipeline = self.labels.pipeline(child_kwargs)

    def set_outcome(self, task_id: str, retries: int, outcome: str) -> None:
        opened = self._open.get((task_id, retries))
        if opened is not None:
            opened.record.outcome = outcome

    def finish_task(self, task_id: str, retries: int = 0, outcome: str | None = None) -> None:
        opened = self._open.pop((task_id, retries), None)
        if opened is None:
            return
        record = opened.record
        if outcome is not None:
            record.outcome = outcome
        record.starts_pipeline = self.labels.starts_pipeline(record.handler, record.event)
        record.ended_at = time.time()
        exit_record(opened.record_token)
        try:
            opened.scope.__exit__(None, None, None)
        except ValueError:  # closed from another context (a revoke): that context is gone
            pass
        try:
            if self.metrics is not None:
                self.metrics.task_done(record)
            if self.trace_dir is not None:
                record.save(self.trace_dir)
        except Exception:  # noqa: BLE001 - accounting never fails a task
            log.exception("api-tracer: could not record task %s", task_id)

    def revoked_unstarted(self, task_name: str, task_id: str) -> None:
        """A task revoked before it ran in this process: counted, no calls."""
        running = [key for key in self._open if key[0] == task_id]
        for key in running:
            self.finish_task(*key, outcome="revoked")
        if running:
            return
        if self.metrics is not None:
            record = TaskRecord(task_id, task_name, self.labels.handler(task_name), outcome="revoked", pid=os.getpid())
            self.metrics.task_done(record)


def _retries(request: Any) -> int:
    try:
        return int(getattr(request, "retries", 0) or 0)
    except (TypeError, ValueError):
        return 0


def _arguments(task: Any, args: Any, kwargs: Any) -> dict[str, Any]:
    """The task's arguments by name (an event dict passed positionally is found too)."""
    named = dict(kwargs or {})
    if args:
        try:
            bound = inspect.signature(task.run).bind_partial(*args, **named)
            named = dict(bound.arguments)
        except (TypeError, ValueError):
            pass
    return named


def _kwargs_of(body: Any) -> Any:
    """The kwargs of a task message body (protocol 2: ``(args, kwargs, embed)``; protocol 1: a dict)."""
    if isinstance(body, (tuple, list)) and len(body) >= 2:
        return body[1]
    if isinstance(body, dict):
        return body.get("kwargs")
    return None


def instrument_celery(
    app: Any,
    *,
    labels: str | Path | Labels | None = "packit-service",
    metrics: Any = None,
    trace_dir: str | Path | None = None,
    rules: Rules | str | Path | None = None,
    hosts: Iterable[str] = (),
) -> Instrumentation:
    """Trace every GitHub call of ``app``'s tasks (see the module). Calling it again for the
    same app returns the same :class:`Instrumentation`.

    ``labels``: a shipped label table's name, a YAML file, or None (tasks labelled with their
    own names); ``metrics``: a :class:`tracer.live.Metrics` (or None); ``trace_dir``: write each
    task's trace there as ``<task id>.trace.json``; ``rules``/``hosts``: as for ``Tracer``.
    """
    existing = getattr(app, _ATTR, None)
    if existing is not None:
        return existing
    table = labels if isinstance(labels, Labels) else Labels.load(labels)
    if isinstance(rules, (str, Path)):
        rules = Rules.load(rules)
    if rules is not None and metrics is not None:
        metrics.use_rules(rules)
    inst = Instrumentation(app, table, metrics, Path(trace_dir) if trace_dir else None, rules, tuple(hosts))

    def ours(task: Any) -> bool:
        return getattr(task, "app", None) is app

    def on_worker_init(sender: Any = None, **_: Any) -> None:
        if metrics is not None and getattr(metrics, "port", None) is not None:
            metrics.serve()

    def on_process_init(**_: Any) -> None:
        inst.install()

    def on_process_shutdown(pid: int | None = None, **_: Any) -> None:
        if metrics is not None and hasattr(metrics, "flush"):
            metrics.flush()
        if metrics is not None and hasattr(metrics, "process_dead"):
            metrics.process_dead(pid or os.getpid())

    def on_worker_shutdown(**_: Any) -> None:
        if metrics is not None and hasattr(metrics, "flush"):
            metrics.flush()

    def on_prerun(sender: Any = None, task_id: str = "", task: Any = None, args: Any = None, kwargs: Any = None,
                  **_: Any) -> None:
        task = task or sender
        if ours(task):
            try:
                inst.start_task(task_id, task.name, _arguments(task, args, kwargs), _retries(task.request))
            except Exception:  # noqa: BLE001
                log.exception("api-tracer: could not open task %s", task_id)

    def on_postrun(sender: Any = None, task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
        task = task or sender
        if ours(task):
            outcome = {"SUCCESS": None, "FAILURE": "failure", "RETRY": "retry", "REVOKED": "revoked"}.get(state or "", None)
            inst.finish_task(task_id, _retries(task.request), outcome)

    def on_failure(sender: Any = None, task_id: str = "", **_: Any) -> None:
        if ours(sender):
            inst.set_outcome(task_id, _retries(sender.request), "failure")

    def on_retry(sender: Any = None, request: Any = None, **_: Any) -> None:
        if ours(sender) and request is not None:
            inst.set_outcome(getattr(request, "id", ""), _retries(request), "retry")

    def on_revoked(sender: Any = None, request: Any = None, **_: Any) -> None:
        if ours(sender) and request is not None:
            inst.revoked_unstarted(getattr(sender, "name", "?"), getattr(request, "id", ""))

    def on_publish(sender: Any = None, body: Any = None, **_: Any) -> None:
        if current_record() is not None:
            try:
                inst.published(_kwargs_of(body) or {})
            except Exception:  # noqa: BLE001
                log.exception("api-tracer: could not read a published task")

    for signal, receiver in (
        (signals.worker_init, on_worker_init),
        (signals.worker_process_init, on_process_init),
        (signals.worker_process_shutdown, on_process_shutdown),
        (signals.worker_shutdown, on_worker_shutdown),
        (signals.task_prerun, on_prerun),
        (signals.task_postrun, on_postrun),
        (signals.task_failure, on_failure),
        (signals.task_retry, on_retry),
        (signals.task_revoked, on_revoked),
        (signals.before_task_publish, on_publish),
    ):
        signal.connect(receiver, weak=False)
        inst._receivers.append((signal, receiver))
    setattr(app, _ATTR, inst)
    return inst


def uninstrument_celery(app: Any) -> None:
    """Undo :func:`instrument_celery`: signals disconnected, interception and endpoint stopped."""
    inst = getattr(app, _ATTR, None)
    if inst is None:
        return
    for signal, receiver in inst._receivers:
        signal.disconnect(receiver)
    inst._receivers.clear()
    for key in list(inst._open):
        inst.finish_task(*key)
    inst.close()
    if inst.metrics is not None and hasattr(inst.metrics, "flush"):
        inst.metrics.flush()
    if inst.metrics is not None and hasattr(inst.metrics, "stop_serving"):
        inst.metrics.stop_serving()
    delattr(app, _ATTR)
