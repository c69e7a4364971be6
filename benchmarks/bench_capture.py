"""Tracer overhead per call and classification throughput.

    python benchmarks/bench_capture.py [--calls 2000] [--rounds 7] [--client requests|httpx]

Overhead: the same keep-alive calls to a loopback server, untraced and traced (interleaved
batches), printed as ratios of the medians, of the fastest batches, and paired (the median of
each traced batch over the untraced batch beside it: the steadiest on a busy machine, as a
machine that slows down for a while slows both), and the tracer's CPU time per call (the client
thread's CPU time, traced minus untraced). Goal: ≤ 1.03. ``--client requests`` (the default): a
``requests.Session`` asking GitHub's API (``api.github.com``, redirected to the loopback);
``--client httpx``: a sync ``httpx.Client`` asking Forgejo's API (the loopback named as a
Forgejo instance, ``Tracer(hosts=["forgejo=127.0.0.1:PORT"])``), as pyforgejo does.
Throughput: ``Classifier.classify`` on a real stack 25 frames deep, printed as
calls/s (goal ≥ 250,000) beside a baseline of plain ``urlsplit`` on the same URLs.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import requests  # noqa: E402

from _server import start  # noqa: E402
from _timing import paired_ratio  # noqa: E402
from tracer.capture import Classifier, Tracer, handler, no_throttle, redirect_api  # noqa: E402

URLS = [
    "https://api.github.com/repos/packit/hello-world",
    "https://api.github.com/repos/packit/hello-world/contents/.packit.yaml?ref=main",
    "https://api.github.com/repos/packit/hello-world/pulls/1",
    "https://api.github.com/repos/packit/hello-world/branches/main",
    "https://api.github.com/rate_limit",
]


#: the same questions of Forgejo's API (pyforgejo's paths), for --client httpx
FORGEJO_PATHS = [
    "/api/v1/repos/packit/hello-world",
    "/api/v1/repos/packit/hello-world/contents/.packit.yaml?ref=main",
    "/api/v1/repos/packit/hello-world/pulls/1",
    "/api/v1/repos/packit/hello-world/branches/main",
    "/api/v1/version",
]
CLIENTS = ("requests", "httpx")
#: calls a batch: each batch is timed alone
BATCH = 100


def _calls(get: Callable[[str], Any], urls: list[str], n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        get(urls[i % len(urls)])
    return (time.perf_counter() - start) / n


class GcClock:
    """The garbage collector's time and collections, per generation, while installed
    (``gc.callbacks``)::

        with GcClock() as gc_time:
            work()
        gc_time.seconds, gc_time.collections   # [gen0, gen1, gen2] each
    """

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.collections = [0, 0, 0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self._start
            self.collections[info["generation"]] += 1

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def overhead(calls: int, rounds: int, batch: int = BATCH, client: str = "requests",
             gc_clocks: dict[str, GcClock] | None = None,
             reads: list[float] | None = None) -> tuple[list[float], list[float], float]:
    """Seconds per call of each batch, untraced and traced, over alternating batches (ABBA
    order), and the tracer's CPU seconds per call in this thread; the collector's time in each
    mode's batches into ``gc_clocks`` ("plain", "traced"), and the seconds a call that reading
    the trace took (a Call made of each kept call) into ``reads``, if given."""
    server = start()
    host = f"127.0.0.1:{server.server_port}"
    base = f"http://{host}"
    if client == "httpx":
        session: Any = httpx.Client()
        urls = [base + path for path in FORGEJO_PATHS]
        tracer = Tracer(hosts=[f"forgejo={host}"])
        # the interception stays installed for the whole run, as under requests (held there by
        # the redirect), as in a process that traces: else each traced batch installs and
        # removes it, and every class it patches loses its interpreter caches each time
        redirect: Any = no_throttle()
    else:
        session = requests.Session()
        urls = URLS
        tracer = Tracer()
        redirect = redirect_api(base)
    get = session.get
    plain: list[float] = []
    traced: list[float] = []
    cpu = {"plain": 0.0, "traced": 0.0}

    def _calls_(n: int) -> float:
        return _calls(get, urls, n)

    clocks = gc_clocks if gc_clocks is not None else {}
    clocks.setdefault("plain", GcClock())
    clocks.setdefault("traced", GcClock())

    def plain_batch() -> float:
        start = time.thread_time()
        with clocks["plain"]:
            seconds = _calls_(batch)
        cpu["plain"] += time.thread_time() - start
        return seconds

    def traced_batch() -> float:
        start = time.thread_time()
        with tracer, handler("bench", event="bench"), clocks["traced"]:
            seconds = _calls_(batch)
        cpu["traced"] += time.thread_time() - start
        return seconds

    with redirect:
        _calls_(300)  # warm up
        # the start-up's garbage collected now: a full collection it was due would land in
        # whichever batch runs then (37 ms: 5 µs a call of the run), whatever the tracer does
        gc.collect()
        for r in range(rounds * max(1, calls // batch // 2)):
            if r % 2:
                traced.append(traced_batch())
                plain.append(plain_batch())
            else:
                plain.append(plain_batch())
                traced.append(traced_batch())
    read_start = time.perf_counter()
    trace = tracer.trace()  # the calls are made Calls when read: once, after every batch
    if reads is not None:
        reads.append((time.perf_counter() - read_start) / len(trace.all_calls()))
    view = trace if client == "requests" else trace.on("forgejo")
    assert view.requests == batch * len(traced) and not view.elsewhere, "every traced call seen, on the forge's API"
    session.close()
    server.shutdown()
    return plain, traced, (cpu["traced"] - cpu["plain"]) / (batch * len(traced))


def _deep(depth: int, fn):  # builds a real stack to classify from
    return fn() if depth == 0 else _deep(depth - 1, fn)


def classification(n: int) -> tuple[float, float]:
    classifier = Classifier()

    def classify_loop() -> float:
        start = time.perf_counter()
        for i in range(n):
            classifier.classify("GET", URLS[i % len(URLS)])
        return n / (time.perf_counter() - start)

    def baseline_loop() -> float:
        start = time.perf_counter()
        for i in range(n):
            urlsplit(URLS[i % len(URLS)]).path
        return n / (time.perf_counter() - start)

    return _deep(25, classify_loop), _deep(25, baseline_loop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--client", choices=CLIENTS, default="requests",
                        help="the HTTP client whose calls are traced (default: requests)")
    args = parser.parse_args()
    rate, base = classification(200_000)  # first: each measurement from a fresh process state
    clocks: dict[str, GcClock] = {}
    reads: list[float] = []
    plain, traced, cpu = overhead(args.calls, args.rounds, client=args.client, gc_clocks=clocks, reads=reads)
    print(f"client              {args.client}")
    p, t = statistics.median(plain), statistics.median(traced)
    print(f"per call, untraced  {p * 1e6:8.1f} µs median, {min(plain) * 1e6:8.1f} µs fastest batch")
    print(f"per call, traced    {t * 1e6:8.1f} µs median, {min(traced) * 1e6:8.1f} µs fastest batch")
    print(f"overhead ratio      {t / p:8.3f} of the medians, {min(traced) / min(plain):.3f} of the fastest, "
          f"{paired_ratio(traced, plain):.3f} paired (the median of each traced batch over the untraced batch "
          f"beside it; goal <= 1.03)")
    print(f"tracer CPU per call {cpu * 1e6:8.1f} µs (this thread, traced minus untraced)")
    print(f"reading the trace   {reads[0] * 1e6:8.1f} µs a call, once (tracer.trace(): each kept call made a Call)")
    for mode, label in (("plain", "untraced"), ("traced", "traced")):
        n = len(plain if mode == "plain" else traced) * BATCH
        clock = clocks[mode]
        print(f"garbage collection  {sum(clock.seconds) / n * 1e6:8.1f} µs a call {label:8} (collections a 1000 calls, "
              f"gen 0/1/2: {'/'.join(f'{c * 1000 / n:.1f}' for c in clock.collections)})")
    print(f"classification      {rate:10,.0f} calls/s   (goal >= 250,000)")
    print(f"urlsplit baseline   {base:10,.0f} calls/s   ratio {rate / base:.2f}")


if __name__ == "__main__":
    main()
