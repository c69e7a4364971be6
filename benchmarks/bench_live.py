"""Live mode: overhead per call against an untraced loopback call, and the metrics' memory.

    python benchmarks/bench_live.py [--calls-per-task 10] [--rounds 7] [--small 10] [--large 200]

Overhead: the same keep-alive ``requests`` calls to a loopback server, untraced, under
capture's Tracer alone, and in live mode (each task of ``--calls-per-task`` calls in its task
record and handler scope, its calls handed at task end to prometheus_client multiprocess
metrics with their defaults, as a prefork worker does: the process's flusher thread writes
them at most once a second), in rotating rounds, printed as ratios to untraced: of the medians,
of the fastest batches, and paired (the median of each round's ratio of a batch to the untraced
batch of the same round: the steadiest on a busy machine; goal <= 1.05).
Push mode (the increments pushed to an aggregating gateway from a background thread) beside it.
Memory: the reference worker's pipelines (1, 2 and 3 chroots at b828c3d7, recorded once against
the loopback GitHub) fed as tasks into fresh metrics, ``--small`` and then ``--large`` of them:
the metrics' series, their Python heap (tracemalloc) and their multiprocess files, both ways.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="bench-live-mp-"))  # before prometheus_client
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

import requests  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402

from _server import start  # noqa: E402
from _timing import paired_ratio  # noqa: E402
import bench_capture  # noqa: E402
from tracer.capture import Tracer, handler, redirect_api  # noqa: E402
from tracer.live import LiveTracer, Metrics, TaskRecord  # noqa: E402
from tracer.live.record import enter_record, exit_record  # noqa: E402
from tracer.packit.worker.loopback_run import run_on_loopback  # noqa: E402

def _calls(session: requests.Session, n: int) -> None:
    """The same calls as the tracer's own benchmark (bench_capture.py, requests)."""
    bench_capture._calls(session.get, bench_capture.URLS, n)


def _tasks(session: requests.Session, metrics: Metrics, tasks: int, per_task: int,
           ends: list[float] | None = None) -> None:
    """``tasks`` tasks of ``per_task`` calls, each in its record and scope, added at its end
    (the seconds each end took into ``ends``, if given)."""
    for t in range(tasks):
        record = TaskRecord(f"bench-{t}", "task.run_copr_build_handler", "CoprBuildHandler", "Submit Copr build", 3)
        token = enter_record(record)
        with handler(record.handler, event=record.event) as scope:
            record.invocation = scope.invocation
            _calls(session, per_task)
        exit_record(token)
        start = time.perf_counter()
        metrics.task_done(record)
        if ends is not None:
            ends.append(time.perf_counter() - start)


def overhead(metrics: Metrics, per_task: int, rounds: int, batch_tasks: int = 5,
             ends: list[float] | None = None) -> dict[str, tuple[list[float], float]]:
    """Per mode (untraced, capture's Tracer alone, live): seconds per call of each batch, and
    the CPU seconds per call of this thread (and, live, of the metrics' flusher thread);
    batches in rotating order (each round runs the three, starting with a different one).
    Each live task's end (its calls into the metrics), in seconds, into ``ends`` if given."""
    server = start()
    session = requests.Session()
    calls = per_task * batch_tasks
    tracer = Tracer(skip_sleeps=False)
    live_tracer = LiveTracer(metrics.add_calls)

    def plain_batch() -> None:
        _calls(session, calls)

    def tracer_batch() -> None:
        with tracer, handler("CoprBuildHandler", event="Submit Copr build"):
            _calls(session, calls)
        tracer.clear()

    def live_batch() -> None:
        with live_tracer:  # installed for the batch only: the untraced batches see no tracer
            _tasks(session, metrics, batch_tasks, per_task, ends)

    batches = [("untraced", plain_batch), ("tracer", tracer_batch), ("live", live_batch)]
    times: dict[str, list[float]] = {name: [] for name, _ in batches}
    cpu = dict.fromkeys(times, 0.0)
    with redirect_api(f"http://127.0.0.1:{server.server_port}"):
        for _, run in batches:  # warm up
            run()
        gc.collect()  # the start-up's garbage: else its full collection lands in whichever batch runs then
        flusher = _FlusherClock()  # the metrics' own thread's CPU is live mode's too
        for r in range(rounds * 8):
            for name, run in batches[r % 3:] + batches[: r % 3]:
                wall, thread = time.perf_counter(), time.thread_time()
                run()
                cpu[name] += time.thread_time() - thread
                times[name].append((time.perf_counter() - wall) / calls)
        thread = time.thread_time()
        metrics.flush()
        cpu["live"] += time.thread_time() - thread + flusher.seconds()
    server.shutdown()
    return {name: (times[name], cpu[name] / (calls * len(times[name]))) for name in times}


class _FlusherClock:
    """CPU seconds of the metrics' flusher threads (``api-tracer-metrics``) since it was made."""

    def __init__(self) -> None:
        self.start = self._now()

    @staticmethod
    def _now() -> dict[int, float]:
        return {t.ident: time.clock_gettime(time.pthread_getcpuclockid(t.ident)) for t in threading.enumerate()
                if t.name == "api-tracer-metrics" and t.ident is not None}

    def seconds(self) -> float:
        return sum(now - self.start.get(ident, 0.0) for ident, now in self._now().items())


def breakdown(per_task: int, tasks: int = 20, repeat: int = 100) -> dict[str, float]:
    """Where live mode's time goes, isolated and warm (µs): building one Call from what capture
    saw (in a handler's scope; its stack is gone by then, so not walked), ending one task (its
    calls handed to the multiprocess metrics), the task's share of the flusher's writes (all of
    them written at once), one metric write."""
    server = start()
    session = requests.Session()
    metrics = Metrics.multiprocess()
    seen: list[Any] = []
    records: list[TaskRecord] = []
    add, done = Tracer._record, Metrics.task_done

    def keep_call(self: Tracer, call: Any) -> None:
        seen.append(call)
        add(self, call)

    def keep_record(self: Metrics, record: TaskRecord) -> None:
        records.append(record)
        done(self, record)

    Tracer._record, Metrics.task_done = keep_call, keep_record  # type: ignore[method-assign]
    try:
        with redirect_api(f"http://127.0.0.1:{server.server_port}"), LiveTracer(metrics.add_calls):
            _tasks(session, metrics, tasks, per_task)
    finally:
        Tracer._record, Metrics.task_done = add, done  # type: ignore[method-assign]
        server.shutdown()
    tracer = Tracer(skip_sleeps=False)
    with handler("bench", event="bench"):
        start_at = time.perf_counter()
        for _ in range(repeat):
            for call in seen:
                tracer._record(call)
            tracer.clear()
        per_call = (time.perf_counter() - start_at) / (repeat * len(seen))
    metrics.flush()
    start_at = time.perf_counter()
    for _ in range(repeat):
        for record in records:
            metrics.task_done(record)
    per_task = (time.perf_counter() - start_at) / (repeat * len(records))
    start_at = time.perf_counter()
    metrics.flush()  # what the process's flusher writes for them, once
    flush_per_task = (time.perf_counter() - start_at) / (repeat * len(records))
    child = metrics._instruments.child(metrics._instruments.seen, ("true",))  # type: ignore[union-attr]
    start_at = time.perf_counter()
    for _ in range(repeat * 100):
        child.inc()
    write = (time.perf_counter() - start_at) / (repeat * 100)
    return {"build a Call": per_call * 1e6, "end a task": per_task * 1e6,
            "its share of the flusher's write": flush_per_task * 1e6, "one metric write": write * 1e6}


def _pipeline_tasks() -> list[list[TaskRecord]]:
    """The reference pipelines (1, 2, 3 chroots) as task records, one per handler invocation."""
    pipelines = []
    for chroots in (1, 2, 3):
        trace = run_on_loopback("HEAD", {"chroots": chroots}).trace
        records: dict[int, TaskRecord] = {}
        for call in trace.all_calls():
            rec = records.setdefault(call.invocation, TaskRecord(f"t{call.invocation}", "task", call.handler, call.event,
                                                                  chroots, invocation=call.invocation))
            rec.calls.append(call)
        first = next(iter(records.values()))
        first.starts_pipeline = True
        pipelines.append(list(records.values()))
    return pipelines


def memory(pipelines: list[list[TaskRecord]], count: int, directory: Path) -> tuple[int, int, int]:
    """(series, heap bytes, multiprocess file bytes) after ``count`` pipelines into fresh metrics."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    for i in range(count):
        for record in pipelines[i % len(pipelines)]:
            metrics.task_done(record)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    heap = sum(s.size_diff for s in after.compare_to(before, "filename"))
    series = sum(len(f.samples) for f in registry.collect())
    mp = Metrics.multiprocess(directory=directory)
    for i in range(count):
        for record in pipelines[i % len(pipelines)]:
            mp.task_done(record)
    mp.flush()
    files = sum(p.stat().st_size for p in directory.glob("*.db"))
    return series, heap, files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls-per-task", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=200)
    args = parser.parse_args()

    ends: list[float] = []
    result = overhead(Metrics.multiprocess(), args.calls_per_task, args.rounds, ends=ends)
    base, base_cpu = result["untraced"]
    for name, label in (("untraced", "untraced"), ("tracer", "capture.Tracer alone"), ("live", "live (multiprocess)")):
        batches, cpu = result[name]
        print(f"per call, {label:22} {statistics.median(batches) * 1e6:7.1f} µs median, "
              f"{min(batches) * 1e6:7.1f} µs fastest batch, CPU {(cpu - base_cpu) * 1e6:+6.1f} µs over untraced")
    live, _ = result["live"]
    tracer_alone, _ = result["tracer"]
    print(f"live mode overhead ratio {statistics.median(live) / statistics.median(base):.3f} of the medians, "
          f"{min(live) / min(base):.3f} of the fastest batches, {paired_ratio(live, base):.3f} paired "
          f"(the median of each round's live batch over its untraced batch; goal <= 1.05); "
          f"capture's Tracer alone {paired_ratio(tracer_alone, base):.3f} paired")
    pieces = breakdown(args.calls_per_task)
    print("where live mode's time goes (isolated, warm): " + ", ".join(f"{k} {v:.1f} µs" for k, v in pieces.items()))
    print(f"a task's end in the loop (between network calls): {statistics.median(ends) * 1e6:.1f} µs median, "
          f"{statistics.median(ends) / args.calls_per_task * 1e6:.1f} µs a call")
    from live_servers import AggregatingGateway

    with AggregatingGateway() as gateway:
        pushed = overhead(Metrics.push(gateway.url, job="bench"), args.calls_per_task, args.rounds)
    (pb, _), (lb, lcpu) = pushed["untraced"], pushed["live"]
    print(f"live (push, in the background) ratio {statistics.median(lb) / statistics.median(pb):.3f} of the medians, "
          f"{min(lb) / min(pb):.3f} of the fastest batches, {paired_ratio(lb, pb):.3f} paired, "
          f"CPU {(lcpu - pushed['untraced'][1]) * 1e6:+.1f} µs a call")

    pipelines = _pipeline_tasks()
    with tempfile.TemporaryDirectory() as small_dir, tempfile.TemporaryDirectory() as large_dir:
        small = memory(pipelines, args.small, Path(small_dir))
        large = memory(pipelines, args.large, Path(large_dir))
    print(f"metrics after {args.small:4d} pipelines: {small[0]:5d} series, heap {small[1] / 1024:8.1f} KiB, "
          f"multiprocess files {small[2] / 1024:8.1f} KiB")
    print(f"metrics after {args.large:4d} pipelines: {large[0]:5d} series, heap {large[1] / 1024:8.1f} KiB, "
          f"multiprocess files {large[2] / 1024:8.1f} KiB")
    print(f"growth {args.small} -> {args.large} pipelines: series x{large[0] / small[0]:.2f}, heap x{large[1] / small[1]:.2f}, "
          f"files x{large[2] / small[2]:.2f}   (bounded: x1.00 expected)")


if __name__ == "__main__":
    main()
