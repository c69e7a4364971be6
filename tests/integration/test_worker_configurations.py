"""Configurations packit users have, and what each one changes in the calls, event by event.

Every expected change below is derived in its comment from packit-service's code at the two
profiles (C = bc1f66bb, HEAD = b828c3d7; files named as in that repository) and ogr 0.61 /
PyGithub 2.10, for N chroots with tests on, against the profile's defaults (the baseline:
18 + 43N requests at C, 15 + 32N at HEAD). The runs are real: the knob changes the repository
the loopback GitHub serves or packit-service's service config, and the worker's ogr calls
change with it. Counts are per (event, endpoint), so a call that moves between events fails.

Abbreviations: R = GET /repos/{o}/{r} (paid once per ogr project object, by whichever method
touches the repository first), TS = "Tests submitted" (TestingFarmHandler, once per chroot),
RBF = "RPM build finished" (CoprBuildEndHandler, once per chroot).
"""

from __future__ import annotations

import pytest

from worker_runs import (
    BRANCH, C, COMMENT, COMMENTS, FILE, HEAD, PERMISSION, PULL, R, RATE_LIMIT, delta, nonzero, run,
)
from tracer.packit.worker import Credentials, Pipeline
from tracer.packit.worker.events import TF_INSTALLABILITY_TEST_URL

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")

PR, TS, RBF = "PR is updated", "Tests submitted", "RPM build finished"
ERAS = pytest.mark.parametrize("profile", [C, HEAD], ids=["C", "HEAD"])
SIZES = pytest.mark.parametrize("n", [1, 3])


# -- no .fmf/version: Testing Farm's installability test ----------------------------------------
@SIZES
def test_no_fmf_at_c_asks_twice_and_submits_the_installability_test(n: int) -> None:
    # C, helpers/testing_farm.py prepare_and_send_tf_request: `if self.is_fmf_configured():` is
    # False (GET contents/.fmf/version, 404, on the helper's project: R already paid by the
    # handler's get_web_url), then `elif not self.is_fmf_configured() and not self.skip_build`
    # asks again (a second 404) and builds _payload_install_test, which reads the Copr build
    # from the database: no fmf_url (its get_pr), no _payload (its get_pr for the head/target
    # and the three target_branch_head_commit reads). Per submission 9 -> 5 calls:
    # .fmf/version +1, GET pulls -2, GET branches -3.
    endpoints, categories = delta(C, n, fmf=False)
    assert endpoints == nonzero({(TS, FILE): n, (TS, PULL): -2 * n, (TS, BRANCH): -3 * n})
    assert categories == nonzero({"other": -4 * n})


@SIZES
def test_no_fmf_at_head_builds_a_checker_project_per_question(n: int) -> None:
    # HEAD: is_fmf_configured() builds IsFMFConfigPresent(...) and calls pre_check() each time;
    # the checker's project comes from ConfigFromEventMixin.project, a NEW ogr project object
    # (service_config.get_project(url=...)), so each question pays R + GET .fmf/version (404).
    # Asked twice (the if and the elif), then _payload_install_test. Per submission 10 -> 8:
    # R +1, .fmf/version +1, GET pulls -1 (fmf_url's cached pull_request_object), branches -3.
    endpoints, categories = delta(HEAD, n, fmf=False)
    assert endpoints == nonzero({(TS, R): n, (TS, FILE): n, (TS, PULL): -n, (TS, BRANCH): -3 * n})
    assert categories == nonzero({"other": -2 * n})


@ERAS
def test_no_fmf_submits_installability_tests_and_the_pipeline_carries_on(profile: str, make_fakehub) -> None:
    from tracer.capture import Tracer, no_throttle, redirect_api
    from tracer.packit.loopback import World
    from tracer.packit.worker import scenario_world

    pipeline = Pipeline(profile, {"chroots": 2, "fmf": False})
    hub = make_fakehub(World.from_dict(scenario_world(pipeline.knobs)))
    pipeline.credentials = Credentials.with_token(hub.issue_token("packit-bot"))
    with redirect_api(hub.url), no_throttle(), Tracer() as tracer:
        pipeline.run()
    assert pipeline.context is not None
    requests = pipeline.context.testing_farm.request_details
    runs = pipeline.context.db.find_pr("packit/hello-world", 1).test_runs
    assert {requests(r.pipeline_id)["test"]["fmf"]["url"] for r in runs.values()} == {TF_INSTALLABILITY_TEST_URL}
    assert {r.data["base_project_url"] for r in runs.values()} == {"https://github.com/packit/hello-world"}
    fmf = [c for c in tracer.trace() if c.endpoint == FILE and c.event == TS]
    assert len(fmf) == 2 * 2 and {c.status for c in fmf} == {404}
    # "Tests started/finished" ran for every chroot: the last check run of each test target passed
    titles = {r["name"]: r["output"]["title"] for r in hub.check_runs("packit/hello-world")}
    assert {titles[f"testing-farm:{c}"] for c in pipeline.knobs.chroot_list} == {"Tests passed ..."}


# -- the call order of the test submission ------------------------------------------------------
@ERAS
@SIZES
def test_the_test_submission_pays_get_repo_in_get_web_url(profile: str, n: int) -> None:
    # TestingFarmHandler.run_with_copr_builds -> _get_or_create_group stores each run with
    # data={"base_project_url": self.project.get_web_url()} before run_for_target reports
    # "Submitting the tests ...": the handler's first GitHub call (after HEAD's rate-limit
    # check, on a PyGithub instance of its own) is get_web_url's GET repo, classified `other`
    # (no call site of the four categories), not set_status.
    submissions = [c for c in run(profile, n).trace if c.event == TS and c.endpoint != RATE_LIMIT]
    firsts = list({c.invocation: c for c in reversed(submissions)}.values())
    assert len(firsts) == n
    assert {(c.endpoint, c.category, c.call_site) for c in firsts} == {
        (R, "other", "ogr.services.github.project.GithubProject.get_web_url")}
    assert sum(c.category == "set_status" for c in submissions) == 2 * n  # the two check runs only


# -- service admins -----------------------------------------------------------------------------
@ERAS
@SIZES
def test_an_admin_skips_the_permission_checks(profile: str, n: int) -> None:
    # allowlist.py check_and_report (both profiles): `if user_login and user_login in
    # self.service_config.admins: return True` comes before the PR-event callback, so each of
    # the two checks (once per handler class: copr_build, tests) skips can_merge_pr's GET
    # collaborators/{u}/permission. R is still paid by is_private first. Nothing else reads
    # the admins here (CanActorRunJob only for internal Testing Farm).
    endpoints, categories = delta(profile, n, admin=True)
    assert endpoints == nonzero({(PR, PERMISSION): -2})
    assert categories == nonzero({"is_user_approved": -2})


@ERAS
def test_an_admin_who_cannot_merge_and_is_not_the_author_is_let_in(profile: str) -> None:
    # trudy (contributor `outside`) is refused at the first allowlist check; as an admin she
    # passes without a look at GitHub and the whole pipeline runs: the same calls as alice's PR
    # with the admin knob (PR #2 is a fork's, which changes no call).
    refused = run(profile, 1, contributor="outside").trace
    admitted = run(profile, 1, contributor="outside", admin=True).trace
    assert set(refused.handlers()) == {"process_message"}
    assert admitted.count_by("event", "endpoint") == run(profile, 1, admin=True).trace.count_by("event", "endpoint")


# -- the sender's permission --------------------------------------------------------------------
@ERAS
@SIZES
@pytest.mark.parametrize("permission", ["none", "read"])
def test_an_author_who_cannot_merge_costs_one_pull_per_check(profile: str, n: int, permission: str) -> None:
    # can_merge_pr (ogr: get_collaborator_permission in {"admin", "write"}) is False for read
    # and for none (GitHub reports "read" for anyone on a public repository), then
    # `project.get_pr(event.pr_id).author == actor_name` lets alice, the PR's author, in:
    # +1 GET pulls in each of the two checks (is_user_approved, the Allowlist call site).
    endpoints, categories = delta(profile, n, permission=permission)
    assert endpoints == nonzero({(PR, PULL): 2})
    assert categories == nonzero({"is_user_approved": 2})


@ERAS
def test_write_or_admin_can_merge(profile: str) -> None:
    # alice is admin in the world: write is the other permission can_merge_pr accepts, so no
    # change at all; and trudy (not the author) with write passes the first half of the check.
    assert delta(profile, 1, permission="write") == ({}, {})
    trudy = run(profile, 1, contributor="outside", permission="write").trace
    assert trudy.count_by("event", "endpoint") == run(profile, 1).trace.count_by("event", "endpoint")


# -- PR comments on success ---------------------------------------------------------------------
@ERAS
@SIZES
def test_success_comment_with_a_token_comments_for_every_chroot(profile: str, n: int) -> None:
    # CoprBuildEndHandler.report_successful_build (handlers/copr.py, both profiles): with
    # notifications.pull_request.successful_build the build helper's status_reporter.comment(msg,
    # duplicate_check=check_last_comment) runs before the build status. _has_identical_comment
    # reads get_pr(n).get_comments(reverse=True): GET pulls (the handler's first call, so R moves
    # from set_status to other), and PyGithub's reversed list GETs issues/{n}/comments twice
    # (the last-page probe, then the page). It looks for comments whose author starts with
    # get_github_account_name(), "packit-as-a-service[bot]" in prod; a token's comments are
    # packit-bot's, so no match ever, and every chroot comments: at C a fresh get_pr() (GET
    # pulls) then POST comments; at HEAD the reporter's cached pull_request_object, POST only.
    endpoints, categories = delta(profile, n, success_comment=True)
    pulls = 2 if profile == C else 1
    assert endpoints == nonzero({(RBF, PULL): pulls * n, (RBF, COMMENTS): 2 * n, (RBF, COMMENT): n})
    assert categories == nonzero({"set_status": -n, "other": (pulls + 3) * n + n})


@ERAS
def test_success_comment_as_the_app_comments_once(profile: str) -> None:
    # As the GitHub App the comments are packit-as-a-service[bot]'s, the account name packit
    # looks for: the first chroot comments (as above), the later ones find packit's last comment
    # with the same text (the Copr project is the same for every chroot) and post nothing:
    # per later chroot GET pulls + GET comments x2. No new project object, so no token minted.
    n = 3
    endpoints, _ = delta(profile, n, base={"auth": "app"}, success_comment=True)
    first_pulls = 2 if profile == C else 1
    assert endpoints == nonzero({(RBF, PULL): first_pulls + (n - 1), (RBF, COMMENTS): 2 * n, (RBF, COMMENT): 1})


# -- which webhook --------------------------------------------------------------------------------
@ERAS
@SIZES
@pytest.mark.parametrize("action", ["opened", "reopened"])
def test_the_webhook_action_changes_no_call(profile: str, n: int, action: str) -> None:
    # parser.py parse_pr_event accepts {"opened", "reopened", "synchronize"} alike and keeps
    # the action on the event; at neither profile does a handler, helper or checker read it for
    # a GitHub pull request (the only `action` reads are GitLab's "closed" in the checkers).
    # The webhook the worker parses does carry it.
    assert delta(profile, n, pr_action=action) == ({}, {})
    assert Pipeline(profile, {"pr_action": action}).knobs.pr_action == action


# -- the drift report names the cause -------------------------------------------------------------
@pytest.mark.parametrize(("knobs", "event", "words"), [
    ({"success_comment": True}, RBF, "notifications.pull_request.successful_build"),
    ({"admin": True}, PR, "service config's admins"),
    ({"permission": "read"}, PR, "reads the PR to see whether the sender is its author"),
])
def test_drift_explains_each_configuration(knobs: dict, event: str, words: str) -> None:
    from tracer.packit.drift import Measurement, build_report
    from tracer.packit.runs import model_parameters
    from tracer.packit.worker import load_profile

    loop = run(HEAD, 1, **knobs)
    measurement = Measurement(name="run", source="test", profile=HEAD, knobs=loop.knobs.as_dict(),
                              model=model_parameters(load_profile(HEAD), loop.knobs), trace=loop.trace)
    why = {ev.event: ev.explanations for ev in build_report([measurement]).runs[0].events}
    assert any(words in text for text in why[event])
    plain = build_report([Measurement(name="base", source="test", profile=HEAD, knobs={}, trace=run(HEAD, 1).trace,
                                      model=model_parameters(load_profile(HEAD), run(HEAD, 1).knobs))])
    assert not any(words in text for ev in plain.runs[0].events for text in ev.explanations)
