"""Classify a request: by the call site on the stack first, then by route template."""

from __future__ import annotations

import re
import sys
from types import CodeType, FrameType
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from tracer.capture.call import OTHER
from tracer.capture.rules import RouteRule, Rules

#: modules that carry a request rather than decide it: never a call site
_TRANSPORT = ("requests.", "urllib3.", "github.", "vcr.", "http.", "tracer.capture.", "ssl", "socket", "contextlib", "functools", "threading")
_MAX_DEPTH = 60
_GHE_PREFIX = "/api/v3"

# frame kinds: skipped (transport, ogr's decorator wrappers), an ogr method, the app's code, a
# frame a call-site rule names
_TRANSPORT_KIND, _OGR, _APP, _RULE = 0, 1, 2, 3

#: a path segment that is an identifier: a number, a commit sha or a UUID
_ID = re.compile(r"\d+|(?=[0-9a-f]*\d)[0-9a-f]{7,64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
#: GitHub's leading path segments and the names of the parameters that follow them
_NAMED = {"repos": ("{owner}", "{repo}"), "users": ("{username}",), "orgs": ("{org}",), "gists": ("{gist_id}",)}


def path_template(path: str) -> str:
    """A route template for a path no rule names: ``/repos/o/r/reactions/42`` →
    ``/repos/{owner}/{repo}/reactions/{id}``; identifiers never show."""
    segments = [s for s in path.split("/") if s]
    out: list[str] = []
    i = 0
    while i < len(segments):
        segment = segments[i]
        names = _NAMED.get(segment) if i == 0 else None
        out.append("{id}" if _ID.fullmatch(segment) else segment)
        i += 1
        if names:
            out.extend(names[: len(segments) - i])
            i += len(names)
        elif segment == "contents" and i < len(segments):
            out.append("{path+}")
            break
    return "/" + "/".join(out)


class Classifier:
    """Turns (stack, method, url) into (category, call site, route rule).

    Frames are looked up by their code object's ``id`` in a cache, so the cost per call is a
    walk over the stack with one dict look-up per frame. (Not by the code object itself: a code
    object's hash is not cached and covers its constants, nested code included, so a module's
    ``<module>`` frame at the bottom of every stack would cost a microsecond a call. The cache
    keeps each code object alive, so its ``id`` is never reused for another.)
    """

    def __init__(self, rules: Rules | None = None) -> None:
        self.rules = rules or Rules.default()
        self._frames: dict[int, tuple[str, int, str | None, CodeType]] = {}
        self._routes: dict[tuple[str, str], tuple[RouteRule | None, str]] = {}

    # -- call sites ---------------------------------------------------------
    def _frame_info(self, frame: FrameType) -> tuple[str, int, str | None, CodeType]:
        code = frame.f_code
        info = self._frames.get(id(code))
        if info is None:
            module = frame.f_globals.get("__name__") or "?"
            key = f"{module}.{code.co_qualname}"
            if module.startswith(_TRANSPORT) or module in ("requests", "urllib3", "github", "vcr"):
                kind = _TRANSPORT_KIND
            elif module == "ogr" or module.startswith("ogr."):
                kind = _TRANSPORT_KIND if "<locals>" in key else _OGR  # decorator wrappers: skipped
            else:
                kind = _APP
            category = None
            if kind != _TRANSPORT_KIND or module.startswith("ogr"):
                for rule in self.rules.sites:
                    if fnmatchcase(key, rule.function):
                        category, kind = rule.category, _RULE
                        break
            info = self._frames[id(code)] = (key, kind, category, code)
        return info

    def call_site(self, frame: FrameType | None) -> tuple[str | None, str | None]:
        """(category from a call-site rule or None, the call site's name)."""
        ogr_entry = first_app = None
        get = self._frames.get
        for _ in range(_MAX_DEPTH):
            if frame is None:
                break
            info = get(id(frame.f_code))
            if info is None:
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
    def route(self, method: str, url: str) -> RouteRule | None:
        return self._route(method, url)[0]

    def _route(self, method: str, url: str) -> tuple[RouteRule | None, str]:
        """(the first route rule matching, the template the call is shown under), cached by URL."""
        found = self._routes.get((method, url))
        if found is not None:
            return found
        path = _path(url)
        rule = next((r for r in self.rules.routes if r.method == method and r.regex.match(path)), None)
        found = (rule, rule.template if rule is not None and not rule.catch_all else path_template(path))
        if len(self._routes) < 65536:
            self._routes[(method, url)] = found
        return found

    def template(self, rule: RouteRule | None, url: str) -> str:
        """The route template a call is shown under: its rule's, else one made from the path."""
        if rule is not None and not rule.catch_all:
            return rule.template
        return path_template(_path(url))

    def classify(self, method: str, url: str, frame: FrameType | None = None) -> tuple[str, str | None, str, bool]:
        """(category, call site, route template, charged by rule) of one GitHub request."""
        site_category, site = self.call_site(frame if frame is not None else sys._getframe(1))
        category, route, charged = self.classify_at(method, url, site_category)
        return category, site, route, charged

    def classify_at(self, method: str, url: str, site_category: str | None) -> tuple[str, str, bool]:
        """(category, route template, charged by rule) of a GitHub request whose call site's
        category (from :meth:`call_site`) is ``site_category``."""
        rule, route = self._routes.get((method, url)) or self._route(method, url)
        if rule is None:
            return site_category or OTHER, route, True
        if rule.final:
            return rule.category or OTHER, route, rule.charged
        return site_category or rule.category or OTHER, route, rule.charged


def _path(url: str) -> str:
    """A URL's path, GitHub Enterprise's ``/api/v3`` prefix dropped."""
    path = urlsplit(url).path or "/"
    return path[len(_GHE_PREFIX) :] if path.startswith(_GHE_PREFIX + "/") else path
