"""The reference packit worker, run against the loopback GitHub: real ogr 0.61 / PyGithub
objects making real HTTP requests on 127.0.0.1, every request traced and classified.

The expected tables are written from /work/shared/design/packit-worker.md ("The worker at C,
per event" and "The worker at HEAD, per event") as functions of N, not from a run.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from tracer.capture import current_scope
from tracer.errors import DataError, TracerError, UsageError
from tracer.packit.worker import (
    EVENTS,
    Credentials,
    Knobs,
    Pipeline,
    PipelineError,
    chroot_names,
    load_profile,
    parse_event,
    run_traced,
    scenario_world,
)
from tracer.packit.worker.events import PAYLOADS, copr_message, pr_webhook, tf_notification
from tracer.packit.worker.loopback_run import LoopbackRun, run_on_loopback

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The RSA key is 1024 bits")

C, HEAD = "packit-service@bc1f66bb", "packit-service@b828c3d7"

R = "GET /repos/{owner}/{repo}"
FILE = "GET /repos/{owner}/{repo}/contents/{path+}"
LISTING = "GET /repos/{owner}/{repo}/contents/"
PERMISSION = "GET /repos/{owner}/{repo}/collaborators/{username}/permission"
PULL = "GET /repos/{owner}/{repo}/pulls/{pull_number}"
BRANCH = "GET /repos/{owner}/{repo}/branches/{branch+}"
CHECK_RUN = "POST /repos/{owner}/{repo}/check-runs"
RATE_LIMIT = "GET /rate_limit"
INSTALLATION = "GET /repos/{owner}/{repo}/installation"
ACCESS_TOKEN = "POST /app/installations/{installation_id}/access_tokens"

_RUNS: dict[tuple[str, tuple[tuple[str, object], ...]], LoopbackRun] = {}


def traced(profile: str, **knobs: object) -> LoopbackRun:
    """One loopback run per (profile, knobs), shared by the tests of this module."""
    key = (profile, tuple(sorted(knobs.items())))
    if key not in _RUNS:
        _RUNS[key] = run_on_loopback(profile, knobs)
    return _RUNS[key]


def table(rows: list[tuple[str, str, int]]) -> Counter:
    out: Counter = Counter()
    for event, endpoint, n in rows:
        if n:
            out[(event, endpoint)] += n
    return out


def expected_at_c(n: int) -> Counter:
    """The design note's C table (tests on, .packit.yaml, spec search, collaborator, token)."""
    config = [(FILE, 2), (LISTING, 1)]  # .distro/source-git.yaml (404), .packit.yaml; spec search
    rows = [
        # PR opened: process_message 6 + 2N
        ("PR is updated", R, 1), *[("PR is updated", e, k) for e, k in config],
        ("PR is updated", PERMISSION, 2), ("PR is updated", CHECK_RUN, 2 * n),
        # CoprBuildHandler 2 + 2N; TestingFarmHandler 0
        ("Submit Copr build", R, 1), ("Submit Copr build", PULL, 1), ("Submit Copr build", CHECK_RUN, 2 * n),
    ]
    for event in ("SRPM build started", "SRPM build finished"):  # 4 · 1 + 2N, one message each
        rows += [(event, R, 1 + 1), *[(event, e, k) for e, k in config], (event, CHECK_RUN, 2 * n)]
    for event in ("RPM build started", "RPM build finished"):  # N × (4 · 3)
        rows += [(event, R, 2 * n), *[(event, e, k * n) for e, k in config], (event, CHECK_RUN, 2 * n)]
    # tests submitted: N × 9
    rows += [("Tests submitted", R, n), ("Tests submitted", FILE, n), ("Tests submitted", PULL, 2 * n),
             ("Tests submitted", BRANCH, 3 * n), ("Tests submitted", CHECK_RUN, 2 * n)]
    for event in ("Tests started", "Tests finished"):  # N × (4 · 2)
        rows += [(event, R, 2 * n), *[(event, e, k * n) for e, k in config], (event, CHECK_RUN, n)]
    return table(rows)


def expected_at_head(n: int) -> Counter:
    """The design note's HEAD table (same scenario)."""
    rows = [
        # PR opened: process_message 6 + 2N (root listing, .packit.yaml, spec listing)
        ("PR is updated", R, 1), ("PR is updated", LISTING, 2), ("PR is updated", FILE, 1),
        ("PR is updated", PERMISSION, 2), ("PR is updated", CHECK_RUN, 2 * n),
        # CoprBuildHandler 3 + 2N; TestingFarmHandler 1 (rl)
        ("Submit Copr build", RATE_LIMIT, 1 + 1), ("Submit Copr build", R, 1), ("Submit Copr build", PULL, 1),
        ("Submit Copr build", CHECK_RUN, 2 * n),
    ]
    for event in ("SRPM build started", "SRPM build finished"):  # 0 · 2 + 2N
        rows += [(event, RATE_LIMIT, 1), (event, R, 1), (event, CHECK_RUN, 2 * n)]
    for event in ("RPM build started", "RPM build finished"):  # N × (0 · 4)
        rows += [(event, RATE_LIMIT, n), (event, R, n), (event, CHECK_RUN, 2 * n)]
    rows += [("RPM build finished", PULL, 1)]  # OpenScanHub, once: fedora-rawhide-x86_64 is a target
    # tests submitted: N × 10
    rows += [("Tests submitted", RATE_LIMIT, n), ("Tests submitted", R, 2 * n), ("Tests submitted", FILE, n),
             ("Tests submitted", PULL, n), ("Tests submitted", BRANCH, 3 * n), ("Tests submitted", CHECK_RUN, 2 * n)]
    for event in ("Tests started", "Tests finished"):  # N × (0 · 3)
        rows += [(event, RATE_LIMIT, n), (event, R, n), (event, CHECK_RUN, n)]
    return table(rows)


# -- the measured tables ----------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 3, 5])
def test_bc1f66bb_per_event_and_endpoint(n: int) -> None:
    trace = traced(C, chroots=n).trace
    assert trace.count_by("event", "endpoint") == expected_at_c(n)
    assert trace.requests == 18 + 43 * n == sum(expected_at_c(n).values())
    assert trace.charged == trace.requests  # no GET /rate_limit at C, every call is charged
    assert all(c.status in (200, 201) or (c.status == 404 and ".distro" in c.url) for c in trace)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_b828c3d7_per_event_and_endpoint(n: int) -> None:
    trace = traced(HEAD, chroots=n).trace
    assert trace.count_by("event", "endpoint") == expected_at_head(n)
    assert trace.requests == 15 + 32 * n
    assert trace.charged == 11 + 27 * n
    rate_limit = trace.where(lambda c: c.endpoint == RATE_LIMIT)
    assert rate_limit.requests == 4 + 5 * n and rate_limit.charged == 0


@pytest.mark.parametrize("n", [1, 3])
def test_ogr_project_objects_that_touched_the_api(n: int) -> None:
    # Every ogr project object pays GET repo exactly once (then caches it), so at C the project
    # objects are the GET repo calls, each in its own handler invocation.
    at_c = traced(C, chroots=n).trace.where(lambda c: c.endpoint == R)
    assert at_c.requests == 6 + 9 * n
    assert len({c.invocation for c in at_c}) == 6 + 9 * n
    # At HEAD the .fmf checker's project is a second one in the same invocation, and every rate
    # limit check builds a PyGithub instance of its own: GET repo + GET /rate_limit.
    head = traced(HEAD, chroots=n).trace
    projects = head.where(lambda c: c.endpoint == R)
    assert len({c.invocation for c in projects}) == 4 + 5 * n  # one invocation holds two
    assert projects.requests + head.where(lambda c: c.endpoint == RATE_LIMIT).requests == 8 + 11 * n


def test_bc1f66bb_category_totals() -> None:
    # bc1f66bb, 3 chroots, .packit.yaml, tests on (147 requests). The model says 19/2/57/42;
    # the worker measures, with the call-site rules deciding who pays the shared GET repo:
    #   is_project_private 15 = 3 + 4N: the GET repo that is_private pays in each process_message,
    #       one per incoming event: the PR, SRPM start + end (one message each, the model's N·),
    #       and per chroot RPM start, RPM end, tests running, tests complete.
    #   is_user_approved 2: the permission GET, once per handler class (copr_build, tests).
    #   load_packit_yaml 45 = 3 · (3 + 4N): 404 .distro/source-git.yaml + .packit.yaml + the spec
    #       search's root listing, in each of those process_message runs.
    #   set_status 62 = 2 + 20N: the check runs (2N task accepted, 2N at Copr submission, 2N each
    #       at SRPM start/end, 2 per chroot at RPM start/end, 2 per test submission, 1 per TF
    #       result) plus the GET repo of every handler whose first call is a status (SRPM start,
    #       SRPM end, RPM start/end per chroot, TF results).
    #   other 23 = 2 + 7N: CoprBuildHandler's GET repo + GET pulls (the PR is read before any
    #       status), and per test submission GET repo (TestingFarmHandler._get_or_create_group
    #       stores the base project's URL, get_web_url, before any status), .fmf/version,
    #       GET pulls ×2 and GET branches ×3.
    trace = traced(C, chroots=3).trace
    assert trace.categories() == {
        "is_project_private": 15,
        "is_user_approved": 2,
        "load_packit_yaml": 45,
        "set_status": 62,
        "auth": 0,
        "other": 23,
    }


# -- the pipeline's shape, hooks and determinism ---------------------------------------------
def test_steps_are_the_plan_and_every_call_is_in_a_step_scope() -> None:
    pipeline = Pipeline(C, Knobs(chroots=3))
    steps = pipeline.steps()
    assert len(steps) == 34 and [s.index for s in steps] == list(range(1, 35))
    assert steps[0].event == "PR is updated" and steps[0].handler == "process_message"
    assert {s.event for s in steps} == set(EVENTS)
    assert [s.chroot for s in steps if s.handler == "CoprBuildStartHandler"] == [None, *chroot_names(3)]
    assert chroot_names(3)[0] == "fedora-rawhide-x86_64" and chroot_names(5)[:3] == chroot_names(3)
    trace = traced(C, chroots=3).trace
    planned = {(s.handler, s.event) for s in steps}
    assert set(trace.count_by("handler", "event")) <= planned
    assert all(c.invocation > 0 for c in trace)


def test_around_hook_wraps_every_step_outside_its_handler_scope(make_fakehub) -> None:
    from tracer.packit.loopback import World

    knobs = Knobs(chroots=1).resolved(load_profile(C))
    hub = make_fakehub(World.from_dict(scenario_world(knobs)))
    seen: list[tuple[int, object]] = []

    class Around:
        def __init__(self, step) -> None:  # type: ignore[no-untyped-def]
            self.step = step

        def __enter__(self) -> None:
            seen.append((self.step.index, current_scope()))

        def __exit__(self, *exc: object) -> None:
            pass

    trace = run_traced(C, knobs, api_url=hub.url, credentials=Credentials.with_token(hub.issue_token("packit-bot")),
                       around=Around)
    assert [i for i, _ in seen] == [s.index for s in Pipeline(C, knobs).steps()]
    assert all(scope is None for _, scope in seen)  # around is outermost
    assert trace.requests == 61


def test_same_requests_in_the_same_order_on_every_run() -> None:
    first = traced(HEAD, chroots=2).trace
    again = run_on_loopback(HEAD, {"chroots": 2}).trace
    assert [(c.method, c.url, c.handler, c.event) for c in first] == [(c.method, c.url, c.handler, c.event) for c in again]


# -- GitHub App authentication -----------------------------------------------------------------
@pytest.mark.parametrize(("profile", "objects", "base", "charged"), [(C, 6 + 9, 61, 61), (HEAD, 8 + 11, 47, 38)])
def test_github_app_mints_a_token_per_project_object(make_fakehub, profile, objects, base, charged) -> None:
    from tracer.packit.loopback import World, generate_app_key

    knobs = Knobs(chroots=1, auth="app").resolved(load_profile(profile))
    # A 1024-bit key made now: PyJWT re-reads the PEM for every JWT it signs (about 40 ms with
    # 2048 bits, 5 ms with 1024); the requests are the same whatever the key's size.
    hub = make_fakehub(World.from_dict(scenario_world(knobs)), app_key=generate_app_key(1024))
    trace = run_traced(profile, knobs, api_url=hub.url, credentials=Credentials.github_app(hub.app_id, hub.app_private_key))
    server = hub.requests
    # the loopback GitHub really issued the tokens: one GET installation + one POST access_tokens per object
    assert sum(r.method == "POST" and r.path.endswith("/access_tokens") for r in server) == objects
    assert sum(r.method == "GET" and r.path.endswith("/installation") for r in server) == objects
    minted = trace.where(lambda c: c.endpoint in (INSTALLATION, ACCESS_TOKEN))
    assert minted.requests == 2 * objects
    assert {(c.category, c.charged, c.auth) for c in minted} == {("auth", False, "jwt")}
    assert trace.requests == base + 2 * objects and trace.charged == charged
    # each object works with its own installation token
    assert len({c.auth_id for c in trace if c.auth == "token"}) == objects
    # no token the server issued (nor the app key) is in the trace
    issued = list(hub._installation_tokens)  # FakeApi has no public accessor for issued tokens
    assert len(issued) == objects
    dumped = json.dumps(trace.to_json())
    assert not any(token in dumped for token in issued)
    assert "PRIVATE KEY" not in dumped


def test_app_credentials_are_required_for_auth_app() -> None:
    with pytest.raises(UsageError, match="GitHub App credentials"):
        Pipeline(C, {"auth": "app"})
    with pytest.raises(UsageError, match="credentials are a token"):
        Pipeline(C, {"auth": "app"}, Credentials.with_token("ghp_x"))
    assert "ghp_secret" not in repr(Credentials.with_token("ghp_secret"))


# -- contributors ----------------------------------------------------------------------------
@pytest.mark.parametrize("profile", [C, HEAD])
def test_outside_contributor_is_refused_and_the_pipeline_stops(profile: str) -> None:
    hubs: list = []
    n = 3
    run = run_on_loopback(profile, {"chroots": n, "contributor": "outside"}, keep_hub=hubs)
    trace = run.trace
    assert len(Pipeline(profile, {"contributor": "outside"}).steps()) == 1
    # process_message only: GET repo, the config lookup (3 calls at either profile), then the
    # allowlist of the first handler class: can_merge_pr is false (permission GET), the sender
    # is not the PR's author (GET pulls), so N neutral build statuses and no handler runs.
    assert trace.requests == 1 + 3 + 2 + n
    assert set(trace.handlers()) == {"process_message"}
    assert trace.count_by("endpoint")[PERMISSION] == 1 and trace.count_by("endpoint")[PULL] == 1
    assert trace.categories()["is_user_approved"] == 2 and trace.categories()["set_status"] == n
    runs = hubs[0].check_runs("packit/hello-world")
    assert len(runs) == n and {r["conclusion"] for r in runs} == {"neutral"}
    assert {r["output"]["title"] for r in runs} == {"User cannot trigger!"}


def test_outside_author_is_let_in_by_the_author_check() -> None:
    # packit's allowlist: can_merge_pr(actor) or get_pr(n).author == actor; an outside
    # contributor who opened the PR passes on the second half: +1 GET pulls per handler class.
    trace = traced(C, chroots=1, contributor="outside_author").trace
    assert trace.requests == 18 + 43 * 1 + 2
    assert trace.categories()["is_user_approved"] == 4


# -- errors: one line, exit-2 kind ------------------------------------------------------------
def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert isinstance(exc.value, TracerError) and "\n" not in message
    return message


def test_unknown_profile_and_bad_profile_files(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        load_profile("packit-service@deadbeef")
    assert "unknown worker profile" in _one_line(exc) and "packit-service@bc1f66bb" in str(exc.value)
    assert load_profile("C").name == C and load_profile("head").name == HEAD
    shipped = resources.files("tracer.packit.worker.profiles").joinpath(f"{C}.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(shipped.read_text().replace("config_lookup: probe_each_name", "config_lookup: telepathy"))
    with pytest.raises(DataError) as exc:
        load_profile(bad)
    assert str(bad) in _one_line(exc) and "config_lookup" in str(exc.value)
    bad.write_text(shipped.read_text().replace("  tests: true", "  tests: maybe"))
    with pytest.raises(DataError) as exc:
        load_profile(str(bad))
    assert "'tests'" in _one_line(exc)
    bad.write_text("format: api-tracer/worker-profile\nversion: 1\nname: x\ncommit: y\nswitches: {}\ndefaults: {}\n")
    with pytest.raises(DataError) as exc:
        load_profile(bad)
    assert "missing switch" in _one_line(exc)
    with pytest.raises(DataError):
        load_profile(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        ({"colour": "red"}, "unknown knob 'colour'"),
        ({"chroots": 0}, "'chroots'"),
        ({"chroots": "three"}, "'chroots'"),
        ({"tests": "maybe"}, "'tests'"),
        ({"config_file": "packit.toml"}, "'config_file'"),
        ({"contributor": "stranger"}, "'contributor'"),
        ({"auth": "password"}, "'auth'"),
        ({"fmf": "perhaps"}, "'fmf'"),
        ({"admin": 1}, "'admin'"),
        ({"pr_action": "closed"}, "'pr_action'"),
        ({"permission": "maintain"}, "'permission'"),
    ],
)
def test_bad_knobs(mapping: dict, words: str) -> None:
    with pytest.raises(UsageError) as exc:
        Knobs.from_mapping(mapping)
    assert words in _one_line(exc)


def test_knobs_from_strings_and_profile_defaults() -> None:
    knobs = Knobs.from_mapping({"chroots": "5", "tests": "off", "spec_search": "no"})
    assert (knobs.chroots, knobs.tests, knobs.spec_search) == (5, False, False)
    assert knobs.resolved(load_profile(C)).load_config_once is False
    assert knobs.resolved(load_profile(HEAD)).load_config_once is True
    assert Knobs().resolved(load_profile(HEAD)).chroots == 3


def test_every_knob_reaches_the_cli_the_manifest_flags_and_the_model_mapping(capsys) -> None:
    import argparse

    from tracer.cli import main
    from tracer.packit import knobs
    from tracer.packit.runs import model_parameters

    with pytest.raises(SystemExit):
        main(["record", "--help"])
    helptext = capsys.readouterr().out
    for spec in knobs.KNOBS.values():
        assert spec.flag in helptext
    # every knob, both ways for a boolean: the flags a manifest's knobs give record the same knobs
    parser = argparse.ArgumentParser()
    knobs.add_flags(parser)
    resolved = Pipeline(HEAD).knobs
    flipped = {n: (not v if isinstance(v, bool) else v) for n, v in resolved.as_dict().items()}
    for values in (resolved.as_dict(), flipped):
        assert knobs.from_args(parser.parse_args(knobs.command_flags(values))).as_dict() == values
    assert {spec.model for spec in knobs.KNOBS.values()} - {None} <= set(model_parameters(load_profile(HEAD), resolved))
    # resolved knobs are concrete: the permission an unset knob leaves to the world is the
    # contributor's own there (alice is admin, mallory has none)
    assert Pipeline(C).knobs.permission == "admin"
    assert Pipeline(C, {"contributor": "outside_author"}).knobs.permission == "none"
    assert None not in Pipeline(HEAD).knobs.as_dict().values()


def test_service_config_admins_must_agree_with_the_knob(tmp_path: Path) -> None:
    import yaml

    from tracer.packit.worker.scenario import world_template

    data, _ = world_template()
    data["x-worker"]["service_config"]["admins"].append("alice")
    world = tmp_path / "world.yaml"
    world.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError) as exc:
        Pipeline(C, world=world)
    assert "lists the sender 'alice' but knob 'admin' is off" in _one_line(exc) and str(world) in str(exc.value)
    assert "alice" in Pipeline(C, {"admin": True}, world=world).settings.admins
    data["x-worker"]["service_config"]["deployment"] = "staging"
    world.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError) as exc:
        Pipeline(C, {"admin": True}, world=world)
    assert "deployment must be one of prod, stg, dev" in _one_line(exc)


def test_a_bad_notifications_block_is_one_line() -> None:
    from tracer.packit.worker.packit_config import parse_package_config

    bad = "jobs: []\nnotifications: {pull_request: {successful_build: sometimes}}\n"
    with pytest.raises(DataError) as exc:
        parse_package_config(bad, ".packit.yaml", "packit/hello-world@abc")
    assert "notifications.pull_request.successful_build must be true or false" in _one_line(exc)
    job = "jobs: [{job: copr_build, trigger: pull_request, targets: [f], notifications: {pull_request: {successful_build: true}}}]\n"
    assert parse_package_config(job, ".packit.yaml", "w").jobs[0].notify_successful_build is True


def test_unknown_event_payloads() -> None:
    with pytest.raises(DataError) as exc:
        parse_event({"zen": "Design for failure."})
    assert "not an event packit-service handles" in _one_line(exc)
    closed = pr_webhook(Pipeline(C).target, action="closed")
    with pytest.raises(DataError) as exc:
        parse_event(closed)
    assert "'closed'" in _one_line(exc)
    broken = copr_message(start=True, build_id=1, chroot="fedora-rawhide-x86_64", owner="packit", project="p")
    del broken["build"]
    with pytest.raises(DataError) as exc:
        parse_event(broken)
    assert "missing build" in _one_line(exc)
    with pytest.raises(DataError) as exc:
        parse_event(tf_notification("abc"))
    assert "Testing Farm" in _one_line(exc)
    with pytest.raises(DataError) as exc:
        copr_message(start=True, build_id=1, chroot="not a chroot", owner="packit", project="p")
    assert "not a Copr chroot" in _one_line(exc)


def test_events_are_the_real_payloads_substituted() -> None:
    import tracer.packit.worker.events as events

    folder = Path(events.__file__).parent
    assert all((folder / name).is_file() for name in PAYLOADS) and (folder / "LICENSE").is_file()
    target = Pipeline(C).target
    event = parse_event(pr_webhook(target))
    assert (event.namespace, event.repo, event.pr_id, event.commit_sha, event.actor) == (
        "packit", "hello-world", 1, target.head_sha, "alice")
    start = parse_event(copr_message(start=True, build_id=7, chroot="fedora-41-x86_64", owner="packit", project="p"))
    assert (start.name, start.build_id, start.chroot) == ("RPM build started", 7, "fedora-41-x86_64")
    srpm = parse_event(copr_message(start=False, build_id=7, chroot="srpm-builds", owner="packit", project="p"))
    assert srpm.name == "SRPM build finished"


def test_a_repository_config_that_disagrees_with_the_scenario_is_an_error(make_fakehub) -> None:
    from tracer.packit.loopback import World

    three = Knobs(chroots=3).resolved(load_profile(C))
    hub = make_fakehub(World.from_dict(scenario_world(three)))
    with pytest.raises(PipelineError) as exc:
        run_traced(C, {"chroots": 2}, api_url=hub.url, credentials=Credentials.with_token(hub.issue_token("packit-bot")))
    assert "the scenario says" in _one_line(exc)


def test_github_refusing_the_worker_is_one_line(make_fakehub) -> None:
    from tracer.packit.loopback import World

    knobs = Knobs(chroots=1).resolved(load_profile(C))
    hub = make_fakehub(World.from_dict(scenario_world(knobs)))
    wrong = "ghp_" + "x" * 36
    with pytest.raises(PipelineError) as exc:
        run_traced(C, knobs, api_url=hub.url, credentials=Credentials.with_token(wrong))
    message = _one_line(exc)
    assert message.startswith("step 001 PR is updated: process_message: a GitHub request failed")
    assert wrong not in message


def test_bad_scenario_world_files(tmp_path: Path) -> None:
    from tracer.packit.worker.scenario import world_template

    data, _ = world_template()
    broken = tmp_path / "world.yaml"
    import yaml

    no_block = {k: v for k, v in data.items() if k != "x-worker"}
    broken.write_text(yaml.safe_dump(no_block))
    with pytest.raises(DataError) as exc:
        Pipeline(C, world=broken)
    assert str(broken) in _one_line(exc) and "x-worker" in str(exc.value)
    data["x-worker"]["contributors"]["collaborator"]["pr"] = 99
    broken.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError) as exc:
        Pipeline(C, world=broken)
    assert "no pull request #99" in _one_line(exc)
    data["x-worker"]["contributors"]["collaborator"]["pr"] = 1
    data["repositories"][0]["pulls"][0]["head"]["sha"] = "not-a-sha"
    broken.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError) as exc:
        Pipeline(C, world=broken)
    assert "head_sha" in _one_line(exc) and str(broken) in str(exc.value)
