"""Shared fixtures: a tiny JSON API on loopback and the path to ../shared; tests/support on the path."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import sys
from pathlib import Path
from typing import Any

import pytest

#: the tests' support modules (paths, ogr_scenarios, worker_runs, live_fleet, live_servers)
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the project; the test is skipped where it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"needs ../shared (the project's shared design and real data), absent at {SHARED}")
    return SHARED


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester whose inner runs keep their files' test order.

    The outer suite runs in random order (pytest-randomly); the inner sessions' output is
    compared line by line, so they run in file order, as a user's plain pytest would.
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:randomly")
    return pytester


class _TinyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        server: TinyAPI = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with server.lock:
            server.hits += 1
            used = server.hits
        owner_repo = self.path.split("?")[0].split("/")[2:4]
        full = "/".join(owner_repo) if len(owner_repo) == 2 else "o/r"
        body = json.dumps(
            {
                "id": 1,
                "name": full.split("/")[-1],
                "full_name": full,
                "private": False,
                "url": f"https://api.github.com/repos/{full}",
                "owner": {"login": full.split("/")[0]},
            }
        ).encode()
        status = server.status_for(self.path)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-RateLimit-Limit", "5000")
        self.send_header("X-RateLimit-Used", str(used))
        self.send_header("X-RateLimit-Remaining", str(5000 - used))
        self.send_header("X-RateLimit-Resource", "core")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = _answer


class TinyAPI(ThreadingHTTPServer):
    """Answers every path with a small repository body and rate-limit headers."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _TinyHandler)
        self.lock = threading.Lock()
        self.hits = 0
        self.failures: dict[str, int] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def status_for(self, path: str) -> int:
        with self.lock:
            for prefix, left in self.failures.items():
                if path.startswith(prefix) and left > 0:
                    self.failures[prefix] = left - 1
                    return 503
        return 200


@pytest.fixture
def tiny_api() -> Iterator[TinyAPI]:
    server = TinyAPI()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The random order's seed, also under ``-q`` (pytest-randomly prints it only in the header)."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int) and config.pluginmanager.has_plugin("randomly"):
        terminalreporter.write_line(f"random order: repeat it with --randomly-seed={seed}")
