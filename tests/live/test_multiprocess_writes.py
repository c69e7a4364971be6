"""Multiprocess metrics write each process's increments at most once an interval, in one batch.

Each scenario runs in a fresh process (prometheus_client picks its multiprocess value class
from ``PROMETHEUS_MULTIPROC_DIR`` when it is imported) and reads the values back through
prometheus_client's own ``MultiProcessCollector``, as a worker's ``/metrics`` endpoint does.
File writes are counted at prometheus_client's ``MmapedDict.write_value``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tracer.errors import UsageError
from tracer.live import Metrics

SCENARIO = textwrap.dedent("""
    import json, os, sys, time
    folder, scenario = sys.argv[1], sys.argv[2]
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    from prometheus_client import CollectorRegistry, mmap_dict, multiprocess
    from tracer.capture import Call
    from tracer.live import Metrics, TaskRecord

    writes = [0]
    write_value = mmap_dict.MmapedDict.write_value
    def counted(self, *args, **kwargs):
        writes[0] += 1
        return write_value(self, *args, **kwargs)
    mmap_dict.MmapedDict.write_value = counted

    def tasks():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=folder)
        return sum(s.value for f in registry.collect() for s in f.samples if s.name == "api_tracer_tasks_total")

    def record(i):
        rec = TaskRecord(f"t{i}", "task.x", "CoprBuildHandler", event="RPM build finished", chroots=1)
        rec.calls = [Call(seq=n, method="GET", url="https://api.github.com/repos/o/r", route="/repos/{owner}/{repo}",
                          category="is_project_private", charged=True, status=200, handler="CoprBuildHandler",
                          event="RPM build finished", duration_ms=30.0, attempt=1) for n in range(3)]
        return rec

    out = {}
    if scenario == "at-task-end":
        metrics = Metrics.multiprocess(interval=0)
        metrics.task_done(record(0))
        out["after one task"] = tasks()
        before = writes[0]
        metrics.task_done(record(1))
        out["writes a task"] = writes[0] - before
    elif scenario == "batched":
        metrics = Metrics.multiprocess(interval=1.0)
        started = time.monotonic()
        for i in range(50):
            metrics.task_done(record(i))
        out["right after"] = tasks()
        time.sleep(max(0.0, started + 0.9 - time.monotonic()))
        out["at 0.9 s"] = tasks()
        while tasks() < 50 and time.monotonic() < started + 30:
            time.sleep(0.01)
        out["written after"] = round(time.monotonic() - started, 1)
        out["written"] = tasks()
        before = writes[0]
        metrics.task_done(record(50))
        metrics.flush()
        out["writes for 1 task"] = writes[0] - before
        before = writes[0]
        for i in range(51, 101):
            metrics.task_done(record(i))
        metrics.flush()
        out["writes for 50 tasks"] = writes[0] - before
        out["after flush"] = tasks()
    elif scenario == "fork":
        import threading
        metrics = Metrics.multiprocess(interval=60)
        metrics.task_done(record(0))  # waiting in the parent when it forks
        metrics._lock.acquire()  # as if the parent's flusher were writing when it forked
        pid = os.fork()
        if pid == 0:
            done = threading.Event()
            def work():
                metrics.task_done(record(1))
                metrics.flush()
                done.set()
            threading.Thread(target=work, daemon=True).start()
            os._exit(0 if done.wait(10) else 3)
        metrics._lock.release()
        out["child's exit"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        out["child's"] = tasks()
        metrics.flush()
        out["both"] = tasks()
    print(json.dumps(out))
""")


def _run(scenario: str, folder: Path) -> dict[str, float]:
    folder.mkdir()
    done = subprocess.run([sys.executable, "-c", SCENARIO, str(folder), scenario], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_interval_zero_writes_at_each_tasks_end(tmp_path: Path) -> None:
    out = _run("at-task-end", tmp_path / "mp")
    # one task's label sets: requests, logical calls, the duration histogram's sum and the one
    # bucket its calls land in (prometheus_client keeps buckets uncumulated), tasks, tasks seen
    assert out == {"after one task": 1, "writes a task": 6}, out


def test_a_batch_is_written_once_an_interval_whatever_its_tasks(tmp_path: Path) -> None:
    out = _run("batched", tmp_path / "mp")
    assert out["right after"] == 0 and out["at 0.9 s"] == 0, out  # never before the interval
    assert out["written"] == 50 and out["after flush"] == 101, out
    assert 1.0 <= out["written after"] < 30, out
    # 50 tasks cost the writes of one: each label set once, whatever the number of tasks
    assert out["writes for 1 task"] == out["writes for 50 tasks"] == 6, out


def test_a_forked_child_never_writes_its_parents_batch(tmp_path: Path) -> None:
    out = _run("fork", tmp_path / "mp")
    # 3: the child hung on a lock its parent held when it forked
    assert out == {"child's exit": 0, "child's": 1, "both": 2}, out


@pytest.mark.parametrize("interval", [-0.001, -1])
def test_a_negative_interval_is_refused(interval: float, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="interval must be 0 or more seconds"):
        Metrics.multiprocess(directory=tmp_path, interval=interval)
