"""ogr services and projects for the worker, with token or GitHub App credentials.

As in packit-service, one :class:`ServiceConfig` (one ``GithubService``) serves a worker, and
every handler task and every ``process_message`` asks it for a NEW ``GithubProject``: building
it makes no request; the first method that touches the repository pays GET /repos/{o}/{r}
(and, with a GitHub App, mints an installation token for that project first).

Two fixes packit could make live here: ``project_reuse="pipeline"`` hands every task of the
pipeline the same project object (one GET repo, one token), and ``reuse_token`` gives ogr's
GitHub App authentication a token cache (:class:`TokenCachingGithubApp`): one installation
look-up per repository, one token per installation until shortly before it expires.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import github
from ogr.exceptions import OgrException
from ogr.services.github import GithubProject, GithubService
from ogr.services.github.auth_providers.github_app import GithubApp

from tracer.errors import UsageError

#: a token that only a cassette (offline replay) or an ``accept_any_token`` loopback accepts
REPLAY_TOKEN = "ghp_" + "0" * 36


@dataclass(frozen=True)
class Credentials:
    """A personal token, or a GitHub App id and private key (PEM text, kept in memory only)."""

    token: str | None = field(default=None, repr=False)
    app_id: int | None = None
    private_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        has_app = self.app_id is not None or self.private_key is not None
        if self.token and has_app:
            raise UsageError("credentials: give a token or a GitHub App (id and private key), not both")
        if has_app and (self.app_id is None or not self.private_key):
            raise UsageError("credentials: a GitHub App needs both its id and its private key")
        if self.private_key is not None and "PRIVATE KEY" not in self.private_key:
            raise UsageError("credentials: the GitHub App private key must be PEM text")
        if not self.token and not has_app:
            raise UsageError("credentials: give a token or a GitHub App (id and private key)")

    @classmethod
    def with_token(cls, token: str) -> Credentials:
        return cls(token=token)

    @classmethod
    def github_app(cls, app_id: int | str, private_key: str) -> Credentials:
        try:
            number = int(app_id)
        except (TypeError, ValueError):
            raise UsageError(f"credentials: the GitHub App id must be a number, got {app_id!r}") from None
        return cls(app_id=number, private_key=private_key)

    @classmethod
    def for_replay(cls) -> Credentials:
        """Any token works when a cassette answers."""
        return cls(token=REPLAY_TOKEN)

    @property
    def kind(self) -> str:
        """``token`` or ``app`` (the ``auth`` knob's values)."""
        return "app" if self.app_id is not None else "token"

    def __repr__(self) -> str:
        return f"Credentials(kind={self.kind!r}{f', app_id={self.app_id}' if self.app_id is not None else ''})"


#: a cached installation token is used until this many seconds before it expires
TOKEN_EXPIRY_MARGIN_S = 300


class TokenCachingGithubApp(GithubApp):
    """ogr's GitHub App authentication with a token cache: ``get_token`` looks an installation
    up once per repository and mints one token per installation, reused until
    :data:`TOKEN_EXPIRY_MARGIN_S` before the ``expires_at`` GitHub gave it (ogr mints anew for
    every new project object). The tokens stay in memory."""

    def __init__(self, app_id: str, private_key: str, clock: Callable[[], float] = time.time) -> None:
        super().__init__(app_id, private_key, None)  # type: ignore[arg-type]
        self._clock = clock
        self._installations: dict[tuple[str, str], int] = {}
        self._tokens: dict[int, tuple[str, float]] = {}

    def get_token(self, namespace: str, repo: str) -> str:
        key = (namespace.lower(), repo.lower())
        if key not in self._installations:
            try:
                self._installations[key] = self.integration.get_repo_installation(namespace, repo).id
            except github.GithubException:
                raise OgrException(f"No installation ID provided for {namespace}/{repo}") from None
        installation = self._installations[key]
        cached = self._tokens.get(installation)
        if cached is not None and cached[1] - TOKEN_EXPIRY_MARGIN_S > self._clock():
            return cached[0]
        auth = self.integration.get_access_token(installation)
        self._tokens[installation] = (auth.token, auth.expires_at.timestamp())
        return auth.token


class ServiceConfig:
    """The worker's ogr GitHub service, from which every task takes a project object, and what
    it reads of packit-service's service config: the admins and the deployment's GitHub
    account name (whose PR comments are packit's own).

    ``project_reuse`` "call" and "task" build a new project object per ``get_project``;
    "pipeline" keeps one per repository for the pipeline (this worker context).
    """

    def __init__(
        self,
        credentials: Credentials,
        admins: Iterable[str] = (),
        github_account_name: str = "packit-as-a-service[bot]",
        *,
        project_reuse: str = "call",
        reuse_token: bool = False,
    ) -> None:
        self.credentials = credentials
        self.admins = frozenset(admins)
        self._github_account_name = github_account_name
        self.project_reuse = project_reuse
        self._projects: dict[tuple[str, str], GithubProject] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if credentials.kind == "app" and reuse_token:
                self.github_service = GithubService(
                    github_authentication=TokenCachingGithubApp(str(credentials.app_id), str(credentials.private_key))
                )
            elif credentials.kind == "app":
                self.github_service = GithubService(
                    github_app_id=str(credentials.app_id), github_app_private_key=credentials.private_key
                )
            else:
                self.github_service = GithubService(token=credentials.token)

    def get_github_account_name(self) -> str:
        return self._github_account_name

    def get_project(self, namespace: str, repo: str) -> GithubProject:
        """An ogr project object (no request yet): a new one, or the pipeline's."""
        if self.project_reuse != "pipeline":
            return self.github_service.get_project(namespace=namespace, repo=repo)
        key = (namespace.lower(), repo.lower())
        if key not in self._projects:
            self._projects[key] = self.github_service.get_project(namespace=namespace, repo=repo)
        return self._projects[key]

    def __repr__(self) -> str:
        return f"ServiceConfig({self.credentials!r})"
