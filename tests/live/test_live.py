"""Live mode's parts: label tables, instrument_celery on a real Redis broker, greenlets, metrics.

The whole fleet (prefork and gevent workers, Prometheus) is in test_live_fleet.py; here a real
Celery worker runs in-process (threads pool) on a real Redis, and the ogr/requests calls go to
the loopback GitHub.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

try:
    import celery
    import prometheus_client  # noqa: F401 - fail loudly when the test extra is missing
except ImportError as exc:  # never a silent skip: .ci/run installs the test extra
    raise ImportError(f"{exc.name} is missing: pip install -e '.[test]'") from None
from celery.contrib.testing.worker import start_worker
from live_servers import AggregatingGateway, RedisServer, free_port
from prometheus_client import CollectorRegistry

from tracer.capture import redirect_api
from tracer.errors import DataError
from tracer.live import Labels, Metrics, TaskRecord, instrument_celery, uninstrument_celery
from tracer.packit.loopback import FakeGitHub, World
from tracer.packit.worker.loopback_run import run_on_loopback

GH = "https://api.github.com"
#: every bucket of the duration histogram a 30 ms call falls in (0.05 and up, +Inf)
DURATION_BUCKETS_WITH_INF = [b for b in (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0) if b >= 0.03] + [1]


# -- label tables ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("handler", "event", "expected"),
    [
        ("process_message", {"action": "synchronize", "pull_request": {"number": 1}}, "PR is updated"),
        ("process_message", {"topic": "org.fedoraproject.prod.copr.build.start", "chroot": "srpm-builds"}, "SRPM build started"),
        ("process_message", {"topic": "org.fedoraproject.prod.copr.build.end", "chroot": "fedora-41-x86_64"}, "RPM build finished"),
        ("process_message", {"request_id": "129bd474", "source": "testing-farm"}, None),  # learnt from what it sends
        ("CoprBuildHandler", {"event_type": "PullRequestGithubEvent"}, "Submit Copr build"),  # bc1f66bb
        ("CoprBuildHandler", {"event_type": "github.pr.Action"}, "Submit Copr build"),  # b828c3d7
        ("TestingFarmHandler", {"event_type": "CoprBuildEndEvent", "chroot": "fedora-41-x86_64"}, "Tests submitted"),
        ("CoprBuildEndHandler", {"event_type": "copr.build.End", "chroot": "srpm-builds"}, "SRPM build finished"),
        ("CoprBuildStartHandler", {"event_type": "CoprBuildStartEvent", "chroot": "fedora-41-x86_64"}, "RPM build started"),
        ("TestingFarmResultsHandler", {"event_type": "TestingFarmResultsEvent", "result": "running"}, "Tests started"),
        ("TestingFarmResultsHandler", {"event_type": "testing_farm.Result", "result": "failed"}, "Tests finished"),
    ],
)
def test_packit_service_events_at_both_eras(handler: str, event: dict[str, Any], expected: str | None) -> None:
    assert Labels.load("packit-service").event(handler, {"event": event}) == expected


def test_unknown_tasks_and_odd_payloads_never_crash() -> None:
    labels = Labels.load("packit-service")
    assert labels.handler("task.run_copr_build_handler") == "CoprBuildHandler"
    assert labels.handler("task.something_new") == "task.something_new"
    for kwargs in (None, {}, {"event": None}, {"event": [1, 2]}, {"event": {"event_type": {"x": 1}}}, "text"):
        assert labels.event("CoprBuildHandler", kwargs) is None
        assert labels.chroots(kwargs) is None
    assert labels.chroots({"job_config": {"targets": ["fedora-41-x86_64", "fedora-42-x86_64"]}}) == 2
    assert labels.chroots({"job_config": {"packages": {"p": {"targets": {"a": {}, "b": {}, "c": {}}}}}}) == 3
    assert labels.chroots({"job_config": {"metadata": {"targets": "fedora-rawhide-x86_64"}}}) == 1
    webhook = {"pull_request": {"base": {"repo": {"html_url": "https://github.com/o/r"}}, "head": {"sha": "abc"}}}
    assert labels.pipeline({"event": webhook}) == "https://github.com/o/r@abc"
    assert labels.pipeline({"event": {"project_url": "https://github.com/o/r", "commit_sha": "abc"}}) == "https://github.com/o/r@abc"
    assert labels.pipeline({"event": {"commit_sha": "abc"}}) is None  # a commit alone names no pipeline


def test_a_bad_label_table_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text("format: api-tracer/live-labels\nversion: 1\nevents:\n  - {event: X, match: 3}\n")
    with pytest.raises(DataError, match=r"mine.yaml: events\[0\].match must map"):
        Labels.load(bad)
    with pytest.raises(DataError, match="no label table named 'nope'"):
        Labels.load("nope")
    mine = tmp_path / "mine2.yaml"
    mine.write_text("format: api-tracer/live-labels\nversion: 1\ntasks: {app.sync: Sync}\n"
                    "events:\n  - {event: Nightly, match: {kind: [nightly]}}\n")
    labels = Labels.load(mine)
    assert (labels.handler("app.sync"), labels.event("Sync", {"event": {"kind": "nightly"}})) == ("Sync", "Nightly")


# -- a real Celery worker on a real broker -----------------------------------------------------
#: the Celery apps made on the module's broker (their result backends are closed before it stops)
_APPS: list[celery.Celery] = []


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server.url
        # a result the tests dropped unsubscribes when the collector takes it (AsyncResult.__del__):
        # after the server has gone that blocks whichever thread collects for 20 s of reconnects and
        # ends in an unraisable RuntimeError (seen in a longer session, tests/live with tests/real);
        # so collect them while the server is up, then close each app's result consumer
        import gc

        gc.collect()
        while _APPS:
            app = _APPS.pop()
            consumer = app.backend.result_consumer
            consumer.stop()
            consumer.subscribed_to.clear()  # a result collected later has nothing to unsubscribe from
            app.close()


@pytest.fixture
def hub() -> Any:
    with FakeGitHub(World.default()) as server, redirect_api(server.url):
        yield server


def _app(broker: str) -> celery.Celery:
    app = celery.Celery(f"live_test_{free_port()}", broker=broker, backend=broker.replace("/0", "/1"))
    app.conf.update(task_default_queue=f"q{free_port()}", broker_connection_retry_on_startup=True)
    _APPS.append(app)
    return app


def _samples(registry: CollectorRegistry, name: str) -> Counter[tuple[tuple[str, str], ...]]:
    out: Counter[tuple[tuple[str, str], ...]] = Counter()
    for family in registry.collect():
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] += int(s.value)
    return out


def test_instrument_celery_attributes_each_task_on_a_real_broker(broker: str, hub: Any, tmp_path: Path) -> None:
    app = _app(broker)
    token = hub.issue_token("alice")
    headers = {"Authorization": f"token {token}"}
    calls_per_task = {"task.run_copr_build_handler": 3, "task.run_copr_build_end_handler": 2, "task.mine": 1}

    def make(name: str, n: int) -> Any:
        @app.task(name=name, bind=True, shared=False)
        def task(self: Any, event: dict[str, Any], package_config: Any = None, job_config: Any = None) -> str:
            for _ in range(n):
                requests.get(f"{GH}/repos/packit/hello-world", headers=headers, timeout=5)
                time.sleep(0.01)  # the threads interleave
            return self.request.id

        return task

    tasks = {name: make(name, n) for name, n in calls_per_task.items()}

    @app.task(name="task.fails", shared=False)
    def fails(event: dict[str, Any]) -> None:
        requests.get(f"{GH}/rate_limit", headers=headers, timeout=5)
        raise RuntimeError("boom")

    registry = CollectorRegistry()
    inst = instrument_celery(app, metrics=Metrics(registry), trace_dir=tmp_path)
    assert instrument_celery(app) is inst  # idempotent
    pr = {"event_type": "github.pr.Action"}
    end = {"event_type": "copr.build.End", "chroot": "fedora-41-x86_64"}
    try:
        with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=10):
            results = []
            for _ in range(4):
                results.append(tasks["task.run_copr_build_handler"].delay(pr, job_config={"targets": ["a", "b"]}))
                results.append(tasks["task.run_copr_build_end_handler"].delay(end))
                results.append(tasks["task.mine"].delay({}))
            failed = fails.delay(pr)
            ids = [r.get(timeout=30) for r in results]
            with pytest.raises(RuntimeError):
                failed.get(timeout=30)
            time.sleep(0.3)  # task_postrun runs after the result is stored
    finally:
        uninstrument_celery(app)
    traces = {json.loads(p.read_text())["meta"]["task_id"]: json.loads(p.read_text()) for p in tmp_path.glob("*.trace.json")}
    assert set(ids) | {failed.id} == set(traces)
    for task_id in ids:
        data = traces[task_id]
        meta, calls = data["meta"], data["calls"]
        assert len(calls) == calls_per_task[meta["task"]], meta
        assert {c["handler"] for c in calls} == {meta["handler"]}
        assert all(c["invocation"] == calls[0]["invocation"] for c in calls)
    by_task = {traces[i]["meta"]["task"]: traces[i]["meta"] for i in ids}
    assert by_task["task.run_copr_build_handler"]["event"] == "Submit Copr build"
    assert by_task["task.run_copr_build_handler"]["chroots"] == 2
    assert by_task["task.run_copr_build_end_handler"]["event"] == "RPM build finished"
    assert by_task["task.mine"]["handler"] == "task.mine"  # unknown task: its own name
    assert traces[failed.id]["meta"]["outcome"] == "failure"
    requests_by_handler = Counter()
    for labels, n in _samples(registry, "api_tracer_github_requests_total").items():
        requests_by_handler[dict(labels)["handler"]] += n
    assert requests_by_handler == {"CoprBuildHandler": 12, "CoprBuildEndHandler": 8, "task.mine": 4, "task.fails": 1}
    outcomes = {(dict(k)["handler"], dict(k)["outcome"]): n for k, n in _samples(registry, "api_tracer_tasks_total").items()}
    assert outcomes[("task.fails", "failure")] == 1 and outcomes[("CoprBuildHandler", "success")] == 4
    assert len(hub.requests) == 25


def test_uninstrument_stops_recording(broker: str, hub: Any, tmp_path: Path) -> None:
    app = _app(broker)

    @app.task(name="task.run_koji_build_handler", shared=False)
    def task() -> None:
        requests.get(f"{GH}/rate_limit", timeout=5)

    instrument_celery(app, trace_dir=tmp_path)
    uninstrument_celery(app)
    uninstrument_celery(app)  # twice is fine
    with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=10):
        task.delay().get(timeout=30)
    assert not list(tmp_path.glob("*.json")) and len(hub.requests) == 1


def test_a_task_learns_its_event_and_chroots_from_what_it_sends(broker: str, hub: Any, tmp_path: Path) -> None:
    app = _app(broker)

    @app.task(name="task.run_testing_farm_results_handler", shared=False)
    def results(event: dict[str, Any], package_config: Any, job_config: Any) -> None:
        pass

    @app.task(name="task.steve_jobs.process_message", shared=False)
    def process_message(event: dict[str, Any]) -> None:
        requests.get(f"{GH}/repos/packit/hello-world", timeout=5)
        results.delay(event={"event_type": "testing_farm.Result", "result": "passed", "commit_sha": "abc",
                             "project_url": "https://github.com/o/r"}, package_config={},
                      job_config={"targets": ["a", "b", "c"]})

    instrument_celery(app, trace_dir=tmp_path)
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10):
            process_message.delay({"request_id": "129bd474", "source": "testing-farm"}).get(timeout=30)
            time.sleep(0.5)
    finally:
        uninstrument_celery(app)
    metas = {d["meta"]["handler"]: d for d in (json.loads(p.read_text()) for p in tmp_path.glob("*.json"))}
    pm = metas["process_message"]
    assert (pm["meta"]["event"], pm["meta"]["chroots"], pm["meta"]["pipeline"]) == ("Tests finished", 3, "https://github.com/o/r@abc")
    assert [c["event"] for c in pm["calls"]] == ["Tests finished"]  # the call made before it knew


# -- greenlets ---------------------------------------------------------------------------------
GEVENT_SCRIPT = textwrap.dedent("""
    from gevent import monkey; monkey.patch_all()
    import json, gevent, requests
    from gevent.pywsgi import WSGIServer
    from tracer.live import LiveTracer, TaskRecord
    from tracer.live.record import enter_record, exit_record
    from tracer.capture import handler
    def app(environ, start_response):
        gevent.sleep(0.001)  # every answer yields to the other greenlets
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]
    server = WSGIServer(("127.0.0.1", 0), app, log=None)
    server.start()
    base = f"http://127.0.0.1:{server.server_port}"
    outside = []
    records = [TaskRecord(f"t{i}", "task.x", f"H{i}") for i in range(50)]
    def work(record):
        token = enter_record(record)
        with handler(record.handler):
            for _ in range(4):
                requests.get(f"{base}/repos/o/r{record.handler}", timeout=10).raise_for_status()
                gevent.sleep(0.001)
        exit_record(token)
    with LiveTracer(outside.extend):
        jobs = [gevent.spawn(work, r) for r in records]
        gevent.joinall(jobs, raise_error=True)
        requests.get(f"{base}/repos/o/none", timeout=10)
    print(json.dumps({"base": base, "outside": [c.url for c in outside],
                      "records": {r.handler: [(c.handler, c.url) for c in r.calls] for r in records}}))
""")


def test_greenlets_never_see_each_others_calls() -> None:
    out = subprocess.run([sys.executable, "-c", GEVENT_SCRIPT], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["outside"] == [f"{data['base']}/repos/o/none"]
    for name, calls in data["records"].items():
        assert len(calls) == 4
        assert all(h == name and url.endswith(f"/repos/o/r{name}") for h, url in calls), (name, calls)


# -- metrics -----------------------------------------------------------------------------------
def _pipeline_metrics(metrics: Metrics, runs: int, knobs: dict[str, Any]) -> None:
    """Run pipelines in-process, each handler step as a task record, into ``metrics``."""
    for _ in range(runs):
        trace = run_on_loopback("HEAD", knobs).trace
        record = TaskRecord("t", "task.x", "pipeline", event="PR is updated", chroots=knobs.get("chroots", 3))
        record.calls = list(trace.all_calls())
        record.starts_pipeline = True
        metrics.task_done(record)


def test_label_sets_stay_bounded_as_pipelines_grow() -> None:
    small, large = CollectorRegistry(), CollectorRegistry()
    _pipeline_metrics(Metrics(small), 1, {"chroots": 2})
    _pipeline_metrics(Metrics(large), 4, {"chroots": 2})
    def series(r: CollectorRegistry) -> int:  # each loopback run has a new token: its own gauge
        return sum(len(f.samples) for f in r.collect() if f.name != "api_tracer_github_ratelimit_remaining")
    assert series(small) == series(large)
    many = CollectorRegistry()
    _pipeline_metrics(Metrics(many), 20, {"chroots": 1})
    buckets = _samples(many, "api_tracer_github_ratelimit_remaining")
    assert len(buckets) == 17 and (("bucket", "token/other"), ("resource", "core")) in buckets  # bounded
    totals = _samples(large, "api_tracer_github_requests_total")
    assert sum(totals.values()) == 4 * (15 + 32 * 2)
    assert all(dict(k)["chroots"] == "2" for k in totals)
    assert "repository" not in dict(next(iter(totals)))


def test_per_repository_and_installation_buckets() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry, per_repository=True)
    _pipeline_metrics(metrics, 1, {"chroots": 1, "auth": "app"})
    repos = {dict(k)["repository"] for k in _samples(registry, "api_tracer_github_requests_total")}
    assert repos == {"packit/hello-world", ""}  # "": GET /rate_limit and the app's own calls
    buckets = {dict(k)["bucket"] for k in _samples(registry, "api_tracer_github_ratelimit_remaining")}
    assert buckets == {"installation/1924121", "app"}, buckets  # never a token


def test_push_keeps_what_a_gateway_down_did_not_take() -> None:
    port = free_port()
    metrics = Metrics.push(f"http://127.0.0.1:{port}", job="w1", background=False)
    record = TaskRecord("t1", "task.x", "pipeline", event="PR is updated", chroots=1, starts_pipeline=True)
    record.calls = list(run_on_loopback("HEAD", {"chroots": 1}).trace.all_calls())
    metrics.task_done(record)
    assert metrics.push_failures == 1
    with AggregatingGateway() as gateway:
        metrics.gateway = gateway.url
        metrics.task_done(record)
        metrics.background = True  # the rest from the process's pusher thread
        metrics.task_done(record)
        for _ in range(100):
            if metrics.pushes == 2:
                break
            time.sleep(0.05)
        assert gateway.pushes == 2 and metrics.flush()
        requests_total = sum(v for (name, labels), v in gateway.samples.items() if name == "api_tracer_github_requests_total")
        pipelines = sum(v for (name, labels), v in gateway.samples.items() if name == "api_tracer_pipelines_total")
    assert (requests_total, pipelines) == (3 * 47, 3)
    assert all(("job", "w1") in labels for (_, labels) in gateway.samples)


def test_retried_and_revoked_tasks_are_counted(broker: str, hub: Any) -> None:
    app = _app(broker)

    @app.task(name="task.run_copr_build_start_handler", bind=True, shared=False, max_retries=1)
    def flaky(self: Any, event: dict[str, Any]) -> None:
        requests.get(f"{GH}/rate_limit", timeout=5)
        if self.request.retries == 0:
            raise self.retry(countdown=0)

    @app.task(name="task.run_testing_farm_handler", shared=False)
    def later(event: dict[str, Any]) -> None:
        requests.get(f"{GH}/rate_limit", timeout=5)

    registry = CollectorRegistry()
    instrument_celery(app, metrics=Metrics(registry))
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10):
            revoked = later.apply_async(({"event_type": "github.pr.Action"},), countdown=1.5)
            app.control.revoke(revoked.id)
            flaky.delay({"event_type": "copr.build.Start", "chroot": "srpm-builds"}).get(timeout=30)
            time.sleep(2.5)
    finally:
        uninstrument_celery(app)
    outcomes = {(dict(k)["handler"], dict(k)["event"], dict(k)["outcome"]): n
                for k, n in _samples(registry, "api_tracer_tasks_total").items()}
    assert outcomes == {
        ("CoprBuildStartHandler", "SRPM build started", "retry"): 1,
        ("CoprBuildStartHandler", "SRPM build started", "success"): 1,
        ("TestingFarmHandler", "(no event)", "revoked"): 1,
    }
    assert sum(_samples(registry, "api_tracer_github_requests_total").values()) == 2 == len(hub.requests)


def test_other_hosts_are_counted_apart_under_their_names() -> None:
    from tracer.capture import Call

    def call(seq: int, host: str) -> Call:
        return Call(seq=seq, method="GET", url=f"https://{host}/api/v0.1/requests/x", route="/api/v0.1/requests/{id}",
                    category="other", charged=False, status=200, handler="TestingFarmHandler", host=host, forge=None)

    registry = CollectorRegistry()
    Metrics(registry).add_calls([call(1, "api.testing-farm.io"), call(2, "api.testing-farm.io"), call(3, "internal.example")])
    other = {tuple(v for _, v in k): n for k, n in _samples(registry, "api_tracer_other_host_requests_total").items()}
    assert other == {("TestingFarmHandler", "Testing Farm"): 2, ("TestingFarmHandler", "other"): 1}
    assert not _samples(registry, "api_tracer_github_requests_total")  # never a GitHub call, never charged


PUSH_WITH_MULTIPROC_ENV = textwrap.dedent("""
    import sys
    from tracer.live import Metrics, TaskRecord
    from tracer.capture import Call
    metrics = Metrics.push(sys.argv[1], job="w", background=False)
    for i in range(3):  # three batches, one push each
        record = TaskRecord(f"t{i}", "task.x", "CoprBuildHandler", event="RPM build finished", chroots=1)
        record.calls = [Call(seq=1, method="GET", url="https://api.github.com/repos/o/r", route="/repos/{owner}/{repo}",
                             category="set_status", charged=True, status=200, handler="CoprBuildHandler",
                             duration_ms=30.0)] * 2
        metrics.task_done(record)
    print(metrics.pushes, metrics.push_failures)
""")


@pytest.mark.parametrize("folder", ["missing", "there"])
def test_push_carries_increments_whatever_prometheus_multiproc_dir_says(folder: str, tmp_path: Path) -> None:
    """A pushing worker whose environment names a multiprocess folder (set pod-wide, say): each
    push carries that batch's increments, never the folder's running totals, and needs no folder."""
    import os

    where = tmp_path / "mp"
    if folder == "there":
        where.mkdir()
    with AggregatingGateway() as gateway:
        out = subprocess.run([sys.executable, "-c", PUSH_WITH_MULTIPROC_ENV, gateway.url], capture_output=True,
                             text=True, timeout=60, env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(where)})
        assert out.returncode == 0 and out.stdout.split() == ["3", "0"], out.stderr
        totals = Counter()
        for (name, _labels), value in gateway.samples.items():
            totals[name] += value
    assert totals["api_tracer_github_requests_total"] == 6
    assert totals["api_tracer_tasks_total"] == 3
    assert totals["api_tracer_github_request_duration_seconds_count"] == 6
    assert totals["api_tracer_github_request_duration_seconds_bucket"] == 6 * len(DURATION_BUCKETS_WITH_INF)
    assert round(totals["api_tracer_github_request_duration_seconds_sum"], 6) == 0.18
