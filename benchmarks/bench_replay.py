"""Offline replay of a shipped run: wall time, the tracer's cost, and what PyGithub's sleeps cost.

    python benchmarks/bench_replay.py [RUN] [--repeat 5] [--naive-steps 2]

RUN defaults to cassettes/c-6ch (bc1f66bb, 6 chroots). Prints, as medians of --repeat runs
measured in this same process:
- the replay as ``api-tracer replay`` does it (tracer on, throttle and back-offs skipped,
  network blocked): wall time (goal under 1 s);
- the same vcrpy replay of the same interactions without the tracer: the ratio (goal ≤ 1.2);
- a naive replay that keeps PyGithub's throttling sleeps, timed on the first --naive-steps
  handler invocations that make a call (a whole naive run takes minutes) against the same
  steps replayed fast: the factor.
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

from tracer.capture import block_network, no_throttle
from tracer.recording.manifest import Manifest
from tracer.recording.vcr_config import replaying_vcr
from tracer.runs import replay
from tracer.worker import Credentials, Knobs, Pipeline, load_profile

ROOT = Path(__file__).resolve().parents[1]


def plain_replay(run: Path, manifest: Manifest, slow_steps: set[int] = frozenset(), timings: dict | None = None) -> None:
    """vcrpy + the worker, no tracer. Steps in ``slow_steps`` keep PyGithub's sleeps."""
    profile = load_profile(manifest.profile)
    pipeline = Pipeline(profile, Knobs.from_mapping(manifest.knobs), Credentials.for_replay())
    by_step = {e.step: e for e in manifest.cassettes}
    v = replaying_vcr()

    @contextmanager
    def around(step):
        start = time.perf_counter()
        with v.use_cassette(str(run / by_step[step.index].file)):
            with nullcontext() if step.index in slow_steps else no_throttle():
                yield
        if timings is not None:
            timings[step.index] = time.perf_counter() - start

    with block_network():
        pipeline.run(around=around)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", type=Path, default=ROOT / "cassettes" / "c-6ch")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-steps", type=int, default=2)
    args = parser.parse_args()
    manifest = Manifest.load(args.run)
    requests = sum(e.interactions for e in manifest.cassettes)

    traced, plain = [], []
    replay(args.run)  # warm up imports and caches
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = replay(args.run)
        traced.append(time.perf_counter() - start)
        start = time.perf_counter()
        plain_replay(args.run, manifest)
        plain.append(time.perf_counter() - start)
    assert result.trace.requests == requests
    t, p = statistics.median(traced), statistics.median(plain)
    print(f"run: {args.run.name} ({manifest.profile}, {manifest.knobs.get('chroots')} chroots, {requests} requests)")
    print(f"replay with the tracer        {t * 1000:8.1f} ms   ({requests / t:,.0f} requests/s; goal < 1000 ms)")
    print(f"plain vcrpy replay, no tracer {p * 1000:8.1f} ms")
    print(f"ratio traced / plain          {t / p:8.3f}      (goal <= 1.2)")

    slow = [e.step for e in manifest.cassettes if e.interactions][: args.naive_steps]
    fast_t: dict[int, float] = {}
    slow_t: dict[int, float] = {}
    plain_replay(args.run, manifest, timings=fast_t)
    plain_replay(args.run, manifest, set(slow), timings=slow_t)
    n = sum(e.interactions for e in manifest.cassettes if e.step in slow)
    fast_s, slow_s = sum(fast_t[s] for s in slow), sum(slow_t[s] for s in slow)
    print(f"naive replay (PyGithub sleeps kept) of steps {slow} ({n} requests): "
          f"{slow_s:.2f} s against {fast_s * 1000:.1f} ms: factor {slow_s / fast_s:,.0f}x")


if __name__ == "__main__":
    main()
