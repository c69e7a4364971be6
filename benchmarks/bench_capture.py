"""Tracer overhead per call and classification throughput.

    python benchmarks/bench_capture.py [--calls 2000] [--rounds 7]

Overhead: the same keep-alive ``requests`` calls to a loopback server, untraced
and traced (interleaved rounds, medians), printed as a ratio (goal ≤ 1.05).
Throughput: ``Classifier.classify`` on a real stack 25 frames deep, printed as
calls/s (goal ≥ 100,000) beside a baseline of plain ``urlsplit`` on the same URLs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402

from _server import start  # noqa: E402
from tracer.capture import Classifier, Tracer, handler, redirect_api  # noqa: E402

URLS = [
    "https://api.github.com/repos/packit/hello-world",
    "https://api.github.com/repos/packit/hello-world/contents/.packit.yaml?ref=main",
    "https://api.github.com/repos/packit/hello-world/pulls/1",
    "https://api.github.com/repos/packit/hello-world/branches/main",
    "https://api.github.com/rate_limit",
]


def _calls(session: requests.Session, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        session.get(URLS[i % len(URLS)])
    return (time.perf_counter() - start) / n


def overhead(calls: int, rounds: int, batch: int = 100) -> tuple[float, float]:
    """Median seconds per call, untraced and traced, over alternating batches (ABBA order)."""
    server = start()
    base = f"http://127.0.0.1:{server.server_port}"
    session = requests.Session()
    plain: list[float] = []
    traced: list[float] = []
    tracer = Tracer()

    def traced_batch() -> float:
        with tracer, handler("bench", event="bench"):
            return _calls(session, batch)

    with redirect_api(base):
        _calls(session, 300)  # warm up
        for r in range(rounds * max(1, calls // batch // 2)):
            if r % 2:
                traced.append(traced_batch())
                plain.append(_calls(session, batch))
            else:
                plain.append(_calls(session, batch))
                traced.append(traced_batch())
    assert tracer.trace().requests == batch * len(traced)
    server.shutdown()
    return statistics.median(plain), statistics.median(traced)


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
    args = parser.parse_args()
    plain, traced = overhead(args.calls, args.rounds)
    print(f"per call, untraced  {plain * 1e6:8.1f} µs")
    print(f"per call, traced    {traced * 1e6:8.1f} µs")
    print(f"overhead ratio      {traced / plain:8.3f}   (goal <= 1.05)")
    rate, base = classification(200_000)
    print(f"classification      {rate:10,.0f} calls/s   (goal >= 100,000)")
    print(f"urlsplit baseline   {base:10,.0f} calls/s   ratio {rate / base:.2f}")


if __name__ == "__main__":
    main()
