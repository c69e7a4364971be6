"""Offline replay of a shipped run against the anchors a user would pick instead.

    python benchmarks/bench_replay.py [RUN] [--repeat 7] [--naive-steps 2]

RUN defaults to cassettes/c-6ch (bc1f66bb, 6 chroots). Medians of --repeat rounds, all
measured in this one process, interleaved:
- **api-tracer**: ``tracer.packit.runs.replay`` (the tracer on, every call classified, completeness
  checked, network blocked, throttle skipped);
- **plain vcrpy + ogr** (the anchor): the same worker, the same cassettes, a plain
  ``vcr.VCR(record_mode="none")`` (with api-tracer's ``?page=1`` matcher, which it needs to match
  at all) entered per handler invocation, no tracer; PyGithub's throttle skipped too (a user
  would have to, or wait minutes);
- **plain vcrpy + requests**: the same interactions requested with a bare ``requests.Session``
  under the same vcrpy set-up, no ogr, no worker: the floor of a vcrpy replay.
Goal: api-tracer ≤ 0.8 × plain vcrpy + ogr. Then the cost of not skipping PyGithub's throttle,
on the first --naive-steps handler invocations that make a call.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path

import requests
import vcr

from tracer.capture import block_network, no_throttle
from tracer.recording.cassette_io import load_cassette
from tracer.recording.manifest import Manifest
from tracer.recording.matchers import MATCH_ON, configure
from tracer.packit.runs import replay_app_key, replay, run_profile
from tracer.packit.worker import Credentials, Knobs, Pipeline

ROOT = Path(__file__).resolve().parents[1]
GOAL = 0.8


def _vcr() -> vcr.VCR:
    return configure(vcr.VCR(record_mode="none", match_on=MATCH_ON))


def plain_ogr(run: Path, manifest: Manifest, slow_steps: frozenset[int] = frozenset(), timings: dict | None = None) -> None:
    """The worker (real ogr) under plain vcrpy, no tracer. Steps in ``slow_steps`` keep PyGithub's sleeps."""
    profile = run_profile(run, manifest)
    knobs = Knobs.from_mapping(manifest.knobs).resolved(profile)
    credentials = Credentials.github_app(1, replay_app_key()) if knobs.auth == "app" else Credentials.for_replay()
    by_step = {e.step: e for e in manifest.cassettes}
    v = _vcr()

    @contextmanager
    def around(step):
        start = time.perf_counter()
        with v.use_cassette(str(run / by_step[step.index].file)):
            with nullcontext() if step.index in slow_steps else no_throttle():
                yield
        if timings is not None:
            timings[step.index] = time.perf_counter() - start

    with block_network():
        Pipeline(profile, knobs, credentials).run(around=around)


def plain_requests(run: Path, manifest: Manifest, session: requests.Session) -> None:
    """Each recorded request made once with bare ``requests`` under the same vcrpy set-up."""
    v = _vcr()
    with block_network():
        for entry in manifest.cassettes:
            interactions = load_cassette(run / entry.file)["interactions"]
            with v.use_cassette(str(run / entry.file)):
                for i in interactions:
                    session.request(i["request"]["method"], i["request"]["uri"], data=i["request"]["body"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", type=Path, default=ROOT / "cassettes" / "c-6ch")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--naive-steps", type=int, default=2)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="The RSA key is 1024 bits long")
    manifest = Manifest.load(args.run)
    n = sum(e.interactions for e in manifest.cassettes)
    session = requests.Session()

    ours, anchor, floor = [], [], []
    result = replay(args.run)  # warm up imports and caches, as every other path below
    plain_ogr(args.run, manifest)
    plain_requests(args.run, manifest, session)
    for _ in range(args.repeat):
        for times, work in ((ours, lambda: replay(args.run)), (anchor, lambda: plain_ogr(args.run, manifest)),
                            (floor, lambda: plain_requests(args.run, manifest, session))):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
    assert result.trace.requests == n
    t, a, f = (statistics.median(x) for x in (ours, anchor, floor))
    print(f"run: {args.run.name} ({manifest.profile}, {manifest.knobs.get('chroots')} chroots, {n} requests), "
          f"medians of {args.repeat}")
    print(f"api-tracer replay (tracer on)     {t * 1000:8.1f} ms  ({n / t:,.0f} requests/s)")
    print(f"plain vcrpy + ogr, no tracer      {a * 1000:8.1f} ms")
    print(f"plain vcrpy + requests, no ogr    {f * 1000:8.1f} ms")
    print(f"ratio api-tracer / vcrpy + ogr    {t / a:8.2f}     (goal <= {GOAL})")
    print(f"ratio api-tracer / vcrpy+requests {t / f:8.2f}")

    slow = [e.step for e in manifest.cassettes if e.interactions][: args.naive_steps]
    fast_t: dict[int, float] = {}
    slow_t: dict[int, float] = {}
    plain_ogr(args.run, manifest, timings=fast_t)
    plain_ogr(args.run, manifest, frozenset(slow), timings=slow_t)
    k = sum(e.interactions for e in manifest.cassettes if e.step in slow)
    fast_s, slow_s = sum(fast_t[s] for s in slow), sum(slow_t[s] for s in slow)
    print(f"naive replay (PyGithub sleeps kept) of steps {slow} ({k} requests): "
          f"{slow_s:.2f} s against {fast_s * 1000:.1f} ms: factor {slow_s / fast_s:,.0f}x")


if __name__ == "__main__":
    main()
