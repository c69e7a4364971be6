"""Growth: replay time per request as a pipeline grows, drift time per run as runs grow.

    python benchmarks/bench_growth.py [--chroots 1 6 24] [--runs 13 50] [--repeat 3]

- A run of packit-service@b828c3d7 is recorded on the loopback GitHub at each --chroots; each is
  replayed (``tracer.packit.runs.replay``) --repeat times: median milliseconds per request.
- --runs copies of the shipped runs (cycled, call records kept) in one folder:
  ``api-tracer drift FOLDER --summary`` in a fresh process, median milliseconds per run.
Linear growth shows as a cost per unit that stays about the same.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from tracer.recording.manifest import find_runs
from tracer.packit.runs import record_on_loopback, replay

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_time  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chroots", type=int, nargs="+", default=[1, 6, 24])
    parser.add_argument("--runs", type=int, nargs="+", default=[13, 50])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="The RSA key is 1024 bits long")
    tmp = Path(tempfile.mkdtemp(prefix="bench-growth-"))
    try:
        print("replay, by pipeline size (packit-service@b828c3d7):")
        for n in args.chroots:
            run = tmp / f"head-{n}ch"
            record_on_loopback("HEAD", {"chroots": n}, run)
            requests = replay(run).trace.requests
            t = median_time(lambda: replay(run), args.repeat)
            print(f"  {n:>3} chroots  {requests:>6,} requests  {t * 1000:8.0f} ms  {t * 1000 / requests:6.2f} ms per request")
        shipped = find_runs([ROOT / "cassettes"])
        print("drift --summary, by number of runs (a fresh process each, imports included):")
        for count in args.runs:
            folder = tmp / f"runs-{count}"
            for i in range(count):
                shutil.copytree(shipped[i % len(shipped)], folder / f"{i:03d}-{shipped[i % len(shipped)].name}")
            command = [sys.executable, "-m", "tracer.cli", "drift", str(folder), "--summary"]
            t = median_time(lambda: subprocess.run(command, capture_output=True, check=False), args.repeat)
            print(f"  {count:>3} runs  {t * 1000:8.0f} ms  {t * 1000 / count:6.1f} ms per run")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
