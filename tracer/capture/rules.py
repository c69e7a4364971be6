"""Classification rules: data files (the tracer's ``github.yaml``, with the rules files other
packages register layered over it) parsed into :class:`Rules`."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


from tracer import registry
from tracer.capture.call import AUTH, OTHER
from tracer.capture.hosts import Hosts, parse_host
from tracer.datafile import parse_yaml, read_text
from tracer.errors import DataError

#: the tracer's own GitHub rules (hosts, route templates, charging, token minting)
GITHUB_RULES = "github.yaml"
#: the categories every rules file may use: token minting and app calls, and everything else
BUILTIN_CATEGORIES: tuple[str, ...] = (AUTH, OTHER)
_PARAM = re.compile(r"\{(\w+)(\+?)\}")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class SiteRule:
    """A call-site rule: a glob over ``module.qualname`` of a stack frame."""

    function: str
    category: str


@dataclass(frozen=True)
class RouteRule:
    """A route rule: ``METHOD /template/{param}`` (``{param+}`` spans slashes).

    ``params`` narrows the rule to some values of a parameter (``path: [.packit.yaml, ...]``)
    while the template stays the endpoint's own.
    """

    method: str
    template: str
    category: str | None
    charged: bool
    regex: re.Pattern[str]
    final: bool = False  # the route's category wins over call-site rules
    catch_all: bool = False  # a fallback such as ``GET /{rest+}``: shown as the call's own template

    @property
    def route(self) -> str:
        return f"{self.method} {self.template}"


def compile_template(template: str, params: dict[str, list[str]] | None = None) -> re.Pattern[str]:
    """``/repos/{owner}/{repo}`` → a regex matching a URL path; ``params`` lists the only values
    a parameter may take."""
    out, pos = [], 0
    for m in _PARAM.finditer(template):
        out.append(re.escape(template[pos : m.start()]))
        allowed = (params or {}).get(m.group(1))
        if allowed:
            out.append("(?:" + "|".join(re.escape(v) for v in allowed) + ")")
        else:
            out.append(".+" if m.group(2) else "[^/]+")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out) + r"\Z")


@dataclass(frozen=True)
class Rules:
    """Call-site rules (tried first) and route rules, in priority order; the categories they
    introduce; GitHub API hosts and the names of other hosts.

    >>> rules = Rules.load("my-rules.yaml")     # over the default rules
    >>> rules.categories
    ('is_project_private', 'is_user_approved', 'load_packit_yaml', 'set_status', 'my_category', 'auth', 'other')
    """

    sites: tuple[SiteRule, ...]
    routes: tuple[RouteRule, ...]
    sources: tuple[str, ...] = ()
    github_hosts: tuple[tuple[str, str], ...] = ()
    host_labels: tuple[tuple[str, str], ...] = ()
    declared: tuple[str, ...] = ()  # categories the files introduce, in report order

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category a call can get, in report order: the declared ones, ``auth``, ``other``."""
        return self.declared + BUILTIN_CATEGORIES

    @property
    def hosts(self) -> Hosts:
        """The GitHub API hosts these rules name (api.github.com when none) and host labels."""
        return Hosts(self.github_hosts, self.host_labels) if self.github_hosts else Hosts(labels=self.host_labels)

    @classmethod
    @functools.cache
    def github(cls) -> Rules:
        """The tracer's own GitHub rules alone (no application's categories).

        >>> Rules.github().categories
        ('auth', 'other')
        """
        text = resources.files("tracer.capture").joinpath(GITHUB_RULES).read_text(encoding="utf-8")
        return cls.parse(text, source=f"tracer/capture/{GITHUB_RULES}")

    @classmethod
    @functools.cache
    def default(cls) -> Rules:
        """The GitHub rules with every rules file registered under ``api_tracer.rules`` layered
        over them (in name order): packit's categories, with api-tracer installed.

        >>> Rules.default().categories[:2]
        ('is_project_private', 'is_user_approved')
        """
        rules = cls.github()
        for data in registry.registered(registry.RULES).values():
            text, source = data.read()
            rules = cls.parse(text, source, known=rules.categories).then(rules)
        return rules

    @classmethod
    def load(cls, *paths: str | Path, with_default: bool = True) -> Rules:
        """The default rules overridden by each file in ``paths`` (later files win).

        >>> Rules.load("my-rules.yaml").sources[0]
        'my-rules.yaml'
        """
        rules = cls.default() if with_default else cls((), ())
        for path in paths:
            text = read_text(path, "rules file")
            rules = cls.parse(text, source=str(path), known=rules.categories).then(rules)
        return rules

    def then(self, fallback: Rules) -> Rules:
        """These rules first, then ``fallback``'s; the categories of both."""
        return Rules(
            self.sites + fallback.sites,
            self.routes + fallback.routes,
            self.sources + fallback.sources,
            tuple(dict.fromkeys(fallback.github_hosts + self.github_hosts)),
            self.host_labels + fallback.host_labels,
            tuple(dict.fromkeys(fallback.declared + self.declared)),
        )

    @classmethod
    def parse(cls, text: str, source: str = "<rules>", known: tuple[str, ...] = BUILTIN_CATEGORIES) -> Rules:
        """One rules file; its rules may use the categories it declares and those ``known``.

        >>> Rules.parse("version: 1\ncategories: [mine]\ncall_sites: [{function: '*.f', category: mine}]").categories
        ('mine', 'auth', 'other')
        """
        data = parse_yaml(text, source)
        if not isinstance(data, dict) or data.get("version") != 1:
            raise DataError(f"{source}: not a rules file (expected a mapping with 'version: 1')")
        unknown = set(data) - {"version", "categories", "call_sites", "routes", "github_hosts", "host_labels"}
        if unknown:
            raise DataError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}")
        declared = _declared(data, source)
        usable = tuple(dict.fromkeys(known + declared + BUILTIN_CATEGORIES))
        sites = tuple(
            _site_rule(raw, f"{source}: call_sites[{i}]", usable)
            for i, raw in enumerate(_list(data, "call_sites", source))
        )
        routes = tuple(
            _route_rule(raw, f"{source}: routes[{i}]", usable)
            for i, raw in enumerate(_list(data, "routes", source))
        )
        return cls(sites, routes, (source,), _github_hosts(data, source), _host_labels(data, source), declared)


def _declared(data: dict[str, Any], source: str) -> tuple[str, ...]:
    value = data.get("categories") or []
    if not isinstance(value, list) or not all(isinstance(c, str) and _NAME.fullmatch(c) for c in value):
        raise DataError(f"{source}: 'categories' must be a list of names such as [set_status, is_user_approved]")
    clash = sorted(set(value) & set(BUILTIN_CATEGORIES))
    if clash:
        raise DataError(f"{source}: 'categories': {', '.join(clash)} is the tracer's own (declare only new ones)")
    if len(set(value)) != len(value):
        raise DataError(f"{source}: 'categories' names a category twice")
    return tuple(value)


def _github_hosts(data: dict[str, Any], source: str) -> tuple[tuple[str, str], ...]:
    value = data.get("github_hosts") or []
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise DataError(f"{source}: 'github_hosts' must be a list of hosts such as github.example.com/api/v3")
    return tuple(dict.fromkeys(parse_host(h, f"{source}: github_hosts") for h in value))


def _host_labels(data: dict[str, Any], source: str) -> tuple[tuple[str, str], ...]:
    value = data.get("host_labels") or {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise DataError(f"{source}: 'host_labels' must map host globs to names (api.testing-farm.io: Testing Farm)")
    return tuple((k.lower(), v) for k, v in value.items())


def _list(data: dict[str, Any], key: str, source: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise DataError(f"{source}: '{key}' must be a list of rules")
    return value


def _category(raw: dict[str, Any], where: str, required: bool, usable: tuple[str, ...]) -> str | None:
    category = raw.get("category")
    if category is None and not required:
        return None
    if category not in usable:
        raise DataError(
            f"{where}: unknown category {category!r} (one of {', '.join(usable)}; a new one is declared under 'categories')"
        )
    return category


def _site_rule(raw: Any, where: str, usable: tuple[str, ...]) -> SiteRule:
    if not isinstance(raw, dict) or set(raw) - {"function", "category"}:
        raise DataError(f"{where}: a call-site rule has 'function' and 'category' only")
    function = raw.get("function")
    if not isinstance(function, str) or not function:
        raise DataError(f"{where}: 'function' must be a glob such as '*.is_private'")
    return SiteRule(function, _category(raw, where, required=True, usable=usable) or OTHER)


def _route_rule(raw: Any, where: str, usable: tuple[str, ...]) -> RouteRule:
    if not isinstance(raw, dict) or set(raw) - {"route", "category", "charged", "final", "params"}:
        raise DataError(f"{where}: a route rule has 'route', 'category', 'charged', 'final' and 'params' only")
    route = raw.get("route")
    parts = route.split(" ") if isinstance(route, str) else []
    if len(parts) != 2 or not parts[0].isupper() or not parts[1].startswith("/"):
        raise DataError(f"{where}: 'route' must look like 'GET /repos/{{owner}}/{{repo}}', got {route!r}")
    charged, final = raw.get("charged", True), raw.get("final", False)
    for name, value in (("charged", charged), ("final", final)):
        if not isinstance(value, bool):
            raise DataError(f"{where}: '{name}' must be true or false")
    category = _category(raw, where, required=final, usable=usable)
    params = raw.get("params") or {}
    names = {m.group(1) for m in _PARAM.finditer(parts[1])}
    if not isinstance(params, dict) or not all(
        k in names and isinstance(v, list) and v and all(isinstance(x, str) for x in v) for k, v in params.items()
    ):
        raise DataError(f"{where}: 'params' must map parameters of the route to lists of values, e.g. path: [.packit.yaml]")
    catch_all = parts[1].endswith("{rest+}")  # "anything else": shown as the call's own template
    return RouteRule(parts[0], parts[1], category, charged, compile_template(parts[1], params), final, catch_all)
