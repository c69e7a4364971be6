"""Budgets by forge, with real ogr objects making real requests: GitLab (python-gitlab over
requests) against a GitLab of our own on loopback, Forgejo (pyforgejo over httpx) answered by
respx. Each limit is put exactly at its boundary (met: passes; one call past it: fails); a forge
filter that matches no call fails naming the forges seen; an unknown forge is a one-line error;
GitHub stays the default view. The plugin's marker and fixture take ``forge=`` (and ``hosts=``)
too (pytester)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx
from json_forge import json_forge
from ogr.abstract import CommitStatus
from ogr.services.forgejo import ForgejoService
from ogr.services.gitlab import GitlabService

from tracer import api_budget
from tracer.budget import BudgetExceeded
from tracer.capture import handler
from tracer.capture.hosts import host_of
from tracer.errors import DataError, UsageError

SHA = "c891a9e4ac01e6575f3fd66cf1b7db2f52f10128"
FORGEJO = "https://codeberg.org"  # a known Forgejo host
FORGEJO_REPO = f"{FORGEJO}/api/v1/repos/packit/hello-world"
FORGEJO_TOKEN = "0123456789abcdef0123456789abcdef01234567"
STATUS = {"id": 7, "sha": SHA, "status": "success", "name": "packit/rpm-build", "context": "packit/rpm-build",
          "description": "RPM build", "target_url": "https://packit.dev", "created_at": "2024-01-01T00:00:00Z",
          "updated_at": "2024-01-01T00:00:00Z"}


#: what GitLab's /api/v4 answers: the user, a private project, a commit, statuses
GITLAB_ANSWERS = {
    "/api/v4/user": (200, {"id": 3, "username": "packit"}),
    "/api/v4/projects/packit%2Fhello-world": (200, {"id": 4, "path_with_namespace": "packit/hello-world",
                                                    "visibility": "private"}),
    f"/api/v4/projects/4/repository/commits/{SHA}": (200, {"id": SHA, "short_id": SHA[:8]}),
    f"/api/v4/projects/4/statuses/{SHA}": (201, STATUS),
}
#: the requests the loopback GitLab of the running test has seen
served: list[dict[str, str]] = []


@pytest.fixture
def gitlab() -> Iterator[str]:
    served.clear()
    with json_forge(GITLAB_ANSWERS, seen=served) as (url, _):
        yield url


def gitlab_pipeline(url: str, statuses: int) -> None:
    """``GET /user`` (python-gitlab checks its token), the project, then a commit read and a
    status per status reported: 2 + 2 × statuses calls, ``statuses`` of them set_status."""
    project = GitlabService(token="glpat-AbCdEfGhIjKlMnOpQrSt", instance_url=url).get_project(
        namespace="packit", repo="hello-world")
    with handler("ProcessMessage", event="PR is updated"):
        assert project.is_private()
    with handler("CoprBuildHandler", event="Submit Copr build"):
        for _ in range(statuses):
            project.set_commit_status(SHA, CommitStatus.success, "https://packit.dev", "RPM build", "packit/rpm-build")


def forgejo_pipeline(statuses: int) -> None:
    """The repository read, then one status per status reported (respx answers): 1 + statuses calls."""
    project = ForgejoService(instance_url=FORGEJO, token=FORGEJO_TOKEN).get_project(namespace="packit", repo="hello-world")
    with respx.mock(assert_all_called=False) as mock:
        mock.get(FORGEJO_REPO).respond(200, json={"id": 1, "name": "hello-world", "full_name": "packit/hello-world",
                                                  "private": False, "owner": {"id": 2, "login": "packit"}})
        mock.post(f"{FORGEJO_REPO}/statuses/{SHA}").respond(201, json=STATUS)
        with handler("ProcessMessage", event="PR is updated"):
            assert not project.is_private()
        with handler("CoprBuildHandler", event="Submit Copr build"):
            for _ in range(statuses):
                project.set_commit_status(SHA, CommitStatus.success, "https://packit.dev", "RPM build", "packit/rpm-build")


def row(message: str, category: str) -> list[str]:
    """The budget table's row of ``category``, split on blanks."""
    return next(line.split() for line in message.splitlines() if line.split()[:1] == [category])


def hosts(url: str) -> list[str]:
    return [f"gitlab={host_of(url)}"]


# -- GitLab over requests, on loopback ----------------------------------------------------------
def test_a_gitlab_budget_holds_at_its_limits(gitlab):
    with api_budget(forge="gitlab", hosts=hosts(gitlab), max_set_status=2, max_total=6, is_project_private=1,
                    other=3) as trace:
        gitlab_pipeline(gitlab, statuses=2)
    assert len(served) == 6  # real requests, every one counted
    view = trace.on("gitlab")
    assert [c.endpoint for c in view] == [
        "GET /user", "GET /projects/{id}",
        *["GET /projects/{id}/repository/commits/{sha}", "POST /projects/{id}/statuses/{sha}"] * 2]
    assert view.categories()["set_status"] == 2 and len(view) == 6


def test_a_gitlab_budget_fails_one_call_past_its_limits(gitlab):
    with pytest.raises(BudgetExceeded) as failed:
        with api_budget(forge="gitlab", hosts=hosts(gitlab), max_set_status=2, max_total=6):
            gitlab_pipeline(gitlab, statuses=3)
    message = str(failed.value)
    assert message.splitlines()[0] == "GitLab API budget exceeded (measure: requests, forge: gitlab)"
    assert row(message, "set_status") == ["set_status", "<=", "2", "3", "✗", "1", "over"]
    assert row(message, "total") == ["total", "<=", "6", "8", "✗", "2", "over"]
    assert "POST /projects/{id}/statuses/{sha}" in message  # the call beyond the budget is listed


def test_gitlab_charges_every_call_it_answers_and_the_charged_limit_is_exact(gitlab):
    with api_budget(forge="gitlab", hosts=hosts(gitlab), measure="charged", total=4):
        gitlab_pipeline(gitlab, statuses=1)
    with pytest.raises(BudgetExceeded) as failed:
        with api_budget(forge="gitlab", hosts=hosts(gitlab), measure="charged", total=5):
            gitlab_pipeline(gitlab, statuses=1)
    assert row(str(failed.value), "total") == ["total", "==", "5", "4", "✗", "1", "short"]


def test_github_stays_the_default_view(gitlab):
    """A budget without forge= is about GitHub's limits: the GitLab calls are elsewhere."""
    with api_budget(hosts=hosts(gitlab), max_total=0) as trace:
        gitlab_pipeline(gitlab, statuses=1)
    assert len(trace) == 0 and trace.forges() == {"gitlab": 4}
    with pytest.raises(BudgetExceeded, match="GitLab API budget exceeded"):
        with api_budget(hosts=hosts(gitlab), forge="gitlab", max_total=0):
            gitlab_pipeline(gitlab, statuses=1)


def test_an_instance_not_named_is_no_forge_so_a_gitlab_filter_matches_nothing(gitlab):
    with pytest.raises(BudgetExceeded) as failed:
        with api_budget(forge="gitlab", max_total=9):
            gitlab_pipeline(gitlab, statuses=1)
    assert "forge 'gitlab' matched no call (forges seen: none, no forge API call was made)" in str(failed.value)


# -- Forgejo over httpx, answered by respx ------------------------------------------------------
def test_a_forgejo_budget_holds_at_its_limit_and_fails_one_past_it():
    with api_budget(forge="forgejo", max_set_status=2, max_total=3, measure="requests") as trace:
        forgejo_pipeline(statuses=2)
    assert [c.endpoint for c in trace.on("forgejo")] == [
        "GET /repos/{owner}/{repo}", *["POST /repos/{owner}/{repo}/statuses/{sha}"] * 2]
    with pytest.raises(BudgetExceeded) as failed:
        with api_budget(forge="forgejo", max_set_status=2):
            forgejo_pipeline(statuses=3)
    assert str(failed.value).splitlines()[0] == "Forgejo API budget exceeded (measure: requests, forge: forgejo)"
    assert row(str(failed.value), "set_status") == ["set_status", "<=", "2", "3", "✗", "1", "over"]


def test_forgejo_charges_nothing():
    """Forgejo documents no limit: no call is charged, so a charged budget of 0 holds."""
    with api_budget(forge="forgejo", measure="charged", total=0) as trace:
        forgejo_pipeline(statuses=2)
    assert len(trace.on("forgejo")) == 3


def test_handler_and_event_filters_look_at_the_budget_forge_only():
    with api_budget(forge="forgejo", handler="CoprBuildHandler", event="Submit Copr build", set_status=1, total=1):
        forgejo_pipeline(statuses=1)
    with pytest.raises(BudgetExceeded) as failed:
        with api_budget(forge="forgejo", handler="CoprBuildHandlr", max_total=9):
            forgejo_pipeline(statuses=1)
    assert ("handler 'CoprBuildHandlr' matched no call (handlers seen: ProcessMessage, CoprBuildHandler)"
            in str(failed.value))


def test_a_forge_filter_that_matches_no_call_fails_naming_the_forges_seen(gitlab):
    with pytest.raises(BudgetExceeded) as failed:
        with api_budget(forge="pagure", hosts=hosts(gitlab), max_total=9):
            forgejo_pipeline(statuses=1)
            gitlab_pipeline(gitlab, statuses=1)
    lines = str(failed.value).splitlines()
    assert lines[0] == "Pagure API budget cannot be checked: its filter matches no call (measure: requests, forge: pagure)"
    assert "forge 'pagure' matched no call (forges seen: forgejo 2, gitlab 4)" in lines


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"forge": "gitlab.com"}, UsageError,
         "api_budget: unknown forge='gitlab.com' (one of: github, gitlab, pagure, forgejo)"),
        ({"forge": "gitlab", "hosts": ["gitlb=gitlab.example.com"]}, DataError,
         "api_budget: hosts: 'gitlb=gitlab.example.com': unknown forge 'gitlb' (one of github, gitlab, pagure, "
         "forgejo; e.g. gitlab=gitlab.gnome.org)"),
    ],
)
def test_an_unknown_forge_is_a_one_line_error(kwargs, error, message):
    with pytest.raises(error) as raised:
        api_budget(max_total=1, **kwargs)
    assert str(raised.value) == message


# -- the plugin ---------------------------------------------------------------------------------
INNER = '''
import pytest
import responses
import respx
from json_forge import json_forge
from ogr.abstract import CommitStatus
from ogr.services.forgejo import ForgejoService
from ogr.services.gitlab import GitlabService

SHA = "c891a9e4ac01e6575f3fd66cf1b7db2f52f10128"
REPO = "https://codeberg.org/api/v1/repos/packit/hello-world"
GITLAB = "https://gitlab.example.test"
STATUS = {STATUS!r}


def forgejo(statuses):
    project = ForgejoService(instance_url="https://codeberg.org", token="0" * 40).get_project(
        namespace="packit", repo="hello-world")
    with respx.mock(assert_all_called=False) as mock:
        mock.get(REPO).respond(200, json={{"id": 1, "name": "hello-world", "owner": {{"id": 2, "login": "packit"}}}})
        mock.post(f"{{REPO}}/statuses/{{SHA}}").respond(201, json=STATUS)
        for _ in range(statuses):
            project.set_commit_status(SHA, CommitStatus.success, "https://packit.dev", "RPM build", "packit/rpm-build")


def gitlab():
    with responses.RequestsMock() as mock:
        mock.get(f"{{GITLAB}}/api/v4/user", json={{"id": 3, "username": "packit"}})
        mock.get(f"{{GITLAB}}/api/v4/projects/packit%2Fhello-world",
                 json={{"id": 4, "path_with_namespace": "packit/hello-world", "visibility": "private"}})
        project = GitlabService(token="glpat-AbCdEfGhIjKlMnOpQrSt", instance_url=GITLAB).get_project(
            namespace="packit", repo="hello-world")
        assert project.is_private()


@pytest.mark.github_api_budget(forge="forgejo", max_set_status=2, total=3)  # the repository read, 2 statuses
def test_marker_at_the_limit():
    forgejo(2)


@pytest.mark.github_api_budget(forge="forgejo", max_set_status=2)
def test_marker_one_past():
    forgejo(3)


@pytest.mark.github_api_budget(forge="gitlab", hosts=["gitlab=gitlab.example.test"], total=2, is_project_private=1)
def test_marker_with_hosts():
    gitlab()


@pytest.mark.github_api_budget(forge="gitlab", max_total=9)
def test_marker_forge_that_made_no_call():
    forgejo(1)


@pytest.mark.github_api_budget(forge="gitlb", max_total=9)
def test_marker_unknown_forge():
    forgejo(1)


@pytest.mark.github_api_budget(forge="gitlab", hosts="gitlb=x", max_total=9)
def test_marker_unknown_forge_in_hosts():
    gitlab()


def test_fixture_with_hosts(github_api_budget):
    with github_api_budget(forge="gitlab", hosts=["gitlab=gitlab.example.test"], max_total=1):
        gitlab()
'''


def test_the_plugin_marker_and_fixture_take_a_forge(pytester):
    pytester.makepyfile(test_forges=INNER.format(STATUS=STATUS))
    result = pytester.runpytest("-p", "no:randomly", "-rA")
    result.assert_outcomes(passed=2, failed=3, errors=2)
    result.stdout.fnmatch_lines_random([
        "*test_marker_one_past*",
        "Forgejo API budget exceeded at test_forges.py:* (measure: requests, forge: forgejo)",
        "set_status*<= 2*3*✗ 1 over",
        "*test_marker_forge_that_made_no_call*",
        "GitLab API budget cannot be checked: its filter matches no call at *",
        "forge 'gitlab' matched no call (forges seen: forgejo 2)",
        "*test_marker_unknown_forge*",
        "@pytest.mark.github_api_budget: unknown forge='gitlb' (one of: github, gitlab, pagure, forgejo)",
        "*test_marker_unknown_forge_in_hosts*",
        "@pytest.mark.github_api_budget: hosts: 'gitlb=x': unknown forge 'gitlb' (one of *)",
        "*test_fixture_with_hosts*",
        "GitLab API budget exceeded at test_forges.py:* (measure: requests, forge: gitlab)",
        "total*<= 1*2*✗ 1 over",
    ])
    result.stdout.fnmatch_lines_random(["PASSED test_forges.py::test_marker_at_the_limit",
                                        "PASSED test_forges.py::test_marker_with_hosts"])
