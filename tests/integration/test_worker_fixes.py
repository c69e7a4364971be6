"""Each fix packit could make saves what the code change implies, at both eras.

Baselines (token): 18 + 43N requests at C, 15 + 32N at HEAD (11 + 27N charged). As a GitHub
App every new ogr project object, and at HEAD every rate-limit check's own PyGithub instance,
mints an installation token (GET installation + POST access_tokens, neither charged): 6 + 9N
objects at C, 8 + 11N at HEAD. GET repo (R) is paid once per project object by whichever call
touches it first: per event at C, PR 1, Submit Copr build 1, SRPM start 2 and end 2 (its
process_message and its handler), RPM start 2N and end 2N, Tests submitted N, Tests started 2N
and finished 2N (6 + 9N); at HEAD result events make no call in process_message: PR 1, Submit
Copr build 1, SRPM 1 + 1, RPM N + N, Tests submitted 2N (the .fmf checker's own project),
Tests started N and finished N (4 + 6N). GET /rate_limit (HEAD only, before every handler
run): 2 at the PR (both handler classes), 1 + 1 at SRPM, N at each other event (4 + 5N).
The published improvements (load once, private once, build flags only, no spec search) are
tested in test_worker_knobs.py at both eras.
"""

from __future__ import annotations

import pytest

from worker_runs import (
    ACCESS_TOKEN, BRANCH, C, HEAD, INSTALLATION, R, RATE_LIMIT, charged_delta, delta, nonzero, run,
)
from tracer.packit.worker import Knobs, load_profile
from tracer.packit.worker.handlers import RATE_LIMIT_KNOWN_HIGH

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")

ERAS = pytest.mark.parametrize("profile", [C, HEAD], ids=["C", "HEAD"])
SIZES = pytest.mark.parametrize("n", [1, 3])
APP = {"auth": "app"}
N_APP = 2
PR, SCB, SS, SF = "PR is updated", "Submit Copr build", "SRPM build started", "SRPM build finished"
RS, RF, TS, TST, TF = "RPM build started", "RPM build finished", "Tests submitted", "Tests started", "Tests finished"


def minted(profile: str, n: int, **knobs: object) -> int:
    return sum(c.endpoint == ACCESS_TOKEN for c in run(profile, n, **APP, **knobs).trace)


# -- cache the target branch's head commit --------------------------------------------------------
@ERAS
@SIZES
def test_cache_target_branch_reads_it_once_per_submission(profile: str, n: int) -> None:
    # TestingFarmJobHelper reads target_branch_sha three times per submission (the merge_sha
    # condition and value in _construct_test_payload, PACKIT_TARGET_SHA in _payload), each a
    # GET branches/{base} through ogr's target_branch_head_commit; kept on the helper after the
    # first read: 3 -> 1, -2 per chroot, all charged.
    endpoints, categories = delta(profile, n, cache_target_branch=True)
    assert endpoints == {(TS, BRANCH): -2 * n}
    assert categories == {"other": -2 * n}
    assert charged_delta(profile, n, cache_target_branch=True) == -2 * n


# -- one ogr project object per task ------------------------------------------------------------
@SIZES
def test_project_per_task_changes_nothing_at_c(n: int) -> None:
    # At C each task already builds exactly one project object (SteveJobs one, the handler one;
    # the .fmf check asks the helper's, there is no rate-limit check).
    assert delta(C, n, project_reuse="task") == ({}, {})
    assert minted(C, N_APP, project_reuse="task") == minted(C, N_APP)


@SIZES
def test_project_per_task_at_head_drops_the_fmf_checkers_project(n: int) -> None:
    # IsFMFConfigPresent builds its own project (ConfigFromEventMixin.project): asking the
    # task's instead saves its GET repo, once per submission. The rate-limit check asks through
    # the task's PyGithub instance: the same GET /rate_limit with a token.
    endpoints, categories = delta(HEAD, n, project_reuse="task")
    assert endpoints == {(TS, R): -n}
    assert categories == {"other": -n}


def test_project_per_task_as_an_app_mints_fewer_tokens() -> None:
    # As the App the .fmf checker's project (N) and every rate-limit check's own PyGithub
    # instance (4 + 5N) minted a token; now the task's project mints one for all its calls.
    # The TestingFarmHandler sent by the PR makes no call but the check, so its project still
    # mints one: 4 + 6N - 1 = 3 + 6N fewer tokens.
    n = N_APP
    assert minted(HEAD, n) - minted(HEAD, n, project_reuse="task") == 3 + 6 * n
    endpoints, _ = delta(HEAD, n, base=APP, project_reuse="task")
    assert endpoints == nonzero({(TS, R): -n, **{
        (event, kind): -k for event, k in ((SCB, 1), (SS, 1), (SF, 1), (RS, n), (RF, n), (TS, 2 * n), (TST, n), (TF, n))
        for kind in (INSTALLATION, ACCESS_TOKEN)}})


# -- one ogr project object per pipeline --------------------------------------------------------
@ERAS
@SIZES
def test_project_per_pipeline_pays_get_repo_once(profile: str, n: int) -> None:
    # Every task asks ServiceConfig.get_project for the pipeline's one object: R is paid by the
    # PR event's is_private and never again (per event, see the module docstring).
    per_event = {SCB: 1, SS: 2, SF: 2, RS: 2 * n, RF: 2 * n, TS: n, TST: 2 * n, TF: 2 * n} if profile == C else \
        {SCB: 1, SS: 1, SF: 1, RS: n, RF: n, TS: 2 * n, TST: n, TF: n}
    endpoints, _ = delta(profile, n, project_reuse="pipeline")
    assert endpoints == {(event, R): -k for event, k in per_event.items()}
    saved = 5 + 9 * n if profile == C else 3 + 6 * n
    assert sum(per_event.values()) == saved
    assert charged_delta(profile, n, project_reuse="pipeline") == -saved


@ERAS
def test_project_per_pipeline_as_an_app_mints_one_token(profile: str) -> None:
    # One project object, one token for the whole pipeline (the check asks through it too).
    assert minted(profile, N_APP) == (6 + 9 * N_APP if profile == C else 8 + 11 * N_APP)
    assert minted(profile, N_APP, project_reuse="pipeline") == 1


# -- skip GET /rate_limit while it is known to be high --------------------------------------------
@SIZES
def test_skip_rate_limit_at_head_asks_once(n: int) -> None:
    # JobHandler.run_job asks GET /rate_limit before every handler (4 + 5N). With the fix the
    # first handler (CoprBuildHandler) asks, and after it the worker knows the last response's
    # x-ratelimit-remaining (about 4,990, above 5 × packit's re-queue threshold of 200) in the
    # current window, so every later check is skipped: 3 + 5N fewer requests, none of them
    # charged (GitHub does not charge GET /rate_limit).
    assert RATE_LIMIT_KNOWN_HIGH == 1000
    endpoints, categories = delta(HEAD, n, skip_rate_limit=True)
    assert endpoints == {(event, RATE_LIMIT): -k for event, k in
                         ((SCB, 1), (SS, 1), (SF, 1), (RS, n), (RF, n), (TS, n), (TST, n), (TF, n))}
    assert categories == {"other": -(3 + 5 * n)}
    assert charged_delta(HEAD, n, skip_rate_limit=True) == 0


def test_skip_rate_limit_changes_nothing_at_c_and_saves_tokens_at_head() -> None:
    # C has no rate-limit check (PR #2941 came later). At HEAD as an App each skipped check is
    # also a PyGithub instance that no longer mints a token: 3 + 5N fewer.
    assert delta(C, 1, skip_rate_limit=True) == ({}, {})
    assert minted(HEAD, N_APP) - minted(HEAD, N_APP, skip_rate_limit=True) == 3 + 5 * N_APP


def test_a_low_remaining_is_not_skipped(make_fakehub) -> None:
    # A worker that last saw fewer than 1,000 requests left asks every time, as today.
    from tracer.capture import Tracer, no_throttle, redirect_api
    from tracer.packit.loopback import World
    from tracer.packit.worker import Credentials, Pipeline, scenario_world

    pipeline = Pipeline(HEAD, {"chroots": 1, "skip_rate_limit": True})
    world = scenario_world(pipeline.knobs)
    world["rate_limit"] = {"limit": 900}
    hub = make_fakehub(World.from_dict(world))
    pipeline.credentials = Credentials.with_token(hub.issue_token("packit-bot"))
    with redirect_api(hub.url), no_throttle(), Tracer() as tracer:
        pipeline.run()
    assert sum(c.endpoint == RATE_LIMIT for c in tracer.trace()) == 4 + 5 * 1


# -- reuse an installation token until it expires -----------------------------------------------
@ERAS
def test_reuse_token_mints_one_per_installation(profile: str) -> None:
    # TokenCachingGithubApp.get_token: the repository's installation is looked up once and its
    # token kept until 5 minutes before GitHub's expires_at (an hour): every project object of
    # the pipeline uses it. C: 6 + 9N mints -> 1; HEAD: 8 + 11N -> 1; none of them charged.
    n = N_APP
    objects = 6 + 9 * n if profile == C else 8 + 11 * n
    endpoints, categories = delta(profile, n, base=APP, reuse_token=True)
    assert sum(v for (_, endpoint), v in endpoints.items() if endpoint == ACCESS_TOKEN) == -(objects - 1)
    assert sum(v for (_, endpoint), v in endpoints.items() if endpoint == INSTALLATION) == -(objects - 1)
    assert categories == {"auth": -2 * (objects - 1)}
    assert charged_delta(profile, n, base=APP, reuse_token=True) == 0
    # with a token there is nothing to mint
    assert delta(profile, 1, reuse_token=True) == ({}, {})


def test_the_fix_knobs_default_off_in_both_profiles() -> None:
    for profile in (C, HEAD):
        knobs = Knobs().resolved(load_profile(profile))
        assert (knobs.cache_target_branch, knobs.project_reuse, knobs.skip_rate_limit, knobs.reuse_token) == (
            False, "call", False, False)
