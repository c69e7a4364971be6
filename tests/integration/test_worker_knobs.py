"""What-if knobs move the measured counts by what reading the code predicts.

Every delta below is derived in its comment from /work/shared/design/packit-worker.md, for N
chroots with tests on (the baseline: 18 + 43N requests at C, 15 + 32N at HEAD). The runs are
real: the knob changes the repository's packit config or the worker's behaviour, and the
worker's ogr calls change with it. "Result events" are the incoming events after the PR
webhook: SRPM start, SRPM end (one message each), and per chroot RPM start, RPM end, tests
running, tests complete: 2 + 4N process_message runs. "Config loads" at C are those plus the
PR's: 3 + 4N.
"""

from __future__ import annotations

import pytest

from tracer.packit.worker import CONFIG_FILE_NAMES
from tracer.packit.worker.loopback_run import LoopbackRun, run_on_loopback

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

C, HEAD = "packit-service@bc1f66bb", "packit-service@b828c3d7"
N = 2
RESULT_EVENTS = 2 + 4 * N
CONFIG_LOADS_AT_C = 1 + RESULT_EVENTS

_RUNS: dict[tuple[str, tuple[tuple[str, object], ...]], LoopbackRun] = {}


def run(profile: str, **knobs: object) -> LoopbackRun:
    key = (profile, tuple(sorted(knobs.items())))
    if key not in _RUNS:
        _RUNS[key] = run_on_loopback(profile, {"chroots": N, **knobs})
    return _RUNS[key]


def delta(profile: str, **knobs: object) -> tuple[int, dict[str, int]]:
    """(change in requests, change per category, zeros left out) against the profile's defaults."""
    base, what_if = run(profile).trace, run(profile, **knobs).trace
    cats = {k: what_if.categories()[k] - base.categories()[k] for k in base.categories()}
    return what_if.requests - base.requests, {k: v for k, v in cats.items() if v}


def test_baselines() -> None:
    assert run(C).trace.requests == 18 + 43 * N
    assert run(HEAD).trace.requests == 15 + 32 * N


def test_load_config_once_at_c() -> None:
    # Result events' process_message stop loading the config: the 404 .distro/source-git.yaml,
    # .packit.yaml and the spec search's root listing go (3 each); is_private still pays GET
    # repo. The model says the same per event, but counts SRPM start/end N times each.
    assert delta(C, load_config_once=True) == (-3 * RESULT_EVENTS, {"load_packit_yaml": -3 * RESULT_EVENTS})


def test_private_once_at_c_moves_get_repo_to_the_config_lookup() -> None:
    # Result events skip is_private, but GET repo is paid by the next call on the same project
    # object, the config lookup: no request fewer, one is_project_private call becomes a
    # load_packit_yaml call per result event. (The model predicts -1 request per event.)
    assert delta(C, private_once=True) == (
        0,
        {"is_project_private": -RESULT_EVENTS, "load_packit_yaml": +RESULT_EVENTS},
    )


def test_private_once_and_load_config_once_at_c() -> None:
    # Together: result events' process_message makes no call at all (HEAD's behaviour): -4 each.
    assert delta(C, private_once=True, load_config_once=True) == (
        -4 * RESULT_EVENTS,
        {"is_project_private": -RESULT_EVENTS, "load_packit_yaml": -3 * RESULT_EVENTS},
    )


@pytest.mark.parametrize("profile", [C, HEAD])
def test_build_flags_only(profile: str) -> None:
    # sync_test_job_statuses_with_builds: false in the build job: the Copr start/end handlers
    # stop setting the mapped test statuses: -N at SRPM start, -N at SRPM end, -1 per chroot at
    # RPM start and at RPM end = -4N check runs (the model's all_flags: the same -4N).
    assert delta(profile, build_flags_only=True) == (-4 * N, {"set_status": -4 * N})


def test_no_spec_search() -> None:
    # specfile_path and downstream_package_name in the config: no root listing for the spec,
    # -1 per config load: 3 + 4N loads at C, 1 at HEAD (the config is stored once).
    assert delta(C, spec_search=False) == (-CONFIG_LOADS_AT_C, {"load_packit_yaml": -CONFIG_LOADS_AT_C})
    assert delta(HEAD, spec_search=False) == (-1, {"load_packit_yaml": -1})


@pytest.mark.parametrize("name", CONFIG_FILE_NAMES)
def test_config_file_name_at_c(name: str) -> None:
    # packit <= 0.68 tries the seven names in order with get_file_content; the config at
    # position i (0-based) costs i 404s + 1. Against .packit.yaml (position 1): i - 1 more per
    # config load; packit.yaml (position 4): +3 per load (the model's Y = 6 against 3).
    extra = (CONFIG_FILE_NAMES.index(name) - 1) * CONFIG_LOADS_AT_C
    assert delta(C, config_file=name) == (extra, {"load_packit_yaml": extra} if extra else {})


def test_config_file_name_does_not_matter_at_head() -> None:
    # packit >= 0.69: root listing + one GET, whatever the name.
    assert delta(HEAD, config_file="packit.yaml") == (0, {})
    assert delta(HEAD, config_file=".packit.json") == (0, {})


def test_tests_off() -> None:
    # At C the tests job costs: 1 allowlist call (its handler class) and N "task accepted"
    # statuses in the PR's process_message; N test statuses at Copr submission; N each at SRPM
    # start/end and 1 per chroot at RPM start/end (4N); 9 per test submission (its GET repo,
    # paid by get_web_url, and 6 reads are other; 2 check runs); the tests running/complete
    # events, 4 + 2 each (12N): 1 + 27N.
    assert delta(C, tests=False) == (
        -(1 + 27 * N),
        {"is_project_private": -2 * N, "is_user_approved": -1, "load_packit_yaml": -6 * N,
         "set_status": -12 * N, "other": -7 * N},
    )
    # At HEAD: 1 allowlist call + N statuses (PR), N (submission), 1 (TestingFarmHandler's rate
    # limit check at the PR), 4N at SRPM/RPM start/end, 10 per submission, 3 + 3 per chroot for
    # the test results: 2 + 22N.
    requests, _ = delta(HEAD, tests=False)
    assert requests == -(2 + 22 * N)


def test_head_without_the_once_switches() -> None:
    # HEAD with load_config_once off: each result event's process_message loads the config
    # again (root listing, GET file, spec listing) and, since is_private is still skipped, the
    # lookup pays GET repo too: +4 per result event.
    assert delta(HEAD, load_config_once=False) == (4 * RESULT_EVENTS, {"load_packit_yaml": 4 * RESULT_EVENTS})
    # HEAD with private_once off: is_private pays GET repo in each result event: +1 each.
    assert delta(HEAD, private_once=False) == (RESULT_EVENTS, {"is_project_private": RESULT_EVENTS})


def test_outside_author_costs_one_pull_per_handler_class() -> None:
    # can_merge_pr is false, then get_pr(n).author == actor lets the PR's author in: +1 GET
    # pulls in each of the two allowlist checks.
    assert delta(C, contributor="outside_author") == (2, {"is_user_approved": 2})


def test_osh_scan_off_drops_the_target_branch_lookup_at_head_only() -> None:
    # HEAD scans after the fedora-rawhide-x86_64 build (the profile's osh_pr_lookup_chroot, the
    # first chroot): its build end reads the PR for the target branch, GET pulls/{n}, once per
    # pipeline (ogr calls it `other`). `osh_diff_scan_after_copr_build: false` in the build job
    # skips it; C has no scan, so the knob changes nothing there.
    assert delta(HEAD, osh_scan=False) == (-1, {"other": -1})
    assert delta(C, osh_scan=False) == (0, {})
