"""packit-service's own app with live mode in it, run in its own interpreter: the PR pipeline of
:class:`~tracer.packit.realworker.pipeline.RecordPipeline` in the same world, either applied
task by task in this process (``direct``: ``Task.apply()``, eager, as packit-service's own tests
run tasks) or taken by a real Celery worker (``prefork`` or ``gevent`` pool, ``-c 2``) off the
world's Redis. ``python -m tracer.packit.realworker live < request.json``::

    {"source": DIR,            # a packit-service checkout whose tasks.py instruments celery_app
     "mode": "direct" | "prefork" | "gevent", "knobs": {"chroots": 1},
     "trace_dir": DIR,         # API_TRACER_TRACE_DIR
     "multiproc_dir": DIR,     # PROMETHEUS_MULTIPROC_DIR (direct, prefork)
     "gateway": URL}           # PUSHGATEWAY_ADDRESS (gevent): an aggregating gateway

What is instrumented is up to the source (the README's lines appended to its tasks.py); this
module only sets the environment those lines read (``POOL``, ``API_TRACER_TRACE_DIR``,
``API_TRACER_METRICS_PORT``, ``PROMETHEUS_MULTIPROC_DIR``, ``PUSHGATEWAY_ADDRESS``) and reports,
per step (direct) or per incoming event (worker), what the loopback GitHub itself logged, the
trace files that appeared and the metrics as scraped (the multiprocess files through
prometheus_client's collector in direct mode, where no worker serves them; the worker's
``/metrics`` endpoint; the gateway's ``/metrics``).

A worker's event is over when the broker's queues are empty, the worker says (``inspect``) it
has no task active or reserved, and the loopback GitHub's count has not grown, twice in a row
(a task sent by another is published before its sender ends, so it is in a queue or reserved
while the sender is active). The ETA'd Copr babysitter (countdown 120 s, ``tasks.yaml``) is
neither: the run ends before it is due.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tracer.errors import UsageError

MODES = ("direct", "prefork", "gevent")
#: the worker's concurrency (packit-service's run_worker.sh: POOL=gevent when CONCURRENCY > 1)
CONCURRENCY = 2
#: how long one event may take in a worker. Measured (tests/real/test_real_live.py, 1 chroot, a
#: 2-core machine at a load average of about 2): 1.0-4.1 s an event with prefork, 1.0-5.5 s with
#: gevent, the longest the PR webhook (process_message, then the Copr build and the test submission
#: side by side); of which about 1 s is this wait's own two quiet rounds of ``inspect``. Ten times
#: the longest leaves room for a machine ten times as busy before a run fails as stuck.
EVENT_TIMEOUT = 60.0
#: how long a worker may take to answer ``inspect`` (busy prefork main process, or gevent hub)
INSPECT_TIMEOUT = 1.0
#: how long the metrics may lag the tasks: a process writes its multiprocess files at most every
#: 1 s and pushes at most every 0.5 s (Metrics.interval)
EXPORT_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def _multiprocess_text(directory: str) -> str:
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry).decode()


def _server_by_tag(requests: list[Any]) -> dict[str, dict[str, Any]]:
    """The loopback GitHub's requests by the task that sent them (their tag): task, requests,
    charged (to the installation's or the token user's limit, not the App's JWT calls)."""
    out: dict[str, dict[str, Any]] = {}
    for r in requests:
        name, _, task_id = (r.tag or "- ").partition(" ")
        row = out.setdefault(task_id or "-", {"task": name, "requests": 0, "charged": 0})
        row["requests"] += 1
        row["charged"] += int(bool(r.charged and r.principal != "app"))
    return out


def _traces(directory: Path) -> set[str]:
    return {p.name for p in directory.glob("*.trace.json")}


def run(request: Mapping[str, Any]) -> dict[str, Any]:
    mode = str(request.get("mode"))
    if mode not in MODES:
        raise UsageError(f"live: mode must be one of {', '.join(MODES)}, not {mode!r}")
    trace_dir = Path(request["trace_dir"])
    trace_dir.mkdir(parents=True, exist_ok=True)
    env = {"API_TRACER_TRACE_DIR": str(trace_dir)}
    if mode == "gevent":
        env.update(POOL="gevent", PUSHGATEWAY_ADDRESS=str(request["gateway"]))
    else:
        env.update(POOL="prefork", PROMETHEUS_MULTIPROC_DIR=str(request["multiproc_dir"]),
                   API_TRACER_METRICS_PORT=str(_free_port()))
        Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    if mode == "direct":
        os.environ.update(env)  # before prometheus_client is imported (multiprocess mode reads it then)
    from tracer.packit.realworker.config import check_knobs
    from tracer.packit.realworker.source import PackitSource
    from tracer.packit.realworker.world import PackitWorld
    from tracer.packit.worker import Knobs, load_profile, resolve_knobs

    profile = load_profile(request.get("profile") or "HEAD")
    knobs = Knobs.from_mapping(request.get("knobs") or {}, source="knobs")
    check_knobs(knobs, profile)
    resolved = resolve_knobs(profile, knobs, None)
    source = PackitSource.find(request["source"])
    started = time.perf_counter()
    with PackitWorld(resolved) as world, world.active():
        if mode == "direct":
            result = _direct(world, resolved, source, trace_dir, env)
        else:
            result = _worker(world, resolved, source, trace_dir, env, mode, request)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["label"] = source.label
    return result


def _direct(world: Any, knobs: Any, source: Any, trace_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    """Every task applied in this process (``Task.apply()``), as the real worker records."""
    from tracer.packit.realworker.inside import _namespace, approve, load_app
    from tracer.packit.realworker.pipeline import RecordPipeline, Step

    app = load_app(source)
    approve(f"github.com/{_namespace(knobs, None)}")
    pipeline = RecordPipeline(app, world, knobs)
    steps: list[dict[str, Any]] = []

    @contextmanager
    def around(step: Step) -> Iterator[None]:
        before = _traces(trace_dir)
        yield
        traces = _traces(trace_dir)
        steps.append({"index": step.index, "incoming": pipeline.incoming[-1].event, "event": step.event,
                      "handler": step.handler, "chroot": step.chroot, "traces": sorted(traces - before),
                      "metrics": _exported(lambda: _multiprocess_text(env["PROMETHEUS_MULTIPROC_DIR"]), len(traces))})

    pipeline.run(around=around)
    for row, counts in zip(steps, pipeline.server_counts, strict=True):
        row.update(server_requests=counts["requests"], server_charged=counts["charged"])
    return {"steps": steps}


def _worker(world: Any, knobs: Any, source: Any, trace_dir: Path, env: dict[str, str], mode: str,
            request: Mapping[str, Any]) -> dict[str, Any]:
    """A real Celery worker of packit-service's app takes the tasks; events sent one at a time."""
    from tracer.packit.realworker.inside import _namespace, approve, import_packit
    from tracer.packit.realworker.pipeline import QUEUES, Incoming, RecordPipeline

    import_packit(source)  # models and celerizer only: this process runs no task
    approve(f"github.com/{_namespace(knobs, None)}")
    from packit_service.celerizer import celery_app  # what packit-service's webhook API sends with

    root = Path(__file__).resolve().parents[3]
    worker_env = {**os.environ, **world.process_env, **env,
                  "PYTHONPATH": os.pathsep.join([str(source.root), str(root)])}
    name = f"live-{mode}-{os.getpid()}@{socket.gethostname()}"
    log_path = trace_dir.parent / f"worker-{mode}.log"
    args = [sys.executable, "-m", "celery", "-A", "packit_service.worker.tasks", "worker", "-P", mode,
            "-c", str(CONCURRENCY), "--prefetch-multiplier=1", "-Q", ",".join(QUEUES), "-n", name,
            "-l", "INFO", "--include", "tracer.packit.realworker.worker_process"]
    metrics_url = (f"http://127.0.0.1:{env['API_TRACER_METRICS_PORT']}/metrics" if mode == "prefork"
                   else f"{env['PUSHGATEWAY_ADDRESS']}/metrics")
    hub = world.hub
    events: list[dict[str, Any]] = []

    class WorkerPipeline(RecordPipeline):
        """The same events, each published and left to the worker until it settles."""

        def _event(self, label: str, chroot: str | None, kwargs: dict[str, Any], around: Any) -> None:
            incoming = Incoming(label, chroot, self._accepted(kwargs))
            self.incoming.append(incoming)
            before, traces, start = len(hub.requests), _traces(trace_dir), time.perf_counter()
            self._publish(incoming.kwargs)
            _settle(celery_app, name, hub, QUEUES, proc, log_path)
            settled = time.perf_counter()
            now = _traces(trace_dir)
            events.append({"event": label, "chroot": chroot, "traces": sorted(now - traces),
                           "server": _server_by_tag(hub.requests[before:]), "seconds": round(settled - start, 2),
                           "metrics": _exported(lambda: _scrape(metrics_url), len(now))})

    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, env=worker_env, stdout=log, stderr=subprocess.STDOUT, cwd=str(trace_dir.parent))
        try:
            _wait_ready(celery_app, name, proc, log_path, metrics_url if mode == "prefork" else None)
            WorkerPipeline(celery_app, world, knobs).run()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    scheduled = [r for r in hub.requests if (r.tag or "-").startswith("task.babysit")]
    return {"events": events, "worker": name, "exit": proc.returncode, "babysitter_requests": len(scheduled)}


def _tail(log: Path) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    except OSError:
        return "(no log)"


def _wait_ready(app: Any, name: str, proc: subprocess.Popen[bytes], log: Path, endpoint: str | None) -> None:
    """Until the worker answers ``ping`` (and serves its endpoint): importing packit-service's
    tasks takes 3 s of CPU (bench_real.py), more on a loaded machine. A timeout says which of
    the two it waited for, and when (after the start) the worker last wrote its log."""
    start, started_at = time.monotonic(), time.time()
    deadline = start + EVENT_TIMEOUT
    answered, unserved = 0.0, "never asked"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {proc.returncode}:\n{_tail(log)}")
        if app.control.ping(destination=[name], timeout=INSPECT_TIMEOUT):
            answered = answered or time.monotonic() - start
            if endpoint is None:
                return
            try:
                _scrape(endpoint)
                return
            except OSError as exc:
                unserved = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    waited = (f"it answered ping after {answered:.1f} s, but its metrics endpoint {endpoint} did not serve ({unserved})"
              if answered else f"it never answered ping ({INSPECT_TIMEOUT:.0f} s each)")
    try:
        written = f"last written {log.stat().st_mtime - started_at:.1f} s after the start"
    except OSError:
        written = "not written"
    raise TimeoutError(f"the Celery worker was not ready in {EVENT_TIMEOUT:.0f} s: {waited}; its log, "
                       f"{written}:\n{_tail(log)}")


def _settle(app: Any, name: str, hub: Any, queues: tuple[str, ...], proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until the event's tasks are done (see the module): queues empty, nothing active or
    reserved, the server's count unchanged, twice in a row; a TimeoutError after EVENT_TIMEOUT."""
    deadline = time.monotonic() + EVENT_TIMEOUT
    quiet, last = 0, -1
    with app.connection_for_read() as conn:
        client = conn.default_channel.client
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {proc.returncode}:\n{_tail(log)}")
            waiting = sum(client.llen(q) for q in queues)
            inspect = app.control.inspect(destination=[name], timeout=INSPECT_TIMEOUT, limit=1)
            active, reserved = inspect.active(), inspect.reserved()
            busy = (waiting > 0 or not active or not reserved or any(active.values()) or any(reserved.values()))
            count = len(hub.requests)
            quiet = quiet + 1 if not busy and count == last else 0
            last = count
            if quiet >= 2:
                return
            time.sleep(0.1)
    raise TimeoutError(f"the worker's tasks did not settle in {EVENT_TIMEOUT:.0f} s (queues, inspect, the "
                       f"loopback GitHub's count):\n{_tail(log)}")


def _exported(read: Callable[[], str], tasks: int) -> str:
    """The metrics' text once they have seen as many tasks as wrote traces (every counted task):
    the workers write (multiprocess) or push them in the background, within EXPORT_TIMEOUT."""
    from prometheus_client.parser import text_string_to_metric_families

    deadline = time.monotonic() + EXPORT_TIMEOUT
    while True:
        text = read()
        seen = sum(s.value for f in text_string_to_metric_families(text)
                   for s in f.samples if s.name == "api_tracer_tasks_seen_total")
        if seen >= tasks or time.monotonic() > deadline:
            return text
        time.sleep(0.05)
