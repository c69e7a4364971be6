"""Every call seen once, whatever answers it: real ogr calls under the mock libraries other
suites use, in every order of installation.

One scenario of real ogr/PyGithub calls is recorded once against the loopback GitHub (by vcrpy,
by betamax and by requre, each with its own recorder, over real HTTP), then answered by each
library in turn: responses, requests-mock, requre, vcrpy, betamax. Under each, the tracer must
see the same calls with the same status, category and charge as on the real server.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import betamax
import pytest
import requests
import requests_mock
import responses
import vcr
from github.Requester import HTTPSRequestsConnectionClass, Requester
from ogr.services.github import GithubService
from requre.online_replacing import recording_requests

from tracer.capture import Tracer, handler, redirect_api
from tracer.capture import patches
from tracer.packit.loopback import FakeGitHub
from tracer.recording.cassette_io import load_cassette
from tracer.recording.matchers import MATCH_ON, configure
from tracer.recording.vcr_config import recording_vcr

REPO = "/repos/{owner}/{repo}"
#: what the scenario's calls are, as the loopback GitHub answered them
EXPECTED = [
    (f"GET {REPO}", 200, "is_project_private", True),
    (f"GET {REPO}/contents/{{path+}}", 200, "load_packit_yaml", True),  # .packit.yaml, any caller
    (f"GET {REPO}/contents/{{path+}}", 404, "other", True),  # a 404 is charged, as on GitHub
    (f"GET {REPO}/collaborators/{{username}}/permission", 200, "is_user_approved", True),
    ("GET /rate_limit", 200, "other", False),  # never charged
]


def scenario(token: str) -> dict[str, Any]:
    """Real ogr calls: the PR pipeline's first questions, a missing file, the rate limit."""
    service = GithubService(token=token)
    project = service.get_project(namespace="packit", repo="hello-world")
    seen: dict[str, Any] = {"private": project.is_private()}
    seen["config"] = project.get_file_content(".packit.yaml", ref="main")
    with pytest.raises(FileNotFoundError):
        project.get_file_content("no-such-file.txt", ref="main")
    seen["can_merge"] = project.can_merge_pr("alice")
    seen["remaining"] = service.get_rate_limit_remaining()
    return seen


def rows(tracer: Tracer) -> list[tuple[str, int | None, str, bool]]:
    return [(c.endpoint, c.status, c.category, c.charged) for c in tracer.trace()]


def check(tracer: Tracer, seen: dict[str, Any]) -> None:
    """The calls were seen once each, with their real answers; the client got them too."""
    trace = tracer.trace()
    assert rows(tracer) == EXPECTED
    assert trace.logical == len(EXPECTED) and not trace.elsewhere
    assert all(c.auth == "token" and c.handler == "ogr" for c in trace)
    assert seen["private"] is False and "upstream_package_name" in seen["config"]
    assert seen["can_merge"] is True and seen["remaining"] > 0


# -- the answers, recorded once over real HTTP --------------------------------------------------
class BetamaxConnection(HTTPSRequestsConnectionClass):
    """PyGithub's HTTPS connection on a session under betamax, injected the documented way
    (``Requester.injectConnectionClasses``, which makes a connection per request: they all
    share the one session betamax records or replays)."""

    session_under_betamax: requests.Session

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = self.session_under_betamax

    def close(self) -> None:
        pass  # the shared session outlives each connection


@contextlib.contextmanager
def betamax_answers(library: Path, mode: str = "none") -> Iterator[None]:
    session = requests.Session()
    recorder = betamax.Betamax(session, cassette_library_dir=str(library))
    with recorder.use_cassette("scenario", record=mode, match_requests_on=["method", "uri"]):
        BetamaxConnection.session_under_betamax = session
        Requester.injectConnectionClasses(Requester._Requester__httpConnectionClass, BetamaxConnection)  # type: ignore[attr-defined]
        try:
            yield
        finally:
            Requester.resetConnectionClasses()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The scenario recorded against the loopback GitHub by vcrpy, betamax and requre."""
    root = tmp_path_factory.mktemp("answers")
    with FakeGitHub() as hub:
        token = hub.issue_token("alice")
        with redirect_api(hub.url):
            with recording_vcr(hub.url).use_cassette(str(root / "vcr.yaml")):
                scenario(token)
            (root / "betamax").mkdir()
            with betamax_answers(root / "betamax", "once"):
                scenario(token)
            with recording_requests(storage_file=str(root / "requre.yaml")):
                scenario(token)
                scenario(token)  # requre answers in order: enough for a test that runs it twice
    yield {"root": root, "token": token, "interactions": load_cassette(root / "vcr.yaml")["interactions"]}


def register(interactions: list[dict[str, Any]], add: Callable[..., Any]) -> None:
    """Each recorded answer, for the URL PyGithub asks (``https://api.github.com:443/...``)."""
    for i in interactions:
        req, res = i["request"], i["response"]
        uri = req["uri"].replace("https://api.github.com/", "https://api.github.com:443/", 1)
        headers = {k: v[0] for k, v in res["headers"].items() if k.lower() != "content-length"}
        body = res["body"]["string"]
        add(req["method"], uri, res["status"]["code"], headers, body.encode() if isinstance(body, str) else body)


@contextlib.contextmanager
def with_responses(recorded: dict[str, Any]) -> Iterator[None]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        def add(method: str, uri: str, status: int, headers: dict[str, str], body: bytes) -> None:
            parts = urlsplit(uri)
            mock.add(method, uri.split("?")[0], body=body, status=status, headers=headers,
                     match=[responses.matchers.query_string_matcher(parts.query)])
        register(recorded["interactions"], add)
        yield


@contextlib.contextmanager
def with_requests_mock(recorded: dict[str, Any]) -> Iterator[None]:
    with requests_mock.Mocker() as mock:
        register(recorded["interactions"], lambda m, u, s, h, b: mock.register_uri(m, u, status_code=s, headers=h, content=b))
        yield


@contextlib.contextmanager
def with_requre(recorded: dict[str, Any], tmp_path: Path) -> Iterator[None]:
    storage = tmp_path / "requre.yaml"
    shutil.copy(recorded["root"] / "requre.yaml", storage)  # read mode: the file exists
    with recording_requests(storage_file=str(storage)):
        yield


@contextlib.contextmanager
def with_vcrpy(recorded: dict[str, Any]) -> Iterator[None]:
    replay = configure(vcr.VCR(record_mode="none", match_on=MATCH_ON))
    with replay.use_cassette(str(recorded["root"] / "vcr.yaml")) as cassette:
        yield
    assert cassette.all_played


@contextlib.contextmanager
def with_betamax(recorded: dict[str, Any]) -> Iterator[None]:
    with betamax_answers(recorded["root"] / "betamax", "none"):
        yield


LIBRARIES = ["responses", "requests-mock", "requre", "vcrpy", "betamax"]


def answering(library: str, recorded: dict[str, Any], tmp_path: Path) -> contextlib.AbstractContextManager[None]:
    return {
        "responses": lambda: with_responses(recorded),
        "requests-mock": lambda: with_requests_mock(recorded),
        "requre": lambda: with_requre(recorded, tmp_path),
        "vcrpy": lambda: with_vcrpy(recorded),
        "betamax": lambda: with_betamax(recorded),
    }[library]()


def run(recorded: dict[str, Any]) -> dict[str, Any]:
    with handler("ogr"):
        return scenario(recorded["token"])


# -- the matrix ---------------------------------------------------------------------------------
def test_the_loopback_itself(recorded):
    """The reference: the real server, through the redirect."""
    with FakeGitHub() as hub, redirect_api(hub.url), Tracer() as t:
        with handler("ogr"):
            seen = scenario(hub.issue_token("alice"))
    check(t, seen)


@pytest.mark.parametrize("library", LIBRARIES)
def test_mock_started_before_the_tracer(library, recorded, tmp_path):
    with answering(library, recorded, tmp_path), Tracer() as t:
        seen = run(recorded)
    check(t, seen)


@pytest.mark.parametrize("library", LIBRARIES)
def test_tracer_started_before_the_mock(library, recorded, tmp_path):
    with Tracer() as t, answering(library, recorded, tmp_path):
        seen = run(recorded)
    check(t, seen)


@pytest.mark.parametrize("library", LIBRARIES)
def test_nested_tracers_and_mocks_count_once(library, recorded, tmp_path):
    """A tracer inside a mock inside a tracer (a test's tracer under a suite-wide one)."""
    with Tracer() as outer, answering(library, recorded, tmp_path), Tracer() as inner:
        seen = run(recorded)
    check(inner, seen)
    check(outer, seen)


@pytest.mark.parametrize("library", ["requests-mock", "requre"])
def test_mock_outliving_the_tracer(library, recorded, tmp_path):
    """Not last-in first-out: the tracer stops while a mock that replaced ``Session.send`` over
    it is still active; the mock keeps working, and a later tracer still counts each call once."""
    send, request = requests.Session.send, requests.Session.request
    tracer = Tracer().__enter__()
    with answering(library, recorded, tmp_path):
        tracer.__exit__(None, None, None)
        run(recorded)  # nobody listens: answered by the mock, not the network
        with Tracer() as t:
            seen = run(recorded)
    check(t, seen)
    assert not tracer.trace().calls
    # whatever a mock put back, calls still pass through once and nothing is left listening
    with answering(library, recorded, tmp_path), Tracer() as again:
        seen = run(recorded)
    check(again, seen)
    assert not patches.installed()
    assert getattr(requests.Session.send, "__wrapped__", requests.Session.send) in (send, getattr(send, "__wrapped__", send))
    assert requests.Session.request is request


def test_patches_are_undone(recorded, tmp_path):
    send, request = requests.Session.send, requests.Session.request
    with Tracer(), answering("requests-mock", recorded, tmp_path):
        run(recorded)
    assert (requests.Session.send, requests.Session.request) == (send, request)
    assert not patches.installed()


def test_vcrpy_through_pytest_recording(recorded, pytester):
    """vcrpy as pytest-recording drives it (``@pytest.mark.vcr``, ``--record-mode=none``), with the
    plugin's budget marker and a tracer started before the cassette (a session fixture)."""
    cassettes = pytester.path / "cassettes" / "test_suite"
    cassettes.mkdir(parents=True)
    for name in ("test_marker_budget", "test_tracer_first"):
        shutil.copy(recorded["root"] / "vcr.yaml", cassettes / f"{name}.yaml")
    pytester.makeconftest(
        """
        import pytest
        from tracer.capture import Tracer

        @pytest.fixture(scope="session")
        def session_tracer():
            with Tracer() as t:
                yield t
        """
    )
    pytester.makepyfile(
        test_suite=f"""
        import pytest
        from tests_scenario import scenario, EXPECTED
        from tracer.capture import handler

        TOKEN = {recorded["token"]!r}

        @pytest.mark.vcr
        @pytest.mark.github_api_budget(total=5, is_project_private=1, load_packit_yaml=1, is_user_approved=1,
                                       other=2, set_status=0)
        @pytest.mark.github_api_budget(measure="charged", total=4)
        def test_marker_budget():
            scenario(TOKEN)

        @pytest.mark.vcr
        def test_tracer_first(session_tracer):
            start = len(session_tracer.trace().calls)
            with handler("ogr"):
                scenario(TOKEN)
            calls = session_tracer.trace().calls[start:]
            assert [(c.endpoint, c.status, c.category, c.charged) for c in calls] == EXPECTED
        """
    )
    shutil.copy(Path(__file__), pytester.path / "tests_scenario.py")
    result = pytester.runpytest("--record-mode=none", "-p", "no:randomly", "-W", "ignore::DeprecationWarning")
    result.assert_outcomes(passed=2)
