"""GitHub API budgets of the reference packit worker, guarded with the pytest plugin.

One PR pipeline (tests on, ``.packit.yaml``, spec search, collaborator, token), run with real ogr
against the loopback GitHub (``make_fakehub``, re-exported by the plugin, standing up the
pipeline's scenario world). The budgets are written from /work/shared/design/packit-worker.md
("The worker at C, per event" and "The worker at HEAD, per event") as functions of the chroot
count N, not from a run; the full per-handler, per-category, per-endpoint detail is kept in the
baseline file beside this one (``test_worker_budgets.github-api.yml``, refreshed with
``pytest --github-api-budget=update``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tracer.capture import Trace
from tracer.packit.loopback import World
from tracer.packit.worker import Credentials, Knobs, load_profile, run_traced, scenario_world
from tracer.packit.worker.loopback_run import BOT_LOGIN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")

C, HEAD = "packit-service@bc1f66bb", "packit-service@b828c3d7"
N = 3  # chroots: fedora-rawhide-x86_64, fedora-42-x86_64, fedora-41-x86_64


def run_pipeline(make_fakehub: Callable[..., Any], profile: str, chroots: int) -> Trace:
    """One traced pipeline against a fresh loopback GitHub holding the scenario's world."""
    prof = load_profile(profile)
    knobs = Knobs.from_mapping({"chroots": chroots}).resolved(prof)
    hub = make_fakehub(World.from_dict(scenario_world(knobs), source="tracer/packit/worker/worlds (scenario)"))
    credentials = Credentials.with_token(hub.issue_token(BOT_LOGIN))
    return run_traced(prof, knobs, api_url=hub.url, credentials=credentials)


def budget(**limits: Any) -> pytest.MarkDecorator:
    return pytest.mark.github_api_budget(**limits)


# Per handler, requests = calls per run × runs (the design note's tables). At C every incoming
# event's process_message re-reads the config (R, 2 config GETs, root listing): 3 + 4N runs.
AT_C = [
    budget(total=18 + 43 * N, is_project_private=3 + 4 * N, is_user_approved=2, load_packit_yaml=3 * (3 + 4 * N)),
    budget(total=18 + 43 * N, measure="charged"),  # nothing free at C: no GET /rate_limit
    budget(total=(6 + 2 * N) + 4 + 4 + 4 * N * 4, handler="process_message"),
    budget(total=2 + 2 * N, handler="CoprBuildHandler"),
    budget(total=(1 + 2 * N) + 3 * N, handler="CoprBuildStartHandler"),
    budget(total=(1 + 2 * N) + 3 * N, handler="CoprBuildEndHandler"),
    budget(total=9 * N, handler="TestingFarmHandler"),
    budget(total=2 * 2 * N, handler="TestingFarmResultsHandler"),
]
# At HEAD result events read the stored config (no process_message call), every handler run
# first asks GET /rate_limit (free), and fedora-rawhide-x86_64 adds one OpenScanHub PR lookup.
AT_HEAD = [
    budget(total=15 + 32 * N, is_project_private=1, is_user_approved=2, load_packit_yaml=3),
    budget(total=11 + 27 * N, is_project_private=1, is_user_approved=2, load_packit_yaml=3, measure="charged"),
    budget(total=6 + 2 * N, handler="process_message"),
    budget(total=3 + 2 * N, handler="CoprBuildHandler"),
    budget(total=2 + 2 * N, handler="CoprBuildHandler", measure="charged"),
    budget(total=(2 + 2 * N) + 4 * N, handler="CoprBuildStartHandler"),
    budget(total=(2 + 2 * N) + 4 * N + 1, handler="CoprBuildEndHandler"),
    budget(total=1 + 10 * N, handler="TestingFarmHandler"),
    budget(total=9 * N, handler="TestingFarmHandler", measure="charged"),
    budget(total=2 * 3 * N, handler="TestingFarmResultsHandler"),
    budget(total=2 * 2 * N, handler="TestingFarmResultsHandler", measure="charged"),
]


@pytest.mark.github_api_record
@pytest.mark.parametrize(
    "profile", [pytest.param(C, marks=AT_C, id="bc1f66bb"), pytest.param(HEAD, marks=AT_HEAD, id="b828c3d7")]
)
def test_pipeline_budgets(make_fakehub, profile):
    """The whole pipeline at N=3: budgets per handler and category (markers), and the baseline record."""
    trace = run_pipeline(make_fakehub, profile, N)
    assert {c.status for c in trace} <= {200, 201, 404}  # a 404 is a config probe that misses


@pytest.mark.parametrize(("profile", "charged"), [(C, 18 + 43 * N), (HEAD, 11 + 27 * N)], ids=["bc1f66bb", "b828c3d7"])
def test_rate_limit_spent_per_pipeline(make_fakehub, github_api_budget, profile, charged):
    """What one PR costs the installation's 5000/h: at most the charged calls, as the fixture checks."""
    with github_api_budget(total=charged, measure="charged") as trace:
        run_pipeline(make_fakehub, profile, N)
    free = trace.requests - trace.charged
    assert free == (0 if profile == C else 4 + 5 * N)  # GET /rate_limit per handler run at HEAD
    assert {c.endpoint for c in trace if not c.charged} <= {"GET /rate_limit"}


@pytest.mark.parametrize(
    ("profile", "per_unit", "charged_per_unit"),
    [
        # C: per chroot 4 more config reads (private 1, yaml 3 each) and 43 calls in all
        (C, {"total": 43, "is_project_private": 4, "load_packit_yaml": 12, "is_user_approved": 0}, 43),
        # HEAD: the config is read once and privacy checked once: neither grows with N
        (HEAD, {"total": 32, "is_project_private": 0, "load_packit_yaml": 0, "is_user_approved": 0}, 27),
    ],
    ids=["bc1f66bb", "b828c3d7"],
)
def test_calls_grow_linearly_with_chroots(make_fakehub, github_api_scaling, profile, per_unit, charged_per_unit):
    def work(n: int) -> None:
        run_pipeline(make_fakehub, profile, n)

    result = github_api_scaling(work, factors=(1, 2, 3), per_unit=per_unit, exact=True)
    assert result.counts[3]["total"] == (18 + 43 * N if profile == C else 15 + 32 * N)
    github_api_scaling(work, factors=(1, 3), per_unit={"total": charged_per_unit}, exact=True, measure="charged")
