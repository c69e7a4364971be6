"""The tracer core against real HTTP on loopback: interception, scopes, rules, trace."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import github
import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tracer.capture import (
    NO_HANDLER,
    Rules,
    Trace,
    Tracer,
    current_scope,
    handler,
    no_throttle,
    redirect_api,
)
from tracer.errors import DataError

API = "https://api.github.com"


def get_package_config_from_repo(session: requests.Session, name: str = ".packit.yaml") -> int:
    """Named like packit's config lookup, so the call-site rule classifies its calls."""
    return session.get(f"{API}/repos/o/r/contents/{name}").status_code


def test_routes_categories_and_charge(tiny_api):
    s = requests.Session()
    with redirect_api(tiny_api.url), Tracer() as t, handler("CoprBuildHandler", event="Submit Copr build"):
        s.get(f"{API}/rate_limit")
        s.post(f"{API}/repos/o/r/check-runs", json={"name": "x"})
        s.get(f"{API}/repos/o/r/branches/main")
        s.get(f"{API}/gists/1")
    calls = t.trace().calls
    assert [(c.endpoint, c.category, c.charged) for c in calls] == [
        ("GET /rate_limit", "other", False),
        ("POST /repos/{owner}/{repo}/check-runs", "set_status", True),
        ("GET /repos/{owner}/{repo}/branches/{branch+}", "other", True),
        ("GET /gists/{gist_id}", "other", True),  # a template, never the id
    ]
    assert {c.handler for c in calls} == {"CoprBuildHandler"}
    assert {c.event for c in calls} == {"Submit Copr build"}
    assert all(c.url.startswith(API) for c in calls)  # the redirect is invisible to the trace
    assert calls[1].ratelimit["used"] == "2"


def test_call_site_rule_wins_over_route(tiny_api):
    s = requests.Session()
    with redirect_api(tiny_api.url), Tracer() as t:
        get_package_config_from_repo(s, "README.md")
        s.get(f"{API}/repos/o/r/contents/README.md")
        s.get(f"{API}/repos/o/r/contents/.packit.yaml", params={"ref": "main"})
    first, second, third = t.trace().calls
    assert first.category == "load_packit_yaml"
    assert first.call_site == f"{__name__}.get_package_config_from_repo"
    assert second.category == "other"
    assert third.category == "load_packit_yaml"  # a config read, whoever makes it (route rule)
    assert first.route == second.route == third.route == "/repos/{owner}/{repo}/contents/{path+}"
    assert first.handler == NO_HANDLER  # calls outside any scope are kept


def test_auth_kind_is_kept_not_the_credential(tiny_api):
    s = requests.Session()
    secret = "ghs_" + "A" * 36
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2ln"
    with redirect_api(tiny_api.url), Tracer() as t:
        s.get(f"{API}/repos/o/r", headers={"Authorization": f"token {secret}"})
        s.get(f"{API}/repos/o/r/installation", headers={"Authorization": f"Bearer {jwt}"})
        s.get(f"{API}/repos/o/r")
    calls = t.trace().calls
    assert [(c.auth, c.charged) for c in calls] == [("token", True), ("jwt", False), ("none", True)]
    assert calls[1].category == "auth"
    dumped = json.dumps(t.trace().to_json())
    assert secret not in dumped and jwt not in dumped


def test_retries_are_attempts_of_one_logical_call(tiny_api, monkeypatch):
    tiny_api.failures["/repos/o/flaky"] = 2
    s = requests.Session()
    s.mount("https://", HTTPAdapter(max_retries=Retry(total=3, status_forcelist=[503], backoff_factor=30)))
    slept: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: (slept.append(s), real_sleep(min(s, 0.001))))
    with redirect_api(tiny_api.url), Tracer() as t:
        assert s.get(f"{API}/repos/o/flaky").status_code == 200
    # backoff_factor=30 would sleep 30+ s: the tracer's no-throttle context skipped it
    assert not [s for s in slept if s >= 1], slept
    calls = t.trace().calls
    assert [(c.logical, c.attempt, c.status) for c in calls] == [(1, 1, 503), (1, 2, 503), (1, 3, 200)]
    assert t.trace().logical == 1 and t.trace().requests == 3


def test_pygithub_throttle_skipped_only_inside_no_throttle(tiny_api, monkeypatch):
    sleeps: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: (sleeps.append(s), real_sleep(0)))
    gh = github.Github(base_url=tiny_api.url, seconds_between_requests=0.25, seconds_between_writes=1, lazy=False)
    with no_throttle():
        for _ in range(3):
            gh.get_repo("o/r")
    assert sleeps == []
    for _ in range(2):
        gh.get_repo("o/r")
    assert sleeps, "outside no_throttle PyGithub keeps its own throttle"


def test_a_tracer_skips_the_throttle_in_every_thread_it_sees(tiny_api, monkeypatch):
    """A tracer records every thread, and skips PyGithub's throttle in every one of them (a
    worker's thread pool included); when it stops, the throttle is back."""
    sleeps: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: (sleeps.append(s), real_sleep(0)))

    def in_a_thread() -> None:
        gh = github.Github(base_url=tiny_api.url, seconds_between_requests=0.25, seconds_between_writes=1, lazy=False)
        for _ in range(3):
            gh.get_repo("o/r")

    with Tracer(hosts=[tiny_api.url]) as t:
        threads = [threading.Thread(target=in_a_thread) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sleeps == [] and t.trace().requests == 9
    in_a_thread()
    assert sleeps, "outside the tracer PyGithub keeps its own throttle"


def test_scopes_nest_and_decorate():
    @handler("TestingFarmHandler", event="Tests submitted")
    def inner() -> str | None:
        scope = current_scope()
        return scope.label if scope else None

    assert current_scope() is None
    with handler("process_message", event="PR is updated") as outer:
        assert current_scope() == outer
        assert inner() == "TestingFarmHandler [Tests submitted]"
        assert current_scope() == outer
    assert current_scope() is None


def test_asyncio_tasks_keep_their_own_scope():
    async def task(name: str) -> str:
        with handler(name):
            await asyncio.sleep(0.01)
            return current_scope().handler  # type: ignore[union-attr]

    async def both() -> list[str]:
        return list(await asyncio.gather(task("A"), task("B")))

    assert asyncio.run(both()) == ["A", "B"]


def _work(base: str, name: str, n: int) -> None:
    s = requests.Session()
    with handler(name, event=f"event-{name}"):
        for i in range(n):
            if i % 3 == 0:
                get_package_config_from_repo(s)
            else:
                s.get(f"{base}/repos/o/{name}/pulls/{i}")


def test_eight_threads_give_the_sequential_counts(tiny_api):
    work = [(f"H{i}", 10 + i) for i in range(8)]
    with redirect_api(tiny_api.url):
        with Tracer() as sequential:
            for name, n in work:
                _work(API, name, n)
        with Tracer() as parallel:
            threads = [threading.Thread(target=_work, args=(API, name, n)) for name, n in work]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
    key = ("handler", "event", "category", "endpoint")
    assert parallel.trace().count_by(*key) == sequential.trace().count_by(*key)
    assert parallel.trace().requests == sum(n for _, n in work)
    assert len({c.seq for c in parallel.trace()}) == parallel.trace().requests


def test_trace_json_round_trips(tiny_api, tmp_path):
    s = requests.Session()
    with redirect_api(tiny_api.url), Tracer() as t, handler("X", event="E"):
        get_package_config_from_repo(s)
        s.get(f"{API}/rate_limit")
    path = tmp_path / "trace.json"
    t.trace().save(path, run="demo")
    again = Trace.load(path)
    assert again == t.trace()
    assert again.summary() == t.trace().summary()
    assert json.loads(path.read_text())["meta"] == {"run": "demo"}


def test_trace_json_of_the_wrong_shape(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "api-tracer/trace", "version": 1, "calls": [{"seq": 1}]}')
    with pytest.raises(DataError, match=r"bad.json: calls\[0\]: missing .method."):
        Trace.load(bad)
    bad.write_text("[1, 2")
    with pytest.raises(DataError, match="bad.json: not JSON"):
        Trace.load(bad)


def test_ratelimit_used_deltas_flag_missed_calls(tiny_api):
    s = requests.Session()
    auth = {"Authorization": "token ghp_" + "b" * 36}
    with redirect_api(tiny_api.url):
        with Tracer() as t:
            for _ in range(3):
                s.get(f"{API}/repos/o/r", headers=auth)
        assert t.trace().ratelimit_gaps() == []
        with Tracer() as t2:
            s.get(f"{API}/repos/o/r", headers=auth)
            t2.__exit__(None, None, None)  # an untraced call the tracer does not see
            s.get(f"{API}/repos/o/r", headers=auth)
            t2.__enter__()
            s.get(f"{API}/repos/o/r", headers=auth)
    gaps = t2.trace().ratelimit_gaps()
    assert len(gaps) == 1 and gaps[0].used_delta == 2 and gaps[0].seen == 1
    assert "rose by 2" in str(gaps[0])


def test_user_rules_override_the_default(tmp_path, tiny_api):
    rules = tmp_path / "mine.yaml"
    rules.write_text(
        "version: 1\nroutes:\n  - route: GET /repos/{owner}/{repo}/branches/{branch+}\n    category: is_user_approved\n"
    )
    s = requests.Session()
    with redirect_api(tiny_api.url), Tracer(rules) as t:
        s.get(f"{API}/repos/o/r/branches/main")
        s.post(f"{API}/repos/o/r/check-runs")
    assert [c.category for c in t.trace()] == ["is_user_approved", "set_status"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\ncall_sites:\n  - function: '*.x'\n    category: nope\n", r"call_sites\[0\]: unknown category 'nope'"),
        ("version: 1\nroutes:\n  - {route: 'get /x'}\n", r"routes\[0\]: 'route' must look like"),
        ("version: 1\nroutes:\n  - {route: 'GET /x', charged: maybe}\n", r"routes\[0\]: 'charged' must be true or false"),
        ("version: 2\n", "not a rules file"),
        ("version: 1\nroutes: [\n", "not valid YAML"),
    ],
)
def test_malformed_rules_name_the_file_and_rule(tmp_path, text, message):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as info:
        Rules.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_default_rules_are_valid():
    rules = Rules.default()
    assert len(rules.sites) >= 10 and len(rules.routes) >= 20


def test_tokens_of_one_installation_share_one_bucket(fakehub):
    """Two installation tokens count in one bucket: no false gaps; an untraced call is one."""
    installation = fakehub.world.app.installations["packit/hello-world"]
    tokens = [fakehub.issue_installation_token(installation) for _ in range(2)]
    s = requests.Session()

    def get(i: int) -> None:
        s.get(f"{API}/repos/packit/hello-world", headers={"Authorization": f"token {tokens[i % 2]}"})

    with redirect_api(fakehub.url):
        with Tracer() as t:
            for i in range(4):
                get(i)
        assert t.trace().ratelimit_gaps() == []
        with Tracer() as t2:
            get(0)
        get(1)  # untraced, same installation bucket
        with t2:
            get(0)
    gaps = t2.trace().ratelimit_gaps()
    assert [(g.used_delta, g.seen) for g in gaps] == [(2, 1)]
