"""Output that fits where it goes, and one convention for every command: a GitHub comment's
limit, a terminal's width, colour and progress on a terminal only, the readable default of
`drift cassettes/`, per-run totals in stats and replay, one JSON header, --out, --version,
completion. Terminals are real pseudo-terminals."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from paths import CASSETTES, ROOT
from tracer.cli import COMMANDS, build_parser, main
from tracer.document import GITHUB_COMMENT_LIMIT

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "API_TRACER_DEBUG")}
    return {**env, **extra}


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracer", *args], capture_output=True, text=True, cwd=ROOT,
                          env=_env(**env), timeout=300)


def _on_terminal(*args: str, columns: int = 100, stderr_too: bool = True, **env: str) -> tuple[int, str, str]:
    """Run with stdout (and stderr) on a pseudo-terminal ``columns`` wide: (exit, terminal, stderr)."""
    import fcntl
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "tracer", *args], stdout=slave,
                            stderr=slave if stderr_too else subprocess.PIPE, cwd=ROOT, env=_env(**env))
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = "" if stderr_too else proc.stderr.read().decode()
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace"), err


def test_drift_github_fits_one_comment_with_a_summary_first() -> None:
    res = _cli("drift", str(CASSETTES), "--format", "github")
    assert res.returncode == 1, res.stderr
    text = res.stdout.rstrip("\n")
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.index("### Summary") < text.index("<details>")  # the summary, then runs collapsed
    assert "more sections left out: a GitHub comment holds 65,536 characters" in text
    assert "head-6ch" in text.split("left out")[-1]  # the runs left out are named
    assert text.splitlines()[-1] == "**drift: 359 of 556 figures outside 0% (20 runs)**"
    assert text.count("<details>") == text.count("</details>")


def test_drift_of_many_runs_is_readable_and_summary_keeps_its_meaning() -> None:
    default, summary, details = (_cli("drift", str(CASSETTES), *extra) for extra in ([], ["--summary"], ["--details"]))
    assert default.returncode == summary.returncode == details.returncode == 1
    lines = default.stdout.splitlines()
    assert len(lines) < 150 < len(details.stdout.splitlines())
    assert lines[0] == "Summary" and "Largest differences per run" in default.stdout
    assert "--details" in default.stdout and "Largest differences" not in summary.stdout
    assert summary.stdout.splitlines()[-1] == lines[-1] == details.stdout.splitlines()[-1]
    assert "Run c-3ch (packit-service@bc1f66bb)" in details.stdout and "Run c-3ch " not in default.stdout


def test_drift_and_stats_list_events_in_one_order() -> None:
    drift = _cli("drift", str(CASSETTES / "c-3ch"))
    stats = _cli("stats", str(CASSETTES / "c-3ch"))

    def events(text: str, start: str) -> list[str]:
        block = text.split(start, 1)[1].split("\n\n", 1)[0].splitlines()[2:]
        return [re.split(r"\s{2,}", line.strip())[0].rstrip(" †") for line in block
                if line.strip() and not line.startswith(("TOTAL", "total"))]

    in_drift = events(drift.stdout, "event                private")
    in_stats = events(stats.stdout, "event                  is_project_private")
    assert in_drift == in_stats and in_drift.index("Tests submitted") == in_drift.index("Tests started") - 1


def test_wide_tables_narrow_to_the_terminal() -> None:
    code, screen, _ = _on_terminal("drift", str(CASSETTES), "--summary", columns=100)
    assert code == 1
    widths = [len(ANSI.sub("", line.rstrip("\r"))) for line in screen.splitlines()]
    assert max(widths) <= 100
    # the same to a pipe: as wide as it is (scripts read it)
    assert max(len(line) for line in _cli("drift", str(CASSETTES), "--summary").stdout.splitlines()) > 200


def test_a_table_fits_exactly_at_the_boundary() -> None:
    from tracer.document import table, text_width

    rows = [["a cell of several words", "x"], ["short", "y"]]
    wide = table(rows, ["text", "n"])
    natural = text_width(wide)
    assert table(rows, ["text", "n"], width=natural) == wide  # exactly wide enough: unchanged
    narrowed = table(rows, ["text", "n"], width=natural - 1)
    assert narrowed != wide and text_width(narrowed) <= natural - 1


def test_colour_on_a_terminal_only_and_never_with_no_color() -> None:
    code, screen, _ = _on_terminal("drift", str(CASSETTES), "--summary")
    assert code == 1 and "\x1b[1;31mdrift: 359 of 556" in screen
    code, screen, _ = _on_terminal("drift", str(CASSETTES), "--summary", NO_COLOR="1")
    assert code == 1 and "\x1b[" not in screen
    assert "\x1b[" not in _cli("drift", str(CASSETTES), "--summary").stdout


def test_progress_on_stderr_on_a_terminal_only(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    for name in ("c-3ch", "head-3ch"):
        os.symlink(CASSETTES / name, runs / name)
    code, screen, _ = _on_terminal("replay", str(runs))
    assert code == 0 and "replaying" in screen and "2/2" in screen
    piped = _cli("replay", str(runs))
    assert piped.returncode == 0 and piped.stderr == ""  # no bar into a pipe or a file


def test_stats_and_replay_list_runs_with_a_total(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    for name in ("c-3ch", "head-3ch"):
        os.symlink(CASSETTES / name, runs / name)
    stats, replay = _cli("stats", str(runs)), _cli("replay", str(runs))
    for res in (stats, replay):
        assert res.returncode == 0, res.stderr
        rows = {line.split()[0]: line.split()[1:4] for line in res.stdout.splitlines()
                if line.startswith(("c-3ch", "head-3ch", "TOTAL"))}
        assert rows == {"c-3ch": ["147", "147", "147"], "head-3ch": ["111", "111", "92"],
                        "TOTAL": ["258", "258", "239"]}
    for command in ("stats", "replay"):
        doc = json.loads(_cli(command, str(runs), "--format", "json").stdout)
        assert (doc["format"], doc["version"]) == (f"api-tracer/{command}", 1)
        assert [r["meta"]["name"] for r in doc["runs"]] == ["c-3ch", "head-3ch"]
        assert (doc["total"]["runs"], doc["total"]["requests"], doc["total"]["charged"]) == (2, 258, 239)


def test_every_json_document_has_one_header(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (tmp_path / "r.yaml").write_text((ROOT / "tests" / "data" / "ogr" / next(
        p.name for p in (ROOT / "tests" / "data" / "ogr").glob("*.yaml"))).read_text())
    documents = {
        "model": ["model"], "scenarios": ["model", "--scenarios"], "drift": ["drift", str(CASSETTES / "c-3ch")],
        "stats": ["stats", str(CASSETTES / "c-3ch")], "replay": ["replay", str(CASSETTES / "c-3ch")],
        "scan": ["scan", str(CASSETTES / "c-3ch")],
        "import-requre": ["import-requre", str(tmp_path / "r.yaml"), "--out", str(out)],
    }
    for name, args in documents.items():
        res = _cli(*args, "--format", "json")
        doc = json.loads(res.stdout)
        assert doc["format"] == f"api-tracer/{name}" and isinstance(doc["version"], int), (name, res.stderr)
        assert "schema" not in doc


def test_every_command_takes_format_and_out_is_the_one_spelling() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        options = {o for a in command._actions for o in a.option_strings}
        if name != "fakehub":
            assert "--format" in options, name
        assert "--save" not in {o for a in command._actions if a.help != "==SUPPRESS==" for o in a.option_strings}
    assert len(sub.choices) == len(COMMANDS)


def test_save_still_works_as_a_deprecated_out(tmp_path: Path, capsys) -> None:
    assert main(["replay", str(CASSETTES / "c-3ch"), "--save", str(tmp_path / "t")]) == 0
    assert "--save is deprecated, use --out" in capsys.readouterr().err
    assert (tmp_path / "t" / "c-3ch.trace.json").is_file()


def test_version_help_and_completion() -> None:
    res = _cli("--version")
    assert res.returncode == 0 and res.stdout.startswith("api-tracer ")
    help_text = _cli("--help").stdout
    assert "--version" in help_text and "--print-completion" in help_text
    assert "argument parsing" not in help_text
    completion = _cli("--print-completion", "bash").stdout
    script = ("source /dev/stdin; COMP_WORDS=(api-tracer drift --sum); COMP_CWORD=2; "
              "_shtab_api_tracer; echo \"${COMPREPLY[*]}\"")
    done = subprocess.run(["bash", "-c", script], input=completion, capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "--summary", done.stderr


def test_help_imports_no_command_s_work() -> None:
    code = ("import sys\nfrom tracer.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ogr', 'github', 'vcr', 'matplotlib',"
            " 'requests', 'tabulate', 'tqdm') or m.startswith(('tracer.packit.worker', 'tracer.capture',"
            " 'tracer.recording.secrets'))), file=sys.stderr)")  # the knobs' declaration (data) may load
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.stderr.strip() == "[]"


def test_whatif_chart_is_readable(tmp_path: Path) -> None:
    """Long changes on several lines; the title inside the image (not cut by the edge)."""
    pytest.importorskip("matplotlib")
    from tracer.packit.whatif.render import chart_label

    label = chart_label("build-flags-only + project-per-pipeline + cache-target-branch + no-spec-search")
    lines = label.splitlines()
    assert max(len(line) for line in lines) <= 34 and len(lines) == 4
    assert all(line.startswith("+ ") for line in lines[1:])  # broken between fixes, never inside one
