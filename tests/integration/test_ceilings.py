"""Every documented GitHub ceiling, for the model's pipeline and a measured one, and where the
reports show them. Expected figures are derived in comments from the limits (limits.yaml) and
the pipeline's calls, not from a run."""

from __future__ import annotations

import json

import pytest

from worker_runs import HEAD, run
from tracer.cli import main
from tracer.packit.drift import Measurement, build_report, render_json, render_text
from tracer.packit.drift.load import trace_load
from tracer.packit.model import CEILING_KEYS, MOMENTS, Scenario, both_ceilings, ceilings, model_load, moment_of
from tracer.packit.runs import model_parameters
from tracer.packit.worker import load_profile

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")


def test_the_model_pipeline_under_every_ceiling() -> None:
    # The model's defaults (3 chroots, tests, all flags): 120 calls, 42 set_status (check-run
    # POSTs). Moments: the webhook (PR is updated 6 + Submit Copr build 6 statuses = 12), SRPM
    # started 6, finished 6, RPM started 6, finished 6, tests started 3, finished 3.
    load = model_load(Scenario())
    assert (load.requests, load.charged, load.writes) == (120, 120, 42)
    assert {m.name: m.writes for m in load.moments} == {
        "webhook": 12, "SRPM build started": 6, "SRPM build finished": 6, "RPM build started": 6,
        "RPM build finished": 6, "Tests started": 3, "Tests finished": 3}
    count, free = both_ceilings(load)
    rows = {r.key: r for r in count.rows}
    assert rows["primary"].prs_per_hour == 5000 // 120 == 41
    assert rows["content-per-hour"].prs_per_hour == 500 // 42 == 11
    # 80/min: 4,800 an hour spread evenly; the busiest minute holds the webhook's 12: 6 in step
    assert (rows["content-per-minute"].prs_per_hour, rows["content-per-minute"].burst,
            rows["content-per-minute"].in_step) == (4800 // 42, 12, 80 // 12)
    # 900 points/min per endpoint: check runs 42 × 5 = 210 a pipeline (the config reads, 57 × 1,
    # are fewer); the webhook's 12 × 5 = 60 in one minute: 15 in step
    points = rows["points-per-minute"]
    assert (points.per_pipeline, points.prs_per_hour, points.burst, points.in_step, points.detail) == (
        210, 54000 // 210, 60, 15, "POST /repos/{owner}/{repo}/check-runs")
    # 100 concurrent, 1 s a request: 360,000 requests an hour; the model's busiest moment has 3
    # messages (one per chroot)
    concurrent = rows["concurrent"]
    assert (concurrent.prs_per_hour, concurrent.burst, concurrent.in_step) == (360000 // 120, 3, 33)
    assert count.binding.key == "content-per-hour" and count.prs_per_hour == 11
    # if statuses are not content-generating, nothing the model counts is: the primary binds
    assert free.row("content-per-hour").prs_per_hour is None and free.binding.key == "primary"
    assert free.prs_per_hour == 41


def test_a_tie_binds_the_first_ceiling_and_nothing_spent_binds_nothing() -> None:
    from tracer.packit.model import Moment, PipelineLoad

    # 100 charged calls and 10 content-generating ones: 50 PRs/h both ways; primary comes first
    tie = PipelineLoad(requests=100, charged=100, moments=(Moment("m", 1, 10, 10, {"GET /x": 90, "POST /y": 50}),))
    assert ceilings(tie, statuses_count=True).binding.key == "primary"
    empty = PipelineLoad(requests=0, charged=0, moments=())
    assert ceilings(empty, statuses_count=True).binding is None


@pytest.mark.parametrize("knobs", [{}, {"success_comment": True}], ids=["default", "success-comment"])
def test_a_measured_pipeline_under_every_ceiling(knobs: dict) -> None:
    # HEAD, 1 chroot, token: 47 requests, 38 charged (11 + 27N). Check runs 16N = 16: webhook
    # 2N + 2N, SRPM 2N + 2N, RPM started 2N, RPM finished + Tests submitted 2N + 2N, tests 1 + 1.
    # Tasks that call GitHub in the busiest moment: the PR's process_message and its two
    # handler tasks (result events' process_message makes no call at HEAD).
    # With the success comment (a token: every chroot comments): +4 requests, one POST that is
    # content-generating whatever the statuses are.
    trace = run(HEAD, 1, **knobs).trace
    load = trace_load(trace)
    comments = 1 if knobs else 0
    assert (load.requests, load.charged) == (47 + 4 * comments, 38 + 4 * comments)
    assert (load.writes, load.status_writes, load.content_generating(False)) == (16 + comments, 16, comments)
    assert {m.name: m.writes for m in load.moments} == {
        "webhook": 4, "SRPM build started": 2, "SRPM build finished": 2, "RPM build started": 2,
        "RPM build finished": 4 + comments, "Tests started": 1, "Tests finished": 1}
    assert max(m.tasks for m in load.moments) == 3
    count, free = both_ceilings(load)
    assert count.binding.key == "content-per-hour" and count.prs_per_hour == 500 // (16 + comments)
    assert free.binding.key == "primary" and free.prs_per_hour == 5000 // (38 + 4 * comments)
    assert free.row("content-per-hour").prs_per_hour == (500 if comments else None)
    assert count.row("content-per-minute").in_step == 80 // (4 + comments)


def test_token_mints_are_neither_content_nor_the_installations_points() -> None:
    trace = run(HEAD, 1, auth="app").trace
    load = trace_load(trace)
    assert load.token_mints == 8 + 11 * 1
    assert load.writes == 16 and "POST /app/installations/{installation_id}/access_tokens" not in load.points


def test_moments_are_data() -> None:
    assert moment_of("Tests submitted") == moment_of("RPM build finished") == MOMENTS["RPM build finished"]
    assert moment_of("Submit Copr build") == moment_of("PR is updated") == "webhook"
    assert moment_of("(no event)") == "(no event)"


def _measurement(**knobs: object) -> Measurement:
    loop = run(HEAD, 1, **knobs)
    return Measurement(name="head-1ch", source="test", profile=HEAD, knobs=loop.knobs.as_dict(),
                       model=model_parameters(load_profile(HEAD), loop.knobs), trace=loop.trace)


def test_the_drift_report_names_the_binding_ceiling_model_and_measured() -> None:
    report = build_report([_measurement(), _measurement(build_flags_only=True)])
    text = render_text(report, "plain", summary_only=True)
    # the model at HEAD (1 chroot): 6 + 14N = 20 calls, 14 statuses: content/h 500 // 14 = 35,
    # primary 5000 // 20 = 250; measured 31 and 131 (see above)
    assert "content/h 35 / content/h 31" in text and "primary 250 / primary 131" in text
    full = render_text(report, "github")
    assert "model, statuses count" in full and "| content-generating 500/h" in full
    run_doc = render_json(report)["runs"][0]
    assert run_doc["ceilings"]["statuses_count"]["measured"]["binding"] == "content-per-hour"
    assert run_doc["ceilings"]["statuses_free"]["model"]["prs_per_hour"] == 250


def test_the_model_command_shows_every_ceiling(capsys) -> None:
    assert main(["model", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ceilings"]["statuses_count"]["binding"] == "content-per-hour"
    assert [r["key"] for r in doc["ceilings"]["statuses_free"]["rows"]] == list(CEILING_KEYS)
    assert main(["model"]) == 0
    out = capsys.readouterr().out
    assert "content-generating 80/min" in out and "114 [42; 12 → 6]" in out
