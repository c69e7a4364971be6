"""tracer.packit.drift: model against measurement, explanations, fit, verdict and rendering.

Measurements are trace JSON documents built here: either straight from the model's per-event
vectors (so the counts equal the model by construction), or step by step from the table of
packit-service at bc1f66bb in /work/shared/design/packit-worker.md (18 + 43·N requests).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from paths import ROOT
from drift_traces import REPO, ENDPOINT, PUBLISHED, model_trace, worker_at_c, worker_at_head, trace_doc, write_trace, measurement
from tracer.capture import Trace
from tracer.packit.drift import (
    Measurement,
    build_report,
    compare,
    fit_line,
    fit_measurements,
    format_line,
    load_explanations,
    parse_explanations,
    render_json,
    render_text,
    within,
)
from tracer.errors import DataError, UsageError
from tracer.packit.model import EVENTS, Scenario, grand_total, per_event, totals

def test_measurement_from_trace_json_round_trips(tmp_path: Path) -> None:
    trace = model_trace(Scenario()).trace()
    path = write_trace(tmp_path / "t.json", trace, "baseline", PUBLISHED, knobs={"chroots": 3})
    m = Measurement.from_trace_json(path)
    assert (m.name, m.profile, m.knobs, m.source) == ("baseline", "synthetic", {"chroots": 3}, str(path))
    assert m.scenario == Scenario(**PUBLISHED)
    assert m.trace == trace


@pytest.mark.parametrize(("model", "message"), [
    (None, "meta.model is missing"),
    ({"load_packit_yaml": 3}, "meta.model.chroots is missing"),
    ({"chroots": 0}, "meta.model.chroots must be a positive integer, got 0"),
    ({"chroots": "3"}, "meta.model.chroots must be a positive integer, got '3'"),
    ({"chroots": 3, "tests_enabled": "yes"}, "meta.model.tests_enabled must be true or false"),
    ({"chroots": 3, "color": 1}, "meta.model.color is not a model parameter"),
    ([3], "meta.model must be a mapping"),
])
def test_bad_meta_model_is_a_one_line_data_error(tmp_path: Path, model: Any, message: str) -> None:
    path = write_trace(tmp_path / "bad.json", Trace(), "bad", model)
    with pytest.raises(DataError) as err:
        Measurement.from_trace_json(path)
    text = str(err.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_a_trace_of_the_wrong_shape_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"format": "api-tracer/trace", "version": 1, "calls": [{"x": 1}]}))
    with pytest.raises(DataError, match=r"w\.json: calls\[0\]: unknown key .x."):
        Measurement.from_trace_json(path)


# -- comparison and verdict ------------------------------------------------------------------
@pytest.mark.parametrize("scenario", [
    Scenario(),
    Scenario(chroots=6, load_packit_yaml=6, load_packit_yaml_once=True, all_flags=False),
    Scenario(chroots=2, tests_enabled=False, is_private_once=True),
])
def test_a_measurement_equal_to_the_model_has_no_drift(scenario: Scenario) -> None:
    m = measurement(model_trace(scenario).trace(), **scenario.as_dict())
    report = build_report([m])
    run = report.runs[0]
    assert [e.event for e in run.events] == list(per_event(scenario))
    for ev in run.events:
        assert {c: cell.measured for c, cell in ev.cells.items() if cell.category in ENDPOINT} == \
            per_event(scenario)[ev.event].as_dict()
    total = run.totals[-1]
    assert (total.model, total.requests, total.charged) == (grand_total(scenario),) * 3
    assert not report.verdict.drift and report.verdict.exit_code == 0
    assert report.verdict.figures == len(run.figures()) > 0
    assert render_text(report).splitlines()[-1].startswith("no drift beyond 0%")


def test_one_extra_call_is_drift_and_named() -> None:
    b = model_trace(Scenario())
    b.add("RPM build finished", "CoprBuildEndHandler", "set_status", "POST", REPO + "/check-runs")
    report = build_report([measurement(b.trace())])
    assert report.verdict.exit_code == 1
    outside = {(c.event, c.category) for _, c in report.verdict.outside}
    # the cell, the set_status total and the grand total
    assert outside == {("RPM build finished", "set_status"), (None, "set_status"), (None, "total")}
    text = render_text(report)
    line = next(l for l in text.splitlines() if "set_status: model 6, measured 7" in l)
    assert "(+1, +16.7%)" in line
    assert "7× POST /repos/{owner}/{repo}/check-runs (CoprBuildEndHandler)" in line
    assert text.splitlines()[-1].startswith(f"drift: 3 of {report.verdict.figures} figures outside 0%")


def test_tolerance_four_percent_off() -> None:
    scenario = Scenario(chroots=25, load_packit_yaml=1)  # SRPM build started: yaml 25·1 = 25
    b = model_trace(scenario)
    b.add("SRPM build started", "CoprBuildStartHandler", "load_packit_yaml", "GET", REPO + "/contents/{path+}")
    m = measurement(b.trace(), **scenario.as_dict())
    cell = compare(m).events[2].cells["load_packit_yaml"]
    assert (cell.model, cell.measured, cell.deviation_pct) == (25, 26, 4.0)
    assert build_report([m], tolerance=5).verdict.exit_code == 0
    failed = build_report([m], tolerance=3).verdict
    assert failed.exit_code == 1 and [c.label for _, c in failed.outside] == ["SRPM build started · load_packit_yaml"]
    assert failed.text.startswith("drift: 1 of") and "outside 3%" in failed.text


def test_within_rules() -> None:
    assert within(0, 0, 0) and not within(0, 1, 1000) and within(100, 105, 5) and not within(100, 106, 5)
    assert within(100, 95, 5) and not within(100, 94, 5)
    with pytest.raises(UsageError):
        build_report([measurement(Trace())], tolerance=-1)


def test_calls_outside_the_model_are_listed_and_charged_apart() -> None:
    b = model_trace(Scenario())
    b.add("PR is updated", "process_message", "other", "GET", "/rate_limit", charged=False)
    b.add("PR is updated", "process_message", "auth", "POST",
          "/app/installations/{installation_id}/access_tokens", charged=False)
    report = build_report([measurement(b.trace())])
    run = report.runs[0]
    assert [(g.category, g.endpoint, g.handler, g.requests, g.charged) for g in run.outside_model] == [
        ("other", "GET /rate_limit", "process_message", 1, 0),
        ("auth", "POST /app/installations/{installation_id}/access_tokens", "process_message", 1, 0),
    ]
    total = run.totals[-1]
    assert (total.model, total.requests, total.charged) == (120, 122, 120)
    # token minting is a POST but creates no content: the secondary limit counts 42 check runs
    assert (run.content_creating_model, run.content_creating_measured) == (42, 42)
    charged = build_report([measurement(b.trace())], measure="charged")
    assert [c.label for _, c in charged.verdict.outside] == []  # neither is charged
    assert {c.label for _, c in report.verdict.outside} == {
        "PR is updated · other", "PR is updated · auth", "total · other", "total · auth", "total · total"}


def test_prs_per_hour_model_and_measured() -> None:
    report = build_report([measurement(worker_at_c(3).trace())])
    run = report.runs[0]
    assert [row.rate_limit for row in run.limits] == [5000, 12500, 15000]
    five = run.limits[0]
    assert (five.model.primary, five.model.secondary, five.model.binding) == (41, 11, "secondary")
    charged = run.totals[-1].charged
    assert charged == 147
    creating = sum(1 for c in run.measurement.trace if c.method == "POST")
    assert run.content_creating_measured == creating
    assert (five.measured.primary, five.measured.secondary) == (5000 // 147, 500 // creating)
    assert five.measured.binding == "secondary"


# -- explanations ----------------------------------------------------------------------------
def explanations_of(report: Any) -> dict[str, list[str]]:
    return {ev.event: ev.explanations for ev in report.runs[0].events if ev.explanations}


def test_explanations_for_the_worker_at_c() -> None:
    report = build_report([measurement(worker_at_c(3).trace())])
    why = explanations_of(report)
    assert "PR is updated" not in why  # no drift there
    assert why["SRPM build started"][0] == (
        "the model charges SRPM build started once per chroot (3×); the worker receives one message per SRPM build")
    assert any("pays GET /repos/{o}/{r} again (1× in set_status here)" in t for t in why["SRPM build started"])
    assert any("GET pulls/{n} made when the Copr build is submitted" in t for t in why["Submit Copr build"])
    assert why["Tests submitted"][0] == (
        "the model has no test-submission step: TestingFarmHandler pays, per chroot, GET repo,"
        " GET contents/{path+}, GET pulls/{pull_number} ×2, GET branches/{branch+} ×3, POST check-runs ×2")
    assert any("target_branch_head_commit is not cached" in t for t in why["Tests submitted"])
    # causes absent at C are never printed
    text = " ".join(t for texts in why.values() for t in texts)
    assert "PR #2397" not in text and "PR #2388" not in text and "PR #2941" not in text


def test_explanations_for_the_worker_at_head() -> None:
    report = build_report([measurement(worker_at_head(3).trace())])
    why = explanations_of(report)
    srpm = why["SRPM build started"]
    assert any(t.startswith("config stored once per pipeline (PR #2397)") for t in srpm)
    assert any(t.startswith("is_private is checked once per pipeline (PR #2388)") for t in srpm)
    assert not any("once per chroot" in t for t in srpm)  # measured 0: not the SRPM cause
    assert any("GET /rate_limit before each handler (PR #2941), not charged (1× here)" in t for t in srpm)
    assert any("GET repo ×2" in t for t in why["Tests submitted"])
    assert any("OpenScanHub" in t for t in why["RPM build finished"])
    assert not any("OpenScanHub" in t for t in explanations_of(build_report([measurement(worker_at_c(3).trace())]))
                   .get("RPM build finished", []))
    total = report.runs[0].totals[-1]
    assert (total.requests, total.charged) == (15 + 32 * 3, 11 + 27 * 3)


def test_explanations_file_is_validated() -> None:
    good = {"format": "api-tracer/drift-explanations", "version": 1,
            "explanations": [{"id": "x", "events": "*", "categories": ["set_status"], "text": "t"}]}
    assert parse_explanations(good, "f.yaml")[0].categories == ("set_status",)
    bad = json.loads(json.dumps(good))
    bad["explanations"][0]["categories"] = ["statuses"]
    with pytest.raises(DataError, match=r"f\.yaml: explanations\[0\]\.categories: unknown 'statuses'"):
        parse_explanations(bad, "f.yaml")
    bad["explanations"][0] = {"id": "x", "text": "t", "when": {"sign": "+"}}
    with pytest.raises(DataError, match="unknown condition 'sign'"):
        parse_explanations(bad, "f.yaml")
    assert {e.id for e in load_explanations()} >= {"srpm-once-per-build", "no-test-submission-step"}


# -- fitted cost -----------------------------------------------------------------------------
def test_fit_line_exact_and_least_squares() -> None:
    line = fit_line([(1, 61), (3, 147)])
    assert (line.a, line.b, line.residual, str(line)) == (18, 43, 0, "18 + 43·N")
    noisy = fit_line([(1, 0), (2, 2), (3, 1)])
    assert (noisy.a, noisy.b) == pytest.approx((0.0, 0.5)) and noisy.residual == pytest.approx(1.0)
    assert not noisy.exact and str(noisy) == "0.5·N"
    assert format_line(2, -0.5) == "2 − 0.5·N" and format_line(7, 0) == "7" and format_line(0, 1) == "N"
    with pytest.raises(UsageError):
        fit_line([(3, 1), (3, 2)])


def model_line(**params: Any) -> str:
    """The model's own a + b·N, from tracer.packit.model at two chroot counts."""
    s1, s2 = Scenario(**{**params, "chroots": 1}), Scenario(**{**params, "chroots": 2})
    b = grand_total(s2) - grand_total(s1)
    return format_line(grand_total(s1) - b, b)


def test_fit_over_chroot_counts_matches_the_known_cost() -> None:
    runs = [measurement(worker_at_c(n).trace(), f"c-n{n}", chroots=n) for n in (1, 3, 5)]
    assert [m.trace.requests for m in runs] == [61, 147, 233]
    [fit] = fit_measurements(runs)
    assert fit.chroots == [1, 3, 5] and fit.runs == ["c-n1", "c-n3", "c-n5"]
    params = {k: v for k, v in PUBLISHED.items() if k != "chroots"}
    expected_model = model_line(**params)
    assert grand_total(Scenario(**PUBLISHED)) == 120
    assert expected_model == "6 + 38·N"
    total = fit.lines["total"]
    assert (str(total["requests"]), str(total["charged"]), str(total["model"])) == (
        "18 + 43·N", "18 + 43·N", expected_model)
    assert str(fit.lines["load_packit_yaml"]["model"]) == format_line(
        totals(Scenario(**params, chroots=1)).load_packit_yaml - 18, 18)
    text = render_text(build_report(runs))
    assert f"total: measured 18 + 43·N requests (18 + 43·N charged), model {expected_model}" in text


def test_fit_groups_by_profile_and_knobs_and_reports_residual() -> None:
    at_c = [measurement(worker_at_c(n).trace(), f"c{n}", chroots=n) for n in (1, 3)]
    head = [Measurement.from_json(trace_doc(worker_at_head(n).trace(), f"h{n}", {**PUBLISHED, "chroots": n},
                                            profile="head"), f"h{n}.json") for n in (1, 3, 5)]
    lonely = measurement(worker_at_c(2).trace(), "c2-other-yaml", chroots=2, load_packit_yaml=6)
    fits = fit_measurements(at_c + head + [lonely])
    assert [(f.profile, f.chroots) for f in fits] == [("synthetic", [1, 3]), ("head", [1, 3, 5])]
    head_total = fits[1].lines["total"]
    assert (str(head_total["requests"]), str(head_total["charged"])) == ("15 + 32·N", "11 + 27·N")
    bumped = worker_at_c(3)
    bumped.add("PR is updated", "process_message", "other", "GET", REPO)
    noisy = [at_c[0], measurement(bumped.trace(), "c3b", chroots=3),
             measurement(worker_at_c(5).trace(), "c5", chroots=5)]
    line = fit_measurements(noisy)[0].lines["total"]["requests"]
    assert not line.exact and line.residual == pytest.approx(2 / 3)
    assert "(±0.67)" in render_text(build_report(noisy))


# -- rendering ---------------------------------------------------------------------------------
def test_json_round_trips_the_key_figures() -> None:
    runs = [measurement(worker_at_c(n).trace(), f"c{n}", chroots=n) for n in (1, 3)]
    report = build_report(runs, tolerance=5)
    doc = json.loads(json.dumps(render_json(report)))
    assert (doc["format"], doc["version"]) == ("api-tracer/drift", 2) and doc["measure"] == "requests" and doc["tolerance"] == 5
    run = doc["runs"][1]
    assert run["model"] == Scenario(**PUBLISHED).as_dict()
    # the events in pipeline order: the test submission between the RPM build's end and the tests' start
    rpm_end = EVENTS.index("RPM build finished") + 1
    assert [e["event"] for e in run["events"]] == [*EVENTS[:rpm_end], "Tests submitted", *EVENTS[rpm_end:]]
    srpm = run["events"][2]["cells"]["load_packit_yaml"]
    assert srpm == {"model": 9, "measured": 3, "difference": -6, "deviation_pct": -66.67, "within": False}
    submitted = run["events"][rpm_end]
    assert submitted["in_model"] is False and submitted["cells"]["other"]["deviation_pct"] is None
    assert run["totals"]["total"] == {"model": 120, "requests": 147, "charged": 147}
    assert run["limits"][0]["model"] == {"primary": 41, "secondary": 11, "binding": "secondary", "prs_per_hour": 11}
    assert doc["fits"][0]["lines"]["total"]["requests"]["text"] == "18 + 43·N"
    assert doc["fits"][0]["lines"]["total"]["model"]["points"] == [[1, 44], [3, 120]]
    assert doc["verdict"]["figures"] == report.verdict.figures
    assert doc["verdict"]["outside"] == len(report.verdict.outside) == sum(len(r["drifted"]) for r in doc["runs"])


def test_github_format_is_markdown() -> None:
    b = model_trace(Scenario())
    b.add("RPM build finished", "CoprBuildEndHandler", "set_status", "POST", REPO + "/check-runs")
    b.add("Submit Copr build", "CoprBuildHandler", "other", "GET", REPO + "/pulls/{pull_number}")
    text = render_text(build_report([measurement(b.trace())]), "github")
    lines = text.splitlines()
    assert lines[0].startswith("## ") and any(l.startswith("### Run run") for l in lines)
    assert any(l.startswith("| event ") for l in lines) and any(l.startswith("|:") or l.startswith("|-") for l in lines)
    assert "<details>" in text and "</details>" in text
    assert "`GET /repos/{owner}/{repo}/pulls/{pull_number}`" in text
    assert lines[-1].startswith("**drift: ")


def test_chart_is_written(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tracer.packit.drift.chart import write_drift_chart

    report = build_report([measurement(worker_at_c(3).trace(), "c3")])
    path = write_drift_chart(report, tmp_path / "drift.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_replace_keeps_scenario_consistent() -> None:
    m = measurement(model_trace(Scenario()).trace())
    m2 = replace(m, model={**PUBLISHED, "chroots": 4})
    assert m2.scenario.chroots == 4


def test_drift_imports_only_model_capture_charts_and_leaves() -> None:
    import ast

    # the leaves errors and datafile (one-line errors, YAML reading) are open to every room
    allowed = ("tracer.packit.model", "tracer.capture", "tracer.packit.charts", "tracer.errors", "tracer.datafile", "tracer.packit.drift")
    for path in ROOT.joinpath("tracer", "drift").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                if name.startswith("tracer"):
                    assert name.startswith(allowed), f"{path.name} imports {name}"
