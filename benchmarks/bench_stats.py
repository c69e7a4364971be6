"""``stats`` on 10,000 interactions against ``json.loads`` of the same interactions.

    python benchmarks/bench_stats.py [--interactions 10000] [--repeat 5]

The shipped runs' interactions, repeated to --interactions, are written as loose cassettes
(no manifest, no call records: ``stats`` must read every one) in vcrpy's JSON serializer format
and, for reference, in vcrpy's YAML. Medians of --repeat, in this process:
- ``json.loads`` of every JSON cassette file (read and parsed, nothing else): the anchor;
- ``trace_from_cassettes`` (what ``api-tracer stats`` runs) on the JSON cassettes: goal ≤ 2 × the anchor;
- the same on the YAML cassettes.
Then growth: stats on 1/4, 1/2 and all of them, time per interaction (linear: about constant).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from tracer.recording.cassette_io import load_cassette, write_cassette_atomic
from tracer.recording.manifest import Manifest, find_runs
from tracer.recording.stats import trace_from_cassettes

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_time  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PER_FILE = 50


def interactions(wanted: int) -> list[dict]:
    shipped = [i for run in find_runs([ROOT / "cassettes"]) for e in Manifest.load(run).cassettes
               for i in load_cassette(run / e.file)["interactions"]]
    return [shipped[k % len(shipped)] for k in range(wanted)]


def write(folder: Path, items: list[dict], suffix: str) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for start in range(0, len(items), PER_FILE):
        path = folder / f"{start // PER_FILE:05d}.{suffix}"
        write_cassette_atomic(path, {"interactions": items[start:start + PER_FILE], "version": 1})
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    items = interactions(args.interactions)
    tmp = Path(tempfile.mkdtemp(prefix="bench-stats-"))
    try:
        json_files = write(tmp / "json", items, "json")
        write(tmp / "yaml", items, "yaml")
        size = sum(p.stat().st_size for p in json_files)
        loads = median_time(lambda: [json.loads(p.read_text()) for p in json_files], args.repeat)
        stats_json = median_time(lambda: trace_from_cassettes([tmp / "json"]), args.repeat)
        stats_yaml = median_time(lambda: trace_from_cassettes([tmp / "yaml"]), max(1, args.repeat // 2))
        assert trace_from_cassettes([tmp / "json"]).requests == len(items)
        print(f"{len(items):,} interactions in {len(json_files)} cassettes ({size / 1e6:.1f} MB of JSON), medians")
        print(f"json.loads of the JSON cassettes   {loads * 1000:8.0f} ms")
        print(f"stats on the JSON cassettes        {stats_json * 1000:8.0f} ms   ratio {stats_json / loads:.2f} (goal <= 2)")
        print(f"stats on the YAML cassettes        {stats_yaml * 1000:8.0f} ms   ratio {stats_yaml / loads:.2f}")
        print("growth (stats on the JSON cassettes, µs per interaction):")
        for part in (4, 2, 1):
            subset = tmp / f"part{part}"
            subset.mkdir()
            for p in json_files[: len(json_files) // part]:
                shutil.copy(p, subset / p.name)
            n = len(json_files[: len(json_files) // part]) * PER_FILE
            t = median_time(lambda: trace_from_cassettes([subset]), args.repeat)
            print(f"  {n:>7,} interactions  {t * 1e6 / n:8.1f} µs each")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
