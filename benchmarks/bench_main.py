"""The main job, as a user runs it: ``api-tracer drift cassettes/ --summary`` against
``api-tracer stats cassettes/`` on the same runs, and against the drift of a replay.

    python benchmarks/bench_main.py [PATH] [--repeat 7]

Each command runs in a fresh process (imports included, as a user waits for it), interleaved,
--repeat times; medians. Goals: drift well under a second, drift ≤ 1.2 × stats. ``drift --replay``
(every run re-executed through the worker: the proof) is shown for reference, and the report
of both drift paths is checked to be the same.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tracer.cli", *args], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=ROOT / "cassettes")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    commands = {
        "drift --summary": ["drift", str(args.path), "--summary"],
        "stats": ["stats", str(args.path)],
        "drift --summary --replay": ["drift", str(args.path), "--summary", "--replay"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    outputs: dict[str, str] = {}
    for round_ in range(args.repeat):
        for name, command in commands.items():
            if name.endswith("--replay") and round_ >= 3:
                continue  # the slow reference: three rounds are enough
            elapsed, outputs[name] = timed(command)
            times[name].append(elapsed)
    assert outputs["drift --summary"] == outputs["drift --summary --replay"], "drift from records differs from a replay"
    median = {name: statistics.median(t) for name, t in times.items()}
    for name, m in median.items():
        print(f"api-tracer {name:<26} {m * 1000:8.0f} ms   (median of {len(times[name])})")
    print(f"ratio drift / stats                 {median['drift --summary'] / median['stats']:8.2f}   (goal <= 1.2)")
    print(f"ratio drift / drift --replay        {median['drift --summary'] / median['drift --summary --replay']:8.2f}")
    print("drift from call records and drift --replay print the same report")


if __name__ == "__main__":
    main()
