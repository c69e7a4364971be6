"""`api-tracer model`: output, JSON schemas, charts and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from paths import ROOT
from tracer.cli import main
from tracer.packit.model import EVENTS, per_event, Scenario

REPO = ROOT

PUBLISHED = {  # name -> (prs/h, private, approved, yaml, status, total), from packit-worker.md
    "3ch-dot-packit-yaml": (41, 19, 2, 57, 42, 120),
    "6ch-dot-packit-yaml": (21, 37, 2, 111, 84, 234),
    "3ch-packit-yaml": (28, 19, 2, 114, 42, 177),
    "6ch-packit-yaml": (14, 37, 2, 222, 84, 345),
    "6ch-dot-packit-yaml-no-tests": (36, 25, 2, 75, 36, 138),
    "6ch-packit-yaml-load-once": (38, 37, 2, 6, 84, 129),
    "6ch-packit-yaml-load-once-build-flags": (47, 37, 2, 6, 60, 105),
    "6ch-listing-load-once-build-flags": (49, 37, 2, 2, 60, 101),
    "6ch-all-improvements": (76, 1, 2, 2, 60, 65),
    "3ch-all-improvements": (142, 1, 2, 2, 30, 35),
}
KEYS = ("prs_per_hour", "is_project_private", "is_user_approved", "load_packit_yaml", "set_status", "total")


def run_json(capsys, *argv: str) -> dict:
    assert main(["model", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def run_cli(*argv: str, code: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", code, *argv] if code else [sys.executable, "-m", "tracer", "model", *argv]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=60)


def test_plain_output_has_the_table_totals_and_limits(capsys) -> None:
    assert main(["model"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert [l.split()[1:] for l in lines if l.startswith("TOTAL")] == [["19", "2", "57", "42", "120"]]
    pr_row = next(l for l in lines if l.startswith("PR is updated"))
    assert pr_row.split()[3:] == ["1", "2", "3", "6", "12"]
    assert "PRs/hour/organisation: 41 at 5000/h" in out
    assert "secondary limit binds first: 11 PRs/h" in out
    for tier, primary in (("installation (chosen)", "41"), ("installation-max", "104"), ("enterprise-cloud", "125")):
        row = next(l for l in lines if l.startswith(tier))
        assert row.split()[-4:] == [primary, "11", "11", "secondary"], row


def test_json_schema_matches_the_model(capsys) -> None:
    doc = run_json(capsys)
    assert (doc["format"], doc["version"]) == ("api-tracer/model", 2)
    assert [e["event"] for e in doc["events"]] == list(EVENTS)
    model = per_event(Scenario())
    for e in doc["events"]:
        assert (e["is_project_private"], e["is_user_approved"], e["load_packit_yaml"], e["set_status"]) == model[e["event"]].as_tuple()
        assert e["total"] == model[e["event"]].total
    assert doc["totals"] == {"is_project_private": 19, "is_user_approved": 2, "load_packit_yaml": 57, "set_status": 42, "total": 120}
    assert doc["prs_per_hour"] == 41
    assert doc["secondary"] == {"content_generating_per_pipeline": 42, "per_hour": 500, "per_minute": 80, "prs_per_hour": 11}
    assert [(l["name"], l["rate_limit"], l["chosen"], l["prs_per_hour_primary"], l["binding"]) for l in doc["limits"]] == [
        ("installation", 5000, True, 41, "secondary"),
        ("installation-max", 12500, False, 104, "secondary"),
        ("enterprise-cloud", 15000, False, 125, "secondary"),
    ]
    assert doc["published"] is None and doc["preset"] is None and doc["chart"] is None


@pytest.mark.parametrize(
    "argv, field, expected",
    [
        (["--chroots", "6"], "chroots", 6),
        (["--config-file", "packit.yaml"], "load_packit_yaml", 6),
        (["--config-file", "packit.yaml", "--lookup", "listing"], "load_packit_yaml", 3),
        (["--config-file", "packit.yaml", "--lookup", "listing", "--no-spec-search"], "load_packit_yaml", 2),
        (["--no-spec-search"], "load_packit_yaml", 2),
        (["--config-calls", "4"], "load_packit_yaml", 4),
        (["--no-tests"], "tests_enabled", False),
        (["--no-builds"], "builds_enabled", False),
        (["--load-once"], "load_packit_yaml_once", True),
        (["--build-flags-only"], "all_flags", False),
        (["--private-once"], "is_private_once", True),
        (["--rate-limit", "enterprise-cloud"], "rate_limit", 15000),
        (["--preset", "6ch-packit-yaml", "--tests"], "load_packit_yaml", 6),
    ],
)
def test_flags_set_scenario_parameters(capsys, argv, field, expected) -> None:
    assert run_json(capsys, *argv)["scenario"][field] == expected


def test_custom_rate_limit_gets_its_own_row(capsys) -> None:
    doc = run_json(capsys, "--rate-limit", "7000")
    assert doc["prs_per_hour"] == 58
    assert doc["limits"][0] == {
        "name": "custom", "rate_limit": 7000, "chosen": True, "prs_per_hour_primary": 58,
        "prs_per_hour_secondary": 11, "binding": "secondary", "prs_per_hour": 11,
    }
    assert not any(l["chosen"] for l in doc["limits"][1:])
    low = run_json(capsys, "--rate-limit", "500")
    assert (low["limits"][0]["binding"], low["limits"][0]["prs_per_hour"]) == ("primary", 4)


def test_preset_shows_published_values_until_changed(capsys) -> None:
    doc = run_json(capsys, "--preset", "6ch-all-improvements")
    assert tuple(doc["published"][k] for k in KEYS) == PUBLISHED["6ch-all-improvements"]
    assert doc["published"] == {"prs_per_hour": doc["prs_per_hour"], **doc["totals"]}
    changed = run_json(capsys, "--preset", "6ch-all-improvements", "--chroots", "2")
    assert changed["published"] is None and changed["scenario"]["is_private_once"] is True
    assert main(["model", "--preset", "6ch-all-improvements", "--chroots", "2"]) == 0
    assert "changed by flags" in capsys.readouterr().out


def test_scenarios_json_lists_the_ten_with_published_and_computed(capsys) -> None:
    doc = run_json(capsys, "--scenarios")
    assert (doc["format"], doc["version"]) == ("api-tracer/scenarios", 2)
    assert doc["worst_case"] == "6ch-packit-yaml"
    assert [s["name"] for s in doc["scenarios"]] == list(PUBLISHED)
    for s in doc["scenarios"]:
        assert tuple(s["published"][k] for k in KEYS) == PUBLISHED[s["name"]]
        assert s["computed"] == s["published"] and s["matches_published"] is True
        expected_saved = 345 - PUBLISHED[s["name"]][-1]
        assert s["improvement"]["calls_saved"] == expected_saved
        assert s["improvement"]["prs_per_hour_factor"] == round(PUBLISHED[s["name"]][0] / 14, 2)
        assert set(s["parameters"]) == set(Scenario().as_dict())


@pytest.mark.parametrize("fmt, marker", [("plain", "---"), ("github", "|---")])
def test_scenarios_table(capsys, fmt: str, marker: str) -> None:
    assert main(["model", "--scenarios", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert marker in out
    for name, values in PUBLISHED.items():
        row = next(l for l in out.splitlines() if l.strip("| ").startswith(name + " "))
        cells = row.replace("|", " ").split()
        assert cells[7:13] == [str(v) for v in (*values[1:], values[0])], row
        assert cells[-1] == "matches"
    assert "6ch-packit-yaml (345 calls, 14 PRs/h)" in out


def test_github_format_model(capsys) -> None:
    assert main(["model", "--format", "github"]) == 0
    out = capsys.readouterr().out
    assert "| TOTAL " in out and "| installation (chosen) " in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--chroots", "0"], "argument --chroots: must be at least 1, got 0"),
        (["--chroots", "-3"], "argument --chroots: must be at least 1, got -3"),
        (["--chroots", "three"], "argument --chroots: expected a whole number, got 'three'"),
        (["--config-file", "packit.toml"], "unknown config file name 'packit.toml'"),
        (["--rate-limit", "0"], "argument --rate-limit: rate limit must be at least 1"),
        (["--rate-limit", "lots"], "neither a number nor one of installation, installation-max, enterprise-cloud"),
        (["--config-calls", "x"], "argument --config-calls: expected a whole number"),
        (["--config-calls", "2", "--lookup", "listing"], "use them with --config-file"),
        (["--config-file", "packit.yaml", "--config-calls", "2"], "not allowed with argument"),
        (["--scenarios", "--chroots", "3"], "takes no --chroots"),
        (["--preset", "nope"], "unknown preset 'nope'"),
    ],
)
def test_bad_input_is_one_line_exit_2(argv, fragment: str) -> None:
    result = run_cli(*argv)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("api-tracer model: error: ")
    assert fragment in lines[0]


def test_usage_error_through_main(capsys) -> None:
    assert main(["model", "--config-file", ".packit.toml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("api-tracer model: error: unknown config file name") and err.count("\n") == 1
    assert ".distro/source-git.yaml" in err


def test_chart_writes_a_png(tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "model.png"
    doc = run_json(capsys, "--chart", str(target))
    assert doc["chart"] == str(target)
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > height > 400


def test_chart_to_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result = run_cli("--chart", str(tmp_path / "no" / "such" / "x.png"))
    assert result.returncode == 2 and result.stdout == ""  # checked before any work: no report
    assert result.stderr.startswith("api-tracer model: error: argument --chart: ") and result.stderr.count("\n") == 1
    assert "no such folder" in result.stderr


def test_chart_without_matplotlib_says_how_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"  # as if the charts extra were absent
        "from tracer.cli import main; sys.exit(main(['model', '--chart', sys.argv[1]]))"
    )
    result = run_cli(str(tmp_path / "x.png"), code=code)
    assert result.returncode == 2
    assert result.stderr == (
        "api-tracer model: error: the charts extra is not installed: pip install 'api-tracer[charts]'\n"
    )
    assert not (tmp_path / "x.png").exists()


def test_bar_chart_rejects_series_of_the_wrong_length(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tracer.packit.charts import write_chart
    from tracer.errors import UsageError

    with pytest.raises(UsageError, match="2 values for 3 labels"):
        write_chart(tmp_path / "x.png", pie={"a": 1}, labels=["x", "y", "z"], series={"model": [1, 2]})
    path = write_chart(tmp_path / "two.png", pie={"a": 1, "b": 0}, labels=["x", "y"],
                       series={"model": [1, 2], "measured": [3, 4]})
    assert path.read_bytes()[:4] == b"\x89PNG"
