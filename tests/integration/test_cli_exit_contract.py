"""The exit contract under pipes, full disks, bad chart paths and Ctrl-C (README "Exit codes"),
each row of issue 22's table re-run with real subprocesses, real signals and /dev/full."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paths import CASSETTES, ROOT
from tracer.cli.exitcodes import BAD_INPUT, INTERRUPTED, VERDICT

FULL = Path("/dev/full")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("API_TRACER_DEBUG", "NO_COLOR")}
    return {**env, **extra}


def _cli(*args: str, stdout: object = subprocess.PIPE, env: dict[str, str] | None = None,
         cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracer", *args], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, cwd=cwd, env=env or _env(), timeout=300)


def _one_line(stderr: str, *needles: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [
    ["drift", str(CASSETTES), "--summary"],
    ["drift", str(CASSETTES / "c-3ch"), "--format", "json"],
    ["stats", str(CASSETTES / "c-3ch")],
    ["scan", str(CASSETTES / "c-3ch")],
])
def test_a_full_device_is_exit_2_in_one_line(args: list[str]) -> None:
    with FULL.open("w") as full:
        res = _cli(*args, stdout=full)
    assert res.returncode == BAD_INPUT, res.stderr
    _one_line(res.stderr, f"api-tracer {args[0]}: error: cannot write the output (stdout: /dev/full)",
              "No space left on device")


@pytest.mark.parametrize("args", [["drift", str(CASSETTES), "--details"], ["drift", str(CASSETTES)]])
def test_a_pipe_closed_early_keeps_the_verdict(args: list[str]) -> None:
    """``api-tracer drift cassettes/ | head -1``: the reader goes after one line; exit 1 stays."""
    proc = subprocess.Popen([sys.executable, "-m", "tracer", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env=_env())
    first = proc.stdout.readline()
    proc.stdout.close()  # as head -1 does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == VERDICT, err
    assert first.startswith(b"Summary") and err == ""


def test_head_in_a_shell_pipeline_keeps_the_verdict() -> None:
    script = f'{sys.executable} -m tracer drift "{CASSETTES}" --details | head -1; exit "${{PIPESTATUS[0]}}"'
    res = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=120)
    assert res.returncode == VERDICT and res.stdout == "Summary\n" and res.stderr == ""


@pytest.mark.parametrize("command", [
    ["model"], ["drift", str(CASSETTES)], ["whatif", "--profile", "HEAD"],
])
def test_a_chart_in_a_missing_folder_is_exit_2_before_any_work(tmp_path: Path, command: list[str]) -> None:
    cache = tmp_path / "cache"
    res = _cli(*command, "--chart", str(tmp_path / "nodir" / "x.png"), env=_env(API_TRACER_CACHE=str(cache)))
    assert res.returncode == BAD_INPUT and res.stdout == ""  # no report: nothing was done
    _one_line(res.stderr, "argument --chart:", "nodir/x.png: no such folder")
    assert not cache.exists() and not (tmp_path / "nodir").exists()  # whatif ran no variant


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux)")
def test_a_chart_to_a_full_device_is_exit_2_never_written() -> None:
    pytest.importorskip("matplotlib")
    res = _cli("model", "--chart", str(FULL))
    assert res.returncode == BAD_INPUT, res.stderr
    assert "Chart written" not in res.stdout
    _one_line(res.stderr, "api-tracer model: error: cannot write chart /dev/full: No space left on device")


def _partial(out: Path) -> bool:
    return any(p.name.startswith(f".{out.name}.partial-") for p in out.parent.iterdir())


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8, 1.5])
def test_ctrl_c_during_record_is_130_without_a_traceback(tmp_path: Path, delay: float) -> None:
    """Ctrl-C at several moments of a recording (the loopback server's threads mid-request)."""
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "tracer", "record", "--profile", "HEAD", "--chroots", "3",
                             "--auth", "app", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=_env())
    try:
        deadline = time.monotonic() + 120
        while not _partial(out) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # recording has started: the pipeline runs against the loopback
        time.sleep(delay)
        if proc.poll() is not None:
            pytest.skip("the recording ended before the signal (a fast machine): nothing to interrupt")
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == INTERRUPTED, stderr
    assert "Traceback" not in stderr and "Exception" not in stderr, stderr
    assert stderr.strip() == "api-tracer record: interrupted"
    assert not out.exists() or (out / "manifest.yaml").is_file()  # never half a run
