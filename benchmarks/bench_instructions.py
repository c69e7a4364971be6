"""Tracing overhead in CPU instructions, not seconds: the one figure this noisy machine repeats.

    python benchmarks/bench_instructions.py [--small 100] [--large 300] [--jobs 2]

The same keep-alive loopback calls as ``bench_capture.py`` and ``bench_live.py`` (the server in
the same process, as there), counted by valgrind's callgrind: every instruction the process
runs, whatever else the machine is doing. Each mode runs twice, ``--small`` and ``--large``
calls, in fresh processes; the difference, divided by the extra calls, is one call's cost (start
and imports cancel out). Printed per call and as ratios to the untraced call of the same client:

- requests: untraced, capture's Tracer alone, live mode (tasks of 10 calls, each task's calls
  handed to multiprocess metrics at its end and written by their flusher thread, as
  ``bench_live.py``; the last ones at the end);
- httpx: untraced and traced (Forgejo's API on the loopback, as ``bench_capture.py --client httpx``).

Instructions are not time: cache misses, page faults and the kernel are not in them. Read them
beside the wall-clock ratios of those two benchmarks. Needs valgrind (Debian's ``valgrind``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = {  # mode: (client, the untraced mode it is compared with)
    "requests untraced": ("requests", None),
    "requests Tracer": ("requests", "requests untraced"),
    "requests live": ("requests", "requests untraced"),
    "httpx untraced": ("httpx", None),
    "httpx Tracer": ("httpx", "httpx untraced"),
}
PER_TASK = 10


def child(mode: str, calls: int) -> None:
    """Make ``calls`` calls in ``mode`` (run under callgrind by :func:`count`)."""
    sys.path.insert(0, str(HERE))
    import bench_capture
    import bench_live
    import httpx
    import requests

    from _server import start
    from tracer.capture import Tracer, handler, redirect_api
    from tracer.live import LiveTracer, Metrics

    server = start()
    host = f"127.0.0.1:{server.server_port}"
    if MODES[mode][0] == "httpx":
        client: object = httpx.Client()
        urls = [f"http://{host}{path}" for path in bench_capture.FORGEJO_PATHS]
        get = client.get  # type: ignore[attr-defined]
    else:
        client = requests.Session()
        urls = bench_capture.URLS
        get = client.get  # type: ignore[attr-defined]
    metrics = Metrics.multiprocess()
    with redirect_api(f"http://{host}"):
        bench_capture._calls(get, urls, 20)  # warm: connections, caches, the route tables
        if mode.endswith("untraced"):
            bench_capture._calls(get, urls, calls)
        elif mode.endswith("Tracer"):
            tracer = Tracer(hosts=[f"forgejo={host}"], skip_sleeps=False)
            with tracer, handler("CoprBuildHandler", event="Submit Copr build"):
                bench_capture._calls(get, urls, calls)
            assert len(tracer) == calls, "every call seen"  # the trace is not read: bench_capture times that
        else:
            with LiveTracer(metrics.add_calls):
                bench_live._tasks(client, metrics, calls // PER_TASK, PER_TASK)  # type: ignore[arg-type]
            metrics.flush()
    server.shutdown()


def count(mode: str, calls: int, folder: Path) -> int:
    """Instructions of one fresh process making ``calls`` calls in ``mode``."""
    out = folder / f"{mode.replace(' ', '-')}.{calls}.out"
    env = dict(os.environ, PYTHONHASHSEED="0",
               PROMETHEUS_MULTIPROC_DIR=tempfile.mkdtemp(prefix="bench-ins-mp-", dir=folder))
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
                    "--child", mode, str(calls)], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    for line in out.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"{out}: callgrind wrote no total")


def sizes_wrong(small: int, large: int) -> str | None:
    """What is wrong with ``--small`` and ``--large`` (None: nothing)::

        sizes_wrong(100, 300)   # None
    """
    if small < 0 or small % PER_TASK or large % PER_TASK or large <= small:
        return f"--small {small} --large {large}: want 0 <= small < large, both multiples of {PER_TASK}"
    return None


def fail(message: str) -> None:
    """One line on standard error, exit 2 (bad input)."""
    print(f"bench_instructions: {message}", file=sys.stderr)
    sys.exit(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2, help="processes under valgrind at once")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] not in MODES or not args.child[1].isdigit():
            fail(f"--child MODE CALLS: MODE one of {', '.join(MODES)}, CALLS a count")
        child(args.child[0], int(args.child[1]))
        return
    wrong = sizes_wrong(args.small, args.large)
    if wrong:
        fail(wrong)
    if shutil.which("valgrind") is None:
        fail("needs valgrind (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="bench-ins-") as tmp, ThreadPoolExecutor(args.jobs) as pool:
        runs = {(m, n): pool.submit(count, m, n, Path(tmp)) for m in MODES for n in (args.small, args.large)}
        per_call = {m: (runs[m, args.large].result() - runs[m, args.small].result()) / (args.large - args.small)
                    for m in MODES}
    for mode, (_, base) in MODES.items():
        ratio = f"  {per_call[mode] / per_call[base]:.3f} of untraced (+{per_call[mode] - per_call[base]:,.0f})" if base else ""
        print(f"{mode:18} {per_call[mode]:12,.0f} instructions a call{ratio}")


if __name__ == "__main__":
    main()
