"""Which hosts are GitHub's API, and what to call the others.

Only calls to a GitHub API host count in the model's categories and in what is charged to
the rate limit; calls to any other host (Testing Farm, Copr, Bodhi, ...) are kept in a trace
and reported per host apart. ``api.github.com`` is GitHub by default; a GitHub Enterprise
Server is added as ``HOST[:PORT][/PREFIX]`` (``github.example.com/api/v3``): with a prefix,
only paths under it are API calls. The names of other hosts are data (``host_labels`` in the
rules file).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from tracer.errors import DataError

DEFAULT_GITHUB_HOSTS: tuple[str, ...] = ("api.github.com",)
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
    from tracer.capture.forges import FORGE_NAMES, FORGES

    forge, sep, rest = spec.partition("=")
    if not sep:
        forge, rest = "github", spec
    forge = forge.strip().lower()
    if forge not in FORGE_NAMES:
        raise DataError(f"{source}: {spec!r}: unknown forge {forge!r} (one of {', '.join(FORGE_NAMES)}; e.g. gitlab=gitlab.gnome.org)")
    host, prefix = parse_host(rest, source)
    if not sep or "/" in rest.split("://", 1)[-1]:
        return forge, host, prefix
    return forge, host, FORGES[forge].prefix


def _known() -> tuple[tuple[str, str, str], ...]:
    from tracer.capture.forges import FORGE_NAMES, FORGES

    return tuple((name, host, FORGES[name].prefix) for name in FORGE_NAMES for host in FORGES[name].hosts)


@dataclass(frozen=True)
class Hosts:
    """The forges' API hosts (``host`` → path prefix, "" for the whole host) and host labels.

    ``github`` holds GitHub's (api.github.com and Enterprise Servers); ``forges`` every forge's
    (forge, host, prefix), GitHub's included; by default each forge's known hosts.

    >>> Hosts().with_hosts(["gitlab=gitlab.example.com"]).forge_of("https://gitlab.example.com/api/v4/user")
    ('gitlab', '/user', True)
    """

    github: tuple[tuple[str, str], ...] = tuple((h, "") for h in DEFAULT_GITHUB_HOSTS)
    labels: tuple[tuple[str, str], ...] = ()
    others: tuple[tuple[str, str, str], ...] | None = None  # other forges' (forge, host, prefix); None: the known ones

    @classmethod
    def of(cls, github: Iterable[str] = DEFAULT_GITHUB_HOSTS, labels: Mapping[str, str] | None = None,
           source: str = "hosts") -> Hosts:
        if isinstance(github, str):
            github = [github]
        parsed = tuple(dict.fromkeys(parse_host(h, source) for h in github))
        return cls(parsed, tuple((labels or {}).items()))

    @property
    def forges(self) -> tuple[tuple[str, str, str], ...]:
        """(forge, host, prefix) of every forge API host, GitHub's first."""
        others = self.others if self.others is not None else tuple(e for e in _known() if e[0] != "github")
        return tuple(("github", h, p) for h, p in self.github) + others

    def with_github(self, extra: Iterable[str], source: str = "hosts") -> Hosts:
        """These hosts plus ``extra`` GitHub hosts (e.g. a ``--github-host`` flag)."""
        if isinstance(extra, str):
            extra = [extra]
        added = tuple(parse_host(h, source) for h in extra)
        return Hosts(tuple(dict.fromkeys(self.github + added)), self.labels, self.others)

    def with_hosts(self, extra: Iterable[str], source: str = "hosts") -> Hosts:
        """These hosts plus ``extra`` forge hosts, each ``FORGE=HOST[/PREFIX]`` or a GitHub
        ``HOST[/PREFIX]`` (``Tracer(hosts=...)``, a rules file's ``hosts``, ``--host``)."""
        if isinstance(extra, str):
            extra = [extra]
        parsed = [parse_forge_host(h, source) for h in extra]
        github = tuple(dict.fromkeys(self.github + tuple((h, p) for f, h, p in parsed if f == "github")))
        current = self.forges[len(self.github):]
        others = tuple(dict.fromkeys(current + tuple(e for e in parsed if e[0] != "github")))
        return Hosts(github, self.labels, others)

    def forge_of(self, url: str, host: str | None = None) -> tuple[str | None, str, bool]:
        """(forge, path, is an API call) of a URL: the path relative to the forge's API prefix
        for an API call; the whole path for another path on a forge's host (maybe one of its
        web routes); forge ``None`` for any other host."""
        host = host if host is not None else host_of(url)
        path = None
        web: str | None = None
        for forge, name, prefix in self.forges:
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

    def is_github(self, url: str, host: str | None = None) -> bool:
        host = host if host is not None else host_of(url)
        for name, prefix in self.github:
            if host == name:
                if not prefix:
                    return True
                path = urlsplit(url).path
                if path == prefix or path.startswith(prefix + "/"):
                    return True
        return False

    def label(self, host: str) -> str:
        """The name a report gives a host: its label if the rules name it, else the host."""
        for pattern, name in self.labels:
            if fnmatchcase(host, pattern):
                return name
        return host

    @property
    def names(self) -> list[str]:
        return [host + prefix for host, prefix in self.github]

    @property
    def forge_names(self) -> list[str]:
        """Every forge API host as ``FORGE=HOST/PREFIX``."""
        return [f"{forge}={host}{prefix}" for forge, host, prefix in self.forges]
