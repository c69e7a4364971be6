"""Classification rules: data files (the tracer's ``github.yaml``, with the rules files other
packages register layered over it) parsed into :class:`Rules`. A route rule names endpoints as
the forge's route table does (:mod:`tracer.capture.forges`), so a rule and a report speak of
the same ``METHOD /template``."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tracer import registry
from tracer.capture.call import AUTH, OTHER
from tracer.capture.forges import FORGE_NAMES, FORGES, GITHUB
from tracer.capture.hosts import Hosts, parse_forge_host
from tracer.capture.routes import PLACEHOLDER
from tracer.datafile import parse_yaml, read_text
from tracer.errors import DataError

#: the tracer's own GitHub rules (hosts, route templates, charging, token minting)
GITHUB_RULES = "github.yaml"
#: the categories every rules file may use: token minting and app calls, and everything else
BUILTIN_CATEGORIES: tuple[str, ...] = (AUTH, OTHER)
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_KEYS = {"version", "categories", "call_sites", "routes", "hosts", "host_labels"}


@dataclass(frozen=True)
class SiteRule:
    """A call-site rule: a glob over ``module.qualname`` of a stack frame."""

    function: str
    category: str


@dataclass(frozen=True)
class RouteRule:
    """A route rule: ``METHOD /template`` of ``forge``'s route table (GitHub's by default).

    ``params`` narrows the rule to some values of a placeholder (``path: [.packit.yaml, ...]``)
    while the template stays the endpoint's own.
    """

    method: str
    template: str
    category: str | None
    charged: bool = True
    final: bool = False  # the route's category wins over call-site rules
    forge: str = GITHUB
    params: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def route(self) -> str:
        return f"{self.method} {self.template}"

    def takes(self, values: Mapping[str, str]) -> bool:
        """Whether a call with these placeholder values is one of the rule's (its ``params``)."""
        return all(unquote(values.get(name, "")) in allowed for name, allowed in self.params)


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
    forge_hosts: tuple[tuple[str, str, str], ...] = ()  # (forge, host, prefix) beyond the known ones
    host_labels: tuple[tuple[str, str], ...] = ()
    declared: tuple[str, ...] = ()  # categories the files introduce, in report order

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category a call can get, in report order: the declared ones, ``auth``, ``other``."""
        return self.declared + BUILTIN_CATEGORIES

    @property
    def hosts(self) -> Hosts:
        """Every forge's known API hosts, those these rules add, and the rules' host labels."""
        return Hosts(labels=self.host_labels).with_parsed(self.forge_hosts)

    def route_rule(self, forge: str, method: str, template: str, values: Mapping[str, str]) -> RouteRule | None:
        """The first rule naming ``METHOD template`` of ``forge`` that takes these values."""
        for rule in self._by_endpoint.get((forge, method, template), ()):
            if rule.takes(values):
                return rule
        return None

    @functools.cached_property
    def _by_endpoint(self) -> dict[tuple[str, str, str], list[RouteRule]]:
        index: dict[tuple[str, str, str], list[RouteRule]] = {}
        for rule in self.routes:
            index.setdefault((rule.forge, rule.method, rule.template), []).append(rule)
        return index

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
            tuple(dict.fromkeys(fallback.forge_hosts + self.forge_hosts)),
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
        unknown = set(data) - _KEYS
        if unknown:
            raise DataError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}")
        declared = _declared(data, source)
        usable = tuple(dict.fromkeys(known + declared + BUILTIN_CATEGORIES))
        sites = tuple(
            _site_rule(raw, f"{source}: call_sites[{i}]", usable)
            for i, raw in enumerate(_list(data, "call_sites", source))
        )
        routes = tuple(
            rule
            for i, raw in enumerate(_list(data, "routes", source))
            for rule in _route_rules(raw, f"{source}: routes[{i}]", usable)
        )
        return cls(sites, routes, (source,), _hosts(data, source), _host_labels(data, source), declared)


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


def _hosts(data: dict[str, Any], source: str) -> tuple[tuple[str, str, str], ...]:
    value = data.get("hosts") or []
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise DataError(f"{source}: 'hosts' must be a list such as [gitlab=gitlab.example.com, github.example.com/api/v3]")
    return tuple(dict.fromkeys(parse_forge_host(h, f"{source}: hosts") for h in value))


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


def _route_rules(raw: Any, where: str, usable: tuple[str, ...]) -> list[RouteRule]:
    """One entry of ``routes``: a rule for each endpoint it names."""
    if not isinstance(raw, dict) or set(raw) - {"route", "forge", "category", "charged", "final", "params"}:
        raise DataError(f"{where}: a route rule has 'route', 'forge', 'category', 'charged', 'final' and 'params' only")
    given = raw.get("route")
    routes = given if isinstance(given, list) and given else [given]
    endpoints = []
    for route in routes:
        parts = route.split(" ") if isinstance(route, str) else []
        if len(parts) != 2 or not parts[0].isupper() or not parts[1].startswith("/"):
            raise DataError(f"{where}: 'route' must look like 'GET /repos/{{owner}}/{{repo}}' (or be a list of such), got {route!r}")
        endpoints.append((parts[0], parts[1]))
    charged, final = raw.get("charged", True), raw.get("final", False)
    for name, value in (("charged", charged), ("final", final)):
        if not isinstance(value, bool):
            raise DataError(f"{where}: '{name}' must be true or false")
    forge = raw.get("forge", GITHUB)
    if forge not in FORGE_NAMES:
        raise DataError(f"{where}: 'forge' must be one of {', '.join(FORGE_NAMES)}, got {forge!r}")
    category = _category(raw, where, required=final, usable=usable)
    params = raw.get("params") or {}
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and v and all(isinstance(x, str) for x in v) for k, v in params.items()
    ):
        raise DataError(f"{where}: 'params' must map placeholders of the route to lists of values, e.g. path: [.packit.yaml]")
    rules = []
    for method, template in endpoints:
        if not FORGES[forge].describes(method, template):
            raise DataError(f"{where}: '{method} {template}' is not a route of {forge}'s "
                            f"(tracer/capture/forges/{forge}-routes.yaml, or its web routes in forges.yaml)")
        names = {m.group(1).rstrip("+") for m in PLACEHOLDER.finditer(template)}
        unknown = sorted(set(params) - names)
        if unknown:
            raise DataError(f"{where}: 'params': {unknown[0]!r} is no placeholder of '{method} {template}'")
        rules.append(RouteRule(method, template, category, charged, final, forge,
                               tuple((k, frozenset(v)) for k, v in params.items())))
    return rules
