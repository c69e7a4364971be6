"""Which hosts are a forge's API, and what to call the others.

Only calls to a forge's API (GitHub, GitLab, Pagure, Forgejo) are named by its route table,
classified and maybe charged; calls to any other host (Testing Farm, Copr, Bodhi, ...) are kept
in a trace and reported per host apart. Each forge's known hosts and API prefix are forge data
(``forges/forges.yaml``); more are given as ``FORGE=HOST[:PORT][/PREFIX]``
(``gitlab=gitlab.gnome.org``; without a prefix the forge's own is taken), a bare
``HOST[/PREFIX]`` being a GitHub Enterprise Server (``github.example.com/api/v3``): with a
prefix, only paths under it are API calls. The names of other hosts are data (``host_labels``
in the rules file).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from tracer.capture.forges import FORGE_NAMES, FORGES, GITHUB
from tracer.errors import DataError

#: each scheme's port, left out of a URL that uses it
DEFAULT_PORTS = {"https": 443, "http": 80}


def host_of(url: str) -> str:
    """``https://API.github.com:443/x`` → ``api.github.com``; a non-default port is kept."""
    cached = _HOSTS.get(url[: url.find("/", 8) + 1 or None])
    if cached is not None:
        return cached
    return _host_of(url)


#: scheme://netloc/ → host (a process sees a handful of hosts)
_HOSTS: dict[str, str] = {}


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and DEFAULT_PORTS.get(parts.scheme.lower()) != port:
        host = f"{host}:{port}"
    if len(_HOSTS) < 1024 and "@" not in parts.netloc:
        _HOSTS[url[: url.find("/", 8) + 1 or None]] = host
    return host


def parse_host(spec: str, source: str = "hosts") -> tuple[str, str]:
    """``github.example.com/api/v3`` → (``github.example.com``, ``/api/v3``); one-line error if bad."""
    text = spec.strip()
    if "://" in text:
        parts = urlsplit(text)
        text = (parts.netloc + parts.path).rstrip("/")
    host, _, prefix = text.partition("/")
    if not host or any(c.isspace() for c in text) or "@" in host:
        raise DataError(f"{source}: {spec!r} is not a host (expected HOST[:PORT][/PATH], e.g. github.example.com/api/v3)")
    host = host.lower()
    if host.endswith(":443"):
        host = host[: -len(":443")]
    return host, ("/" + prefix.strip("/")) if prefix.strip("/") else ""


def parse_forge_host(spec: str, source: str = "hosts") -> tuple[str, str, str]:
    """``gitlab=gitlab.gnome.org`` → (``gitlab``, ``gitlab.gnome.org``, ``/api/v4``); a bare
    ``HOST[/PREFIX]`` is GitHub (Enterprise: ``github.example.com/api/v3``); without a prefix a
    forge's own API prefix is taken. One-line error if bad."""
    forge, sep, rest = spec.partition("=")
    if not sep:
        forge, rest = GITHUB, spec
    forge = forge.strip().lower()
    if forge not in FORGE_NAMES:
        raise DataError(f"{source}: {spec!r}: unknown forge {forge!r} (one of {', '.join(FORGE_NAMES)}; e.g. gitlab=gitlab.gnome.org)")
    host, prefix = parse_host(rest, source)
    if not sep or "/" in rest.split("://", 1)[-1]:
        return forge, host, prefix
    return forge, host, FORGES[forge].prefix


def _known() -> tuple[tuple[str, str, str], ...]:
    return tuple((name, host, FORGES[name].prefix) for name in FORGE_NAMES for host in FORGES[name].hosts)


@dataclass(frozen=True)
class Hosts:
    """The forges' API hosts as (forge, host, path prefix; "" for the whole host), each forge's
    known ones first, and the names of other hosts.

    >>> Hosts().with_hosts(["gitlab=gitlab.example.com"]).forge_of("https://gitlab.example.com/api/v4/user")
    ('gitlab', '/user', True)
    """

    labels: tuple[tuple[str, str], ...] = ()
    added: tuple[tuple[str, str, str], ...] = ()  # (forge, host, prefix) beyond the known ones

    @property
    def forges(self) -> tuple[tuple[str, str, str], ...]:
        """(forge, host, prefix) of every forge API host: the known ones, then those added."""
        return tuple(dict.fromkeys(_known() + self.added))

    def with_hosts(self, extra: Iterable[str], source: str = "hosts") -> Hosts:
        """These hosts plus ``extra``, each ``FORGE=HOST[/PREFIX]`` or a GitHub ``HOST[/PREFIX]``
        (``Tracer(hosts=...)``, a rules file's ``hosts``, ``--host``)."""
        if isinstance(extra, str):
            extra = [extra]
        return self.with_parsed(parse_forge_host(h, source) for h in extra)

    def with_parsed(self, extra: Iterable[tuple[str, str, str]]) -> Hosts:
        """These hosts plus ``extra`` (forge, host, prefix) entries."""
        return Hosts(self.labels, tuple(dict.fromkeys(self.added + tuple(extra))))

    def forge_of(self, url: str, host: str | None = None) -> tuple[str | None, str, bool]:
        """(forge, path, is an API call) of a URL: the path relative to the forge's API prefix
        for an API call; the whole path for another path on a forge's host (maybe one of its
        web routes); forge ``None`` for any other host."""
        host = host if host is not None else host_of(url)
        path = None
        web: str | None = None
        for forge, name, prefix in self._entries:
            if host != name:
                continue
            if path is None:
                path = urlsplit(url).path or "/"
            if not prefix:
                return forge, path, True
            if path == prefix or path.startswith(prefix + "/"):
                return forge, path[len(prefix):] or "/", True
            web = web or forge
        return web, path or "/", False

    @functools.cached_property
    def _entries(self) -> tuple[tuple[str, str, str], ...]:
        # the longest prefix first: /api/v3 before the whole host
        return tuple(sorted(self.forges, key=lambda e: -len(e[2])))

    def label(self, host: str) -> str:
        """The name a report gives a host: its label if the rules name it, else the host."""
        for pattern, name in self.labels:
            if fnmatchcase(host, pattern):
                return name
        return host

    @property
    def names(self) -> list[str]:
        """Every forge API host as ``FORGE=HOST/PREFIX``."""
        return [f"{forge}={host}{prefix}" for forge, host, prefix in self.forges]
