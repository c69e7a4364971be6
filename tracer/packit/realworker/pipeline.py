"""packit-service's own PR pipeline, task by task, as Celery hands the tasks over.

Runs in packit-service's interpreter, after its environment is set (:mod:`.world`)::

    app = load_app(source)                         # imports packit_service.worker.tasks from source
    pipeline = RecordPipeline(app, world, knobs)   # record: events made as the pipeline goes
    pipeline.run(around=cassette_per_step)         # each task in a capture.handler scope and around(step)
    pipeline.steps(); pipeline.incoming            # what ran; the events handed in (kept with the run)
    ReplayPipeline(app, manifest_steps, incoming).run(around=...)   # the same events again

Every incoming event is published to the broker as packit-service's webhook API and fedmsg
consumer do (``send_task("task.steve_jobs.process_message", kwargs=...)``: a JSON round trip);
then every task message is taken from the broker, oldest first, and run with ``Task.apply()``
(its request is current, so the handlers' rate-limit check runs), each inside
``tracer.capture.handler(HANDLER, event=EVENT)`` and ``around(step)``. The handler and event of a
task come from the live label table (``tracer/packit/live/tables/packit-service.yaml``); tasks
that are not steps of a PR pipeline (``not_run`` in ``tasks.yaml``: Copr's babysitter) stay
in the broker and are listed as sent, not run.

The events, in the reference worker's order: the PR webhook; Copr's SRPM build start and end;
every chroot's RPM build start; every chroot's RPM build end (each sends the test submission);
with tests, Testing Farm's "running" for every request, then "complete". Copr and Testing Farm
move on between events (:class:`~tracer.packit.loopback.copr.FakeCopr.set_state`,
:class:`~tracer.packit.loopback.testing_farm.FakeTestingFarm.set_state`).
"""

from __future__ import annotations

import gc
import inspect
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from tracer.capture import handler
from tracer.datafile import parse_yaml
from tracer.errors import DataError
from tracer.live.labels import Labels
from tracer.packit.loopback.copr import SRPM_CHROOT
from tracer.packit.worker import Knobs, PROCESS_MESSAGE, pipeline_target
from tracer.packit.worker.events import copr_message, pr_webhook, tf_notification
from tracer.packit.worker.pipeline import Step  # one step of a pipeline, the reference worker's and this one's

MAIN_TASK = "task.steve_jobs.process_message"
#: the queues packit-service's tasks go to (celery_config: default, routes; the rate-limited one)
QUEUES = ("short-running", "long-running", "rate-limited")


class PipelineError(DataError):
    """packit-service did not do what a PR pipeline needs (a task failed, a step is missing)."""


@dataclass
class Incoming:
    """An event handed to packit-service: ``process_message``'s kwargs and the step's labels."""

    event: str
    chroot: str | None
    kwargs: dict[str, Any]


@dataclass
class SentTask:
    """A task packit-service sent that is not a pipeline step (left in the broker)."""

    task: str
    queue: str
    after_step: int
    why: str


@cache
def not_run() -> dict[str, str]:
    """Task name → why it is no step of a PR pipeline (``tasks.yaml``)."""
    text = resources.files("tracer.packit.realworker").joinpath("tasks.yaml").read_text(encoding="utf-8")
    data = parse_yaml(text, "tracer/packit/realworker/tasks.yaml") or {}
    return {str(k): " ".join(str(v).split()) for k, v in (data.get("not_run") or {}).items()}


@cache
def labels() -> Labels:
    return Labels.load("packit-service")


def _chroot_of(kwargs: dict[str, Any]) -> str | None:
    event = kwargs.get("event") if isinstance(kwargs.get("event"), dict) else {}
    for key in ("chroot", "copr_chroot"):
        value = event.get(key)
        if isinstance(value, str) and value:
            return None if value == SRPM_CHROOT else value
    return None


class _Pipeline:
    """What record and replay share: the broker, the labels, applying one task."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._steps: list[Step] = []
        self.incoming: list[Incoming] = []
        self.sent_not_run: list[SentTask] = []
        self.seconds: list[float] = []

    def steps(self) -> list[Step]:
        return list(self._steps)

    # -- the broker ------------------------------------------------------------------------------
    def _publish(self, kwargs: dict[str, Any]) -> None:
        self.app.send_task(MAIN_TASK, kwargs=kwargs)

    def _accepted(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The kwargs this packit-service's process_message takes: its webhook API sends ``event``
        alone at bc1f66bb (the parser reads the event's content), ``source`` and ``event_type``
        too at b828c3d7."""
        task = self.app.tasks.get(MAIN_TASK)
        try:
            names = set(inspect.signature(task.run).parameters) if task is not None else set(kwargs)
        except (TypeError, ValueError):
            return kwargs
        return {k: v for k, v in kwargs.items() if k in names}

    def _drain(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Every task message in the broker, oldest first per queue: (queue, name, id, kwargs)."""
        out = []
        with self.app.connection_for_read() as conn:
            for queue_name in QUEUES:
                queue = conn.SimpleQueue(queue_name)
                try:
                    while True:
                        try:
                            message = queue.get(block=False)
                        except queue.Empty:
                            break
                        args, kwargs, _embed = message.payload
                        if args:
                            kwargs = {"__args__": args, **kwargs}
                        out.append((queue_name, message.headers["task"], message.headers["id"], kwargs))
                        message.ack()
                finally:
                    queue.close()
        # the tasks one task sent, in a fixed order: packit-service sends a group's signatures in
        # the order of a set of handler classes, and Celery workers take them in any order
        return sorted(out, key=lambda m: (m[1], json.dumps(m[3], sort_keys=True, default=str)))

    # -- one task --------------------------------------------------------------------------------
    def _apply(self, step: Step, name: str, task_id: str, kwargs: dict[str, Any],
               around: Callable[[Step], AbstractContextManager[Any]] | None) -> None:
        task = self.app.tasks.get(name)
        if task is None:
            raise PipelineError(f"step {step.label}: packit-service sent {name}, which its Celery app does not know")
        args = kwargs.pop("__args__", ())
        # what exists now outlives the task: frozen, packit-service's two gc.collect() per handler
        # run (log_memory_stats) scan only what the task makes
        gc.freeze()
        start = time.perf_counter()
        with around(step) if around is not None else nullcontext(), handler(step.handler, event=step.event):
            result = task.apply(args=args, kwargs=kwargs, task_id=task_id)
        self.seconds.append(time.perf_counter() - start)
        if result.state != "SUCCESS":
            sys.stderr.write(f"{step.label}: {name} ended {result.state}\n{result.traceback or ''}\n")
            detail = " ".join(str(result.result).split())[:300]
            raise PipelineError(f"step {step.label}: {name} ended {result.state}: {type(result.result).__name__}: {detail}")

    def _label(self, name: str, kwargs: dict[str, Any], incoming: Incoming) -> tuple[str, str, str | None]:
        handler_name = labels().handler(name)
        if handler_name == PROCESS_MESSAGE:
            return handler_name, incoming.event, incoming.chroot
        event = labels().event(handler_name, kwargs) or incoming.event
        # a task whose event names no chroot runs for the incoming event's: at bc1f66bb the test
        # submission's event is the build's EventData (tests_targets_override, no chroot)
        return handler_name, event, _chroot_of(kwargs) or incoming.chroot

    def _tasks_of(self, incoming: Incoming) -> Iterator[tuple[Step, str, str, dict[str, Any]]]:
        """Publish ``incoming`` and yield each pipeline task it leads to, as a step, in order."""
        self._publish(json.loads(json.dumps(incoming.kwargs)))
        queue = self._drain()
        while queue:
            queue_name, name, task_id, kwargs = queue.pop(0)
            if name in not_run():
                self.sent_not_run.append(SentTask(name, queue_name, len(self._steps), not_run()[name]))
                continue
            handler_name, event, chroot = self._label(name, kwargs, incoming)
            yield Step(len(self._steps) + 1, event, handler_name, chroot), name, task_id, kwargs
            queue += self._drain()

    def run_files(self) -> dict[str, Any]:
        """What a run keeps beside its cassettes: the incoming events and the tasks not run."""
        return {
            "incoming": [asdict(i) for i in self.incoming],
            "sent_not_run": [asdict(s) for s in self.sent_not_run],
        }


class RecordPipeline(_Pipeline):
    """A new run: events made as the pipeline goes, from the loopback services' state."""

    def __init__(self, app: Any, world: Any, knobs: Knobs, world_template: str | None = None) -> None:
        super().__init__(app)
        self.world = world
        self.knobs = knobs
        self.target = pipeline_target(knobs.contributor or "collaborator", world_template)
        #: per step, what the loopback GitHub itself counted: {step, requests, charged (to the
        #: installation or the token's user; the App's JWT-signed calls are charged to the App)}
        self.server_counts: list[dict[str, int]] = []

    def run(self, around: Callable[[Step], AbstractContextManager[Any]] | None = None) -> None:
        copr, tf = self.world.copr, self.world.testing_farm
        self._event("PR is updated", None, {
            "event": pr_webhook(self.target, action=self.knobs.pr_action or "synchronize"),
            "source": "github", "event_type": "pull_request"}, around)
        if not copr.builds:
            return  # the allowlist refused the sender, or packit submitted nothing: the pipeline ends here
        build_id = copr.last_build()
        build = copr.build(build_id)
        chroots = list(build["chroots"])
        order = [c for c in self.knobs.chroot_list if c in chroots] + [c for c in chroots if c not in self.knobs.chroot_list]

        def copr_event(label: str, chroot: str, state: str) -> None:
            copr.set_state(build_id, chroot, state)
            start = state == "running"
            self._event(label, None if chroot == SRPM_CHROOT else chroot, {
                "event": copr_message(start=start, build_id=build_id, chroot=chroot,
                                      owner=build["ownername"], project=build["projectname"]),
                "source": "fedora-messaging", "event_type": "copr.build.start" if start else "copr.build.end"},
                around)

        copr_event("SRPM build started", SRPM_CHROOT, "running")
        copr_event("SRPM build finished", SRPM_CHROOT, "succeeded")
        for chroot in order:
            copr_event("RPM build started", chroot, "running")
        for chroot in order:
            copr_event("RPM build finished", chroot, "succeeded")
        for label, state, overall in (("Tests started", "running", None), ("Tests finished", "complete", "passed")):
            for request_id in tf.request_ids():
                tf.set_state(request_id, state, overall)
                artifacts = tf.details_of(request_id)["environments_requested"][0].get("artifacts") or [{}]
                chroot = str(artifacts[0].get("id", ":")).partition(":")[2] or None
                self._event(label, chroot, {"event": tf_notification(request_id), "source": "testing-farm",
                                            "event_type": "results"}, around)

    def _event(self, label: str, chroot: str | None, kwargs: dict[str, Any],
               around: Callable[[Step], AbstractContextManager[Any]] | None) -> None:
        incoming = Incoming(label, chroot, self._accepted(kwargs))
        self.incoming.append(incoming)
        hub = self.world.hub
        for step, name, task_id, task_kwargs in self._tasks_of(incoming):
            self._steps.append(step)
            before = len(hub.requests)
            self._apply(step, name, task_id, task_kwargs, around)
            seen = hub.requests[before:]
            # charged to the installation's (or the token's user's) limit: the app's own JWT calls are not
            self.server_counts.append({"step": step.index, "requests": len(seen),
                                       "charged": sum(1 for r in seen if r.charged and r.principal != "app")})


class ReplayPipeline(_Pipeline):
    """A recorded run again: its events, and the steps its manifest lists, in order."""

    def __init__(self, app: Any, planned: list[Step], incoming: list[dict[str, Any]], source: str) -> None:
        super().__init__(app)
        self.planned = planned
        self.recorded_incoming = incoming
        self.source = source

    def steps(self) -> list[Step]:
        return list(self.planned)

    def run(self, around: Callable[[Step], AbstractContextManager[Any]] | None = None) -> None:
        for i, raw in enumerate(self.recorded_incoming):
            try:
                incoming = Incoming(str(raw["event"]), raw.get("chroot"), dict(raw["kwargs"]))
            except (KeyError, TypeError) as exc:
                raise DataError(f"{self.source}: incoming[{i}] is not an event ({exc})") from None
            self.incoming.append(incoming)
            for step, name, task_id, kwargs in self._tasks_of(incoming):
                index = len(self._steps)
                planned = self.planned[index] if index < len(self.planned) else None
                if planned is None or (planned.event, planned.handler, planned.chroot) != (step.event, step.handler, step.chroot):
                    raise PipelineError(
                        f"{self.source}: packit-service ran {step.label} where the recording ran "
                        f"{planned.label if planned else 'nothing'}; re-record the run"
                    )
                self._steps.append(planned)
                self._apply(planned, name, task_id, kwargs, around)
        if len(self._steps) != len(self.planned):
            raise PipelineError(f"{self.source}: packit-service ran {len(self._steps)} tasks, the recording "
                                f"{len(self.planned)}; re-record the run")


@dataclass
class RunInfo:
    """What the manifest's ``worker`` block says about a real run."""

    name: str = "packit-service"
    source: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    service_config: dict[str, Any] = field(default_factory=dict)
    copr_user: str = ""
    app_id: int | None = None
    files: dict[str, str] = field(default_factory=dict)
