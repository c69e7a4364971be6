"""A real fleet on loopback: Redis, two Celery workers, the loopback GitHub, a real Prometheus.

24 PR pipelines of the reference worker (packit-service at b828c3d7, 1, 2 and 3 chroots, each
in its own repository) run at once through ``live_fleet`` (the handlers as Celery tasks under
packit-service's names): one prefork worker (concurrency 2, the long-running queue) and one
gevent worker (concurrency 16, the short-running queue), one in prometheus_client's
multiprocess mode with its own ``/metrics`` endpoint, the other pushing each task's increments
to an aggregating gateway, both ways round (two fleets); Prometheus scrapes the endpoint and the
gateway. The checks: PromQL totals per handler × category = the sum of
the per-task traces = the loopback server's own log; every task's calls are its own pipeline's
(0 misattributed); each pipeline's calls = a single-process run of its scenario; and
``drift --prometheus`` prints what ``drift`` prints on recorded runs of the same scenarios.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

try:
    import celery  # noqa: F401
    import prometheus_client  # noqa: F401
except ImportError as exc:  # never a silent skip: .ci/run installs the extras
    raise ImportError(f"{exc.name} is missing: pip install -e '.[test]'") from None
from live_servers import AggregatingGateway, CeleryWorker, PrometheusServer, RedisServer, free_port  # noqa: E402

from tracer.capture import Trace  # noqa: E402
from tracer.packit.loopback import FakeGitHub, World  # noqa: E402
from tracer.packit.runs import record_on_loopback  # noqa: E402
from tracer.packit.worker import Knobs, Pipeline, load_profile, scenario_world  # noqa: E402
from tracer.packit.worker.loopback_run import BOT_LOGIN, run_on_loopback  # noqa: E402

PROFILE = "packit-service@b828c3d7"
CHROOTS = (1, 2, 3)
PIPELINES = 24
_REPO = re.compile(r"^/repos/packit/(hello-world-\d+)(?:/|$)")


def _fleet_worlds(tmp: Path) -> tuple[World, list[tuple[str, Pipeline, int]]]:
    """One loopback world with a repository per pipeline, and each pipeline's Pipeline."""
    profile = load_profile(PROFILE)
    merged: dict[str, Any] | None = None
    pipelines = []
    for i in range(PIPELINES):
        chroots = CHROOTS[i % len(CHROOTS)]
        knobs = Knobs.from_mapping({"chroots": chroots}).resolved(profile)
        data = scenario_world(knobs)
        name = f"packit/hello-world-{i}"
        repo = data["repositories"][0]
        repo["full_name"] = name
        repo["id"] = 184635124 + i
        data["x-worker"]["repository"] = name
        data["app"]["installations"] = {name: 1924121}
        world_file = tmp / f"world-{i}.yaml"
        world_file.write_text(yaml.safe_dump(data, sort_keys=False))
        pipelines.append((f"p{i}", Pipeline(profile, knobs, world=world_file), chroots))
        if merged is None:
            merged = data
        else:
            merged["repositories"].append(repo)
            merged["app"]["installations"][name] = 1924121
    assert merged is not None
    merged["rate_limit"] = {"limit": 50_000}
    return World.from_dict(merged, source="fleet world"), pipelines


def _settled(read_tasks: Any, expected: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if read_tasks() >= expected:
            return
        time.sleep(0.2)
    raise TimeoutError(f"the workers' metrics count {read_tasks()} tasks, {expected} ran")


#: which worker Prometheus scrapes (multiprocess endpoint) and which pushes to the gateway
WAYS_OUT = {"prefork-scraped": ("long", "short"), "gevent-scraped": ("short", "long")}


@pytest.fixture(scope="module", params=list(WAYS_OUT))
def fleet(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("fleet")
    world, pipelines = _fleet_worlds(tmp)
    scraped, pushing = WAYS_OUT[request.param]
    with FakeGitHub(world) as hub, RedisServer(tmp / "redis") as redis_server, AggregatingGateway() as gateway:
        token = hub.issue_token(BOT_LOGIN)
        endpoint = free_port()
        common = {"FLEET_BROKER": redis_server.url, "FLEET_API_URL": hub.url, "FLEET_TOKEN": token,
                  "FLEET_PROFILE": PROFILE, "FLEET_PER_REPOSITORY": "1"}
        ways = {
            scraped: {"FLEET_METRICS": f"multiprocess:{endpoint}", "PROMETHEUS_MULTIPROC_DIR": str(tmp / "mp")},
            pushing: {"FLEET_METRICS": f"push:{gateway.url}", "FLEET_JOB": pushing},
        }
        for name in ("long", "short"):
            (tmp / f"waits-{name}").mkdir()
        prefork = CeleryWorker("long", tmp / "long", {**common, **ways["long"], "FLEET_TRACE_DIR": str(tmp / "traces-long"),
                                                      "FLEET_WAITS_DIR": str(tmp / "waits-long")},
                               pool="prefork", concurrency=2)
        prefork.args += ["-Q", "long-running"]
        gevent = CeleryWorker("short", tmp / "short", {**common, **ways["short"], "FLEET_TRACE_DIR": str(tmp / "traces-short"),
                                                       "FLEET_WAITS_DIR": str(tmp / "waits-short")},
                              pool="gevent", concurrency=16)
        gevent.args += ["-Q", "short-running"]
        targets = {scraped: f"127.0.0.1:{endpoint}", "gateway": f"127.0.0.1:{gateway.port}"}
        with prefork, gevent, PrometheusServer(tmp / "prometheus", targets) as prometheus:
            import live_fleet
            ran: dict[str, list[str]] = {}
            errors: list[BaseException] = []

            def drive(key: str, pipeline: Pipeline) -> None:
                try:
                    ran[key] = live_fleet.run_pipeline(redis_server.url, key, pipeline)
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

            start = time.time()
            threads = [threading.Thread(target=drive, args=(key, p)) for key, p, _ in pipelines]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=150)
            wall = time.time() - start
            if errors or len(ran) != len(pipelines):
                pytest.fail(f"the fleet failed: {errors[:3]}\n{_waits(tmp, prometheus)}\nlong worker:\n"
                            f"{prefork.log_tail()}\nshort worker:\n{gevent.log_tail()}", pytrace=False)
            tasks = sum(len(ids) for ids in ran.values())
            try:
                ended = time.time()
                _settled(lambda: _tasks_exported(gateway, endpoint), tasks)
                settled_at = time.time()
                prometheus.scraped_after(settled_at, [scraped, "gateway"])
            except TimeoutError as exc:
                pytest.fail(f"{exc}\n{_waits(tmp, prometheus)}", pytrace=False)
            print(f"\nfleet {request.param}: {tasks} tasks in {wall:.1f} s, exported {settled_at - ended:.1f} s later "
                  f"(limit 60), scraped {time.time() - settled_at:.1f} s after that (limit 30); "
                  f"{_waits(tmp, prometheus, settled_at)}")
            yield {
                "tmp": tmp, "hub": hub, "prometheus": prometheus, "gateway": gateway, "pipelines": pipelines,
                "ran": ran, "tasks": tasks, "wall": wall, "endpoint": endpoint,
            }


def _waits(tmp: Path, prometheus: PrometheusServer, settled_at: float | None = None) -> str:
    """What the fleet waited for, measured (the load diagnostics): each worker's waits
    (``fleet_waits``), its GitHub calls' durations (the traces), Prometheus' scrapes."""
    import fleet_waits

    lines = []
    for name in ("long", "short"):
        durations = sorted(c["duration_ms"] / 1000 for p in (tmp / f"traces-{name}").glob("*.trace.json")
                           for c in json.loads(p.read_text())["calls"])
        if durations:
            lines.append(f"{name} worker GitHub calls: {len(durations)}, longest {durations[-1]:.2f} s, "
                         f"over 1 s {sum(d > 1 for d in durations)}, over 5 s {sum(d > 5 for d in durations)}")
        lines.append(f"{name} worker waits: {fleet_waits.summary(tmp / f'waits-{name}')}")
    try:
        scrapes = {r["metric"].get("job", ""): r["value"][1]
                   for r in prometheus.query("max_over_time(scrape_duration_seconds[1h])")}
        failed, after = {}, {}  # failed scrapes once the target had answered (before: it was starting)
        for r in prometheus.query("up[1h]"):
            samples = [(float(t), v) for t, v in r["values"]]
            first = next((i for i, (_, v) in enumerate(samples) if v == "1"), len(samples))
            job = r["metric"].get("job", "")
            failed[job] = sum(v == "0" for _, v in samples[first:])
            after[job] = sum(v == "0" for t, v in samples[first:] if settled_at is not None and t >= settled_at)
        lines.append(f"Prometheus scrapes: longest {scrapes} s (timeout: the 1 s interval), failed once up {failed}, "
                     f"of which after the tasks settled {after}")
    except (OSError, AssertionError) as exc:
        lines.append(f"Prometheus: {exc}")
    return "\n".join(lines)


def _tasks_exported(gateway: AggregatingGateway, endpoint: int) -> int:
    """Tasks counted by the gateway (pushed) and the prefork worker's endpoint (scraped)."""
    pushed = sum(v for (name, _), v in gateway.samples.items() if name == "api_tracer_tasks_total")
    with urllib.request.urlopen(f"http://127.0.0.1:{endpoint}/metrics", timeout=5) as r:
        text = r.read().decode()
    served = sum(s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == "api_tracer_tasks_total")
    return int(pushed + served)


def _task_traces(tmp: Path) -> dict[str, tuple[dict[str, Any], Trace]]:
    out = {}
    for folder in ("traces-long", "traces-short"):
        for path in (tmp / folder).glob("*.trace.json"):
            data = json.loads(path.read_text())
            out[data["meta"]["task_id"]] = (data["meta"], Trace.from_json(data, str(path)))
    return out


def _promql(prometheus: PrometheusServer, query: str, *by: str) -> Counter[tuple[str, ...]]:
    return Counter({tuple(r["metric"].get(k, "") for k in by): round(float(r["value"][1])) for r in prometheus.query(query)})


def test_fleet_totals_match_traces_and_the_loopback_log(fleet: Any) -> None:
    traces = _task_traces(fleet["tmp"])
    assert len(traces) == fleet["tasks"], "every task wrote its trace"
    by_handler_category: Counter[tuple[str, ...]] = Counter()
    for _, trace in traces.values():
        by_handler_category.update((c.handler, c.category) for c in trace.calls)
    promql = _promql(fleet["prometheus"], "sum by (handler, category) (api_tracer_github_requests_total)",
                     "handler", "category")
    assert +promql == +by_handler_category  # 0 lost, 0 counted twice, per handler × category
    served = fleet["hub"].requests
    assert sum(by_handler_category.values()) == len(served)
    # both workers took part, the gevent one with tasks overlapping in time
    pids = Counter(meta["pid"] for meta, _ in traces.values())
    assert len(pids) >= 3, pids  # two prefork children and the gevent worker
    short = sorted((m["started_at"], m["ended_at"]) for m, _ in traces.values() if m["task"] == "task.steve_jobs.process_message")
    assert any(b[0] < a[1] for a, b in zip(short, short[1:])), "process_message tasks ran concurrently"
    # pipelines and tasks as counted by the metrics
    pipelines = _promql(fleet["prometheus"], "sum by (chroots) (api_tracer_pipelines_total)", "chroots")
    assert pipelines == Counter({(str(n),): PIPELINES // len(CHROOTS) for n in CHROOTS})
    tasks = _promql(fleet["prometheus"], "sum(api_tracer_tasks_total)")
    assert tasks[()] == fleet["tasks"]


def test_no_call_is_attributed_to_another_task(fleet: Any) -> None:
    traces = _task_traces(fleet["tmp"])
    served_by_repo = Counter(m.group(1) for r in fleet["hub"].requests if (m := _REPO.match(r.path)))
    traced_by_repo: Counter[str] = Counter()
    for key, pipeline, chroots in fleet["pipelines"]:
        repo = pipeline.target.repo
        own: list[Any] = []
        for task_id in fleet["ran"][key]:
            meta, trace = traces[task_id]
            for call in trace.calls:
                m = _REPO.match(call.url.removeprefix("https://api.github.com"))
                if m:
                    assert m.group(1) == repo, f"task {meta['task']} of {key} made a call for {m.group(1)}"
                    traced_by_repo[repo] += 1
            own += trace.calls
        reference = run_on_loopback(PROFILE, {"chroots": chroots}).trace
        want = Counter((c.handler, c.event, c.category) for c in reference.calls)
        got = Counter((c.handler, c.event, c.category) for c in own)
        assert got == want, f"pipeline {key} ({chroots} chroots) differs from a single-process run"
    assert traced_by_repo == served_by_repo
    # packit-service #2912's per-project view: the same figures from Prometheus
    per_repo = _promql(fleet["prometheus"], "sum by (repository) (api_tracer_github_requests_total)", "repository")
    assert {k[0].removeprefix("packit/"): n for k, n in per_repo.items() if k[0]} == served_by_repo


def test_drift_prometheus_prints_what_drift_prints_on_recorded_runs(fleet: Any, tmp_path: Path, capsys: Any) -> None:
    from tracer.cli import main

    paths = []
    for n in CHROOTS:  # recorded runs (cassettes, manifest, call records), as `api-tracer record` makes
        record_on_loopback(PROFILE, {"chroots": n}, tmp_path / f"head-{n}ch")
        paths.append(str(tmp_path / f"head-{n}ch"))
    assert main(["drift", *paths, "--format", "json"]) == 1
    recorded = json.loads(capsys.readouterr().out)
    code = main(["drift", "--prometheus", fleet["prometheus"].url, "--profile", PROFILE, "--format", "json"])
    live = json.loads(capsys.readouterr().out)
    assert code == 1

    def figures(report: dict[str, Any]) -> dict[int, Any]:
        return {run["model"]["chroots"]: ([(e["event"], {k: v["measured"] for k, v in e["cells"].items()})
                                           for e in run["events"]], run["totals"], run["limits"])
                for run in report["runs"]}

    assert figures(live) == figures(recorded)
    assert main(["drift", "--prometheus", fleet["prometheus"].url, "--profile", PROFILE, "--summary"]) == 1
    summary = capsys.readouterr().out
    assert all(f"fleet, {n} chroot{'s' if n > 1 else ''} ({PIPELINES // len(CHROOTS)} PRs)" in summary
               for n in CHROOTS), summary
    print(summary)  # shown with -s


def test_drift_reads_the_workers_task_traces_as_pipelines(fleet: Any, capsys: Any) -> None:
    from tracer.cli import main

    dirs = [str(fleet["tmp"] / "traces-long"), str(fleet["tmp"] / "traces-short")]
    assert main(["drift", "--live-traces", dirs[0], "--live-traces", dirs[1], "--profile", PROFILE,
                 "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert len(report["runs"]) == PIPELINES  # no hand-made metadata: pipeline, chroots, events from the tasks
    by_chroots: dict[int, list[Any]] = {}
    for run in report["runs"]:
        by_chroots.setdefault(run["model"]["chroots"], []).append(
            ([(e["event"], {k: v["measured"] for k, v in e["cells"].items()}) for e in run["events"]], run["totals"]))
    for n, runs in by_chroots.items():
        reference = run_on_loopback(PROFILE, {"chroots": n}).trace
        assert all(r == runs[0] for r in runs), f"{n} chroots: pipelines differ"
        assert runs[0][1]["total"]["requests"] == reference.requests
