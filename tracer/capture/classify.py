"""Classify a request: name it by its forge's route table, then its category by the call site
on the stack first, then by the route rules."""

from __future__ import annotations

import re
import sys
from types import CodeType, FrameType
from fnmatch import fnmatchcase
from typing import NamedTuple
from urllib.parse import urlsplit

from tracer.capture.call import AUTH, OTHER
from tracer.capture.forges import FORGES, route_of
from tracer.capture.hosts import Hosts, host_of
from tracer.capture.rules import Rules

#: packages that carry a request rather than decide it (the HTTP clients, each forge's client
#: library under ogr, the recorders): never a call site
_TRANSPORT_PACKAGES = ("requests", "urllib3", "httpx", "httpcore", "github", "gitlab", "pyforgejo", "vcr", "requre")
#: modules (by prefix) that carry a request: those packages', the standard library's, ours
_TRANSPORT = (*(f"{package}." for package in _TRANSPORT_PACKAGES), "http.", "tracer.capture.", "ssl", "socket",
              "contextlib", "functools", "threading", "asyncio")
#: forge client libraries whose functions a call-site rule may name, though never a call site
#: themselves (python-gitlab's token check, ``gitlab.client.Gitlab.auth``); not PyGithub's:
#: ogr's GitHub classes have methods of the same names, which name the call site better
_RULED_LIBRARIES = ("ogr", "gitlab", "pyforgejo")
_MAX_DEPTH = 60

# frame kinds: skipped (transport, ogr's decorator wrappers), an ogr method, the app's code, a
# frame a call-site rule names
_TRANSPORT_KIND, _OGR, _APP, _RULE = 0, 1, 2, 3

#: a path segment that is an identifier: a number, a commit sha or a UUID
_ID = re.compile(r"\d+|(?=[0-9a-f]*\d)[0-9a-f]{7,64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def path_template(path: str) -> str:
    """A route template for a path on a host no forge describes: ``/v0.1/requests/42`` →
    ``/v0.1/requests/{id}``; identifiers never show."""
    return "/" + "/".join("{id}" if _ID.fullmatch(s) else s for s in path.split("/") if s)


class Endpoint(NamedTuple):
    """What a request's method and URL are, whoever made it: its forge (``None``: another
    host), the route template it is shown under, the category its route gives (a forge's
    token minting: ``auth``; a route rule's), whether that category wins over the call site,
    and whether the forge or a rule never charges it."""

    forge: str | None
    route: str
    category: str | None = None
    final: bool = False
    free: bool = False
    host: str = ""  # the host asked (a non-default port kept)

    def category_at(self, site_category: str | None) -> str:
        """The category of a request to this endpoint from a call site whose rule gives
        ``site_category``: another host's is always ``other``; a forge's takes a final route
        category, else the call site's, else the route's, else ``other``.

        >>> Endpoint("github", "/repos/{owner}/{repo}", "is_project_private").category_at("set_status")
        'set_status'
        """
        if self.forge is None:
            return OTHER
        if self.final:
            return self.category or OTHER
        return site_category or self.category or OTHER


class Classified(NamedTuple):
    """A classified request: its category, route template, forge, and whether it is free."""

    category: str
    route: str
    forge: str | None
    free: bool


class Classifier:
    """Turns (stack, method, url) into (category, call site, route rule).

    Frames are looked up by their code object's ``id`` in a cache, so the cost per call is a
    walk over the stack with one dict look-up per frame. (Not by the code object itself: a code
    object's hash is not cached and covers its constants, nested code included, so a module's
    ``<module>`` frame at the bottom of every stack would cost a microsecond a call. The cache
    keeps each code object alive, so its ``id`` is never reused for another.)
    """

    def __init__(self, rules: Rules | None = None, hosts: Hosts | None = None) -> None:
        self.rules = rules or Rules.default()
        self.hosts = hosts or self.rules.hosts
        self._frames: dict[int, tuple[str, int, str | None, CodeType]] = {}
        self._endpoints: dict[tuple[str, str], Endpoint] = {}

    # -- call sites ---------------------------------------------------------
    def _frame_info(self, frame: FrameType) -> tuple[str, int, str | None, CodeType]:
        code = frame.f_code
        info = self._frames.get(id(code))
        if info is None:
            module = frame.f_globals.get("__name__") or "?"
            key = f"{module}.{code.co_qualname}"
            if module.startswith(_TRANSPORT) or module in _TRANSPORT_PACKAGES:
                kind = _TRANSPORT_KIND
            elif module == "ogr" or module.startswith("ogr."):
                kind = _TRANSPORT_KIND if "<locals>" in key else _OGR  # decorator wrappers: skipped
            else:
                kind = _APP
            category = None
            if kind != _TRANSPORT_KIND or module.partition(".")[0] in _RULED_LIBRARIES:
                for rule in self.rules.sites:
                    if fnmatchcase(key, rule.function):
                        category, kind = rule.category, _RULE
                        break
            info = self._frames[id(code)] = (key, kind, category, code)
        return info

    def call_site(self, frame: FrameType | None) -> tuple[str | None, str | None]:
        """(category from a call-site rule or None, the call site's name)."""
        ogr_entry = first_app = None
        frames = self._frames
        for _ in range(_MAX_DEPTH):
            if frame is None:
                break
            try:  # a subscript, not ``get``: a method call a frame costs a fifth of the walk
                info = frames[id(frame.f_code)]
            except KeyError:
                info = self._frame_info(frame)
            kind = info[1]
            if kind:
                if kind == _RULE:
                    return info[2], info[0]
                if kind == _OGR:
                    ogr_entry = info[0]  # ends as the outermost ogr method
                elif first_app is None:
                    first_app = info[0]
            frame = frame.f_back
        return None, ogr_entry or first_app

    # -- routes -------------------------------------------------------------
    def endpoint(self, method: str, url: str) -> Endpoint:
        """What ``METHOD url`` is (see :class:`Endpoint`), cached by URL."""
        found = self._endpoints.get((method, url))
        if found is None:
            found = self._endpoint(method, url)
            if len(self._endpoints) < 65536:
                self._endpoints[(method, url)] = found
        return found

    def _endpoint(self, method: str, url: str) -> Endpoint:
        host = host_of(url)
        forge, path, api = self.hosts.forge_of(url, host)
        named = route_of(forge, api, method, path) if forge is not None else None
        if forge is None or named is None:  # another host, or a forge's page that is no web route
            return Endpoint(None, path_template(urlsplit(url).path), host=host)
        template, values = named
        data = FORGES[forge]
        endpoint = f"{method} {template}"
        free = endpoint in data.free
        if endpoint in data.auth:
            return Endpoint(forge, template, AUTH, True, free, host)
        rule = self.rules.route_rule(forge, method, template, dict(values))
        if rule is None:
            return Endpoint(forge, template, None, False, free, host)
        return Endpoint(forge, template, rule.category, rule.final, free or not rule.charged, host)

    def classify(self, method: str, url: str, frame: FrameType | None = None) -> tuple[Classified, str | None]:
        """(the classified request, its call site) of a request made from ``frame``'s stack."""
        site_category, site = self.call_site(frame if frame is not None else sys._getframe(1))
        return self.classify_at(method, url, site_category), site

    def classify_at(self, method: str, url: str, site_category: str | None) -> Classified:
        """A request whose call site's category (from :meth:`call_site`) is ``site_category``
        (see :meth:`Endpoint.category_at`)."""
        e = self._endpoints.get((method, url)) or self.endpoint(method, url)
        return Classified(e.category_at(site_category), e.route, e.forge, e.forge is None or e.free)
