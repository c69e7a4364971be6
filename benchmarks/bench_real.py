"""The real packit-service's 3-chroot pipeline: seconds to record and to replay, against the reference worker.

    API_TRACER_PACKIT_PYTHON=ENV/bin/python python benchmarks/bench_real.py --source DIR [--chroots 3] [--rounds 3]

Each round, in one run of this script: ``api-tracer record --worker packit-service`` (a fresh
packit-service process: world, throwaway PostgreSQL and Redis, import, schema, the pipeline,
recording; then its finishing replay in another fresh process), the replay alone
(``api-tracer replay``: a fresh process, its own database), and the reference worker's record
(``api-tracer record --profile HEAD``, in-process: loopback GitHub, pipeline, records from a
replay) and replay on the same knobs. Database set-up is inside every real figure. Prints medians
and the ratios real / reference; the goal is the real replay ≤ 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from tracer.packit import runs
from tracer.packit.realworker import record_real, replay_real

GOAL_REPLAY_S = 5.0


def timed(func, *args, **kwargs) -> float:
    start = time.perf_counter()
    func(*args, **kwargs)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="packit-service's source (a checkout or an unpacked archive)")
    parser.add_argument("--chroots", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--python", default=None, help="packit-service's interpreter (default: $API_TRACER_PACKIT_PYTHON)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    knobs = {"chroots": args.chroots}
    figures: dict[str, list[float]] = {"real record": [], "real replay": [], "reference record": [], "reference replay": []}
    with tempfile.TemporaryDirectory(prefix="bench-real-") as tmp:
        for i in range(args.rounds):
            real, ref = Path(tmp) / f"real-{i}", Path(tmp) / f"ref-{i}"
            figures["real record"].append(timed(record_real, real, knobs, source=args.source, python=args.python))
            figures["real replay"].append(timed(replay_real, real, python=args.python))
            figures["reference record"].append(timed(runs.record_on_loopback, "HEAD", knobs, ref))
            figures["reference replay"].append(timed(runs.replay, ref))
    med = {k: statistics.median(v) for k, v in figures.items()}
    for key, values in figures.items():
        print(f"{key:17} median {med[key]:6.2f} s   ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"record: real / reference {med['real record'] / med['reference record']:.1f} ×")
    print(f"replay: real / reference {med['real replay'] / med['reference replay']:.1f} ×")
    print(f"real replay {med['real replay']:.2f} s: goal ≤ {GOAL_REPLAY_S:.0f} s {'met' if med['real replay'] <= GOAL_REPLAY_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
