"""The loopback GitHub's REST logic, independent of the HTTP transport.

:class:`FakeApi` turns one request (method, path, query, headers, body) into one reply,
under one lock: authentication, faults, the primary rate limit, routing, ETags, the
request log. :class:`tracer.packit.loopback.server.FakeGitHub` puts it on a socket.

Charging follows GitHub: every answered request costs 1 in its principal's bucket, except
``GET /rate_limit``, ``304 Not Modified`` answers, ``401`` answers, requests refused for an
exhausted limit and injected faults.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from tracer.packit.loopback import bodies
from tracer.packit.loopback.appauth import (
    JwtRejected,
    looks_like_jwt,
    new_token,
    public_key_pem,
    session_app_key,
    token_identity,
    verify_app_jwt,
)
from tracer.packit.loopback.endpoints import JWT_BAD, TOKEN_LIFETIME, Endpoints, route
from tracer.packit.loopback.faults import Fault
from tracer.packit.loopback.messages import TAG_HEADER, ApiError, Ctx, LoggedRequest, Principal, Reply, Request, not_found
from tracer.packit.loopback.ratelimit import RateBook, RateBucket
from tracer.packit.loopback.world import World

GITHUB_API = "https://api.github.com"
_EXPOSE = (
    "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, "
    "X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, "
    "X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset"
)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(t.strip() == "*" or t.strip().removeprefix("W/") == wanted for t in header.split(","))


class FakeApi(Endpoints):
    """GitHub's REST API over a :class:`World`, with rate limits, faults and a request log.

    Thread-safe: every request and every inspection method holds one lock.
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        public_url: str = GITHUB_API,
        app_key: str | None = None,
        accept_any_token: str | None = None,
        check_runs_require_app: bool | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.world = copy.deepcopy(world if world is not None else World.default())
        self.public_url = public_url.rstrip("/")
        self.app_private_key: str | None = None
        self._app_public_key: str | None = None
        if self.world.app is not None:
            key = app_key if app_key is not None else session_app_key()
            if "PRIVATE KEY" in key:
                self.app_private_key = key
            self._app_public_key = public_key_pem(key)
        self.accept_any_token = accept_any_token
        if accept_any_token is not None and self.world.user(accept_any_token) is None:
            raise ValueError(f"accept_any_token: unknown user {accept_any_token!r}")
        self.check_runs_require_app = (
            self.world.check_runs_require_app if check_runs_require_app is None else check_runs_require_app
        )
        self.clock = clock
        self._lock = threading.Lock()
        self._personal: dict[str, str] = {}  # token → login
        self._installation_tokens: dict[str, tuple[int, float]] = {}  # token → (installation id, expiry)
        self._rates = RateBook(self.world.rate_limit, clock)
        self._log: list[LoggedRequest] = []
        self._seq = 0
        self._faults: list[Fault] = []
        self._statuses: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._check_runs: dict[int, tuple[str, dict[str, Any]]] = {}
        self._comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self._next_id = 0
        self._reset_state()

    # -- inspection and control (all thread-safe) -----------------------------------------
    @property
    def app_id(self) -> int | None:
        return self.world.app.id if self.world.app else None

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request since the start or the last :meth:`reset`, in arrival order."""
        with self._lock:
            return list(self._log)

    def used(self, identity: str) -> int:
        """Charged requests of a bucket (``installation:<id>``, ``user:<login>``, ``app:<id>``,
        ``anonymous``) or of one token (its :func:`token_identity`, or the token itself)."""
        with self._lock:
            if identity in self._rates.all():
                return self._rates.get(identity).used
            ident = identity if re.fullmatch(r"[0-9a-f]{12}", identity) else token_identity(identity)
            return sum(1 for r in self._log if r.charged and r.token == ident)

    def bucket(self, name: str) -> RateBucket:
        """A snapshot of one rate-limit bucket (created full if never used)."""
        with self._lock:
            return self._rates.get(name).snapshot()

    def buckets(self) -> dict[str, RateBucket]:
        with self._lock:
            return self._rates.all()

    def bucket_of(self, token: str) -> str | None:
        """The bucket a token is charged to, or None for an unknown token."""
        with self._lock:
            if token in self._personal:
                return f"user:{self._personal[token]}"
            if token in self._installation_tokens:
                return f"installation:{self._installation_tokens[token][0]}"
        return None

    def set_remaining(self, bucket: str, remaining: int) -> None:
        with self._lock:
            self._rates.set_remaining(bucket, remaining)

    def set_limit(self, bucket: str, limit: int) -> None:
        with self._lock:
            self._rates.set_limit(bucket, limit)

    def reset(self) -> None:
        """Back to the state after start: empty log, full buckets, no statuses, check runs or comments,
        the world file's faults. Issued tokens stay valid; files changed with :meth:`set_file` stay."""
        with self._lock:
            self._reset_state()

    def _reset_state(self) -> None:
        self._log = []
        self._rates.clear()
        self._faults = [f.copy() for f in self.world.faults]
        self._statuses = {}
        self._check_runs = {}
        self._comments = {}

    def add_fault(self, fault: Fault | None = None, **kwargs: Any) -> Fault:
        """Inject a fault: ``add_fault(Fault(...))`` or ``add_fault(path=..., status=..., ...)``."""
        fault = fault if fault is not None else Fault(**kwargs)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults = []

    def issue_token(self, login: str) -> str:
        """A new personal access token (``ghp_…``) for a user of the world."""
        with self._lock:
            user = self.world.user(login)
            if user is None:
                raise ValueError(f"unknown user {login!r}")
            token = new_token("ghp_")
            self._personal[token] = user.login
            return token

    def issue_installation_token(self, installation_id: int) -> str:
        """A new installation token (``ghs_…``), as POST access_tokens would give, without a request."""
        with self._lock:
            if self.world.app is None or installation_id not in self.world.app.installation_ids():
                raise ValueError(f"unknown installation {installation_id}")
            token = new_token("ghs_")
            self._installation_tokens[token] = (installation_id, self.clock() + TOKEN_LIFETIME)
            return token

    @staticmethod
    def identity(token: str) -> str:
        """What the log shows for a token."""
        return token_identity(token)

    def set_file(self, repo: str, ref: str, path: str, text: str | None) -> None:
        """Change (``text=None``: delete) a file at a ref; the ref's tree is copied first."""
        with self._lock:
            r = self.world.repo(repo)
            if r is None:
                raise ValueError(f"unknown repository {repo!r}")
            tree = r.tree(ref)
            if tree is None:
                raise ValueError(f"unknown ref {ref!r} in {repo}")
            tree = dict(tree)
            if text is None:
                tree.pop(path.strip("/"), None)
            else:
                tree[path.strip("/")] = text
            r.files[ref] = tree

    def statuses(self, repo: str, sha: str) -> list[dict[str, Any]]:
        """Commit statuses set on a sha, oldest first."""
        with self._lock:
            return [dict(s) for s in self._statuses.get((repo.lower(), sha), [])]

    def check_runs(self, repo: str | None = None) -> list[dict[str, Any]]:
        """Check runs created (as last updated), oldest first."""
        with self._lock:
            return [dict(run) for r, run in self._check_runs.values() if repo is None or r == repo.lower()]

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Comments posted on a pull request, oldest first (``author`` is a login or the app's bot)."""
        with self._lock:
            return [dict(c) for c in self._comments.get((repo.lower(), number), [])]

    # -- the request path ------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        with self._lock:
            self._seq += 1
            return self._handle(request)

    def _handle(self, req: Request) -> Reply:
        method = req.method.upper()
        now = self.clock()
        base_headers = self._base_headers()
        try:
            principal = self._authenticate(req.headers, now)
        except ApiError as err:
            return self._finish(req, err.status, err.body, base_headers + err.headers, None, False, None)
        bucket = self._rates.get(principal.bucket)
        handler, params = route(method, req.path)
        free = handler == "rate_limit"

        fault = next((f for f in self._faults if f.matches(method, req.path)), None)
        if fault is not None:
            fault.hits += 1
            status, body, headers = self._fault_reply(fault, principal, bucket)
            return self._finish(req, status, body, base_headers + headers, principal, False, fault.kind)
        if not free and bucket.remaining == 0:
            body = bodies.error(self._exceeded_message(principal), "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
            return self._finish(req, 403, body, base_headers + bucket.headers(), principal, False, None)

        extra: list[tuple[str, str]] = []
        try:
            if handler is None:
                raise not_found()
            ctx = Ctx(principal, {k: v[-1] for k, v in parse_qs(req.query).items()}, self._json_body(req))
            status, body, *rest = getattr(self, f"_h_{handler}")(ctx, **params)
            if rest:
                extra = rest[0]
        except ApiError as err:
            status, body, extra = err.status, err.body, err.headers

        payload = json.dumps(body, separators=(",", ":")).encode()
        if method == "GET" and status == 200:
            etag = f'W/"{hashlib.md5(payload).hexdigest()}"'
            extra = [*extra, ("ETag", etag)]
            visibility = "public" if principal.kind == "anonymous" else "private"
            extra.append(("Cache-Control", f"{visibility}, max-age=60, s-maxage=60"))
            if _etag_matches(req.headers.get("If-None-Match"), etag):
                return self._finish(req, 304, None, base_headers + extra + bucket.headers(), principal, False, None)
        charged = not free and status != 401
        if charged:
            bucket = self._rates.charge(principal.bucket)
        return self._finish(req, status, payload, base_headers + extra + bucket.headers(), principal, charged, None)

    def _finish(
        self,
        req: Request,
        status: int,
        body: Any,
        headers: list[tuple[str, str]],
        principal: Principal | None,
        charged: bool,
        fault: str | None,
    ) -> Reply:
        if body is None:
            payload = b""
        elif isinstance(body, bytes):
            payload = body
        else:
            payload = json.dumps(body, separators=(",", ":")).encode()
        remaining = self._rates.get(principal.bucket).remaining if principal else None
        self._log.append(
            LoggedRequest(
                seq=self._seq,
                method=req.method.upper(),
                path=req.path,
                query=req.query,
                status=status,
                charged=charged,
                token=principal.token if principal else self._credential_identity(req.headers),
                bucket=principal.bucket if principal else None,
                principal=principal.kind if principal else None,
                fault=fault,
                remaining=remaining,
                tag=req.headers.get(TAG_HEADER),
            )
        )
        return Reply(status, headers, payload)

    def _base_headers(self) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Server", "api-tracer-fakehub"),
            ("Date", formatdate(usegmt=True)),
            ("X-GitHub-Media-Type", "github.v3; format=json"),
            ("X-GitHub-Api-Version-Selected", "2022-11-28"),
            ("X-GitHub-Request-Id", f"FAKE:{self._seq:08X}"),
            ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding"),
            ("Access-Control-Expose-Headers", _EXPOSE),
        ]

    @staticmethod
    def _credential_identity(headers: Mapping[str, str]) -> str | None:
        auth = headers.get("Authorization") or ""
        _, _, credential = auth.partition(" ")
        return token_identity(credential.strip()) if credential.strip() else None

    @staticmethod
    def _json_body(req: Request) -> Any:
        if not req.body:
            return {}
        try:
            return json.loads(req.body)
        except ValueError:
            raise ApiError(400, bodies.error("Problems parsing JSON", status=400)) from None

    # -- authentication, limits, faults ---------------------------------------------------
    def _authenticate(self, headers: Mapping[str, str], now: float) -> Principal:
        auth = (headers.get("Authorization") or "").strip()
        if not auth:
            return Principal("anonymous", "anonymous")
        scheme, _, credential = auth.partition(" ")
        credential = credential.strip()
        bad = ApiError(401, bodies.error("Bad credentials", "https://docs.github.com/rest", 401))
        if scheme.lower() not in ("token", "bearer") or not credential:
            raise bad
        ident = token_identity(credential)
        if looks_like_jwt(credential):
            app = self.world.app
            if app is None or self._app_public_key is None:
                raise ApiError(401, bodies.error(JWT_BAD, status=401))
            try:
                verify_app_jwt(credential, self._app_public_key, app.id, now)
            except JwtRejected as exc:
                raise ApiError(401, bodies.error(str(exc), status=401)) from None
            return Principal("app", f"app:{app.id}", ident, app.bot_login)
        if credential in self._installation_tokens:
            installation, expiry = self._installation_tokens[credential]
            if now >= expiry:
                raise bad
            return Principal("installation", f"installation:{installation}", ident,
                             self.world.app.bot_login if self.world.app else None, installation)
        login = self._personal.get(credential)
        if login is None and self.accept_any_token and not credential.startswith("ghs_"):
            login = self.world.user(self.accept_any_token).login  # type: ignore[union-attr]
        if login is None:
            raise bad
        return Principal("user", f"user:{login}", ident, login)

    def _exceeded_message(self, p: Principal) -> str:
        if p.kind == "installation":
            who = f"installation ID {p.installation_id}"
        elif p.kind == "user":
            who = f"user ID {self.world.user(p.login).id}"  # type: ignore[arg-type,union-attr]
        elif p.kind == "app":
            who = f"integration ID {self.app_id}"
        else:
            return ("API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a "
                    "higher rate limit. Check out the documentation for more details.)")
        return (f"API rate limit exceeded for {who}. If you reach out to GitHub Support for help, please include "
                f"the request ID FAKE:{self._seq:08X}.")

    def _fault_reply(self, fault: Fault, p: Principal, bucket: RateBucket) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        status = int(fault.status or 502)
        if fault.kind == "primary":
            exhausted = RateBucket(bucket.name, bucket.limit, bucket.limit, bucket.reset)
            doc = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
            return status, bodies.error(self._exceeded_message(p), doc), exhausted.headers()
        if fault.kind == "secondary":
            doc = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
            message = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                       f"If you reach out to GitHub Support for help, please include the request ID FAKE:{self._seq:08X}.")
            return status, bodies.error(message, doc), [("Retry-After", str(fault.retry_after))] + bucket.headers()
        return status, {"message": HTTPStatus(status).phrase}, bucket.headers()

