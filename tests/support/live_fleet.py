"""The reference worker as a Celery app under packit-service's task names (the fleet tests).

``celery -A live_fleet worker`` (tests/ on the path) runs the reference worker's handlers
(``tracer.packit.worker``) as Celery tasks named as packit-service names them (the label table's
``tasks``), with packit-service's kwargs: ``process_message(event=<raw payload>)`` and handler
tasks ``(event=<event dict>, package_config=<dict>, job_config=<dict>)``. Like packit-service,
``process_message`` sends the handler tasks itself, and a Copr build end sends the test
submission. What packit-service keeps in PostgreSQL (the pipeline, its Copr build, its test
runs) is a pickled state per pipeline in Redis under a lock (the ``pipeline`` kwarg names it);
each task says it is done on a Redis list the driver reads.

The worker's start-up is what a packit-service worker would add, from the environment:
``FLEET_BROKER`` (Redis URL), ``FLEET_API_URL`` (the loopback GitHub), ``FLEET_TOKEN``,
``FLEET_PROFILE``, ``FLEET_METRICS`` (``multiprocess:PORT`` or ``push:GATEWAY``),
``FLEET_TRACE_DIR``.
"""

from __future__ import annotations

import json
import os
import pickle
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import fleet_waits
import redis
from celery import Celery

from tracer.capture import no_throttle, redirect_api
from tracer.live import Labels, instrument_celery
from tracer.packit.worker import Credentials, ServiceConfig, load_profile
from tracer.packit.worker.context import Task, WorkerContext
from tracer.packit.worker.handlers import HANDLERS
from tracer.packit.worker.models import CoprClient, Database
from tracer.packit.worker.pipeline import PROCESS_MESSAGE
from tracer.packit.worker.steve_jobs import SteveJobs
from tracer.packit.worker.testing_farm import TestingFarmAPI

BROKER = os.environ.get("FLEET_BROKER", "redis://127.0.0.1:6379/0")
LABELS = Labels.load("packit-service")
TASK_NAMES = {handler: name for name, handler in LABELS.tasks.items() if handler in HANDLERS or handler == PROCESS_MESSAGE}
#: packit-service's deployment: copr builds and test submissions on the long-running (prefork)
#: workers, the rest on the short-running (gevent) ones
LONG_RUNNING = ("CoprBuildHandler", "TestingFarmHandler", "CoprBuildEndHandler")
#: Event.get_dict()'s event_type at each era
EVENT_TYPES = {
    "packit-service@bc1f66bb": {"pr": "PullRequestGithubEvent", "start": "CoprBuildStartEvent",
                                "end": "CoprBuildEndEvent", "tests": "TestingFarmResultsEvent"},
    "packit-service@b828c3d7": {"pr": "github.pr.Action", "start": "copr.build.Start",
                                "end": "copr.build.End", "tests": "testing_farm.Result"},
}

app = Celery("live_fleet", broker=BROKER)
app.conf.update(
    task_serializer="json", accept_content=["json"], task_default_queue="short-running",
    task_routes={TASK_NAMES[h]: {"queue": "long-running"} for h in LONG_RUNNING},
    worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True, task_ignore_result=True,
)


# -- the worker's start-up: what packit-service would add -------------------------------------
def _metrics() -> Any:
    spec = os.environ.get("FLEET_METRICS", "")
    if not spec:
        return None
    from tracer.live import Metrics

    kind, _, where = spec.partition(":")
    per_repository = os.environ.get("FLEET_PER_REPOSITORY") == "1"
    if kind == "multiprocess":
        return Metrics.multiprocess(port=int(where), addr="127.0.0.1", per_repository=per_repository)
    return Metrics.push(where, job=os.environ.get("FLEET_JOB"), per_repository=per_repository)


_REDIRECT = redirect_api(os.environ["FLEET_API_URL"]) if os.environ.get("FLEET_API_URL") else None
if _REDIRECT is not None:
    _REDIRECT.__enter__()  # for the worker's whole life (the reference keeps it open)
# a worker's start-up only: the driver (the test process) imports this module for its payloads
INSTRUMENTATION = (instrument_celery(app, labels=LABELS, metrics=_metrics(), trace_dir=os.environ.get("FLEET_TRACE_DIR"))
                   if _REDIRECT is not None else None)


# -- the "database": one pipeline's state in Redis ----------------------------------------------
@dataclass
class PipelineState:
    profile: str
    knobs: Any  # tracer.packit.worker.Knobs, resolved
    db: Database = field(default_factory=Database)
    copr: CoprClient = field(default_factory=CoprClient)
    testing_farm: TestingFarmAPI = field(default_factory=TestingFarmAPI)
    pending: dict[str, Task] = field(default_factory=dict)
    sent: int = 0

    def context(self, service: ServiceConfig) -> WorkerContext:
        return WorkerContext(load_profile(self.profile), self.knobs, service, self.testing_farm, self.db, self.copr)


_redis: dict[str, redis.Redis] = {}
_service: ServiceConfig | None = None


class _TimedRedis(redis.Redis):
    """The worker's Redis client, each command's wait noted (``fleet_waits``)."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        start = time.monotonic()
        try:
            return super().execute_command(*args, **options)
        finally:
            fleet_waits.note(f"redis {args[0]}", time.monotonic() - start)


def store(broker: str = BROKER) -> redis.Redis:
    """A Redis client of this process for ``broker`` (the worker's: its FLEET_BROKER)."""
    if broker not in _redis:
        _redis[broker] = _TimedRedis.from_url(broker)
    return _redis[broker]


def service() -> ServiceConfig:
    global _service
    if _service is None:
        _service = ServiceConfig(Credentials.with_token(os.environ["FLEET_TOKEN"]))
    return _service


@contextmanager
def pipeline_state(key: str, create: PipelineState | None = None, broker: str = BROKER) -> Iterator[PipelineState]:
    """The pipeline's state, locked while inside and saved after."""
    r = store(broker)
    with r.lock(f"fleet:lock:{key}", timeout=120, blocking_timeout=120):
        raw = r.get(f"fleet:state:{key}")
        state = create if raw is None else pickle.loads(raw)
        if state is None:
            raise KeyError(f"no pipeline {key}")
        yield state
        r.set(f"fleet:state:{key}", pickle.dumps(state))


def done(key: str, task_id: str, sent: list[str], error: str | None = None) -> None:
    store().rpush(f"fleet:done:{key}", json.dumps({"id": task_id, "sent": sent, "error": error}))


# -- packit-service's kwargs ----------------------------------------------------------------------
def event_dict(task: Task, profile: str) -> dict[str, Any]:
    """``Event.get_dict()`` of the event a handler task is sent for."""
    types = EVENT_TYPES[profile]
    target = task.pipeline.target
    common = {"project_url": target.project_url, "commit_sha": target.head_sha, "pr_id": target.pr_id}
    if task.event == "Submit Copr build":
        return {"event_type": types["pr"], "action": "synchronize", "actor": target.actor, **common}
    if task.event in ("Tests started", "Tests finished"):
        run = task.pipeline.test_runs[task.chroot or ""]
        result = "running" if task.event == "Tests started" else "passed"
        return {"event_type": types["tests"], "result": result, "pipeline_id": run.pipeline_id,
                "copr_chroot": task.chroot, **common}
    start = task.event.endswith("started")
    return {"event_type": types["start" if start else "end"], "build_id": task.pipeline.copr_build_id,
            "chroot": task.chroot or "srpm-builds", "status": 3 if start else 1, **common}


def config_dicts(task: Task) -> tuple[dict[str, Any], dict[str, Any]]:
    """(package_config, job_config) as packit's schemas dump them."""
    def job(j: Any) -> dict[str, Any]:
        return {"job": j.type, "trigger": j.trigger, "targets": list(j.targets)}

    config = task.kwargs["package_config"]
    return ({"config_file_path": config.config_file_path, "specfile_path": config.specfile_path,
             "jobs": [job(j) for j in config.jobs]}, job(task.kwargs["job_config"]))


def send(state: PipelineState, key: str, tasks: list[Task]) -> list[str]:
    ids = []
    for task in tasks:
        state.sent += 1
        pending = f"{key}/{state.sent}"
        state.pending[pending] = task
        package_config, job_config = config_dicts(task)
        result = app.send_task(TASK_NAMES[task.handler], kwargs={
            "event": event_dict(task, state.profile), "package_config": package_config,
            "job_config": job_config, "pipeline": key, "pending": pending,
        })
        ids.append(result.id)
    return ids


# -- the tasks ------------------------------------------------------------------------------------
@contextmanager
def reporting(key: str, task_id: str) -> Iterator[list[str]]:
    """Tell the driver the task is done (and what it sent, or why it failed), whatever happens."""
    sent: list[str] = []
    error = None
    try:
        yield sent
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        done(key, task_id, sent, error)


@app.task(name=TASK_NAMES[PROCESS_MESSAGE], bind=True, shared=False)
def process_message(self: Any, event: dict[str, Any], source: str | None = None, event_type: str | None = None,
                    pipeline: str = "") -> None:
    with reporting(pipeline, self.request.id) as sent, pipeline_state(pipeline) as state, no_throttle():
        tasks = SteveJobs(state.context(service())).process_message(event, source=f"fleet {pipeline}")
        sent += send(state, pipeline, tasks)


def _handler_task(handler: str) -> Any:
    def run(self: Any, event: dict[str, Any], package_config: dict[str, Any], job_config: dict[str, Any],
            pipeline: str = "", pending: str = "", **_: Any) -> None:
        with reporting(pipeline, self.request.id) as sent, pipeline_state(pipeline) as state, no_throttle():
            task = state.pending.pop(pending)
            assert task.handler == handler, (task.handler, handler)
            sent += send(state, pipeline, HANDLERS[handler](state.context(service()), task).run_job())

    run.__name__ = f"run_{handler}"
    return app.task(name=TASK_NAMES[handler], bind=True, shared=False)(run)


HANDLER_TASKS = {handler: _handler_task(handler) for handler in HANDLERS}


# -- the driver (the test process): the outside world that sends the events -----------------------
def run_pipeline(broker: str, key: str, pipeline: Any, timeout: float = 120.0) -> list[str]:
    """Send each incoming event of ``pipeline`` (a tracer.packit.worker.Pipeline) to the fleet on
    ``broker`` as GitHub, Copr and Testing Farm would, and wait for every task it leads to; the
    ids of the tasks that ran."""
    sender = _senders.setdefault(broker, Celery("live_fleet_driver", broker=broker, set_as_current=False))
    replay = ServiceConfig(Credentials.for_replay())  # builds the payloads: never calls GitHub
    initial = PipelineState(pipeline.profile.name, pipeline.knobs)
    ran: list[str] = []
    # redis-py >= 8 reads with a 5 s socket_timeout by default: on a busy machine a pipeline's
    # tasks outlast it between two notices, and the client gave up while BLPOP still waited
    with redis.Redis.from_url(broker, socket_timeout=timeout + 10) as waiter:
        for step in pipeline.steps():
            if step.handler != PROCESS_MESSAGE:
                continue
            with pipeline_state(key, create=initial, broker=broker) as state:
                payload = pipeline._incoming(step, state.context(replay))  # noqa: SLF001 - the worker's own payloads
            root = sender.send_task(TASK_NAMES[PROCESS_MESSAGE], kwargs={"event": payload, "pipeline": key},
                                    queue="short-running").id
            ran += wait_for(waiter, key, root, timeout)
    return ran


_senders: dict[str, Celery] = {}


def wait_for(r: redis.Redis, key: str, root: str, timeout: float) -> list[str]:
    """Wait until ``root`` and every task it sent (and so on) said it is done.

    BLPOP blocks in the server for up to ``timeout``, so ``r`` must read with a longer
    ``socket_timeout`` (see :func:`run_pipeline`)."""
    outstanding, finished = {root}, []
    while outstanding:
        item = r.blpop([f"fleet:done:{key}"], timeout=int(timeout))
        if item is None:
            raise TimeoutError(f"pipeline {key}: tasks {sorted(outstanding)} not done after {timeout:.0f} s")
        notice = json.loads(item[1])
        if notice["error"]:
            raise AssertionError(f"pipeline {key}: task {notice['id']} failed: {notice['error']}")
        finished.append(notice["id"])
        outstanding.discard(notice["id"])
        outstanding |= set(notice["sent"]) - set(finished)
    return finished
