"""The forges packit serves (GitHub, GitLab, Pagure, Forgejo): their API prefixes, known hosts,
route tables, charging rules and documented limits, all data (``forges.yaml`` and
``<forge>-routes.yaml`` beside this module, each with its source).

>>> forge = FORGES["gitlab"]
>>> forge.prefix, forge.routes.template("GET", "/projects/packit%2Fogr/merge_requests/3")
('/api/v4', '/projects/{id}/merge_requests/{merge_request_iid}')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tracer.capture.routes import RouteTable, problems
from tracer.datafile import parse_yaml
from tracer.errors import DataError

#: every forge api-tracer knows, GitHub first (the default view)
FORGE_NAMES: tuple[str, ...] = ("github", "gitlab", "pagure", "forgejo")
GITHUB = "github"

#: why a forge does not charge an answered request to its limit (``charged_unless`` in the data)
CHARGE_EXCEPTIONS = ("auth", "jwt", "not_modified", "unauthorized", "server_error", "refused")


@dataclass(frozen=True)
class Ceiling:
    """One documented limit: ``limit`` requests per ``window_s`` seconds, per user or IP."""

    name: str
    per: str
    limit: int
    window_s: int
    applies: str = "api"  # api, web or all; or one route
    route: str | None = None
    auth: str | None = None  # "none": only unauthenticated requests


@dataclass(frozen=True)
class Forge:
    """What api-tracer knows of one forge (see ``forges.yaml``)."""

    name: str
    prefix: str
    hosts: tuple[str, ...]
    routes: RouteTable
    web: RouteTable
    free: frozenset[str]
    auth: frozenset[str]
    charged_unless: frozenset[str]
    ratelimit_headers: dict[str, str]
    limits_source: str
    ceilings: tuple[Ceiling, ...] = ()
    limited_hosts: tuple[str, ...] = ()
    enterprise_prefix: str = ""
    source: str = ""
    charges: bool = True  # False: no documented limit, nothing is charged
    title: str = ""  # as reports name it: "GitLab"

    def describes(self, method: str, template: str) -> bool:
        """Whether ``METHOD template`` is one of this forge's routes (API or web) as named here."""
        return (method, template) in self.routes or (method, template) in self.web


def _text(name: str) -> str:
    return resources.files("tracer.capture.forges").joinpath(name).read_text()


def _routes(forge: str) -> tuple[RouteTable, str]:
    name = f"{forge}-routes.yaml"
    data = parse_yaml(_text(name), f"tracer/capture/forges/{name}")
    table = RouteTable()
    for i, line in enumerate(data.get("routes") or []):
        method, _, template = str(line).partition(" ")
        if not method.isupper() or problems(template):
            raise DataError(f"tracer/capture/forges/{name}: routes[{i}]: {line!r}: {problems(template) or 'not METHOD /template'}")
        table.add(method, template)
    return table, str(data.get("source") or "")


@functools.cache
def load() -> dict[str, Forge]:
    """Every forge, from the package's data."""
    where = "tracer/capture/forges/forges.yaml"
    data = parse_yaml(_text("forges.yaml"), where)
    forges: dict[str, Forge] = {}
    for name in FORGE_NAMES:
        raw = data["forges"][name]
        table, source = _routes(name)
        for line in raw.get("extra_routes") or []:
            method, _, template = line.partition(" ")
            table.add(method, template)
        web = RouteTable()
        for line in raw.get("web") or []:
            method, _, template = line.partition(" ")
            web.add(method, template)
        limits = raw.get("limits") or {}
        unless = frozenset(raw.get("charged_unless", ()))
        if any(u not in CHARGE_EXCEPTIONS for u in unless):
            raise DataError(f"{where}: {name}: charged_unless: one of {', '.join(CHARGE_EXCEPTIONS)}")
        forges[name] = _forge(name, raw, table, web, limits, unless, source)
    return forges


def _forge(name: str, raw: dict[str, Any], table: RouteTable, web: RouteTable, limits: dict[str, Any],
           unless: frozenset[str], source: str) -> Forge:
    return Forge(
        name=name,
        prefix=raw.get("prefix") or "",
        hosts=tuple(raw.get("hosts") or ()),
        routes=table,
        web=web,
        free=frozenset(raw.get("free") or ()),
        auth=frozenset(raw.get("auth") or ()),
        charged_unless=unless,
        ratelimit_headers=dict(raw.get("ratelimit_headers") or {}),
        limits_source=str(limits.get("source") or "none documented"),
        ceilings=tuple(Ceiling(**c) for c in limits.get("ceilings") or ()),
        limited_hosts=tuple(limits.get("hosts") or ()),
        enterprise_prefix=raw.get("enterprise_prefix") or "",
        source=source,
        charges=bool(raw.get("charges", True)),
        title=str(raw.get("title") or name),
    )


@functools.lru_cache(maxsize=65536)
def route_of(forge: str, api: bool, method: str, path: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """(template, placeholder values) of a call to ``forge``: an API path (under the prefix) by
    its route table, another path by its web routes; ``None`` for a path outside both.

    >>> route_of("pagure", False, "GET", "/rpms/ogr/raw/main/f/.packit.yaml")
    ('/{namespace}/{repo}/raw/{identifier+}/f/{filename+}', (('namespace', 'rpms'), ('repo', 'ogr'), ('identifier', 'main'), ('filename', '.packit.yaml')))
    """
    table = FORGES[forge].routes if api else FORGES[forge].web
    found = table.match(method, path)
    if found is None:
        return (table.fallback(path), ()) if api else None
    return found[0], tuple(found[1].items())


class _Forges(dict):  # type: ignore[type-arg]
    """``FORGES[name]``, loaded on first use."""

    def __missing__(self, key: str) -> Forge:
        self.update(load())
        if key not in self:
            raise KeyError(key)
        return dict.__getitem__(self, key)


FORGES: dict[str, Forge] = _Forges()
