"""The REST endpoints the loopback GitHub serves: routes, access rules, handlers.

A handler ``_h_<name>(ctx, **path parameters)`` returns ``(status, body)`` or
``(status, body, extra headers)``, or raises :class:`ApiError`. The mix-in is used by
:class:`tracer.packit.loopback.api.FakeApi`, which holds the state it reads and writes and calls
handlers under its lock.
"""

from __future__ import annotations

import re
import time
import zlib
from typing import Any
from urllib.parse import unquote

from tracer.packit.loopback import bodies
from tracer.packit.loopback.appauth import new_token
from tracer.packit.loopback.messages import ApiError, Ctx, Principal, not_found
from tracer.packit.loopback.ratelimit import RateBook
from tracer.packit.loopback.world import Pull, Repository, User, World, derived_id, is_sha

TOKEN_LIFETIME = 3600
STATUS_STATES = ("error", "failure", "pending", "success")
CHECK_STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
CHECK_CONCLUSIONS = ("action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out")
NOT_INTEGRATION = "Resource not accessible by integration"
JWT_BAD = "A JSON web token could not be decoded"

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
    ("GET", rf"/repos/{_O}/{_R}/issues/(?P<number>\d+)/comments", "issue_comments"),
    ("POST", rf"/repos/{_O}/{_R}/issues/(?P<number>\d+)/comments", "create_issue_comment"),
    ("GET", rf"/repos/{_O}/{_R}/installation", "repo_installation"),
    ("POST", r"/app/installations/(?P<installation_id>\d+)/access_tokens", "access_token"),
]
_COMPILED = [(m, re.compile(f"^{p}$"), h) for m, p, h in ROUTES]


def route(method: str, path: str) -> tuple[str | None, dict[str, Any]]:
    """The handler name and unquoted path parameters for a request, or ``(None, {})``."""
    candidates = [path] if path == "/" or not path.endswith("/") else [path, path.rstrip("/")]
    for candidate in candidates:
        for m, regex, handler in _COMPILED:
            match = regex.match(candidate)
            if match and m == method:
                return handler, {k: unquote(v) if v is not None else None for k, v in match.groupdict().items()}
    return None, {}


def now_iso(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


class Endpoints:
    """GitHub's endpoints over the state of a :class:`tracer.packit.loopback.api.FakeApi`."""

    world: World
    public_url: str
    check_runs_require_app: bool
    clock: Any
    _rates: RateBook
    _installation_tokens: dict[str, tuple[int, float]]
    _statuses: dict[tuple[str, str], list[dict[str, Any]]]
    _check_runs: dict[int, tuple[str, dict[str, Any]]]
    _comments: dict[tuple[str, int], list[dict[str, Any]]]
    _next_id: int

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

    def _repo(self, ctx: Ctx, owner: str, name: str, write: bool = False) -> Repository:
        p = ctx.principal
        if p.kind == "app":
            raise ApiError(403, bodies.error(NOT_INTEGRATION, status=403))
        repo = self.world.repo(f"{owner}/{name}")
        if repo is None or not self._visible(repo, p):
            raise not_found("https://docs.github.com/rest/repos/repos#get-a-repository")
        if write:
            if p.kind == "anonymous":
                raise ApiError(401, bodies.error("Requires authentication", status=401))
            if p.kind == "installation" and not self._installed(repo, p):
                raise ApiError(403, bodies.error(NOT_INTEGRATION, status=403))
            if p.kind == "user" and repo.permission(p.login or "") not in ("admin", "maintain", "write"):
                raise not_found()
        return repo

    def _require_app(self, ctx: Ctx) -> None:
        if ctx.principal.kind != "app":
            raise ApiError(401, bodies.error(JWT_BAD, status=401))

    def _sha_or_422(self, repo: Repository, ref: str) -> str:
        sha = repo.resolve_sha(ref)
        if sha is None:
            raise ApiError(422, bodies.error(f"No commit found for SHA: {ref}", status=422))
        return sha

    # -- handlers: (status, body[, extra headers]) ----------------------------------------------
    def _h_rate_limit(self, ctx: Ctx) -> tuple[int, Any]:
        b = self._rates.get(ctx.principal.bucket)
        return 200, bodies.rate_limit_body(b.limit, b.remaining, min(b.used, b.limit), b.reset)

    def _h_user(self, ctx: Ctx) -> tuple[int, Any]:
        p = ctx.principal
        if p.kind == "anonymous":
            raise ApiError(401, bodies.error("Requires authentication", status=401))
        if p.kind != "user":
            raise ApiError(403, bodies.error(NOT_INTEGRATION, status=403))
        return 200, bodies.user_full(self._user(p.login or ""), self.public_url)

    def _h_get_user(self, ctx: Ctx, login: str) -> tuple[int, Any]:
        user = self.world.user(login)
        if user is None:
            raise not_found()
        return 200, bodies.user_full(user, self.public_url)

    def _h_repo(self, ctx: Ctx, owner: str, name: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        p = ctx.principal
        perms = bodies.repo_permissions(repo.permission(p.login or "")) if p.kind == "user" else None
        return 200, bodies.repo_body(repo, self._user(repo.owner), self.public_url, perms)

    def _h_contents(self, ctx: Ctx, owner: str, name: str, path: str | None) -> tuple[int, Any]:
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
            raise not_found("https://docs.github.com/rest/repos/contents#get-repository-content")
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

    def _h_collaborators(self, ctx: Ctx, owner: str, name: str) -> tuple[int, Any]:
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

    def _h_permission(self, ctx: Ctx, owner: str, name: str, login: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        user = self.world.user(login)
        if user is None:
            raise ApiError(404, bodies.error(f"{login} is not a user", status=404))
        return 200, bodies.permission_body(repo.permission(user.login), user, self.public_url)

    def _h_pull(self, ctx: Ctx, owner: str, name: str, number: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        pr = repo.pulls.get(int(number))
        if pr is None:
            raise not_found("https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
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

    def _h_commit(self, ctx: Ctx, owner: str, name: str, ref: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        sha = self._sha_or_422(repo, ref)
        pr = self._pull_of_sha(repo, sha)
        author = self._user(pr.author) if pr else None
        message = pr.title if pr else f"Commit {sha[:7]}"
        return 200, bodies.commit_body(repo, sha, self.public_url, author, message)

    def _h_commit_statuses(self, ctx: Ctx, owner: str, name: str, ref: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        sha = repo.resolve_sha(ref)
        stored = self._statuses.get((repo.full_name.lower(), sha or ""), [])
        return 200, [bodies.status_body(repo, sha or ref, s, self._user(s["creator"]) if s["creator_kind"] == "user"
                                        else self._bot(), self.public_url) for s in reversed(stored)]

    def _h_branch(self, ctx: Ctx, owner: str, name: str, branch: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        sha = repo.branches.get(branch)
        if sha is None:
            raise ApiError(404, bodies.error("Branch not found", "https://docs.github.com/rest/branches/branches#get-a-branch", 404))
        return 200, bodies.branch_body(repo, branch, sha, self.public_url, None)

    def _h_create_status(self, ctx: Ctx, owner: str, name: str, sha: str) -> tuple[int, Any, list[tuple[str, str]]]:
        repo = self._repo(ctx, owner, name, write=True)
        if not is_sha(sha) or sha not in repo.known_shas():
            raise ApiError(422, bodies.error(f"No commit found for SHA: {sha}", status=422))
        data = ctx.body if isinstance(ctx.body, dict) else {}
        state = data.get("state")
        if state not in STATUS_STATES:
            raise ApiError(422, bodies.error("Validation Failed", status=422, errors=[
                {"resource": "Status", "code": "custom", "field": "state",
                 "message": "state is not included in the list"}]))
        self._next_id += 1
        p = ctx.principal
        status = {
            "id": 12_000_000_000 + self._next_id,
            "sha": sha,
            "state": state,
            "description": data.get("description"),
            "target_url": data.get("target_url"),
            "context": data.get("context") or "default",
            "created_at": now_iso(self.clock()),
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
            run["completed_at"] = run["completed_at"] or now_iso(self.clock())

    def _h_create_check_run(self, ctx: Ctx, owner: str, name: str) -> tuple[int, Any, list[tuple[str, str]]]:
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
            "started_at": now_iso(self.clock()),
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
            raise not_found("https://docs.github.com/rest/checks/runs#get-a-check-run")
        return found[1]

    def _h_get_check_run(self, ctx: Ctx, owner: str, name: str, run_id: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        return 200, self._check_body(repo, self._run_of(repo, run_id))

    def _h_update_check_run(self, ctx: Ctx, owner: str, name: str, run_id: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name, write=True)
        run = self._run_of(repo, run_id)
        updated = dict(run)
        self._apply_check_fields(updated, ctx.body if isinstance(ctx.body, dict) else {})
        run.clear()
        run.update(updated)
        return 200, self._check_body(repo, run)

    def _h_commit_check_runs(self, ctx: Ctx, owner: str, name: str, ref: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        sha = self._sha_or_422(repo, ref)
        runs = [self._check_body(repo, run) for r, run in self._check_runs.values()
                if r == repo.full_name.lower() and run["head_sha"] == sha]
        runs.reverse()
        return 200, {"total_count": len(runs), "check_runs": runs}

    def _comment_body(self, repo: Repository, number: int, comment: dict[str, Any]) -> dict[str, Any]:
        if comment["author_kind"] == "user":
            author = self._user(comment["author"])
            association = bodies.author_association(repo.permission(author.login))
        else:
            author, association = self._bot(), "NONE"
        return bodies.issue_comment_body(repo, number, comment, author, association, self.public_url)

    def _issue(self, repo: Repository, number: str) -> int:
        if int(number) not in repo.pulls:
            raise not_found("https://docs.github.com/rest/issues/comments#list-issue-comments")
        return int(number)

    def _h_issue_comments(self, ctx: Ctx, owner: str, name: str, number: str) -> tuple[int, Any]:
        repo = self._repo(ctx, owner, name)
        n = self._issue(repo, number)
        return 200, [self._comment_body(repo, n, c) for c in self._comments.get((repo.full_name.lower(), n), [])]

    def _h_create_issue_comment(self, ctx: Ctx, owner: str, name: str, number: str) -> tuple[int, Any, list[tuple[str, str]]]:
        repo = self._repo(ctx, owner, name)  # anyone who can see a pull request may comment on it
        p = ctx.principal
        if p.kind == "anonymous":
            raise ApiError(401, bodies.error("Requires authentication", status=401))
        if p.kind == "installation" and not self._installed(repo, p):
            raise ApiError(403, bodies.error(NOT_INTEGRATION, status=403))
        n = self._issue(repo, number)
        data = ctx.body if isinstance(ctx.body, dict) else {}
        if not isinstance(data.get("body"), str) or not data["body"]:
            raise ApiError(422, bodies.error("Invalid request.\n\n\"body\" wasn't supplied.", status=422))
        self._next_id += 1
        comment = {"id": 460_000_000 + self._next_id, "body": data["body"], "created_at": now_iso(self.clock()),
                   "author": p.login, "author_kind": p.kind}
        self._comments.setdefault((repo.full_name.lower(), n), []).append(comment)
        body = self._comment_body(repo, n, comment)
        return 201, body, [("Location", body["url"])]

    def _h_repo_installation(self, ctx: Ctx, owner: str, name: str) -> tuple[int, Any]:
        self._require_app(ctx)
        app = self.world.app
        repo = self.world.repo(f"{owner}/{name}")
        installation = app.installation_of(repo.full_name) if app and repo else None
        if repo is None or installation is None or app is None:
            raise not_found("https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app")
        return 200, bodies.installation_body(app, installation, self._user(repo.owner), self.public_url)

    def _h_access_token(self, ctx: Ctx, installation_id: str) -> tuple[int, Any]:
        self._require_app(ctx)
        app = self.world.app
        inst = int(installation_id)
        if app is None or inst not in app.installation_ids():
            raise not_found("https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app")
        token = new_token("ghs_")
        expiry = self.clock() + TOKEN_LIFETIME
        self._installation_tokens[token] = (inst, expiry)
        return 201, bodies.access_token_body(token, now_iso(expiry))
