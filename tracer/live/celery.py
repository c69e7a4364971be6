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

The app may be held in any form: the ``Celery`` object, a lazy proxy of one (packit-service's
``celery_app`` is a ``lazy_object_proxy.Proxy``; wrapt's, werkzeug's and Celery's own proxies
alike), ``celery.current_app``, or a proxy whose app is made only after the call: tasks are
matched against what it resolves to when they run, never by the proxy's identity. Tasks called
directly (``task(...)``, as packit-service's own tests run them: no signal is sent) are seen
too: a GitHub call made while such a task is Celery's current task goes to its record, which
closes when Celery drops the call's request.

Nothing is counted silently as zero: a task that runs while no instrumented app owns it, or an
app that cannot be resolved, is logged once with the reason, and the metrics carry
``api_tracer_up`` (1 per process that counts, 0 where it cannot) and
``api_tracer_tasks_seen_total{counted}`` (every task the process ran, counted or not).

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
import uuid
import weakref
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Celery, signals
from celery._state import get_current_task

from tracer.capture import Rules, handler
from tracer.live.labels import Labels
from tracer.live.record import LiveTracer, TaskRecord, current_record, enter_record, exit_record

log = logging.getLogger("tracer.live")


class AppRef:
    """The app as the application holds it, resolved when it is needed.

    >>> AppRef(celery_app).resolve()  # the Celery app behind a proxy, or None (see .problem)

    A ``Celery`` object is itself; anything else is taken for a proxy and resolved through
    ``_get_current_object()`` (Celery's and werkzeug's proxies: resolved anew each time, so
    ``current_app`` follows the current app) or ``__wrapped__`` (lazy_object_proxy, wrapt).
    A lazy proxy whose factory has not run yet is not forced before a task runs (``force``).
    """

    def __init__(self, held: Any) -> None:
        self.held = held
        self._app: Celery | None = held if isinstance_of_celery(held) else None
        self.problem: str | None = None  # why it cannot be resolved, once known

    @property
    def follows_current(self) -> bool:
        return self._app is None and callable(getattr(type(self.held), "_get_current_object", None))

    def resolve(self, force: bool = True, current: bool = True) -> Celery | None:
        """The app, or None (with :attr:`problem` when it cannot be). ``force``: run a lazy
        proxy's factory if it has not run; ``current``: ask a proxy of the current app (which
        makes Celery's default app when there is none yet)."""
        if self._app is not None:
            return self._app
        held = self.held
        try:
            if self.follows_current:
                if not current:
                    return None  # the current app is asked for when a task runs: none is made now
                app = held._get_current_object()
            elif getattr(held, "__resolved__", True) is False and not force:
                return None  # lazy_object_proxy: its factory has not run; not now
            elif _has_wrapped(held):
                app = held.__wrapped__
                while not isinstance_of_celery(app) and _has_wrapped(app):
                    app = app.__wrapped__
            else:
                self.problem = f"{describe(held)} is not a Celery app, nor a proxy of one"
                return None
        except Exception as exc:  # noqa: BLE001 - a proxy whose factory fails: said, not raised
            if force:
                self.problem = f"{describe(held)} could not be resolved: {type(exc).__name__}: {exc}"
            return None
        if not isinstance_of_celery(app):
            self.problem = f"{describe(held)} resolves to {describe(app)}, not a Celery app"
            return None
        self.problem = None
        if not self.follows_current:
            self._app = app  # a lazy proxy resolves once
        return app

    def owns(self, task: Any) -> bool:
        app = getattr(task, "app", None)
        return app is not None and app is self.resolve()

    def same(self, other: Any) -> bool:
        """Whether ``other`` holds the same app (the same holder, or both already resolved to it)."""
        if other is self.held:
            return True
        mine, theirs = self.resolve(force=False, current=False), AppRef(other).resolve(force=False, current=False)
        return mine is not None and mine is theirs and not self.follows_current


def isinstance_of_celery(obj: Any) -> bool:
    """``isinstance(obj, Celery)`` by the object's real type: a proxy is not forced."""
    return issubclass(type(obj), Celery)


def _has_wrapped(obj: Any) -> bool:
    try:
        return "__wrapped__" in dir(type(obj)) or hasattr(type(obj), "__wrapped__")
    except Exception:  # noqa: BLE001
        return False


def describe(obj: Any) -> str:
    """A short name of an app or a proxy that never forces a proxy."""
    kind = type(obj)
    if isinstance_of_celery(obj):
        return f"Celery app {obj.main or '(unnamed)'!r} at {id(obj):#x}"
    return f"{kind.__module__}.{kind.__qualname__} object at {id(obj):#x}"


@dataclass
class _Open:
    record: TaskRecord
    scope: handler | None
    record_token: contextvars.Token[TaskRecord | None] | None


@dataclass
class Instrumentation:
    """What :func:`instrument_celery` set up for one app (one per app)."""

    ref: AppRef
    labels: Labels
    metrics: Any = None  # tracer.live.metrics.Metrics
    trace_dir: Path | None = None
    rules: Rules | None = None
    hosts: tuple[str, ...] = ()
    _open: dict[tuple[str, int], _Open] = field(default_factory=dict)
    _direct: dict[int, TaskRecord] = field(default_factory=dict)  # id(request) -> a direct call's record
    _stack: ExitStack | None = None
    _pid: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _said: set[str] = field(default_factory=set)

    @property
    def app(self) -> Celery | None:
        """The app it counts, when it can be resolved."""
        return self.ref.resolve()

    # -- per process ----------------------------------------------------------------------
    def install(self) -> None:
        """The interception, once per process (a forked child replaces its parent's)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            inherited, self._stack = self._stack, None
            if inherited is not None:
                inherited.close()  # the parent's listener, in this process's copy of the patches
            stack = ExitStack()
            stack.enter_context(LiveTracer(self._outside, self.rules, hosts=self.hosts, owner=id(self)))
            self._stack, self._pid = stack, os.getpid()
            self._open.clear()  # a fork copies the parent's open tasks: not this process's
            self._direct.clear()
        self.announce()

    def announce(self) -> None:
        """``api_tracer_up``: 1 while this process can count, 0 (and why, once) when it cannot."""
        app = self.ref.resolve(force=False, current=False)
        if app is None and self.ref.problem is not None:
            self.say("unresolvable", f"api-tracer counts nothing: instrument_celery was given {self.ref.problem}")
        if self.metrics is not None:
            self.metrics.set_up(0 if self.ref.problem is not None else 1)

    def say(self, key: str, message: str) -> None:
        """Log ``message`` once per process and ``key``."""
        said = f"{os.getpid()}:{key}"
        if said not in self._said:
            self._said.add(said)
            log.warning(message)

    def _outside(self, calls: list[Any]) -> None:
        """Calls made while no record is current: a directly called task's, else nobody's."""
        task = get_current_task()
        if task is not None:
            record = self._direct_record(task)
            if record is not None:
                record.calls.extend(calls)
                return
            if _signals.claimed(task):
                return  # a directly called task of another instrumented app: its calls are that one's
        if self.metrics is not None:
            self.metrics.add_calls(calls)

    def close(self) -> None:
        with self._lock:
            stack, self._stack, self._pid = self._stack, None, None
        for key in list(self._direct):
            self._finish_direct(key)
        if stack is not None:
            stack.close()

    # -- tasks ----------------------------------------------------------------------------
    def owns(self, task: Any) -> bool:
        return self.ref.owns(task)

    def start_task(self, task_id: str, task_name: str, kwargs: Any, retries: int = 0) -> None:
        self.install()
        record = self._record(task_id, task_name, kwargs, retries)
        scope = handler(record.handler, event=record.event)
        record.invocation = scope.__enter__().invocation
        self._open[(task_id, retries)] = _Open(record, scope, enter_record(record))

    def _record(self, task_id: str, task_name: str, kwargs: Any, retries: int = 0) -> TaskRecord:
        name = self.labels.handler(task_name)
        return TaskRecord(task_id, task_name, name, self.labels.event(name, kwargs), self.labels.chroots(kwargs),
                          pipeline=self.labels.pipeline(kwargs), pid=os.getpid(), retries=retries, owner=id(self))

    def unowned(self, task: Any, task_id: str) -> None:
        """A task ran in this process that this instrumentation does not own: said once, counted."""
        app = getattr(task, "app", None)
        mine = self.ref.resolve()
        if mine is None:
            reason = f"instrument_celery was given {self.ref.problem}"
        else:
            reason = (f"it belongs to {describe(app)}, and instrument_celery was given "
                      f"{describe(self.ref.held)}, which is {describe(mine)}")
        self.say(f"unowned:{id(app)}", f"api-tracer does not count task {getattr(task, 'name', '?')} ({task_id}): "
                 f"{reason}; pass instrument_celery the app its tasks are registered on")
        if self.metrics is not None:
            self.metrics.task_seen(counted=False)
            if mine is None:
                self.metrics.set_up(0)

    def published(self, record: TaskRecord, child_kwargs: Any) -> None:
        """``record``'s task sends a task with ``child_kwargs``: fill in the labels it lacks."""
        if not self.labels.learns_from_published(record.handler):
            return
        if record.event is None:
            record.event = self.labels.event(record.handler, child_kwargs)
        if record.chroots is None:
            record.chroots = self.labels.chroots(child_kwargs)
        if record.pipeline is None:
            record.pipeline = self.labels.pipeline(child_kwargs)

    def holds(self, record: TaskRecord) -> bool:
        opened = self._open.get((record.task_id, record.retries))
        return opened is not None and opened.record is record

    def set_outcome(self, task_id: str, retries: int, outcome: str) -> None:
        opened = self._open.get((task_id, retries))
        if opened is not None:
            opened.record.outcome = outcome

    def finish_task(self, task_id: str, retries: int = 0, outcome: str | None = None) -> None:
        opened = self._open.pop((task_id, retries), None)
        if opened is None:
            return
        if outcome is not None:
            opened.record.outcome = outcome
        exit_record(opened.record_token)
        if opened.scope is not None:
            try:
                opened.scope.__exit__(None, None, None)
            except ValueError:  # closed from another context (a revoke): that context is gone
                pass
        self._done(opened.record)

    def _done(self, record: TaskRecord) -> None:
        record.starts_pipeline = self.labels.starts_pipeline(record.handler, record.event)
        record.ended_at = time.time()
        try:
            if self.metrics is not None:
                self.metrics.task_done(record)
            if self.trace_dir is not None:
                record.save(self.trace_dir)
        except Exception:  # noqa: BLE001 - accounting never fails a task
            log.exception("api-tracer: could not record task %s", record.task_id)

    # -- tasks called directly (no signal): their request's life is the call's ---------------
    def _direct_record(self, task: Any) -> TaskRecord | None:
        request = getattr(task, "request", None)
        # not forced here (under the tracer's lock): a directly called task's app exists already
        if (request is None or not getattr(request, "called_directly", False)
                or getattr(task, "app", None) is not self.ref.resolve(force=False)):
            return None
        key = id(request)
        record = self._direct.get(key)
        if record is None:
            try:
                weakref.finalize(request, self._finish_direct, key)
            except TypeError:
                self.say("direct", "api-tracer cannot see where directly called tasks end: their calls are nobody's")
                return None
            kwargs = _arguments(task, getattr(request, "args", None), getattr(request, "kwargs", None))
            record = self._record(getattr(request, "id", None) or f"direct-{uuid.uuid4()}", task.name, kwargs)
            record.invocation = 0  # made outside any scope: relabelled as the task's at its end
            self._direct[key] = record
        return record

    def _finish_direct(self, key: int) -> None:
        record = self._direct.pop(key, None)
        if record is not None:
            self._done(record)

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


_OUTCOMES = {"SUCCESS": None, "FAILURE": "failure", "RETRY": "retry", "REVOKED": "revoked"}


class _Signals:
    """One set of Celery signal receivers for every instrumentation of the process: each task
    goes to the instrumentation that owns it, or is said and counted as nobody's."""

    def __init__(self) -> None:
        self.instrumentations: list[Instrumentation] = []
        self._receivers: list[tuple[Any, Any]] = []

    def owner(self, task: Any) -> Instrumentation | None:
        for inst in self.instrumentations:
            if inst.owns(task):
                return inst
        return None

    def claimed(self, task: Any) -> bool:
        """Whether an instrumented app owns ``task`` (asked without resolving a lazy proxy)."""
        app = getattr(task, "app", None)
        return any(app is inst.ref.resolve(force=False) for inst in self.instrumentations)

    def holder(self, task_id: str, retries: int) -> Instrumentation | None:
        for inst in self.instrumentations:
            if (task_id, retries) in inst._open:
                return inst
        return None

    def on_worker_init(self, sender: Any = None, **_: Any) -> None:
        for inst in self.instrumentations:
            metrics = inst.metrics
            if metrics is not None and getattr(metrics, "port", None) is not None:
                metrics.serve()
            worker_app = getattr(sender, "app", None)
            mine = inst.ref.resolve()  # the worker has made its app: a lazy proxy may resolve now
            if mine is not None and worker_app is not None and worker_app is not mine:
                inst.say("worker", f"api-tracer: this worker runs {describe(worker_app)}, but instrument_celery "
                         f"was given {describe(inst.ref.held)}, which is {describe(mine)}: its tasks are not counted")
            inst.announce()

    def on_process_init(self, **_: Any) -> None:
        for inst in self.instrumentations:
            inst.install()

    def on_process_shutdown(self, pid: int | None = None, **_: Any) -> None:
        for inst in self.instrumentations:
            inst.close()  # a directly called task still open is recorded
            metrics = inst.metrics
            if metrics is not None and hasattr(metrics, "flush"):
                metrics.flush()
            if metrics is not None and hasattr(metrics, "process_dead"):
                metrics.process_dead(pid or os.getpid())

    def on_worker_shutdown(self, **_: Any) -> None:
        for inst in self.instrumentations:
            if inst.metrics is not None and hasattr(inst.metrics, "flush"):
                inst.metrics.flush()

    def on_prerun(self, sender: Any = None, task_id: str = "", task: Any = None, args: Any = None,
                  kwargs: Any = None, **_: Any) -> None:
        task = task or sender
        try:
            inst = self.owner(task)
            if inst is None:
                for other in self.instrumentations:
                    other.unowned(task, task_id)
                return
            inst.start_task(task_id, task.name, _arguments(task, args, kwargs), _retries(task.request))
        except Exception:  # noqa: BLE001 - accounting never fails a task
            log.exception("api-tracer: could not open task %s", task_id)

    def on_postrun(self, sender: Any = None, task_id: str = "", task: Any = None, state: str | None = None,
                   **_: Any) -> None:
        task = task or sender
        retries = _retries(getattr(task, "request", None))
        inst = self.holder(task_id, retries)
        if inst is not None:
            inst.finish_task(task_id, retries, _OUTCOMES.get(state or ""))

    def on_failure(self, sender: Any = None, task_id: str = "", **_: Any) -> None:
        retries = _retries(getattr(sender, "request", None))
        inst = self.holder(task_id, retries)
        if inst is not None:
            inst.set_outcome(task_id, retries, "failure")

    def on_retry(self, sender: Any = None, request: Any = None, **_: Any) -> None:
        if request is None:
            return
        task_id, retries = getattr(request, "id", ""), _retries(request)
        inst = self.holder(task_id, retries)
        if inst is not None:
            inst.set_outcome(task_id, retries, "retry")

    def on_revoked(self, sender: Any = None, request: Any = None, **_: Any) -> None:
        inst = self.owner(sender)
        if inst is not None and request is not None:
            inst.revoked_unstarted(getattr(sender, "name", "?"), getattr(request, "id", ""))

    def on_publish(self, sender: Any = None, body: Any = None, **_: Any) -> None:
        record = current_record()
        task = get_current_task() if record is None else None  # a directly called task sends it?
        if record is None and task is None:
            return
        for inst in self.instrumentations:
            try:
                mine = inst._direct_record(task) if task is not None else record if inst.holds(record) else None
                if mine is not None:
                    inst.published(mine, _kwargs_of(body) or {})
            except Exception:  # noqa: BLE001
                log.exception("api-tracer: could not read a published task")

    def add(self, inst: Instrumentation) -> None:
        if not self._receivers:
            for signal, receiver in (
                (signals.worker_init, self.on_worker_init),
                (signals.worker_process_init, self.on_process_init),
                (signals.worker_process_shutdown, self.on_process_shutdown),
                (signals.worker_shutdown, self.on_worker_shutdown),
                (signals.task_prerun, self.on_prerun),
                (signals.task_postrun, self.on_postrun),
                (signals.task_failure, self.on_failure),
                (signals.task_retry, self.on_retry),
                (signals.task_revoked, self.on_revoked),
                (signals.before_task_publish, self.on_publish),
            ):
                signal.connect(receiver, weak=False)
                self._receivers.append((signal, receiver))
        self.instrumentations.append(inst)

    def remove(self, inst: Instrumentation) -> None:
        self.instrumentations.remove(inst)
        if not self.instrumentations:
            for signal, receiver in self._receivers:
                signal.disconnect(receiver)
            self._receivers.clear()

    def find(self, app: Any) -> Instrumentation | None:
        for inst in self.instrumentations:
            if inst.ref.same(app):
                return inst
        return None


_signals = _Signals()


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

    ``app``: the Celery app, a proxy of it (``lazy_object_proxy.Proxy``, ``current_app``, ...);
    ``labels``: a shipped label table's name, a YAML file, or None (tasks labelled with their
    own names); ``metrics``: a :class:`tracer.live.Metrics` (or None); ``trace_dir``: write each
    task's trace there as ``<task id>.trace.json``; ``rules``/``hosts``: as for ``Tracer``.
    The interception is installed in this process at once (a prefork child installs its own).
    """
    existing = _signals.find(app)
    if existing is not None:
        if metrics is not None and metrics is not existing.metrics:
            existing.say("twice", "api-tracer: instrument_celery was called again for the same app; "
                         "the first call's metrics stay, the new ones are not used")
        return existing
    table = labels if isinstance(labels, Labels) else Labels.load(labels)
    if isinstance(rules, (str, Path)):
        rules = Rules.load(rules)
    if rules is not None and metrics is not None:
        metrics.use_rules(rules)
    inst = Instrumentation(AppRef(app), table, metrics, Path(trace_dir) if trace_dir else None, rules, tuple(hosts))
    _signals.add(inst)
    inst.install()
    return inst


def uninstrument_celery(app: Any) -> None:
    """Undo :func:`instrument_celery`: signals disconnected, interception and endpoint stopped."""
    inst = _signals.find(app)
    if inst is None:
        return
    _signals.remove(inst)
    for key in list(inst._open):
        inst.finish_task(*key)
    inst.close()
    if inst.metrics is not None and hasattr(inst.metrics, "flush"):
        inst.metrics.flush()
    if inst.metrics is not None and hasattr(inst.metrics, "stop_serving"):
        inst.metrics.stop_serving()
