"""`api-tracer drift` end to end: exit codes, formats, chart, one-line errors (in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drift_traces import PUBLISHED, REPO, model_trace, worker_at_c, write_trace
from paths import ROOT
from tracer.capture import Trace
from tracer.packit.model import Scenario, grand_total

ROOT = ROOT


def drift(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracer", "drift", *map(str, argv)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


@pytest.fixture
def equal(tmp_path: Path) -> Path:
    return write_trace(tmp_path / "equal.json", model_trace(Scenario()).trace(), "equal", PUBLISHED)


@pytest.fixture
def extra(tmp_path: Path) -> Path:
    b = model_trace(Scenario())
    b.add("RPM build finished", "CoprBuildEndHandler", "set_status", "POST", REPO + "/check-runs")
    return write_trace(tmp_path / "extra.json", b.trace(), "extra", PUBLISHED)


def test_equal_to_the_model_exits_0(equal: Path) -> None:
    res = drift(equal)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[-1].startswith("no drift beyond 0% (")
    assert "Figures outside" not in res.stdout
    total = next(l for l in lines if l.startswith("TOTAL") and "/" in l)
    assert total.split()[-3:] == [str(grand_total(Scenario())), "/", str(grand_total(Scenario()))]


def test_one_extra_call_exits_1_and_is_named(extra: Path) -> None:
    res = drift(extra)
    assert res.returncode == 1, res.stderr
    assert res.stderr == ""
    lines = res.stdout.splitlines()
    event = lines.index("  RPM build finished")
    named = lines[event + 1]
    assert named.strip().startswith("set_status: model 6, measured 7 (+1")
    assert "POST /repos/{owner}/{repo}/check-runs (CoprBuildEndHandler)" in named
    assert lines[-1].startswith("drift: 3 of ") and "outside 0%" in lines[-1]


def test_tolerance_and_exit_codes(tmp_path: Path) -> None:
    scenario = Scenario(chroots=25, load_packit_yaml=1)
    b = model_trace(scenario)
    b.add("SRPM build started", "CoprBuildStartHandler", "load_packit_yaml", "GET", REPO + "/contents/{path+}")
    path = write_trace(tmp_path / "four.json", b.trace(), "four-percent", scenario.as_dict())
    ok = drift(path, "--tolerance", "5")
    assert ok.returncode == 0 and ok.stdout.splitlines()[-1].startswith("no drift beyond 5%")
    bad = drift(path, "--tolerance", "3")
    assert bad.returncode == 1 and bad.stdout.splitlines()[-1].startswith("drift: 1 of ")
    assert "load_packit_yaml: model 25, measured 26 (+1, +4.0%)" in bad.stdout


def test_json_format_round_trips(extra: Path, tmp_path: Path) -> None:
    runs = [write_trace(tmp_path / f"c{n}.json", worker_at_c(n).trace(), f"c{n}", {**PUBLISHED, "chroots": n},
                        profile="packit-service@bc1f66bb", knobs={"chroots": n}) for n in (1, 3, 5)]
    res = drift(*runs, extra, "--format", "json", "--measure", "charged")
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)
    assert (doc["format"], doc["version"]) == ("api-tracer/drift", 2) and doc["measure"] == "charged"
    assert [r["name"] for r in doc["runs"]] == ["c1", "c3", "c5", "extra"]
    assert doc["runs"][1]["totals"]["total"] == {"model": 120, "requests": 147, "charged": 147}
    rpm_end = next(e for e in doc["runs"][3]["events"] if e["event"] == "RPM build finished")
    assert rpm_end["cells"]["set_status"]["measured"] == 7
    assert [g for g in rpm_end["calls"] if g["category"] == "set_status"] == [{"category": "set_status", "endpoint": "POST /repos/{owner}/{repo}/check-runs",
                                 "handler": "CoprBuildEndHandler", "requests": 7, "charged": 7}]
    [fit] = doc["fits"]
    assert fit["chroots"] == [1, 3, 5] and fit["lines"]["total"]["charged"]["text"] == "18 + 43·N"
    assert doc["verdict"]["drift"] is True and doc["chart"] is None


def test_github_format_and_run_selection(extra: Path, equal: Path) -> None:
    res = drift(extra, equal, "--format", "github", "--run", "equal")
    assert res.returncode == 0, res.stderr
    assert "### Run equal" in res.stdout and "Run extra" not in res.stdout
    assert "| event " in res.stdout and "|----" in res.stdout
    assert res.stdout.splitlines()[-1].startswith("**no drift beyond 0%")


def test_chart_is_a_png(extra: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "drift.png"
    res = drift(extra, "--chart", png)
    assert res.returncode == 1, res.stderr
    assert png.read_bytes()[:4] == b"\x89PNG" and f"Chart written to {png}" in res.stdout


def _one_line_error(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("api-tracer drift: error: ")
    assert "Traceback" not in res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_bad_inputs_are_one_line_errors(tmp_path: Path, equal: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    no_manifest = tmp_path / "run-without-manifest"
    no_manifest.mkdir()
    (no_manifest / "001-pr-is-updated-process_message.yaml").write_text("interactions: []\n")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "something-else", "calls": []}))
    not_json = tmp_path / "broken.json"
    not_json.write_text("{")
    no_model = write_trace(tmp_path / "nomodel.json", Trace(), "nomodel", None)
    bad_model = write_trace(tmp_path / "badmodel.json", Trace(), "bad", {"chroots": -1})
    bad_rules = tmp_path / "rules.yaml"
    bad_rules.write_text("format: api-tracer/drift-explanations\nversion: 1\nexplanations: [{id: x}]\n")
    cases: list[tuple[tuple[str | Path, ...], tuple[str, ...]]] = [
        ((empty,), (str(empty),)),
        ((no_manifest,), (str(no_manifest),)),
        ((wrong,), (str(wrong), "not an api-tracer trace")),
        ((not_json,), (str(not_json),)),
        ((no_model,), (str(no_model), "meta.model is missing")),
        ((bad_model,), ("meta.model.chroots must be a positive integer",)),
        ((tmp_path / "missing.json",), ("missing.json",)),
        ((equal, "--run", "nope"), ("no run named 'nope'",)),
        ((equal, "--tolerance", "-3"), ("--tolerance",)),
        ((equal, "--chart", tmp_path / "no-such-dir" / "c.png"), ("argument --chart", "no such folder")),
        ((equal, "--explanations", bad_rules), ("explanations[0].text",)),
    ]
    procs = [subprocess.Popen([sys.executable, "-m", "tracer", "drift", *map(str, argv)], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for argv, _ in cases]
    for proc, (argv, needles) in zip(procs, cases):
        out, err = proc.communicate(timeout=60)
        _one_line_error(subprocess.CompletedProcess(proc.args, proc.returncode, out, err), *needles)


def test_chart_without_matplotlib_is_a_usage_error(extra: Path, tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.argv = ['api-tracer'] + sys.argv[1:];"
        " from tracer.cli import main; sys.exit(main())"
    )
    res = subprocess.run([sys.executable, "-c", code, "drift", str(extra), "--chart", str(tmp_path / "c.png")],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    _one_line_error(res, "charts extra is not installed")
