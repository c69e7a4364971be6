"""`api-tracer whatif --profile HEAD --chroots 3`, timed, against what a user would do instead.

    python benchmarks/bench_whatif.py [--profile HEAD] [--chroots 3] [--rounds 3]

Measures, in one run: the command as a user runs it (a fresh process, medians of ``--rounds``);
the same in-process (``tracer.packit.whatif.whatif``, no interpreter start-up); and the anchor: the
same variants recorded one by one with ``api-tracer record`` (one process each, the knob flags
of each variant) and compared with ``api-tracer drift DIR --summary`` — by hand, what whatif
does in one command. Prints the medians and the ratio. Goal: the command under 30 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from tracer.packit.knobs import command_flags
from tracer.packit.whatif import whatif

GOAL_S = 30.0


def cli(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tracer", *args], check=False, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="HEAD")
    parser.add_argument("--chroots", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    command = ["whatif", "--profile", args.profile, "--chroots", str(args.chroots)]

    cold = [cli(*command) for _ in range(args.rounds)]
    warm = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        result = whatif(args.profile, args.chroots)
        warm.append(time.perf_counter() - start)
    variants = [result.today, *result.ranked]

    work = Path(tempfile.mkdtemp(prefix="bench-whatif-"))
    try:
        start = time.perf_counter()
        for i, variant in enumerate(variants):
            cli("record", "--profile", args.profile, "--out", str(work / f"v{i:02d}"), *command_flags(variant.knobs.as_dict()))
        cli("drift", str(work), "--summary")
        by_hand = time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)

    report = {
        "command": "api-tracer " + " ".join(command),
        "variants": len(variants),
        "whatif_cli_s": round(statistics.median(cold), 2),
        "whatif_in_process_s": round(statistics.median(warm), 2),
        "by_hand_s": round(by_hand, 2),
        "by_hand_over_whatif": round(by_hand / statistics.median(cold), 1),
        "goal_s": GOAL_S,
        "within_goal": statistics.median(cold) < GOAL_S,
    }
    print(json.dumps(report, indent=2))
    print(f"api-tracer {' '.join(command)}: {report['whatif_cli_s']} s for {len(variants)} runs "
          f"({report['whatif_in_process_s']} s in-process); by hand with record + drift: {report['by_hand_s']} s "
          f"({report['by_hand_over_whatif']}× slower); goal {GOAL_S:g} s: {'met' if report['within_goal'] else 'MISSED'}")
    return 0 if report["within_goal"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
