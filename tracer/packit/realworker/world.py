"""Everything around packit-service, stood up for one run and stopped after.

::

    with PackitWorld(knobs) as world:            # knobs resolved against a profile
        world.env          # HOME, PACKIT_SERVICE_CONFIG, POSTGRESQL_*, REDIS_*: set before importing packit_service
        world.process_env  # the same and the redirects, for another process (redirects_from_env())
        world.redirects    # origin -> loopback URL: GitHub, and the releases packit's aliases read
        world.hub, world.copr, world.testing_farm, world.database, world.broker
        world.releases     # origin -> FakeReleases (Bodhi, openSUSE)
        with world.active():                     # os.environ set and every redirect entered, in this process
            ...                                  # import packit_service, run its tasks

The loopback GitHub serves the reference worker's scenario world for the same knobs (so both
workers see the same repository, PR and sender); Copr and Testing Farm are reached through the
URLs packit-service's config names (``~/.config/copr``'s ``copr_url``, the service config's
``testing_farm_api_url``); PostgreSQL is a throwaway cluster (or ``database_url``) and Redis
Celery's broker. packit-service's config file and the copr client's are written to a private
folder (mode 0700, in ``/dev/shm`` where it exists, so the run's loopback token or throwaway
App key stays in memory) that is removed when the world stops.

For a replay (:class:`ReplayWorld`), only the database, the broker and the config files are
there: the cassettes answer every HTTP request, at the URLs the recording used.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from tracer.capture import GITHUB_API, redirect_origin
from tracer.packit.loopback import FakeGitHub, World
from tracer.packit.loopback.copr import FakeCopr
from tracer.packit.loopback.releases import ORIGINS as RELEASE_ORIGINS
from tracer.packit.loopback.releases import FakeReleases
from tracer.packit.loopback.services_world import ServicesWorld
from tracer.packit.loopback.testing_farm import FakeTestingFarm
from tracer.packit.realworker.config import FIXED_SERVICE_CONFIG, service_config
from tracer.packit.realworker.gitremote import build_remotes, git_env, git_spec
from tracer.packit.realworker.servers import Database, ExternalDatabase, RedisBroker, ThrowawayPostgres
from tracer.packit.worker import Knobs, scenario_world, service_settings

#: whose personal token a token-authenticated run uses (as the reference worker's loopback runs)
BOT_LOGIN = "packit-bot"
#: the token a replay's config names (the cassettes answer: any token works)
REPLAY_TOKEN = "replay-token"
CONFIG_FILE = "packit-service.yaml"


#: the environment variable that carries a world's redirects to another process (JSON: origin -> URL)
REDIRECTS_ENV = "API_TRACER_REDIRECTS"


@contextmanager
def redirects_from_env() -> Iterator[dict[str, str]]:
    """Enter the redirects a world passed in ``$API_TRACER_REDIRECTS`` (none: nothing), e.g. in a
    Celery worker process started with :attr:`PackitWorld.process_env`::

        with redirects_from_env():
            worker.start()
    """
    redirects = json.loads(os.environ.get(REDIRECTS_ENV) or "{}")
    with ExitStack() as stack:
        for origin, url in redirects.items():
            stack.enter_context(redirect_origin(origin, url))
        yield redirects


def private_dir(prefix: str = "api-tracer-ps-") -> Path:
    """A 0700 folder, in ``/dev/shm`` (memory) where that exists."""
    shm = Path("/dev/shm")
    where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=where))


@dataclass
class ServiceUrls:
    """The service addresses packit-service's config names (recorded with a run, reused on replay)."""

    copr: str
    testing_farm: str

    def as_dict(self) -> dict[str, str]:
        return {"copr": self.copr, "testing_farm": self.testing_farm}


@dataclass
class _Base:
    home: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    database: Database | None = None
    broker: RedisBroker | None = None
    config: dict[str, Any] = field(default_factory=dict)
    git_spec: dict[str, Any] = field(default_factory=dict)
    _stack: ExitStack | None = None

    def _write_files(self, config: dict[str, Any], copr_config: str) -> None:
        assert self.home is not None
        (self.home / ".config").mkdir(parents=True, exist_ok=True)
        path = self.home / ".config" / CONFIG_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(config, f, indent=1)  # JSON is YAML
        fd = os.open(self.home / ".config" / "copr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(copr_config)
        self.config = config
        self.env.update(
            HOME=str(self.home),
            PACKIT_SERVICE_CONFIG=str(path),
            PUSHGATEWAY_ADDRESS="",  # packit-service's metrics push: off (monitoring.Pushgateway.push)
            DEPLOYMENT=str(config.get("deployment", "prod")),
        )

    def _start_backends(self, stack: ExitStack, database_url: str | None) -> None:
        self.home = private_dir()
        stack.callback(shutil.rmtree, self.home, True)
        self.database = stack.enter_context(ExternalDatabase(database_url) if database_url else ThrowawayPostgres())
        self.broker = stack.enter_context(RedisBroker())
        self.env.update(self.database.env)
        self.env.update(self.broker.env)

    def _start_git(self, spec: dict[str, Any]) -> None:
        """The loopback git remote (:mod:`.gitremote`) in the private folder, reached through git's
        config in :attr:`env`; packit's clones go to :attr:`work_dir` (not the shared /tmp/sandcastle)."""
        assert self.home is not None
        self.git_spec = spec
        self.env.update(git_env(build_remotes(spec, self.home / "git")))
        self.work_dir.mkdir(mode=0o700)

    @property
    def work_dir(self) -> Path:
        """packit-service's ``command_handler_work_dir``: where packit clones the repository."""
        assert self.home is not None
        return self.home / "sandcastle"

    @property
    def process_env(self) -> dict[str, str]:
        """:attr:`env` plus the redirects, for another process of packit-service (e.g. a real Celery
        worker) that enters them with :func:`redirects_from_env` at its start."""
        return {**self.env, REDIRECTS_ENV: json.dumps(self.redirects)}

    @contextmanager
    def active(self) -> Iterator[Self]:
        """This process's environment set to :attr:`env` and every redirect entered, while inside."""
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            with ExitStack() as stack:
                for origin, url in self.redirects.items():
                    stack.enter_context(redirect_origin(origin, url))
                yield self
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def __exit__(self, *exc: object) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()


class PackitWorld(_Base):
    """The loopback GitHub, Copr, Testing Farm and releases, PostgreSQL, Redis and the config files."""

    def __init__(
        self,
        knobs: Knobs,
        *,
        world_template: str | Path | None = None,
        services: ServicesWorld | None = None,
        database_url: str | None = None,
        app_key: str | None = None,
    ) -> None:
        super().__init__()
        if knobs.chroots is None or knobs.permission is None:
            raise ValueError("PackitWorld: knobs must be resolved (tracer.packit.worker.resolve_knobs)")
        self.knobs = knobs
        self.world_template = world_template
        self.services = services or ServicesWorld.load()
        self.database_url = database_url
        self.app_key = app_key
        self.hub: FakeGitHub | None = None
        self.copr: FakeCopr | None = None
        self.testing_farm: FakeTestingFarm | None = None
        #: one per origin the aliases libraries read (a cassette must name which origin answered)
        self.releases: dict[str, FakeReleases] = {}

    @property
    def urls(self) -> ServiceUrls:
        assert self.copr is not None and self.testing_farm is not None
        return ServiceUrls(self.copr.url, self.testing_farm.url + "/")

    def __enter__(self) -> PackitWorld:
        stack = ExitStack()
        self._stack = stack
        try:
            world = World.from_dict(scenario_world(self.knobs, self.world_template), source="packit-service pipeline world")
            self.hub = stack.enter_context(FakeGitHub(world, app_key=self.app_key))
            self.copr = stack.enter_context(FakeCopr(self.services))
            self.testing_farm = stack.enter_context(FakeTestingFarm(self.services))
            self.releases = {origin: stack.enter_context(FakeReleases(self.services)) for origin in RELEASE_ORIGINS}
            self._start_backends(stack, self.database_url)
            self._start_git(git_spec(world))
            settings = service_settings(self.knobs, self.world_template)
            if self.knobs.auth == "app":
                assert self.hub.app_id is not None and self.hub.app_private_key is not None
                github: dict[str, Any] = {"github_app_id": str(self.hub.app_id),
                                          "github_app_private_key": self.hub.app_private_key}
            else:
                github = {"token": self.hub.issue_token(BOT_LOGIN)}
            config = service_config(deployment=settings.deployment, admins=settings.admins, github=github,
                                    testing_farm_api_url=self.urls.testing_farm, work_dir=str(self.work_dir))
            self._write_files(config, self.copr.client_config())
            self.redirects = {GITHUB_API: self.hub.url, **{o: server.url for o, server in self.releases.items()}}
        except BaseException:
            self.__exit__()
            raise
        return self

    def public_config(self) -> dict[str, Any]:
        """The service config without its credentials (what a run keeps, to replay it)."""
        config = json.loads(json.dumps(self.config))
        github = config["authentication"]["github.com"]
        for key in ("token", "github_app_private_key"):
            if key in github:
                github[key] = "(made for the run)"
        config["testing_farm_secret"] = "(the loopback's)"
        config["command_handler_work_dir"] = "(the world's)"
        return config


class ReplayWorld(_Base):
    """PostgreSQL, Redis and the config files of a recorded run (its URLs; a replay credential)."""

    def __init__(self, recorded_config: Mapping[str, Any], urls: ServiceUrls, copr_user: str, *,
                 app_key: str | None = None, database_url: str | None = None,
                 git: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.recorded_git = git
        self.recorded_config = recorded_config
        self.urls = urls
        self.copr_user = copr_user
        self.app_key = app_key
        self.database_url = database_url

    def __enter__(self) -> ReplayWorld:
        stack = ExitStack()
        self._stack = stack
        try:
            self._start_backends(stack, self.database_url)
            config = json.loads(json.dumps(dict(self.recorded_config)))
            if self.recorded_git is not None:  # git bypasses the cassettes: the same repositories again
                self._start_git(dict(self.recorded_git))
                config["command_handler_work_dir"] = str(self.work_dir)
            config["testing_farm_secret"] = FIXED_SERVICE_CONFIG["testing_farm_secret"]
            github = config["authentication"]["github.com"]
            if "github_app_id" in github:
                if not self.app_key:
                    raise ValueError("a GitHub App run replays with an app key (any: the cassettes answer)")
                github["github_app_private_key"] = self.app_key
            else:
                github["token"] = REPLAY_TOKEN
            copr = (f"[copr-cli]\nlogin = {self.copr_user}\nusername = {self.copr_user}\ntoken = loopback\n"
                    f"copr_url = {self.urls.copr}\nencrypted = False\n")
            self._write_files(config, copr)
        except BaseException:
            self.__exit__()
            raise
        return self
