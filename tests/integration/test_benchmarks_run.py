"""The overhead benchmarks still run (they import each other's pieces, and once rotted unseen):
each at its smallest size, in a fresh process, printing its ratio lines. No figure is checked:
timings are the benchmarks' business, on a quiet machine."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from paths import ROOT

BENCH = ROOT / "benchmarks"


def run(*args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_bench_capture_runs(client: str) -> None:
    out = run(str(BENCH / "bench_capture.py"), "--calls", "200", "--rounds", "1", "--client", client)
    assert f"client              {client}" in out and "overhead ratio" in out


def test_bench_live_runs() -> None:
    out = run(str(BENCH / "bench_live.py"), "--rounds", "1", "--small", "1", "--large", "2")
    assert "live mode overhead ratio" in out and "growth 1 -> 2 pipelines" in out


@pytest.mark.parametrize("mode", ["requests live", "httpx Tracer"])
def test_bench_instructions_child_runs(mode: str, tmp_path) -> None:
    """The part valgrind runs (valgrind itself is too slow for the suite)."""
    run(str(BENCH / "bench_instructions.py"), "--child", mode, "20", env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})


def test_bench_instructions_sizes_at_their_boundaries() -> None:
    """--small < --large, both multiples of the task size: a one-line error and exit 2 otherwise."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_instructions", BENCH / "bench_instructions.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.sizes_wrong(0, 10) is None and bench.sizes_wrong(290, 300) is None
    assert bench.sizes_wrong(300, 300) and bench.sizes_wrong(-10, 300)
    assert bench.sizes_wrong(105, 300) and bench.sizes_wrong(100, 305)
    proc = subprocess.run([sys.executable, str(BENCH / "bench_instructions.py"), "--small", "300", "--large", "300"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
