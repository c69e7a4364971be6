"""A whole PR pipeline of the reference worker against the loopback GitHub, timed.

    python benchmarks/bench_pipeline.py [--profile packit-service@bc1f66bb] [--chroots 6] [--rounds 5]

Each round runs the traced pipeline (real ogr/PyGithub, PyGithub's throttle skipped only
inside the run, through ``no_throttle()``), then a baseline in the same process against the
same server: the same requests (method and path, in order) made with plain ``requests``
through one keep-alive session. Prints medians: wall time, calls/s, and the ratio of the two
(the worker's cost per call over a bare HTTP call). Goal: the pipeline under 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import requests

from tracer.packit.loopback import FakeGitHub, World
from tracer.packit.worker import Credentials, Knobs, load_profile, run_traced, scenario_world

GOAL_S = 2.0


def baseline(session: requests.Session, base_url: str, calls: list[tuple[str, str]]) -> float:
    """Seconds for the same requests made with plain ``requests`` and a keep-alive session."""
    start = time.perf_counter()
    for method, url in calls:
        path = url.removeprefix("https://api.github.com")
        if method == "POST":
            session.post(base_url + path, data=json.dumps({"name": "bench", "head_sha": "0" * 40}))
        else:
            session.get(base_url + path)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="packit-service@bc1f66bb")
    parser.add_argument("--chroots", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)

    profile = load_profile(args.profile)
    knobs = Knobs(chroots=args.chroots).resolved(profile)
    with FakeGitHub(World.from_dict(scenario_world(knobs))) as hub:
        token = hub.issue_token("packit-bot")
        credentials = Credentials.with_token(token)
        session = requests.Session()
        session.headers.update({"Authorization": f"token {token}", "Accept": "application/vnd.github+json"})

        start = time.perf_counter()
        trace = run_traced(profile, knobs, api_url=hub.url, credentials=credentials)
        cold = time.perf_counter() - start
        calls = [(c.method, c.url) for c in trace]
        worker_s: list[float] = []
        plain_s: list[float] = []
        for _ in range(args.rounds):
            hub.reset()  # fresh rate-limit buckets; issued tokens stay valid
            start = time.perf_counter()
            again = run_traced(profile, knobs, api_url=hub.url, credentials=credentials)
            worker_s.append(time.perf_counter() - start)
            assert again.requests == trace.requests
            hub.reset()
            plain_s.append(baseline(session, hub.url, calls))

    n = trace.requests
    worker, plain = statistics.median(worker_s), statistics.median(plain_s)
    print(f"pipeline: {profile.name}, {args.chroots} chroots, {n} GitHub requests ({trace.charged} charged), "
          f"{len({c.invocation for c in trace})} handler invocations with calls")
    print(f"  first run (imports, connections): {cold:.3f} s")
    print(f"  worker, median of {args.rounds}: {worker:.3f} s = {worker / n * 1000:.2f} ms/call, {n / worker:,.0f} calls/s")
    print(f"  baseline (plain requests, keep-alive, same calls): {plain:.3f} s = {plain / n * 1000:.2f} ms/call, "
          f"{n / plain:,.0f} calls/s")
    print(f"  ratio worker/baseline: {worker / plain:.2f}x")
    print(f"  goal: pipeline < {GOAL_S:.0f} s: {'met' if worker < GOAL_S else 'NOT met'}")
    return 0 if worker < GOAL_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
