"""The exit-code contract of every command (README "Exit codes"): 0 ok, 1 a verdict, 2 bad
input, 3 a bug; one line on stderr, the traceback only with --debug."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from paths import CASSETTES
from tracer.cli import build_parser, main
from tracer.cli.exitcodes import BAD_INPUT, INTERNAL_ERROR

SHIPPED = CASSETTES
COMMANDS = ("model", "drift", "record", "replay", "stats", "scan", "import-requre", "fakehub")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "API_TRACER_DEBUG"}
    return subprocess.run([sys.executable, "-m", "tracer", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_every_command_takes_debug() -> None:
    parser = build_parser()
    for command in COMMANDS:
        assert parser.parse_args(_minimal(command) + ["--debug"]).debug is True


def _minimal(command: str) -> list[str]:
    return {
        "drift": ["drift", "x"], "record": ["record", "--profile", "C", "--out", "nowhere-run"],
        "replay": ["replay", "x"], "stats": ["stats", "x"], "scan": ["scan", "x"],
        "import-requre": ["import-requre", "x", "--out", "nowhere-out"],
    }.get(command, [command])


def test_a_bug_is_exit_3_one_line_and_no_traceback(monkeypatch, capsys) -> None:
    import tracer.cli.stats as stats

    def broken(args):  # an internal failure that is not the user's input
        return {}["missing"]

    monkeypatch.setattr(stats, "run", broken)
    assert main(["stats", "x"]) == INTERNAL_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("api-tracer stats: internal error (a bug in api-tracer, please report it): KeyError")
    assert "--debug" in err
    assert main(["stats", "x", "--debug"]) == INTERNAL_ERROR
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.splitlines()[-1].startswith("api-tracer stats: internal")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["record", "--profile", "C", "--out", ""], "argument --out: expected a folder path, got an empty string"),
        (["record", "--profile", "C", "--out", "a-file"], "a-file: exists and is a file; refusing to replace it"),
        (["record", "--profile", "C", "--out", "a-file/run"], "is a file, not a folder"),
        (["record", "--profile", "C", "--out", "."], "name a run folder of its own"),
        (["replay", "cassettes", "--save", "a-file"], "argument --save: a-file: is a file, not a folder"),
        (["replay", "cassettes", "--save", ""], "argument --save: expected a folder path"),
        (["import-requre", "x.yaml", "--out", "a-file"], "argument --out: a-file: is a file, not a folder"),
        (["drift", str(SHIPPED), "--chart", ""], "argument --chart: expected a file path"),
        (["drift", str(SHIPPED), "--chart", "a-file/x.png"], "argument --chart: .*is a file, not a folder"),
    ],
)
def test_an_invalid_output_path_is_exit_2_before_any_work(tmp_path, args, message) -> None:
    (tmp_path / "a-file").write_text("kept\n")
    res = _cli(*args, cwd=tmp_path)
    assert res.returncode == BAD_INPUT, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    import re

    assert re.search(message, lines[0]), lines[0]
    assert (tmp_path / "a-file").read_text() == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing written
