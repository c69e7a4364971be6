"""The README's live-mode lines in the real packit-service (issue 19), as a packit-service
deployment would add them: the ``instrument_celery(...)`` block of README.md ("In packit-service"),
read from the README and appended exactly as written to a copy of b828c3d7's
``packit_service/worker/tasks.py`` (nothing else of packit-service changes). Its own
``celery_app`` (a ``lazy_object_proxy.Proxy``) and tasks run the PR pipeline (1 chroot: every
handler of a pipeline, the Copr build and the test submission of the PR event side by side)
in the real worker's world (the loopback GitHub, Copr, Testing Farm, PostgreSQL, Redis):

- ``direct``: every task applied in one process (``Task.apply()``, eager, as packit-service's
  own tests run tasks), multiprocess metrics read through prometheus_client's collector;
- ``prefork`` and ``gevent``: ``celery -A packit_service.worker.tasks worker -P POOL -c 2`` in
  packit-service's interpreter, the events sent to Redis as its webhook sends them; prefork
  serves ``/metrics`` (scraped), gevent pushes to an aggregating gateway (scraped).

Per task, handler and event, the traces (``API_TRACER_TRACE_DIR``) and the Prometheus counters
equal the loopback GitHub's own log (each request tagged by the worker process with the Celery
task that sent it, ``tracer.packit.realworker.worker_process``), requests and charged alike.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from live_servers import AggregatingGateway
from readme_lines import readme_lines
from real_packit import HEAD
from tracer.live.labels import Labels
from tracer.packit.realworker.launch import run_child

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TASKS_PY = "packit_service/worker/tasks.py"
#: the design note's totals at HEAD for 1 chroot: 15 + 32·N requests, 11 + 27·N charged
TOTALS = (47, 38)


@pytest.fixture(scope="module")
def readme_source(head_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """b828c3d7 with the README's block appended to its tasks.py, and nothing else changed."""
    copy = tmp_path_factory.mktemp("packit-live") / f"packit-service-{HEAD}"
    shutil.copytree(head_source, copy, ignore=shutil.ignore_patterns("__pycache__", "tests", "tests_openshift"))
    tasks = copy / TASKS_PY
    original = (head_source / TASKS_PY).read_text()
    tasks.write_text(original + "\n" + readme_lines())
    assert tasks.read_text().endswith(readme_lines()) and "instrument_celery(celery_app" in tasks.read_text()
    return copy


def _live(mode: str, source: Path, out: Path, python: str, **extra: Any) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    request = {"source": str(source), "mode": mode, "knobs": {"chroots": 1}, "trace_dir": str(out / "traces"),
               "multiproc_dir": str(out / "mp"), **extra}
    answer = run_child("live", request, python)
    (out / "answer.json").write_text(json.dumps(answer))
    print(f"\n{mode}: {answer['seconds']} s in packit-service's process")
    return answer


@pytest.fixture(scope="module")
def direct(readme_source: Path, python: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("live-direct")
    return out, _live("direct", readme_source, out, python)


def _trace(out: Path, name: str) -> dict[str, Any]:
    return json.loads((out / "traces" / name).read_text())


def _github(trace: dict[str, Any]) -> tuple[int, int]:
    """(requests, charged) of a trace file's GitHub calls."""
    from tracer.capture import Trace

    t = Trace.from_json(trace, "trace file")
    return t.requests, t.charged


def _counters(text: str) -> dict[tuple[str, str], Counter[str]]:
    """api_tracer_github_requests_total as scraped: per (handler, event) requests and charged;
    and the ``up``/``tasks_seen`` families under ("", name)."""
    out: dict[tuple[str, str], Counter[str]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "api_tracer_github_requests_total":
                row = out.setdefault((s.labels["handler"], s.labels["event"]), Counter())
                row["requests"] += s.value
                row["charged"] += s.value if s.labels["charged"] == "true" else 0
            elif s.name in ("api_tracer_up", "api_tracer_tasks_seen_total"):
                key = s.labels.get("counted", "")
                out.setdefault(("", s.name), Counter())[key] += s.value
    return out


def _by_handler(before: dict[tuple[str, str], Counter[str]], after: dict[tuple[str, str], Counter[str]]) -> dict[str, tuple[int, int]]:
    """What the counters grew by, per handler: (requests, charged)."""
    grown: Counter[tuple[str, str]] = Counter()
    for (handler, _event), row in after.items():
        if not handler:
            continue
        old = before.get((handler, _event), Counter())
        grown[(handler, "requests")] += int(row["requests"] - old["requests"])
        grown[(handler, "charged")] += int(row["charged"] - old["charged"])
    handlers = {h for h, _ in grown}
    return {h: (grown[(h, "requests")], grown[(h, "charged")]) for h in handlers
            if grown[(h, "requests")] or grown[(h, "charged")]}


def test_direct_calls_equal_the_server_per_task(direct):
    """Eager: each task's trace and the counters' growth over it = the server's count for it."""
    out, answer = direct
    steps = answer["steps"]
    assert answer["label"].startswith(f"packit-service@{HEAD}") and "changed" in answer["label"]  # the README's copy
    previous: dict[tuple[str, str], Counter[str]] = {}
    for step in steps:
        server = (step["server_requests"], step["server_charged"])
        assert len(step["traces"]) == 1, f"step {step['index']} {step['handler']}: trace files {step['traces']}"
        trace = _trace(out, step["traces"][0])
        assert (trace["meta"]["handler"], trace["meta"]["outcome"]) == (step["handler"], "success")
        assert _github(trace) == server, f"step {step['index']} {step['event']}: {step['handler']}"
        counters = _counters(step["metrics"])
        grown = _by_handler(previous, counters)
        assert grown == ({step["handler"]: server} if server != (0, 0) else {}), f"step {step['index']} {step['handler']}"
        # the trace's event label is the counters' (the per-event view of a dashboard)
        if server != (0, 0):
            event = trace["meta"]["event"]
            assert counters[(step["handler"], event)]["requests"] - previous.get((step["handler"], event), Counter())["requests"] == server[0]
        previous = counters
    assert (sum(s["server_requests"] for s in steps), sum(s["server_charged"] for s in steps)) == TOTALS
    assert len(steps) == 16  # every task of the 1-chroot pipeline, each a trace
    last = _counters(steps[-1]["metrics"])
    assert last[("", "api_tracer_up")][""] == 1  # this process counts
    assert last[("", "api_tracer_tasks_seen_total")] == Counter({"true": 16})  # none uncounted


@pytest.fixture(scope="module", params=["prefork", "gevent"])
def worker(request: pytest.FixtureRequest, readme_source: Path, python: str,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp(f"live-{request.param}")
    if request.param == "gevent":
        with AggregatingGateway() as gateway:
            return request.param, out, _live("gevent", readme_source, out, python, gateway=gateway.url)
    return request.param, out, _live("prefork", readme_source, out, python)


def test_worker_equals_the_server_per_task_handler_and_event(worker, direct):
    pool, out, answer = worker
    labels = Labels.load("packit-service")
    _, direct_answer = direct
    previous: dict[tuple[str, str], Counter[str]] = {}
    total = Counter()
    ran: list[tuple[str, list[str]]] = []
    for event in answer["events"]:
        where = f"{pool}, {event['event']}"
        server = event["server"]
        assert "-" not in server, f"{where}: requests the server saw from no task: {server.get('-')}"
        traces = {name.removesuffix(".trace.json"): _trace(out, name) for name in event["traces"]}
        assert traces, f"{where}: no trace file"
        # per task: its trace = the server's requests tagged with its id; a task the server never saw made none
        for task_id, trace in traces.items():
            seen = server.get(task_id, {"requests": 0, "charged": 0})
            assert _github(trace) == (seen["requests"], seen["charged"]), f"{where}: task {trace['meta']['task']} {task_id}"
            assert trace["meta"]["outcome"] == "success"
        assert set(server) <= set(traces), f"{where}: tasks with requests and no trace: {set(server) - set(traces)}"
        # per handler: the server's tasks labelled by the label table = the counters' growth
        expected: Counter[tuple[str, str]] = Counter()
        for task_id, row in server.items():
            handler = labels.handler(row["task"])
            assert traces[task_id]["meta"]["handler"] == handler
            expected[(handler, "requests")] += row["requests"]
            expected[(handler, "charged")] += row["charged"]
            total["requests"] += row["requests"]
            total["charged"] += row["charged"]
        counters = _counters(event["metrics"])
        want = {h: (expected[(h, "requests")], expected[(h, "charged")]) for h, _ in expected}
        assert _by_handler(previous, counters) == want, f"{where}: counters (grown) vs the server, per handler"
        previous = counters
        ran.append((event["event"], sorted(t["meta"]["handler"] for t in traces.values())))
    assert (total["requests"], total["charged"]) == TOTALS
    # the worker ran the tasks the eager run ran, event by event
    eager: dict[str, list[str]] = {}
    for step in direct_answer["steps"]:
        eager.setdefault(step["incoming"], []).append(step["handler"])
    assert ran == [(event, sorted(eager[event])) for event in eager]
    last = _counters(answer["events"][-1]["metrics"])
    assert last[("", "api_tracer_tasks_seen_total")]["false"] == 0
    assert last[("", "api_tracer_tasks_seen_total")]["true"] == sum(len(e["traces"]) for e in answer["events"])
    if pool == "prefork":  # scraped: the main process and its 2 children count (push mode sends no gauge)
        assert last[("", "api_tracer_up")][""] == 3
    assert answer["babysitter_requests"] == 0
