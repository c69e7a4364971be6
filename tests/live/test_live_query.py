"""``drift --prometheus``: a Prometheus down or answering nonsense is one line and exit 2.

(The figures themselves are checked against a real Prometheus in test_live_fleet.py.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from live_servers import free_port

from tracer.cli import main


class _Fake(ThreadingHTTPServer):
    daemon_threads = True
    answer: tuple[int, str, bytes] = (200, "application/json", b"{}")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        status, ctype, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fake_prometheus() -> Iterator[_Fake]:
    server = _Fake(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _vector(*rows: tuple[dict[str, str], str]) -> bytes:
    return json.dumps({"status": "success", "data": {"resultType": "vector",
                                                     "result": [{"metric": m, "value": [1.0, v]} for m, v in rows]}}).encode()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((200, "text/html", b"<html>hello</html>"), "not a Prometheus query API (HTTP 200, text/html, not JSON)"),
        ((404, "text/plain", b"404 page not found"), "not a Prometheus query API (HTTP 404"),
        ((400, "application/json", b'{"status": "error", "errorType": "bad_data", "error": "parse error"}'),
         "the query failed (HTTP 400: parse error)"),
        ((200, "application/json", b'{"status": "success", "data": {"resultType": "matrix", "result": []}}'),
         "expected data.resultType vector"),
        ((200, "application/json", _vector(({"chroots": "3"}, "NaN"))), "a series of the answer is malformed"),
        ((200, "application/json", b'[1, 2]'), "the query failed"),
        ((200, "application/json", _vector()), "no PR pipelines in api_tracer_pipelines_total"),
    ],
)
def test_nonsense_is_one_line_and_exit_2(fake_prometheus: _Fake, answer: Any, message: str, capsys: Any) -> None:
    fake_prometheus.answer = answer
    url = f"http://127.0.0.1:{fake_prometheus.server_port}"
    assert main(["drift", "--prometheus", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"api-tracer drift: error: {url}: ") and message in err, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--prometheus", "URL"], "is not an http(s) URL"),
        (["--prometheus", "http://127.0.0.1:{port}", "--window", "an hour"], "is not a Prometheus duration"),
        (["--window", "1h", "cassettes/c-3ch"], "--window needs --prometheus URL"),
        ([], "give recorded runs (PATH ...), a fleet's Prometheus (--prometheus URL) or --live-traces DIR"),
        (["--prometheus", "http://127.0.0.1:{port}"], "Prometheus did not answer (connection refused)"),
    ],
)
def test_bad_arguments_and_a_prometheus_down(argv: list[str], message: str, capsys: Any) -> None:
    port = free_port()  # nothing listens there
    assert main(["drift", *[a.format(port=port) for a in argv]]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
