"""The loopback GitHub on a real socket: HTTP/1.1 with keep-alive on 127.0.0.1.

::

    from tracer.packit.loopback import FakeGitHub, World
    with FakeGitHub(World.default()) as hub:          # free port, background thread
        token = hub.issue_token("alice")
        ...  # requests/PyGithub at hub.url, or ogr through tracer.capture.redirect_api(hub.url)
        hub.requests, hub.used("user:alice")

Bodies carry ``public_url`` URLs (default ``https://api.github.com``, as GitHub's do), so
clients that follow them must be redirected to :attr:`FakeGitHub.url`; pass
``public_url=None`` to write the server's own URL instead.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from tracer.packit.loopback.api import GITHUB_API, FakeApi
from tracer.packit.loopback.messages import Reply, Request
from tracer.packit.loopback.world import World


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACK: median 44 ms instead of 1.4 ms a request (measured)
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def _serve(self) -> None:
        if self.server.stopping:
            self.close_connection = True
        path, _, query = self.path.partition("?")
        if path.startswith(("http://", "https://")):  # absolute-form request target
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        reply = self.server.api.handle(Request(self.command, path or "/", query, self.headers, body))
        self.send_response_only(reply.status)  # Server and Date come with the reply's headers
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if reply.body and self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the request log
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: Any) -> None:
        self.api = api
        self.stopping = False
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (its process interrupted, a connection reset) or a request
        cut short by stop() ends its thread quietly; anything else is reported as usual."""
        import sys

        error = sys.exc_info()[1]
        if self.stopping or isinstance(error, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._conn_lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def close_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Served:
    """Puts ``self.handle(Request) -> Reply`` on a socket: HTTP/1.1 with keep-alive on 127.0.0.1,
    a background thread, a free port unless ``port`` is given; a context manager::

        with SomeService() as service:      # a subclass that defines handle()
            requests.get(service.url + "/path")
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` once started."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running (call start() or use it as a context manager)")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"{type(self).__name__.lower()}:{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping = True
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class FakeGitHub(FakeApi, Served):
    """A GitHub REST server of our own on 127.0.0.1 (see :class:`FakeApi` for the API state).

    Args:
        world: users, repositories, app, limits, faults; default :meth:`World.default`.
        host, port: where to listen; port 0 picks a free one.
        public_url: API base written into bodies; ``None`` means this server's own URL.
        app_key: the app's private PEM (or only its public PEM); default a key made at run time
            (:attr:`app_private_key` holds it for clients; never written anywhere).
        accept_any_token: a login that unknown non-``ghs_`` tokens authenticate as.
        check_runs_require_app: refuse check runs from personal tokens (default: the world's).
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = GITHUB_API,
        app_key: str | None = None,
        accept_any_token: str | None = None,
        check_runs_require_app: bool | None = None,
    ) -> None:
        FakeApi.__init__(
            self,
            world,
            public_url=public_url or GITHUB_API,
            app_key=app_key,
            accept_any_token=accept_any_token,
            check_runs_require_app=check_runs_require_app,
        )
        Served.__init__(self, host, port)
        self._self_url = public_url is None

    def start(self) -> FakeGitHub:
        if self._server is None:
            Served.start(self)
            if self._self_url:
                self.public_url = self.url
        return self

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"<FakeGitHub {self.world.name} {where}>"
