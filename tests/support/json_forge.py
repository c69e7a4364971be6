"""A forge of our own on loopback: a threaded HTTP server answering JSON by path, logging each
request (path and headers), for tests that drive real forge clients (ogr's GitLab, Forgejo).

    with json_forge({"/api/v4/user": (200, {"id": 3})}) as (url, seen):
        ...                       # requests to url; seen: [{"path": ..., header: value, ...}]
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answers = Mapping[str, tuple[int, Any]]


@contextmanager
def json_forge(answers: Answers, missing: Any = None,
               seen: list[dict[str, str]] | None = None) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Serve ``answers`` (path without query → (status, JSON body); another path: 404 with
    ``missing``) on a loopback port: (base URL, the requests seen, in order; appended to
    ``seen`` when given)."""
    seen = [] if seen is None else seen

    class Answer(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._answer()

        def _answer(self) -> None:
            seen.append({"path": self.path, **dict(self.headers)})
            status, body = answers.get(self.path.split("?")[0], (404, missing or {"message": "404 Not Found"}))
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
