"""The loopback GitHub's REST logic, independent of the HTTP transport.

:class:`FakeApi` turns one request (method, path, query, headers, body) into one reply,
under one lock: authentication, faults, the primary rate limit, routing, ETags, the
request log. :class:`tracer.loopback.server.FakeGitHub` puts it on a socket.

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
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, unquote

from tracer.loopback import bodies
from tracer.loopback.appauth import (
    JwtRejected,
    looks_like_jwt,
    new_token,
    public_key_pem,
    token_identity,
    verify_app_jwt,
)
from tracer.loopback.faults import Fault
from tracer.loopback.ratelimit import RateBook, RateBucket
from tracer.loopback.world import Pull, Repository, User, World, derived_id, is_sha

GITHUB_API = "https://api.github.com"
TOKEN_LIFETIME = 3600
STATUS_STATES = ("error", "failure", "pending", "success")
CHECK_STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
CHECK_CONCLUSIONS = ("action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out")
_NOT_INTEGRATION = "Resource not accessible by integration"
_JWT_BAD = "A JSON web token could not be decoded"


@dataclass(frozen=True)
class Principal:
    """Who made a request: ``kind`` is user, installation, app or anonymous."""

    kind: str
    bucket: str
    token: str | None = None  # token_identity(), never the token
    login: str | None = None
    installation_id: int | None = None


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it."""

    seq: int
    method: str
    path: str
    query: str
    status: int
    charged: bool
    token: str | None  # token_identity() of the credential; None if anonymous
    bucket: str | None  # rate-limit bucket; None when authentication failed
    principal: str | None  # user, installation, app, anonymous; None when authentication failed
    fault: str | None = None  # kind of the injected fault that answered, if any
    remaining: int | None = None  # the bucket's remaining count after the request


@dataclass
class Request:
    method: str
    path: str  # percent-encoded, no query
    query: str
    headers: Mapping[str, str]  # case-insensitive .get()
    body: bytes = b""


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class ApiError(Exception):
    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Ctx:
    principal: Principal
    query: dict[str, str]
    body: Any


def _not_found(doc: str = bodies.DOCS) -> ApiError:
    return ApiError(404, bodies.error("Not Found", doc, 404))


_O = r"(?P<owner>[^/]+)"
_R = r"(?P<name>[^/]+)"
#: method, path pattern, handler name; the first match wins
ROUTES: list[tuple[str, str, str]] = [
    ("GET", r"/rate_limit", "rate_limit"),
    ("GET", r"/user", "user"),
    ("GET", r"/users/(?P<login>[^/]+)", "get_user"),
    ("GET", rf"/repos/{_O}/{_R}", "repo"),
    ("GET", rf"/repos/{_O}/{_R}/contents(?:/(?P<path>.*))?", "contents"),
    ("GET", rf"/repos/{_O}/{_R}/collaborators", "collaborators"),
    ("GET", rf"/repos/{_O}/{_R}/collaborators/(?P<login>[^/]+)/permission", "permission"),
    ("GET", rf"/repos/{_O}/{_R}/pulls/(?P<number>\d+)", "pull"),
    ("GET", rf"/repos/{_O}/{_R}/commits/(?P<ref>[^/]+)", "commit"),
    ("GET", rf"/repos/{_O}/{_R}/commits/(?P<ref>[^/]+)/statuses", "commit_statuses"),
    ("GET", rf"/repos/{_O}/{_R}/commits/(?P<ref>[^/]+)/check-runs", "commit_check_runs"),
    ("GET", rf"/repos/{_O}/{_R}/branches/(?P<branch>.+)", "branch"),
    ("POST", rf"/repos/{_O}/{_R}/statuses/(?P<sha>[^/]+)", "create_status"),
    ("POST", rf"/repos/{_O}/{_R}/check-runs", "create_check_run"),
    ("GET", rf"/repos/{_O}/{_R}/check-runs/(?P<run_id>\d+)", "get_check_run"),
    ("PATCH", rf"/repos/{_O}/{_R}/check-runs/(?P<run_id>\d+)", "update_check_run"),
    ("GET", rf"/repos/{_O}/{_R}/installation", "repo_installation"),
    ("POST", r"/app/installations/(?P<installation_id>\d+)/access_tokens", "access_token"),
]
_COMPILED = [(m, re.compile(f"^{p}$"), h) for m, p, h in ROUTES]
_EXPOSE = (
    "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, "
    "X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, "
    "X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset"
)


def _now_iso(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(t.strip() == "*" or t.strip().removeprefix("W/") == wanted for t in header.split(","))


class FakeApi:
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
            from tracer.loopback.appauth import session_app_key

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
        """Back to the state after start: empty log, full buckets, no statuses or check runs,
        the world file's faults. Issued tokens stay valid; files changed with :meth:`set_file` stay."""
        with self._lock:
            self._reset_state()

    def _reset_state(self) -> None:
        self._log = []
        self._rates.clear()
        self._faults = [f.copy() for f in self.world.faults]
        self._statuses = {}
        self._check_runs = {}

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
        handler, params = self._route(method, req.path)
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
                raise _not_found()
            ctx = _Ctx(principal, {k: v[-1] for k, v in parse_qs(req.query).items()}, self._json_body(req))
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

    def _route(self, method: str, path: str) -> tuple[str | None, dict[str, Any]]:
        candidates = [path] if path == "/" or not path.endswith("/") else [path, path.rstrip("/")]
        for candidate in candidates:
            for m, regex, handler in _COMPILED:
                match = regex.match(candidate)
                if match and m == method:
                    return handler, {k: unquote(v) if v is not None else None for k, v in match.groupdict().items()}
        return None, {}

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
                raise ApiError(401, bodies.error(_JWT_BAD, status=401))
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
        from http import HTTPStatus

        return status, {"message": HTTPStatus(status).phrase}, bucket.headers()

    # -- access rules -------------------------------------------------------------------------
    def _user(self, login: str) -> User:
        user = self.world.user(login)
        return user if user is not None else User(login, derived_id(login))

    def _bot(self) -> User:
        app = self.world.app
        return User(app.bot_login, derived_id(app.bot_login), "Bot") if app else User("fakehub[bot]", 1, "Bot")

    def _principal_user(self, p: Principal) -> User:
        return self._user(p.login) if p.kind == "user" and p.login else self._bot()

    def _installed(self, repo: Repository, p: Principal) -> bool:
        app = self.world.app
        return p.kind == "installation" and app is not None and app.installation_of(repo.full_name) == p.installation_id

    def _visible(self, repo: Repository, p: Principal) -> bool:
        if not repo.private:
            return True
        if p.kind == "user" and p.login:
            return repo.permission(p.login) != "none"
        return self._installed(repo, p)

    def _repo(self, ctx: _Ctx, owner: str, name: str, write: bool = False) -> Repository:
        p = ctx.principal
        if p.kind == "app":
            raise ApiError(403, bodies.error(_NOT_INTEGRATION, status=403))
        repo = self.world.repo(f"{owner}/{name}")
        if repo is None or not self._visible(repo, p):
            raise _not_found("https://docs.github.com/rest/repos/repos#get-a-repository")
        if write:
            if p.kind == "anonymous":
                raise ApiError(401, bodies.error("Requires authentication", status=401))
            if p.kind == "installation" and not self._installed(repo, p):
                raise ApiError(403, bodies.error(_NOT_INTEGRATION, status=403))
            if p.kind == "user" and repo.permission(p.login or "") not in ("admin", "maintain", "write"):
                raise _not_found()
        return repo

    def _require_app(self, ctx: _Ctx) -> None:
        if ctx.principal.kind != "app":
            raise ApiError(401, bodies.error(_JWT_BAD, status=401))

    def _sha_or_422(self, repo: Repository, ref: str) -> str:
        sha = repo.resolve_sha(ref)
        if sha is None:
            raise ApiError(422, bodies.error(f"No commit found for SHA: {ref}", status=422))
        return sha

    # -- handlers: (status, body[, extra headers]) ----------------------------------------------
    def _h_rate_limit(self, ctx: _Ctx) -> tuple[int, Any]:
        b = self._rates.get(ctx.principal.bucket)
        return 200, bodies.rate_limit_body(b.limit, b.remaining, min(b.used, b.limit), b.reset)

    def _h_user(self, ctx: _Ctx) -> tuple[int, Any]:
        p = ctx.principal
        if p.kind == "anonymous":
            raise ApiError(401, bodies.error("Requires authentication", status=401))
        if p.kind != "user":
            raise ApiError(403, bodies.error(_NOT_INTEGRATION, status=403))
        return 200, bodies.user_full(self._user(p.login or ""), self.public_url)

    def _h_get_user(self, ctx: _Ctx, login: str) -> tuple[int, Any]:
        user = self.world.user(login)
        if user is None:
            raise _not_found()
        return 200, bodies.user_full(user, self.public_url)

    def _h_repo(self, ctx: _Ctx, owner: str, name: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        p = ctx.principal
        perms = bodies.repo_permissions(repo.permission(p.login or "")) if p.kind == "user" else None
        return 200, bodies.repo_body(repo, self._user(repo.owner), self.public_url, perms)

    def _h_contents(self, ctx: _Ctx, owner: str, name: str, path: str | None) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        ref = ctx.query.get("ref") or repo.default_branch
        tree = repo.tree(ref)
        if tree is None:
            raise ApiError(404, bodies.error(f"No commit found for the ref {ref}", status=404))
        path = (path or "").strip("/")
        api = self.public_url
        if path in tree:
            return 200, bodies.content_file(repo, path, ref, tree[path], api)
        prefix = f"{path}/" if path else ""
        children: dict[str, list[tuple[str, str]]] = {}
        for file_path, text in tree.items():
            if file_path.startswith(prefix):
                rest = file_path[len(prefix):]
                child = rest.split("/", 1)[0]
                children.setdefault(child, []).append((rest, bodies.blob_sha(text)))
        if not children:
            raise _not_found("https://docs.github.com/rest/repos/contents#get-repository-content")
        listing = []
        for child in sorted(children):
            child_path = prefix + child
            if child_path in tree:
                text = tree[child_path]
                listing.append(bodies.content_entry(repo, child_path, ref, api, "file", bodies.blob_sha(text),
                                                    len(text.encode())))
            else:
                listing.append(bodies.content_entry(repo, child_path, ref, api, "dir",
                                                    bodies.tree_sha(children[child]), 0))
        return 200, listing

    def _h_collaborators(self, ctx: _Ctx, owner: str, name: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        p = ctx.principal
        if not (self._installed(repo, p) or (p.kind == "user" and repo.permission(p.login or "") in ("admin", "maintain", "write"))):
            raise ApiError(403, bodies.error("Must have push access to view repository collaborators.", status=403))
        listing = []
        for login, perm in repo.collaborators.items():
            if perm == "none":
                continue
            entry = bodies.user_summary(self._user(login), self.public_url)
            entry["permissions"] = bodies.repo_permissions(perm)
            entry["role_name"] = perm
            listing.append(entry)
        return 200, listing

    def _h_permission(self, ctx: _Ctx, owner: str, name: str, login: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        user = self.world.user(login)
        if user is None:
            raise ApiError(404, bodies.error(f"{login} is not a user", status=404))
        return 200, bodies.permission_body(repo.permission(user.login), user, self.public_url)

    def _h_pull(self, ctx: _Ctx, owner: str, name: str, number: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        pr = repo.pulls.get(int(number))
        if pr is None:
            raise _not_found("https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
        api = self.public_url
        base_owner = self._user(repo.owner)
        base_repo = bodies.repo_body(repo, base_owner, api)
        head = self.world.repo(pr.head_repo) or Repository(
            pr.head_repo, derived_id(pr.head_repo), fork=True, default_branch=pr.head_ref,
            branches={pr.head_ref: pr.head_sha},
        )
        head_owner = self._user(head.owner)
        head_repo = base_repo if head is repo else bodies.repo_body(head, head_owner, api)
        body = bodies.pull_body(repo, pr, api, self._user(pr.author), base_repo, head_repo, head_owner, base_owner,
                                repo.branches[pr.base_ref])
        return 200, body

    def _pull_of_sha(self, repo: Repository, sha: str) -> Pull | None:
        return next((p for p in repo.pulls.values() if p.head_sha == sha), None)

    def _h_commit(self, ctx: _Ctx, owner: str, name: str, ref: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        sha = self._sha_or_422(repo, ref)
        pr = self._pull_of_sha(repo, sha)
        author = self._user(pr.author) if pr else None
        message = pr.title if pr else f"Commit {sha[:7]}"
        return 200, bodies.commit_body(repo, sha, self.public_url, author, message)

    def _h_commit_statuses(self, ctx: _Ctx, owner: str, name: str, ref: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        sha = repo.resolve_sha(ref)
        stored = self._statuses.get((repo.full_name.lower(), sha or ""), [])
        return 200, [bodies.status_body(repo, sha or ref, s, self._user(s["creator"]) if s["creator_kind"] == "user"
                                        else self._bot(), self.public_url) for s in reversed(stored)]

    def _h_branch(self, ctx: _Ctx, owner: str, name: str, branch: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        sha = repo.branches.get(branch)
        if sha is None:
            raise ApiError(404, bodies.error("Branch not found", "https://docs.github.com/rest/branches/branches#get-a-branch", 404))
        return 200, bodies.branch_body(repo, branch, sha, self.public_url, None)

    def _h_create_status(self, ctx: _Ctx, owner: str, name: str, sha: str) -> tuple[int, Any, list[tuple[str, str]]]:
        repo = self._repo(ctx, owner, name, write=True)
        if not is_sha(sha) or sha not in repo.known_shas():
            raise ApiError(422, bodies.error(f"No commit found for SHA: {sha}", status=422))
        data = ctx.body if isinstance(ctx.body, dict) else {}
        state = data.get("state")
        if state not in STATUS_STATES:
            raise ApiError(422, bodies.error("Validation Failed", status=422, errors=[
                {"resource": "Status", "code": "custom", "field": "state",
                 "message": f"state is not included in the list"}]))
        self._next_id += 1
        p = ctx.principal
        status = {
            "id": 12_000_000_000 + self._next_id,
            "sha": sha,
            "state": state,
            "description": data.get("description"),
            "target_url": data.get("target_url"),
            "context": data.get("context") or "default",
            "created_at": _now_iso(self.clock()),
            "creator": p.login,
            "creator_kind": p.kind,
        }
        self._statuses.setdefault((repo.full_name.lower(), sha), []).append(status)
        body = bodies.status_body(repo, sha, status, self._principal_user(p), self.public_url)
        return 201, body, [("Location", body["url"])]

    def _check_app(self) -> dict[str, Any] | None:
        app = self.world.app
        if app is None:
            return None
        owners = {full.split("/", 1)[0].lower() for full in app.installations}
        owner = self._user(sorted(owners)[0]) if owners else self._bot()
        return bodies.app_body(app, owner, self.public_url)

    def _check_body(self, repo: Repository, run: dict[str, Any]) -> dict[str, Any]:
        pulls = [bodies.pull_ref(repo, p, self.public_url, repo.branches[p.base_ref])
                 for p in repo.pulls.values() if p.head_sha == run["head_sha"] and p.state == "open"]
        return bodies.check_run_body(repo, run, self.public_url, self._check_app(), pulls)

    def _apply_check_fields(self, run: dict[str, Any], data: dict[str, Any]) -> None:
        for key in ("name", "details_url", "external_id", "started_at", "completed_at", "output", "actions"):
            if key in data:
                run[key] = data[key]
        if "conclusion" in data:
            if data["conclusion"] is not None and data["conclusion"] not in CHECK_CONCLUSIONS:
                raise ApiError(422, bodies.error("Invalid request.\n\nFor 'properties/conclusion', "
                                                 f"{data['conclusion']!r} is not a member of the enum.", status=422))
            run["conclusion"] = data["conclusion"]
            if data["conclusion"] is not None and "status" not in data:
                run["status"] = "completed"
        if "status" in data:
            if data["status"] not in CHECK_STATUSES:
                raise ApiError(422, bodies.error("Invalid request.\n\nFor 'properties/status', "
                                                 f"{data['status']!r} is not a member of the enum.", status=422))
            run["status"] = data["status"]
        if run["status"] == "completed":
            if run.get("conclusion") is None:
                raise ApiError(422, bodies.error("Invalid request.\n\nNo subschema in \"anyOf\" matched.", status=422))
            run.setdefault("completed_at", None)
            run["completed_at"] = run["completed_at"] or _now_iso(self.clock())

    def _h_create_check_run(self, ctx: _Ctx, owner: str, name: str) -> tuple[int, Any, list[tuple[str, str]]]:
        repo = self._repo(ctx, owner, name, write=True)
        if self.check_runs_require_app and ctx.principal.kind != "installation":
            raise ApiError(403, bodies.error("You must authenticate via a GitHub App.", status=403))
        data = ctx.body if isinstance(ctx.body, dict) else {}
        for key in ("name", "head_sha"):
            if not data.get(key):
                raise ApiError(422, bodies.error(f"Invalid request.\n\n\"{key}\" wasn't supplied.", status=422))
        head_sha = self._sha_or_422(repo, str(data["head_sha"]))
        self._next_id += 1
        run: dict[str, Any] = {
            "id": 4_000_000_000 + self._next_id,
            "head_sha": head_sha,
            "status": "queued",
            "conclusion": None,
            "started_at": _now_iso(self.clock()),
            "completed_at": None,
            "check_suite_id": 5_000_000_000 + zlib.crc32(head_sha.encode()) % 1_000_000_000,
        }
        self._apply_check_fields(run, data)
        self._check_runs[run["id"]] = (repo.full_name.lower(), run)
        body = self._check_body(repo, run)
        return 201, body, [("Location", body["url"])]

    def _run_of(self, repo: Repository, run_id: str) -> dict[str, Any]:
        found = self._check_runs.get(int(run_id))
        if found is None or found[0] != repo.full_name.lower():
            raise _not_found("https://docs.github.com/rest/checks/runs#get-a-check-run")
        return found[1]

    def _h_get_check_run(self, ctx: _Ctx, owner: str, name: str, run_id: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        return 200, self._check_body(repo, self._run_of(repo, run_id))

    def _h_update_check_run(self, ctx: _Ctx, owner: str, name: str, run_id: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name, write=True)
        run = self._run_of(repo, run_id)
        updated = dict(run)
        self._apply_check_fields(updated, ctx.body if isinstance(ctx.body, dict) else {})
        run.clear()
        run.update(updated)
        return 200, self._check_body(repo, run)

    def _h_commit_check_runs(self, ctx: _Ctx, owner: str, name: str, ref: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        sha = self._sha_or_422(repo, ref)
        runs = [self._check_body(repo, run) for r, run in self._check_runs.values()
                if r == repo.full_name.lower() and run["head_sha"] == sha]
        runs.reverse()
        return 200, {"total_count": len(runs), "check_runs": runs}

    def _h_repo_installation(self, ctx: _Ctx, owner: str, name: str) -> tuple[int, Any]:
        self._require_app(ctx)
        app = self.world.app
        repo = self.world.repo(f"{owner}/{name}")
        installation = app.installation_of(repo.full_name) if app and repo else None
        if repo is None or installation is None or app is None:
            raise _not_found("https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app")
        return 200, bodies.installation_body(app, installation, self._user(repo.owner), self.public_url)

    def _h_access_token(self, ctx: _Ctx, installation_id: str) -> tuple[int, Any]:
        self._require_app(ctx)
        app = self.world.app
        inst = int(installation_id)
        if app is None or inst not in app.installation_ids():
            raise _not_found("https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app")
        token = new_token("ghs_")
        expiry = self.clock() + TOKEN_LIFETIME
        self._installation_tokens[token] = (inst, expiry)
        return 201, bodies.access_token_body(token, _now_iso(expiry))
