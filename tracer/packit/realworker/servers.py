"""The processes packit-service needs beside it, from Debian's packages, on loopback ports.

::

    with ThrowawayPostgres() as db:          # initdb + pg_ctl in a temporary folder, stopped and removed after
        db.env                               # POSTGRESQL_USER/PASSWORD/HOST/PORT/DATABASE, as packit-service reads them
    with ExternalDatabase("postgresql://u:p@host:5432/db") as db: ...   # --database URL: the same env
    with RedisBroker() as broker:            # redis-server: Celery's broker, as packit-service's
        broker.env                           # REDIS_SERVICE_HOST/PORT

Both servers refuse to run as root (PostgreSQL does): as root they run as the ``postgres``
system user (Debian's package makes it), else ``nobody``. A missing binary is a one-line
:class:`ServerMissing` naming the Debian package (``.ci/servers`` installs both).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, Self
from urllib.parse import unquote, urlsplit

from tracer.errors import DataError, UsageError

#: where Debian puts PostgreSQL's server binaries (newest version first)
PG_BINDIRS = "/usr/lib/postgresql"
DATABASE = "packit"
USER = "packit"


class ServerMissing(UsageError):
    """A server binary is not installed."""


class Database(Protocol):
    """A database packit-service can use: the environment its ``get_pg_url()`` reads."""

    @property
    def env(self) -> dict[str, str]: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) of an unprivileged user when we are root, else None."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise UsageError("running as root and neither the 'postgres' nor the 'nobody' user exists to run PostgreSQL as")


def _demote(ids: tuple[int, int] | None) -> Callable[[], None] | None:
    if ids is None:
        return None

    def demote() -> None:
        os.setgid(ids[1])
        os.setuid(ids[0])

    return demote


def _memory_dir() -> str | None:
    """``/dev/shm`` where it exists (a throwaway cluster starts and goes faster in memory)."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def postgres_bindir() -> Path:
    """The folder with ``initdb``, ``pg_ctl`` and ``postgres``: Debian's newest, else ``pg_config --bindir``, else PATH."""
    root = Path(PG_BINDIRS)
    if root.is_dir():
        versions = sorted((d for d in root.iterdir() if (d / "bin" / "initdb").is_file()),
                          key=lambda d: int(d.name) if d.name.isdigit() else 0, reverse=True)
        if versions:
            return versions[0] / "bin"
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0 and (Path(out.stdout.strip()) / "initdb").is_file():
            return Path(out.stdout.strip())
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ServerMissing("PostgreSQL is not installed: apt-get install postgresql (.ci/servers installs it), "
                        "or give --database URL")


def _wait(check: Callable[[], bool], what: str, proc: subprocess.Popen[bytes] | None = None,
          timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise DataError(f"{what} exited with {proc.returncode} while starting")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise DataError(f"{what} did not come up in {timeout:.0f} s")


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary folder (trust auth on 127.0.0.1, no fsync)."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir
        self.port = 0
        self.folder: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"POSTGRESQL_USER": USER, "POSTGRESQL_PASSWORD": "loopback", "POSTGRESQL_HOST": "127.0.0.1",
                "POSTGRESQL_PORT": str(self.port), "POSTGRESQL_DATABASE": DATABASE}

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def __enter__(self) -> Self:
        bindir = self.bindir or postgres_bindir()
        ids = _run_as()
        self.folder = Path(tempfile.mkdtemp(prefix="api-tracer-pg-", dir=_memory_dir()))
        try:
            if ids is not None:
                os.chown(self.folder, *ids)
            data = self.folder / "data"
            init = subprocess.run(
                [str(bindir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync",
                 "--no-instructions", "--locale=C"],
                capture_output=True, text=True, preexec_fn=_demote(ids), cwd=self.folder,
            )
            if init.returncode != 0:
                raise DataError(f"initdb failed: {' '.join(init.stderr.split())[:300]}")
            self.port = free_port()
            log = open(self.folder / "postgres.log", "wb")  # noqa: SIM115 - closed with the process
            self.proc = subprocess.Popen(
                [str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(self.port),
                 "-k", str(self.folder), "-c", "fsync=off", "-c", "full_page_writes=off",
                 "-c", "synchronous_commit=off", "-c", "max_connections=50"],
                stdout=log, stderr=subprocess.STDOUT, preexec_fn=_demote(ids), cwd=self.folder,
            )
            log.close()
            socket_path = self.folder / f".s.PGSQL.{self.port}"
            _wait(lambda: socket_path.exists() and _accepts(self.port), "PostgreSQL", self.proc)
            self._createdb(bindir)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _createdb(self, bindir: Path) -> None:
        createdb = bindir / "createdb"
        exe = str(createdb) if createdb.is_file() else (shutil.which("createdb") or "createdb")
        for _ in range(50):  # the server accepts connections a moment before it accepts logins
            out = subprocess.run([exe, "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, DATABASE],
                                 capture_output=True, text=True)
            if out.returncode == 0:
                return
            if "starting up" not in out.stderr:
                raise DataError(f"createdb failed: {' '.join(out.stderr.split())[:300]}")
            time.sleep(0.05)
        raise DataError("createdb failed: PostgreSQL kept starting up")

    def __exit__(self, *exc: object) -> None:
        # SIGINT: PostgreSQL's fast shutdown (open client connections are cut, nothing is kept)
        self.proc, self.folder = _stop(self.proc, self.folder, signal.SIGINT, 15)


def _stop(proc: subprocess.Popen[bytes] | None, folder: Path | None, how: signal.Signals,
          wait_s: float) -> tuple[None, None]:
    """Stop a server started here (``how``, then a kill after ``wait_s`` seconds) and remove its
    folder: (None, None), the server's state afterwards."""
    if proc is not None and proc.poll() is None:
        proc.send_signal(how)
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    return None, None


def _accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


class ExternalDatabase:
    """A database given by URL (``--database postgresql://user:password@host:port/name``)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg2") or not parts.hostname \
                or not parts.path.strip("/"):
            raise UsageError(f"--database {url!r}: expected postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME")
        self._env = {
            "POSTGRESQL_USER": unquote(parts.username or ""), "POSTGRESQL_PASSWORD": unquote(parts.password or ""),
            "POSTGRESQL_HOST": parts.hostname, "POSTGRESQL_PORT": str(parts.port or 5432),
            "POSTGRESQL_DATABASE": parts.path.strip("/"),
        }

    @property
    def env(self) -> dict[str, str]:
        return dict(self._env)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class RedisBroker:
    """Debian's ``redis-server`` on a free loopback port, nothing saved."""

    def __init__(self) -> None:
        self.port = 0
        self.folder: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"REDIS_SERVICE_HOST": "127.0.0.1", "REDIS_SERVICE_PORT": str(self.port), "REDIS_PASSWORD": ""}

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> Self:
        exe = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None)
        if exe is None:
            raise ServerMissing("redis-server is not installed: apt-get install redis-server (.ci/servers installs it)")
        self.folder = Path(tempfile.mkdtemp(prefix="api-tracer-redis-"))
        self.port = free_port()
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--daemonize", "no", "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )

        def ping() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        try:
            _wait(ping, "redis-server", self.proc)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc, self.folder = _stop(self.proc, self.folder, signal.SIGTERM, 10)
