"""`api-tracer whatif --profile HEAD --chroots 3`, timed: a repeat (each variant's call records
kept) against the cold run (every variant run on the loopback GitHub), in the same run.

    python benchmarks/bench_whatif.py [--profile HEAD] [--chroots 3] [--rounds 3] [--by-hand]

Measures, in one run, each as a user runs it (a fresh process, medians of ``--rounds``, in a
cache folder of its own): cold, ``--no-cache`` (what every whatif did before its records were
kept); warm, a repeat with nothing changed. Goals: the repeat within 1 s, the cold run under
30 s. ``--by-hand`` adds the anchor of what whatif saves a user: the same variants recorded one
by one with ``api-tracer record`` and compared with ``api-tracer drift DIR --summary``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

GOAL_S = 30.0
#: a repeat with nothing changed
GOAL_REPEAT_S = 1.0


def cli(*args: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tracer", *args], check=False, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="HEAD")
    parser.add_argument("--chroots", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--by-hand", action="store_true", help="also time record + drift by hand (minutes)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    command = ["whatif", "--profile", args.profile, "--chroots", str(args.chroots)]
    cache = Path(tempfile.mkdtemp(prefix="bench-whatif-cache-"))
    env = {**os.environ, "API_TRACER_CACHE": str(cache)}
    try:
        cold, warm = [], []
        for _ in range(args.rounds):  # interleaved: a cold run, then the repeat it makes possible
            shutil.rmtree(cache / "whatif", ignore_errors=True)
            cold.append(cli(*command, "--no-cache", env=env))
            cli(*command, env=env)  # fills the records
            warm.append(cli(*command, env=env))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    cold_s, warm_s = statistics.median(cold), statistics.median(warm)
    report = {
        "command": "api-tracer " + " ".join(command),
        "cold_s": round(cold_s, 2),
        "repeat_s": round(warm_s, 3),
        "repeat_over_cold": round(warm_s / cold_s, 3),
        "goal_repeat_s": GOAL_REPEAT_S,
        "goal_cold_s": GOAL_S,
        "within_goals": warm_s <= GOAL_REPEAT_S and cold_s < GOAL_S,
    }
    if args.by_hand:
        from tracer.packit.knobs import command_flags
        from tracer.packit.whatif import whatif

        result = whatif(args.profile, args.chroots)
        work = Path(tempfile.mkdtemp(prefix="bench-whatif-"))
        try:
            start = time.perf_counter()
            for i, variant in enumerate([result.today, *result.ranked]):
                cli("record", "--profile", args.profile, "--out", str(work / f"v{i:02d}"),
                    *command_flags(variant.knobs.as_dict()))
            cli("drift", str(work), "--summary")
            report["by_hand_s"] = round(time.perf_counter() - start, 2)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=2))
    print(f"api-tracer {' '.join(command)}: cold {report['cold_s']} s, a repeat {report['repeat_s']} s "
          f"({report['repeat_over_cold']} × the cold run); goals: repeat <= {GOAL_REPEAT_S:g} s, cold < {GOAL_S:g} s:"
          f" {'met' if report['within_goals'] else 'MISSED'}")
    return 0 if report["within_goals"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
