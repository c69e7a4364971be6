"""A 304 Not Modified, end to end: PyGithub's conditional request (``update()`` sends the
object's ETag as If-None-Match) against the loopback GitHub, which serves ETags as GitHub does.

Neither packit-service nor ogr makes conditional requests, so no shipped pipeline run holds a
304; these tests do, through every path that judges a call: the tracer's charging rule, a budget
under ``measure="charged"`` exactly at its limit, a cassette recorded and replayed, and ``stats``.
Charging a 304 fails each of them.
"""

from __future__ import annotations

from pathlib import Path

import github
import pytest

from tracer.budget import Budget, BudgetBlock, BudgetExceeded, CassetteReplay
from tracer.capture import Tracer, redirect_api
from tracer.recording.cassette_io import load_cassette
from tracer.recording.stats import trace_from_cassettes

REPO = "packit/hello-world"


def conditional_read(token: str) -> None:
    """Read a repository, then ask again whether it changed: 200, then 304."""
    repo = github.Github(auth=github.Auth.Token(token)).get_repo(REPO)
    assert repo.update() is False  # not modified: PyGithub keeps the object as it is


def test_a_304_is_traced_and_not_charged(fakehub):
    with redirect_api(fakehub.url), Tracer() as tracer:
        conditional_read(fakehub.issue_token("alice"))
    calls = tracer.trace().calls
    assert [(c.method, c.route, c.status, c.charged) for c in calls] == [
        ("GET", "/repos/{owner}/{repo}", 200, True), ("GET", "/repos/{owner}/{repo}", 304, False)]
    assert tracer.trace().charged == 1 and tracer.trace().requests == 2
    assert fakehub.used("user:alice") == 1  # the loopback GitHub's own count agrees


def test_a_charged_budget_counts_the_304_as_free_exactly_at_its_limit(fakehub):
    token = fakehub.issue_token("alice")
    with redirect_api(fakehub.url), BudgetBlock(Budget.from_kwargs(max_total=1, measure="charged")):
        conditional_read(token)
    with pytest.raises(BudgetExceeded, match=r"total: 2 calls, budget <= 1"):
        with redirect_api(fakehub.url), BudgetBlock(Budget.from_kwargs(max_total=1)):
            conditional_read(token)


def test_a_recorded_304_replays_and_counts_as_free(fakehub, tmp_path: Path):
    cassette = tmp_path / "cassettes" / "conditional.yaml"
    token = fakehub.issue_token("alice")
    with redirect_api(fakehub.url), CassetteReplay(cassette, record_mode="once"):
        conditional_read(token)
    statuses = [i["response"]["status"]["code"] for i in load_cassette(cassette)["interactions"]]
    assert statuses == [200, 304]
    with CassetteReplay(cassette) as replay:  # offline: the network is blocked
        conditional_read("ghp_" + "0" * 36)
    replay.check()
    assert [(c.status, c.charged) for c in replay.trace.calls] == [(200, True), (304, False)]
    stats = trace_from_cassettes([cassette])
    assert (stats.requests, stats.charged) == (2, 1)
