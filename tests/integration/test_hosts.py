"""Only GitHub API hosts count: other hosts are kept apart, named, and never charged; GitHub
Enterprise hosts are configured by argument, rules file or CLI flag. One rule, used by traces,
stats, drift and the budgets."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import github
import pytest
import requests
import vcr

from tracer.budget import Budget
from tracer.capture import Rules, Tracer, handler
from tracer.capture.hosts import Hosts, host_of, parse_host
from tracer.cli import main
from tracer.errors import DataError
from tracer.packit.loopback import FakeGitHub, World
from tracer.recording.stats import trace_from_cassettes
from tracer.packit.runs import model_parameters
from tracer.packit.worker import Credentials, load_profile
from tracer.packit.knobs import as_knobs
from tracer.packit.worker.pipeline import run_traced
from tracer.packit.worker.scenario import scenario_world


class _FarmHandler(BaseHTTPRequestHandler):
    """A Testing Farm API of our own: POST /v0.1/requests, GET /v0.1/requests/{id}."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._json(200, {"id": str(uuid.uuid4()), "state": "new"})

    def do_GET(self) -> None:  # noqa: N802
        self._json(200, {"id": self.path.rsplit("/", 1)[-1], "state": "queued"})


@pytest.fixture
def testing_farm() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FarmHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_hosts_parse_and_match():
    hosts = Hosts().with_hosts(["api.github.com", "https://GHE.example.com/api/v3/", "ghe2.example.com:8443"])
    assert [n for n in hosts.names if n.startswith("github=")] == [
        "github=api.github.com", "github=ghe.example.com/api/v3", "github=ghe2.example.com:8443"]

    def github_api(url: str) -> bool:
        forge, _, api = hosts.forge_of(url)
        return forge == "github" and api

    assert github_api("https://api.github.com:443/repos/o/r")
    assert github_api("https://ghe.example.com/api/v3/repos/o/r")
    assert not github_api("https://ghe.example.com/o/r")  # the web UI, not the API
    assert github_api("https://ghe2.example.com:8443/repos/o/r")
    assert not github_api("https://ghe2.example.com/repos/o/r")
    assert not github_api("https://api.testing-farm.io/v0.1/requests")
    assert host_of("https://API.github.com:443/x") == "api.github.com"
    assert Rules.default().hosts.label("api.testing-farm.io") == "Testing Farm"
    assert Rules.default().hosts.label("example.org") == "example.org"
    for bad in ("", "user@host", "a b"):
        with pytest.raises(DataError, match="not a host"):
            parse_host(bad, "--github-host")


def farm_calls(farm: str, chroot_steps: list[str]) -> Any:
    """``around(step)`` for the pipeline: each test submission also asks Testing Farm, as the
    real handler does (POST a request, GET its state), inside the handler's scope."""

    @contextmanager
    def around(step: Any) -> Iterator[None]:
        yield
        if step.event == "Tests submitted":
            chroot_steps.append(step.chroot)
            with handler(step.handler, event=step.event):
                request_id = requests.post(f"{farm}/v0.1/requests", json={"api_key": "x"}).json()["id"]
                requests.get(f"{farm}/v0.1/requests/{request_id}")

    return around


def run_pipeline(around: Any = None, rules: Rules | None = None) -> Any:
    prof = load_profile("HEAD")
    knobs = as_knobs({"chroots": 2}).resolved(prof)
    with FakeGitHub(World.from_dict(scenario_world(knobs), source="scenario")) as hub:
        trace = run_traced(prof, knobs, api_url=hub.url, credentials=Credentials.with_token(hub.issue_token("packit-bot")),
                           rules=rules, around=around)
        github_requests = len(hub.requests)
    return trace, github_requests, model_parameters(prof, knobs)


def test_a_pipeline_that_also_calls_testing_farm(testing_farm, tmp_path, capsys):
    farm_host = host_of(testing_farm)
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(f"version: 1\nhost_labels:\n  {farm_host!r}: Testing Farm\n")
    rules = Rules.load(rules_file)
    plain, plain_server, model = run_pipeline()
    steps: list[str] = []
    trace, server, _ = run_pipeline(farm_calls(testing_farm, steps), rules)

    # GitHub's figures are those of the same pipeline without Testing Farm, and the loopback's own
    assert steps and trace.requests == plain.requests == server == plain_server
    assert trace.charged == plain.charged
    assert trace.nested("event") == plain.nested("event")
    # Testing Farm is kept, apart, named, never charged
    assert len(trace.elsewhere) == 2 * len(steps)
    assert {(c.host, c.category, c.charged, c.github) for c in trace.elsewhere} == {(farm_host, "other", False, False)}
    assert {c.route for c in trace.elsewhere} == {"/v0.1/requests", "/v0.1/requests/{id}"}
    assert {c.handler for c in trace.elsewhere} == {"TestingFarmHandler"}
    assert trace.other_hosts(rules.hosts) == {"Testing Farm": 2 * len(steps)}

    # the budgets count GitHub only
    budget = Budget.from_kwargs(total=plain.requests, source="test")
    assert budget.check(trace).ok

    # a trace file keeps both; drift reports the other hosts apart and the same figures
    for name, t in (("with-farm", trace), ("plain", plain)):
        t.save(tmp_path / f"{name}.trace.json", name="run", profile="HEAD", knobs={"chroots": 2}, model=model)
    data = json.loads((tmp_path / "with-farm.trace.json").read_text())
    assert data["summary"]["other_hosts"] == {farm_host: 2 * len(steps)}  # labels are the reader's
    assert sum(1 for c in data["calls"] if c["forge"] is None) == 2 * len(steps)
    reports = {}
    for name in ("with-farm", "plain"):
        main(["drift", str(tmp_path / f"{name}.trace.json")])
        reports[name] = capsys.readouterr().out
    extra = [line for line in reports["with-farm"].splitlines()
             if line not in reports["plain"].splitlines() and not line.startswith("source:")]
    assert extra == [f"Other hosts (not GitHub, never charged): {farm_host} {2 * len(steps)}."]


def test_stats_keeps_other_hosts_apart_in_cassettes(testing_farm, tmp_path, capsys):
    cassette = tmp_path / "mixed.yaml"
    with FakeGitHub() as hub, vcr.VCR(record_mode="once").use_cassette(str(cassette)):
        token = hub.issue_token("alice")
        loopback = host_of(hub.url)  # a GitHub Enterprise Server, as far as stats knows
        requests.get(f"{hub.url}/repos/packit/hello-world", headers={"Authorization": f"token {token}"})
        requests.post(f"{testing_farm}/v0.1/requests", json={})
    trace = trace_from_cassettes([cassette], hosts=[loopback])
    assert [(c.route, c.github, c.charged) for c in trace.all_calls()] == [
        ("/repos/{owner}/{repo}", True, True),
        ("/v0.1/requests", False, False),
    ]
    assert main(["stats", str(cassette), "--github-host", loopback]) == 0
    out = capsys.readouterr().out
    assert "1 requests (1 logical calls), 1 charged to the rate limit" in out
    assert f"other hosts (not GitHub, never charged): {host_of(testing_farm)} 1" in out
    assert main(["stats", str(cassette)]) == 0  # without the flag, the loopback is not GitHub
    assert "0 requests (0 logical calls), 0 charged" in capsys.readouterr().out
    assert main(["stats", str(cassette), "--github-host", "a b"]) == 2
    assert "not a host" in capsys.readouterr().err


def test_github_enterprise_host_by_argument_and_rules_file(tiny_api, tmp_path):
    ghe = f"{tiny_api.url}/api/v3"
    gh = github.Github(base_url=ghe)

    def calls(tracer: Tracer) -> list[tuple[str, str, bool, bool]]:
        with tracer:
            gh.get_repo("o/r")
            gh.get_repo("o/r2")
        trace = tracer.trace()
        return [(c.endpoint, c.category, c.charged, c.github) for c in trace.all_calls()]

    counted = [
        ("GET /repos/{owner}/{repo}", "other", True, True),  # /api/v3 is GHE's prefix, not the route's
        ("GET /repos/{owner}/{repo}", "other", True, True),
    ]
    assert calls(Tracer(hosts=[ghe])) == counted
    rules = tmp_path / "ghe.yaml"
    rules.write_text(f"version: 1\nhosts: [{host_of(tiny_api.url)}/api/v3]\n")
    assert calls(Tracer(rules)) == counted
    apart = calls(Tracer())  # another host: no forge's routes name it, identifiers hidden
    assert [(endpoint, github) for endpoint, _, _, github in apart] == [
        ("GET /api/v3/repos/o/r", False), ("GET /api/v3/repos/o/r2", False),
    ]
    rules.write_text("version: 1\nhosts: [1]\n")
    with pytest.raises(DataError, match="'hosts' must be a list"):
        Rules.load(rules)
