"""The loopback GitHub's world: users, repositories, the GitHub App, rate limits, faults.

A world is read from a small YAML file (``worlds/default.yaml`` is the default one and
shows every key with comments). Schema (``?`` marks optional keys)::

    name?: str                       # shown by `api-tracer fakehub`; default: the file's stem
    default_user?: login             # whose personal token the CLI prints; default: first User
    check_runs_require_app?: bool    # true: POST check-runs with a personal token → 403 (as GitHub)
    rate_limit?:
      limit?: int                    # per bucket (user, installation, app); default 5000
      anonymous_limit?: int          # default 60
      reset?: int                    # epoch seconds; default: one hour after the server starts
      limits?: {bucket: int}         # per-bucket overrides, e.g. "installation:1924121": 12500
    app?:
      id: int
      slug?: str                     # default "fakehub-app"
      name?: str
      installations: {owner/repo: installation id}
    users?:                          # a login string, or a mapping
      - login: str
        id?: int                     # default: derived from the login
        type?: User | Organization | Bot
        name?: str
    repositories:
      - full_name: owner/repo        # the owner is made an Organization if not in users
        id?: int
        private?: bool               # default false
        fork?: bool
        description?: str
        default_branch?: str         # default "main"; must be in branches
        branches: {name: head sha (40 hex)}
        commits?: [sha]              # more known commits (for statuses, check runs)
        files?: {ref: {path: text}}  # ref = branch name, sha or PR head ref; see below
        collaborators?: {login: admin|maintain|write|triage|read|none}
        pulls?:
          - number: int
            author: login            # must be in users
            title?: str
            body?: str
            state?: open|closed
            head: {ref: str, sha: 40 hex, repo?: owner/repo}   # repo: a fork; default this repo
            base: branch name        # or {ref: branch name}
    faults?:                         # see tracer.packit.loopback.faults.Fault
      - {path: regex, method?: GET, status?: 502, times?: 1, kind?: error|primary|secondary,
         retry_after?: 60}
    x-anything?: ...                 # keys starting with "x-" are ignored (a place for anchors)

File lookup for a ref: the ref's own entry under ``files``; else a branch's entry under its
head sha (or a sha's entry under the branch / PR head ref it is the head of); else, for any
known branch or commit, the default branch's files. YAML anchors and ``<<`` merge keys can
share trees between refs. Logins and repository names are matched case-insensitively.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from tracer.datafile import parse_yaml, read_text
from tracer.errors import DataError
from tracer.packit.loopback.faults import Fault

DEFAULT_WORLD = Path(__file__).resolve().parent / "worlds" / "default.yaml"
PERMISSIONS = ("admin", "maintain", "write", "triage", "read", "none")
USER_TYPES = ("User", "Organization", "Bot")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_FULL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$")


def derived_id(text: str) -> int:
    """A stable positive id for a name that the world file gave no id."""
    return 10_000_000 + zlib.crc32(text.lower().encode()) % 90_000_000


def is_sha(text: str) -> bool:
    return bool(_SHA.match(text))


@dataclass
class User:
    login: str
    id: int
    type: str = "User"
    name: str | None = None


@dataclass
class Pull:
    number: int
    author: str
    title: str
    head_ref: str
    head_sha: str
    head_repo: str  # full name
    base_ref: str
    body: str = ""
    state: str = "open"


@dataclass
class Repository:
    full_name: str
    id: int
    private: bool = False
    fork: bool = False
    description: str = ""
    default_branch: str = "main"
    branches: dict[str, str] = field(default_factory=dict)
    commits: set[str] = field(default_factory=set)
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    collaborators: dict[str, str] = field(default_factory=dict)  # lower login → permission
    pulls: dict[int, Pull] = field(default_factory=dict)

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]

    def known_shas(self) -> set[str]:
        shas = set(self.branches.values()) | self.commits
        shas |= {p.head_sha for p in self.pulls.values()}
        shas |= {ref for ref in self.files if is_sha(ref)}
        return shas

    def resolve_sha(self, ref: str) -> str | None:
        """The commit a branch name or a known sha points at, else None."""
        if ref in self.branches:
            return self.branches[ref]
        return ref if ref in self.known_shas() else None

    def tree(self, ref: str) -> dict[str, str] | None:
        """Path → text at ``ref`` (see the module docstring), or None for an unknown ref."""
        if ref in self.files:
            return self.files[ref]
        sha = self.resolve_sha(ref)
        if sha is None:
            return None
        if sha in self.files:
            return self.files[sha]
        for branch, head in self.branches.items():
            if head == sha and branch in self.files:
                return self.files[branch]
        for pull in self.pulls.values():
            if pull.head_sha == sha and pull.head_ref in self.files:
                return self.files[pull.head_ref]
        return self.files.get(self.default_branch) or self.files.get(self.branches[self.default_branch], {})

    def permission(self, login: str) -> str:
        """Collaborator permission as GitHub reports it (non-collaborators: read if public)."""
        perm = self.collaborators.get(login.lower(), "none")
        if login.lower() == self.owner.lower():
            perm = "admin"
        if perm == "none" and not self.private:
            return "read"
        return perm


@dataclass
class App:
    id: int
    slug: str = "fakehub-app"
    name: str = "Fakehub App"
    installations: dict[str, int] = field(default_factory=dict)  # lower full name → id

    @property
    def bot_login(self) -> str:
        return f"{self.slug}[bot]"

    def installation_of(self, full_name: str) -> int | None:
        return self.installations.get(full_name.lower())

    def installation_ids(self) -> set[int]:
        return set(self.installations.values())


@dataclass
class RateLimitConfig:
    limit: int = 5000
    anonymous_limit: int = 60
    reset: int | None = None
    limits: dict[str, int] = field(default_factory=dict)

    def limit_for(self, bucket: str) -> int:
        if bucket in self.limits:
            return self.limits[bucket]
        return self.anonymous_limit if bucket == "anonymous" else self.limit


@dataclass
class World:
    name: str
    source: str
    users: dict[str, User]  # lower login → user
    repositories: dict[str, Repository]  # lower full name → repository
    app: App | None = None
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    faults: list[Fault] = field(default_factory=list)
    default_user: str | None = None
    check_runs_require_app: bool = False

    # -- loading -----------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> World:
        """Read a world file; any problem is a one-line :class:`DataError` naming the file."""
        path = Path(path)
        data = parse_yaml(read_text(path, "world file"), str(path))
        return cls.from_dict(data, source=str(path), default_name=path.stem)

    @classmethod
    def default(cls) -> World:
        """The world that ships with the package (``worlds/default.yaml``)."""
        return cls.load(DEFAULT_WORLD)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<world>", default_name: str = "world") -> World:
        return _Parser(source).world(data, default_name)

    # -- queries -----------------------------------------------------------------------
    def repo(self, full_name: str) -> Repository | None:
        return self.repositories.get(full_name.lower())

    def user(self, login: str) -> User | None:
        return self.users.get(login.lower())

    def cli_user(self) -> User | None:
        """The user whose personal token ``api-tracer fakehub`` prints."""
        if self.default_user:
            return self.user(self.default_user)
        return next((u for u in self.users.values() if u.type == "User"), None)


class _Parser:
    """Turns loaded YAML into a :class:`World`; every error names the file and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> DataError:
        return DataError(f"{self.source}: {where}: {what}" if where else f"{self.source}: {what}")

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected a mapping, got {_kind(value)}")
        return value

    def seq(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {_kind(value)}")
        return value

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(where, f"expected a non-empty string, got {_kind(value)}")
        return value

    def integer(self, value: Any, where: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(where, f"expected an integer >= {minimum}, got {value!r}")
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {value!r}")
        return value

    def sha(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not is_sha(value):
            raise self.fail(where, f"expected a 40-hex-digit sha, got {value!r}")
        return value

    def keys(self, data: Mapping[str, Any], where: str, allowed: set[str], required: set[str] = frozenset()) -> None:
        unknown = sorted(str(k) for k in data if k not in allowed and not str(k).startswith("x-"))
        if unknown:
            prefix = f"{where}: " if where else ""
            raise DataError(f"{self.source}: {prefix}unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
        for key in sorted(required):
            if key not in data:
                raise self.fail(where, f"missing required key {key!r}")

    # -- sections ------------------------------------------------------------------------
    def world(self, data: Any, default_name: str) -> World:
        if data is None:
            raise self.fail("", "world file is empty")
        data = self.mapping(data, "top level")
        self.keys(
            data, "",
            {"name", "default_user", "check_runs_require_app", "rate_limit", "app", "users", "repositories", "faults"},
            {"repositories"},
        )
        name = self.string(data["name"], "name") if "name" in data else default_name
        users = self.users(data.get("users") or [])
        repos: dict[str, Repository] = {}
        for i, item in enumerate(self.seq(data["repositories"], "repositories")):
            repo = self.repository(item, f"repositories[{i}]", users)
            if repo.full_name.lower() in repos:
                raise self.fail(f"repositories[{i}].full_name", f"duplicate repository {repo.full_name!r}")
            repos[repo.full_name.lower()] = repo
        for repo in repos.values():  # owners become organizations unless listed
            if repo.owner.lower() not in users:
                users[repo.owner.lower()] = User(repo.owner, derived_id(repo.owner), "Organization")
        app = self.app(data["app"], repos) if data.get("app") is not None else None
        rate = self.rate_limit(data.get("rate_limit") or {})
        faults = []
        for i, item in enumerate(self.seq(data.get("faults") or [], "faults")):
            try:
                faults.append(Fault.from_dict(self.mapping(item, f"faults[{i}]")))
            except ValueError as exc:
                raise self.fail(f"faults[{i}]", str(exc)) from None
        default_user = None
        if data.get("default_user") is not None:
            default_user = self.string(data["default_user"], "default_user")
            if default_user.lower() not in users:
                raise self.fail("default_user", f"unknown user {default_user!r}")
        strict = self.boolean(data.get("check_runs_require_app", False), "check_runs_require_app")
        return World(name, self.source, users, repos, app, rate, faults, default_user, strict)

    def users(self, items: Any) -> dict[str, User]:
        users: dict[str, User] = {}
        for i, item in enumerate(self.seq(items, "users")):
            where = f"users[{i}]"
            if isinstance(item, str):
                item = {"login": item}
            item = self.mapping(item, where)
            self.keys(item, where, {"login", "id", "type", "name"}, {"login"})
            login = self.string(item["login"], f"{where}.login")
            kind = item.get("type", "User")
            if kind not in USER_TYPES:
                raise self.fail(f"{where}.type", f"expected one of {', '.join(USER_TYPES)}, got {kind!r}")
            uid = self.integer(item["id"], f"{where}.id", 1) if "id" in item else derived_id(login)
            name = self.string(item["name"], f"{where}.name") if item.get("name") is not None else None
            if login.lower() in users:
                raise self.fail(f"{where}.login", f"duplicate user {login!r}")
            users[login.lower()] = User(login, uid, kind, name)
        return users

    def repository(self, item: Any, where: str, users: dict[str, User]) -> Repository:
        item = self.mapping(item, where)
        self.keys(
            item, where,
            {"full_name", "id", "private", "fork", "description", "default_branch", "branches", "commits",
             "files", "collaborators", "pulls"},
            {"full_name", "branches"},
        )
        full_name = self.string(item["full_name"], f"{where}.full_name")
        if not _FULL_NAME.match(full_name):
            raise self.fail(f"{where}.full_name", f"expected owner/repo, got {full_name!r}")
        repo = Repository(
            full_name=full_name,
            id=self.integer(item["id"], f"{where}.id", 1) if "id" in item else derived_id(full_name),
            private=self.boolean(item.get("private", False), f"{where}.private"),
            fork=self.boolean(item.get("fork", False), f"{where}.fork"),
            description=str(item.get("description") or ""),
            default_branch=self.string(item.get("default_branch", "main"), f"{where}.default_branch"),
        )
        branches = self.mapping(item["branches"], f"{where}.branches")
        for branch, sha in branches.items():
            repo.branches[self.string(branch, f"{where}.branches")] = self.sha(sha, f"{where}.branches.{branch}")
        if repo.default_branch not in repo.branches:
            raise self.fail(f"{where}.default_branch", f"{repo.default_branch!r} is not in branches")
        for j, sha in enumerate(self.seq(item.get("commits") or [], f"{where}.commits")):
            repo.commits.add(self.sha(sha, f"{where}.commits[{j}]"))
        for ref, tree in self.mapping(item.get("files") or {}, f"{where}.files").items():
            ref = self.string(str(ref), f"{where}.files")
            files: dict[str, str] = {}
            for path, text in self.mapping(tree or {}, f"{where}.files.{ref}").items():
                path = self.string(path, f"{where}.files.{ref}").strip("/")
                if not path or "//" in path:
                    raise self.fail(f"{where}.files.{ref}", f"bad path {path!r}")
                if isinstance(text, bool) or not isinstance(text, str | int | float):
                    raise self.fail(f"{where}.files.{ref}.{path}", f"expected text, got {_kind(text)}")
                files[path] = str(text)
            repo.files[ref] = files
        for login, perm in self.mapping(item.get("collaborators") or {}, f"{where}.collaborators").items():
            login = self.string(login, f"{where}.collaborators")
            if login.lower() not in users:
                raise self.fail(f"{where}.collaborators.{login}", f"unknown user {login!r} (add it to users)")
            if perm not in PERMISSIONS:
                raise self.fail(
                    f"{where}.collaborators.{login}",
                    f"permission must be one of {'|'.join(PERMISSIONS)}, got {perm!r}",
                )
            repo.collaborators[login.lower()] = perm
        for j, pull in enumerate(self.seq(item.get("pulls") or [], f"{where}.pulls")):
            pr = self.pull(pull, f"{where}.pulls[{j}]", repo, users)
            if pr.number in repo.pulls:
                raise self.fail(f"{where}.pulls[{j}].number", f"duplicate pull request #{pr.number}")
            repo.pulls[pr.number] = pr
        return repo

    def pull(self, item: Any, where: str, repo: Repository, users: dict[str, User]) -> Pull:
        item = self.mapping(item, where)
        self.keys(item, where, {"number", "author", "title", "body", "state", "head", "base"}, {"number", "author", "head", "base"})
        author = self.string(item["author"], f"{where}.author")
        if author.lower() not in users:
            raise self.fail(f"{where}.author", f"unknown user {author!r} (add it to users)")
        head = self.mapping(item["head"], f"{where}.head")
        self.keys(head, f"{where}.head", {"ref", "sha", "repo"}, {"ref", "sha"})
        head_repo = self.string(head.get("repo", repo.full_name), f"{where}.head.repo")
        if not _FULL_NAME.match(head_repo):
            raise self.fail(f"{where}.head.repo", f"expected owner/repo, got {head_repo!r}")
        base = item["base"]
        if isinstance(base, Mapping):
            self.keys(base, f"{where}.base", {"ref"}, {"ref"})
            base = base["ref"]
        base = self.string(base, f"{where}.base")
        if base not in repo.branches:
            raise self.fail(f"{where}.base", f"branch {base!r} is not in the repository's branches")
        state = item.get("state", "open")
        if state not in ("open", "closed"):
            raise self.fail(f"{where}.state", f"expected open or closed, got {state!r}")
        number = self.integer(item["number"], f"{where}.number", 1)
        return Pull(
            number=number,
            author=users[author.lower()].login,
            title=str(item.get("title") or f"Pull request #{number}"),
            head_ref=self.string(head["ref"], f"{where}.head.ref"),
            head_sha=self.sha(head["sha"], f"{where}.head.sha"),
            head_repo=head_repo,
            base_ref=base,
            body=str(item.get("body") or ""),
            state=state,
        )

    def app(self, item: Any, repos: dict[str, Repository]) -> App:
        item = self.mapping(item, "app")
        self.keys(item, "app", {"id", "slug", "name", "installations"}, {"id"})
        app = App(id=self.integer(item["id"], "app.id", 1))
        if "slug" in item:
            app.slug = self.string(item["slug"], "app.slug")
        app.name = self.string(item.get("name", app.slug), "app.name")
        for full_name, inst in self.mapping(item.get("installations") or {}, "app.installations").items():
            full_name = self.string(full_name, "app.installations")
            if full_name.lower() not in repos:
                raise self.fail(f"app.installations.{full_name}", "unknown repository")
            app.installations[full_name.lower()] = self.integer(inst, f"app.installations.{full_name}", 1)
        return app

    def rate_limit(self, item: Any) -> RateLimitConfig:
        item = self.mapping(item, "rate_limit")
        self.keys(item, "rate_limit", {"limit", "anonymous_limit", "reset", "limits"})
        cfg = RateLimitConfig()
        if "limit" in item:
            cfg.limit = self.integer(item["limit"], "rate_limit.limit")
        if "anonymous_limit" in item:
            cfg.anonymous_limit = self.integer(item["anonymous_limit"], "rate_limit.anonymous_limit")
        if item.get("reset") is not None:
            cfg.reset = self.integer(item["reset"], "rate_limit.reset", 1)
        for bucket, limit in self.mapping(item.get("limits") or {}, "rate_limit.limits").items():
            cfg.limits[self.string(bucket, "rate_limit.limits")] = self.integer(limit, f"rate_limit.limits.{bucket}")
        return cfg


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)
