"""ogr services and projects for the worker, with token or GitHub App credentials.

As in packit-service, one :class:`ServiceConfig` (one ``GithubService``) serves a worker, and
every handler task and every ``process_message`` asks it for a NEW ``GithubProject``: building
it makes no request; the first method that touches the repository pays GET /repos/{o}/{r}
(and, with a GitHub App, mints an installation token for that project first).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

from ogr.services.github import GithubProject, GithubService

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


class ServiceConfig:
    """The worker's ogr GitHub service, from which every task takes a new project object, and
    what it reads of packit-service's service config: the admins and the deployment's GitHub
    account name (whose PR comments are packit's own)."""

    def __init__(
        self,
        credentials: Credentials,
        admins: Iterable[str] = (),
        github_account_name: str = "packit-as-a-service[bot]",
    ) -> None:
        self.credentials = credentials
        self.admins = frozenset(admins)
        self._github_account_name = github_account_name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if credentials.kind == "app":
                self.github_service = GithubService(
                    github_app_id=str(credentials.app_id), github_app_private_key=credentials.private_key
                )
            else:
                self.github_service = GithubService(token=credentials.token)

    def get_github_account_name(self) -> str:
        return self._github_account_name

    def get_project(self, namespace: str, repo: str) -> GithubProject:
        """A new ogr project object (no request yet)."""
        return self.github_service.get_project(namespace=namespace, repo=repo)

    def __repr__(self) -> str:
        return f"ServiceConfig({self.credentials!r})"
