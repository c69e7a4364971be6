"""httpx, sync and async, seen as requests is: one logical call per ``send``, its physical
attempts at the transport, over real HTTP on loopback, under respx and pytest-httpx, and
answered by the replayer."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tracer.capture import Tracer, handler, patches
from tracer.capture.patches import NetworkBlockedError, block_network


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", "/api/v1/version")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"path": self.path, "auth": self.headers.get("Authorization")}).encode()
        self.send_response(404 if "missing" in self.path else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def rows(tracer: Tracer) -> list[tuple[str, str, int | None, int, int, str]]:
    return [(c.method, c.url.split("/", 3)[-1], c.status, c.logical, c.attempt, c.auth) for c in tracer.trace().all_calls()]


def test_sync_client_calls_are_logical_calls_with_their_attempts(server):
    with Tracer() as t, httpx.Client(base_url=server, headers={"Authorization": "token abc"}) as client, handler("h"):
        assert client.get("/api/v1/user").json()["auth"] == "token abc"
        assert client.get("/api/v1/missing").status_code == 404
        assert client.get("/moved", follow_redirects=True).status_code == 200  # two attempts
        with client.stream("GET", "/api/v1/streamed") as response:  # send, called directly
            response.read()
    assert rows(t) == [
        ("GET", "api/v1/user", 200, 1, 1, "token"),
        ("GET", "api/v1/missing", 404, 2, 1, "token"),
        ("GET", "api/v1/version", 302, 3, 1, "token"),  # the call's URL is the last request sent
        ("GET", "api/v1/version", 200, 3, 2, "token"),
        ("GET", "api/v1/streamed", 200, 4, 1, "token"),
    ]
    assert all(c.handler == "h" and c.duration_ms > 0 for c in t.trace().all_calls())


def test_async_client_calls_are_seen_in_their_own_tasks(server):
    async def main() -> list[int]:
        async with httpx.AsyncClient(base_url=server) as client:
            async def one(n: int) -> int:
                with handler(f"task{n}"):
                    return (await client.get(f"/api/v1/n/{n}")).status_code
            return await asyncio.gather(*(one(n) for n in range(5)))

    with Tracer() as t:
        assert asyncio.run(main()) == [200] * 5
    calls = t.trace().all_calls()
    assert sorted((c.handler, c.url.rsplit("/", 1)[-1]) for c in calls) == [(f"task{n}", str(n)) for n in range(5)]
    assert len({c.logical for c in calls}) == 5 and all(c.attempt == 1 and c.auth == "none" for c in calls)


def test_a_failed_connection_is_one_attempt_with_its_error(server):
    with Tracer() as t, block_network(), httpx.Client() as client, pytest.raises(httpx.ConnectError):
        client.get("http://example.invalid:9/x")
    (call,) = t.trace().all_calls()
    assert call.status is None and "ConnectError" in call.error and not call.charged


def test_untraced_calls_pass_through_and_the_patches_come_off(server):
    before = httpx.Client.send
    with Tracer():
        assert httpx.Client.send is not before
    assert httpx.Client.send is before and not patches.installed()
    assert httpx.get(f"{server}/api/v1/plain").status_code == 200


def test_the_replayer_answers_httpx_at_the_transport(tmp_path):
    from tracer.recording.replayer import CassetteAnswers, NoRecordedAnswer, Replayer

    interactions = [{
        "request": {"method": "GET", "uri": "https://codeberg.org/api/v1/version", "body": None, "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {"Content-Type": ["application/json"]},
                     "body": {"string": '{"version": "15.0.0"}'}},
    }]
    answers = CassetteAnswers(tmp_path / "c.yaml", interactions)
    replayer = Replayer()
    with Tracer() as t, replayer.active(), replayer.cassette(answers), block_network():
        assert httpx.get("https://codeberg.org/api/v1/version").json() == {"version": "15.0.0"}
        with pytest.raises(NoRecordedAnswer):
            httpx.get("https://codeberg.org/api/v1/version")  # played once
    assert answers.played == [1] and answers.unanswered == ["GET https://codeberg.org/api/v1/version"]
    assert [(c.status, c.attempt) for c in t.trace().all_calls()] == [(200, 1), (None, 1)]


def test_network_stays_blocked_for_httpx(server):
    with block_network(), pytest.raises(NetworkBlockedError, match="127.0.0.1"):
        httpx.get(server)


def _ask_through_each_client(server: str) -> None:
    """The caller of httpx, python-gitlab and pyforgejo: each call's call site."""
    import gitlab
    from pyforgejo import PyforgejoApi

    httpx.get(f"{server}/api/v1/plain")
    with httpx.Client() as client:
        client.get(f"{server}/api/v1/client")
    gitlab.Gitlab(server, private_token="glpat-test").http_get("/projects/1")  # over requests
    PyforgejoApi(base_url=f"{server}/api/v1", api_key="0123").miscellaneous.get_version()  # over httpx


def test_a_client_librarys_own_frames_are_never_the_call_site(server):
    """httpx's, python-gitlab's and pyforgejo's functions carry a request: the call site is the
    function that called them, as it is above requests and PyGithub."""
    with Tracer() as t:
        _ask_through_each_client(server)
    sites = [(c.url.split("/", 3)[-1], c.call_site) for c in t.trace().all_calls()]
    assert sites == [(path, f"{__name__}._ask_through_each_client") for path in (
        "api/v1/plain", "api/v1/client", "api/v4/projects/1", "api/v1/version")]


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_a_request_without_its_arguments_fails_as_without_a_tracer(client):
    """A method asked for no request (its method or URL missing) raises the client's own error,
    and nothing is recorded."""
    import requests

    session = requests.Session() if client == "requests" else httpx.Client()
    with pytest.raises(TypeError) as plain:
        session.request("GET")
    with Tracer() as t, pytest.raises(TypeError) as traced:
        session.request("GET")
    with Tracer() as t2, pytest.raises(TypeError):
        session.send()
    assert str(traced.value) == str(plain.value) and "url" in str(plain.value)
    assert t.calls == [] and t2.calls == []


def test_an_async_request_without_its_arguments_fails_as_without_a_tracer():
    async def both() -> None:
        async with httpx.AsyncClient() as client:
            with pytest.raises(TypeError) as plain:
                await client.request("GET")
            with Tracer() as t:
                with pytest.raises(TypeError) as traced:
                    await client.request("GET")
                with pytest.raises(TypeError):
                    await client.send()
        assert str(traced.value) == str(plain.value) and "url" in str(plain.value)
        assert t.calls == []

    asyncio.run(both())
