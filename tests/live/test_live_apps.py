"""instrument_celery finds the app however the application holds it, and never counts nothing silently.

Real Celery apps held each way an application holds its app (the ``Celery`` object, a
``lazy_object_proxy.Proxy`` as packit-service's ``celerizer.py``, one instrumented before its
factory ran, ``celery.current_app`` before the app is made), their tasks run by real workers
(prefork and gevent pools, on a real Redis), eagerly (``apply``) and called directly (as
packit-service's own tests call them); the counts are the loopback GitHub's. A task no
instrumented app owns, and an app that cannot be resolved, are a log line and a gauge.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

try:
    import celery
    import lazy_object_proxy
    import prometheus_client  # noqa: F401
except ImportError as exc:  # never a silent skip: .ci/run installs the test extra
    raise ImportError(f"{exc.name} is missing: pip install -e '.[test]'") from None
from celery.local import Proxy as CeleryProxy
from live_servers import AggregatingGateway, CeleryWorker, RedisServer, free_port
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from tracer.capture import redirect_api
from tracer.live import Metrics, instrument_celery, uninstrument_celery
from tracer.packit.loopback import FakeGitHub, World

GH = "https://api.github.com"
END = {"event_type": "copr.build.End", "chroot": "fedora-41-x86_64"}


@pytest.fixture
def hub() -> Any:
    with FakeGitHub(World.default()) as server, redirect_api(server.url):
        yield server


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return sum(s.value for f in registry.collect() for s in f.samples
               if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def _app(name: str) -> celery.Celery:
    return celery.Celery(name, broker="memory://", set_as_current=False)


def _task(app: Any, headers: dict[str, str]) -> Any:
    @app.task(name="task.run_copr_build_end_handler", bind=True, shared=False)
    def run_copr_build_end_handler(self: Any, event: dict[str, Any], package_config: Any = None,
                                   job_config: Any = None, n: int = 2) -> int:
        for _ in range(n):
            requests.get(f"{GH}/repos/packit/hello-world", headers=headers, timeout=10).raise_for_status()
        return n

    return run_copr_build_end_handler


def _holders() -> dict[str, Any]:
    """How an application may hold its app: name -> (holder, the app the tasks are declared on)."""
    def lazy() -> tuple[Any, Any]:
        proxy = lazy_object_proxy.Proxy(lambda: _app("lazy"))
        return proxy, proxy

    def lazy_late() -> tuple[Any, Any]:  # instrumented before its factory runs
        made: list[Any] = []
        proxy = lazy_object_proxy.Proxy(lambda: made.append(_app("late")) or made[0])
        assert not proxy.__resolved__
        return proxy, proxy

    def celery_proxy() -> tuple[Any, Any]:
        app = _app("celery-proxy")
        return CeleryProxy(lambda: app), app

    def plain() -> tuple[Any, Any]:
        app = _app("plain")
        return app, app

    return {"lazy": lazy, "lazy-late": lazy_late, "celery-proxy": celery_proxy, "plain": plain}


@pytest.mark.parametrize("held", ["lazy", "lazy-late", "celery-proxy", "plain"])
@pytest.mark.parametrize("how", ["direct", "eager"])
def test_tasks_are_counted_however_the_app_is_held(held: str, how: str, hub: Any, tmp_path: Path) -> None:
    holder, declared_on = _holders()[held]()
    registry = CollectorRegistry()
    inst = instrument_celery(holder, metrics=Metrics(registry), trace_dir=tmp_path)
    try:
        if held == "lazy-late":
            assert not holder.__resolved__  # instrumenting did not force the factory
        task = _task(declared_on, {"Authorization": f"token {hub.issue_token('alice')}"})
        for n in (1, 2, 3):
            if how == "direct":  # as packit-service's tests call tasks: Task.__call__, no signal
                assert task(event=END, job_config={"targets": ["a", "b"]}, n=n) == n
            else:
                assert task.apply(kwargs={"event": END, "job_config": {"targets": ["a", "b"]}, "n": n}).get() == n
        assert instrument_celery(holder) is inst  # idempotent, whatever holds the app
    finally:
        uninstrument_celery(holder)
    traces = [json.loads(p.read_text()) for p in tmp_path.glob("*.trace.json")]
    assert sorted(len(t["calls"]) for t in traces) == [1, 2, 3]
    assert {(t["meta"]["handler"], t["meta"]["event"], t["meta"]["chroots"]) for t in traces} == {
        ("CoprBuildEndHandler", "RPM build finished", 2)}
    assert {(c["handler"], c["event"]) for t in traces for c in t["calls"]} == {("CoprBuildEndHandler", "RPM build finished")}
    assert _value(registry, "api_tracer_github_requests_total", handler="CoprBuildEndHandler",
                  event="RPM build finished") == len(hub.requests) == 6
    assert _value(registry, "api_tracer_tasks_seen_total", counted="true") == 3
    assert _value(registry, "api_tracer_tasks_seen_total", counted="false") == 0
    assert _value(registry, "api_tracer_up") == 1


def test_current_app_follows_the_app_made_after_the_call(hub: Any, tmp_path: Path) -> None:
    registry = CollectorRegistry()
    instrument_celery(celery.current_app, metrics=Metrics(registry), trace_dir=tmp_path)
    try:
        app = celery.Celery("made-later", broker="memory://")  # set_as_current: the current app now
        task = _task(app, {})
        task(event=END, n=2)
        task.apply(kwargs={"event": END, "n": 1})
    finally:
        uninstrument_celery(celery.current_app)
    assert sorted(len(json.loads(p.read_text())["calls"]) for p in tmp_path.glob("*.trace.json")) == [1, 2]
    assert _value(registry, "api_tracer_github_requests_total") == len(hub.requests) == 3


def test_a_task_no_instrumented_app_owns_is_a_log_line_and_a_count(hub: Any, caplog: Any) -> None:
    registry = CollectorRegistry()
    mine, other = _app("mine"), _app("other")
    instrument_celery(mine, metrics=Metrics(registry))
    task = _task(other, {})
    try:
        with caplog.at_level(logging.WARNING, logger="tracer.live"):
            for _ in range(3):
                task.apply(kwargs={"event": END, "n": 1})
    finally:
        uninstrument_celery(mine)
    said = [r.getMessage() for r in caplog.records if r.name == "tracer.live"]
    assert len(said) == 1, said  # once, with the reason
    assert "does not count task task.run_copr_build_end_handler" in said[0]
    assert "Celery app 'other'" in said[0] and "Celery app 'mine'" in said[0]
    assert _value(registry, "api_tracer_tasks_seen_total", counted="false") == 3
    assert _value(registry, "api_tracer_tasks_seen_total", counted="true") == 0
    assert _value(registry, "api_tracer_up") == 1  # this process counts mine's tasks
    assert len(hub.requests) == 3  # made, and seen as nobody's task's
    assert _value(registry, "api_tracer_github_requests_total", handler="(no handler)") == 3


@pytest.mark.parametrize("holder", ["failing factory", "not an app"])
def test_an_uninstrumentable_app_is_a_log_line_and_a_gauge(holder: str, hub: Any, caplog: Any) -> None:
    def fails() -> Any:
        raise RuntimeError("no broker configured")

    held = lazy_object_proxy.Proxy(fails) if holder == "failing factory" else object()
    registry = CollectorRegistry()
    task = _task(_app("the-real-one"), {})
    with caplog.at_level(logging.WARNING, logger="tracer.live"):
        instrument_celery(held, metrics=Metrics(registry))
        try:
            task.apply(kwargs={"event": END, "n": 1})
            task.apply(kwargs={"event": END, "n": 1})
        finally:
            uninstrument_celery(held)
    said = [r.getMessage() for r in caplog.records if r.name == "tracer.live"]
    reason = "could not be resolved: RuntimeError: no broker configured" if holder == "failing factory" \
        else "builtins.object object at 0x"
    assert said and all(reason in line for line in said), said
    assert len(said) == len(set(said)) <= 2, said  # each reason once
    assert _value(registry, "api_tracer_up") == 0
    assert _value(registry, "api_tracer_tasks_seen_total", counted="false") == 2


# -- real workers ------------------------------------------------------------------------------
def _scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            key = s.name + ("{" + ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())) + "}" if s.labels else "")
            out[key] += s.value
    return dict(out)


def _gateway(gateway: AggregatingGateway) -> dict[str, float]:
    out: Counter[str] = Counter()
    for (name, labels), value in gateway.samples.items():
        shown = {k: v for k, v in labels if k not in ("job", "instance")}
        out[name + ("{" + ",".join(f"{k}={v}" for k, v in sorted(shown.items())) + "}" if shown else "")] += value
    return dict(out)


@pytest.mark.parametrize(("held", "pool"), [("lazy", "prefork"), ("lazy", "gevent"), ("lazy-late", "prefork"),
                                            ("current", "gevent"), ("readme", "prefork"), ("readme", "gevent")])
def test_a_real_worker_counts_the_app_however_it_is_held(held: str, pool: str, tmp_path: Path) -> None:
    with FakeGitHub(World.default()) as hub, RedisServer(tmp_path / "redis") as redis_server, \
            AggregatingGateway() as gateway:
        port, queue = free_port(), f"q{free_port()}"
        env = {"HELD": held, "FLEET_BROKER": redis_server.url, "FLEET_API_URL": hub.url, "FLEET_PORT": str(port),
               "FLEET_TOKEN": hub.issue_token("alice"), "FLEET_QUEUE": queue, "FLEET_TRACE_DIR": str(tmp_path / "traces"),
               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "mp")}
        if held == "readme":  # what the README's lines read, as packit-service's run_worker.sh sets POOL
            env = {**env, "POOL": pool, "PUSHGATEWAY_ADDRESS": gateway.url, "API_TRACER_METRICS_PORT": str(port),
                   "API_TRACER_TRACE_DIR": str(tmp_path / "traces")}
        pushed = held == "readme" and pool == "gevent"
        worker = CeleryWorker("held", tmp_path / "worker", env, pool=pool, concurrency=2, app="held_apps")
        sender = celery.Celery("driver", broker=redis_server.url, set_as_current=False)
        with worker:
            for n in (1, 2, 3, 4):
                sender.send_task("task.run_copr_build_end_handler", kwargs={"event": END, "n": n}, queue=queue)
            deadline = time.monotonic() + 60
            while len(list((tmp_path / "traces").glob("*.trace.json"))) < 4 and time.monotonic() < deadline:
                time.sleep(0.1)
            metrics = {}
            while time.monotonic() < deadline:  # the prefork children's values are in their files
                try:
                    metrics = _gateway(gateway) if pushed else _scrape(port)
                except OSError:
                    pass
                if metrics.get("api_tracer_tasks_seen_total{counted=true}") == 4:
                    break
                time.sleep(0.1)
            log = worker.log_tail()
        traces = [json.loads(p.read_text()) for p in (tmp_path / "traces").glob("*.trace.json")]
    assert sorted(len(t["calls"]) for t in traces) == [1, 2, 3, 4], log
    requests_total = sum(v for k, v in metrics.items() if k.startswith("api_tracer_github_requests_total{"))
    assert requests_total == len(hub.requests) == 10, (metrics, log)
    assert metrics.get("api_tracer_tasks_seen_total{counted=false}", 0) == 0
    # processes that count: the prefork worker's main process and its two children; one under gevent
    # (a gauge is not pushed: an aggregating gateway would add every push's up)
    assert metrics.get("api_tracer_up") == (None if pushed else 3 if pool == "prefork" else 1), metrics
    assert "does not count" not in log and "counts nothing" not in log, log


def test_two_instrumented_apps_count_each_call_once(hub: Any, tmp_path: Path) -> None:
    """Each instrumented app has its tracer; a task's record takes its own app's tracer's calls
    only, and is no other tracer's outside."""
    first, second = _app("first"), _app("second")
    registries = {"first": CollectorRegistry(), "second": CollectorRegistry()}
    instrument_celery(first, metrics=Metrics(registries["first"]), trace_dir=tmp_path / "first")
    instrument_celery(second, metrics=Metrics(registries["second"]), trace_dir=tmp_path / "second")
    try:
        _task(first, {}).apply(kwargs={"event": END, "n": 2})
        _task(second, {})(event=END, n=3)  # called directly
    finally:
        uninstrument_celery(first)
        uninstrument_celery(second)
    for name, n in (("first", 2), ("second", 3)):
        traces = [json.loads(p.read_text()) for p in (tmp_path / name).glob("*.trace.json")]
        assert [len(t["calls"]) for t in traces] == [n]
        assert _value(registries[name], "api_tracer_github_requests_total") == n
    assert len(hub.requests) == 5
