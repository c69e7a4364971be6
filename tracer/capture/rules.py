"""Classification rules (data in ``rules.yaml``) and the classifier built from them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


from tracer.capture.call import CATEGORIES, OTHER
from tracer.datafile import parse_yaml
from tracer.errors import DataError

DEFAULT_RULES = "rules.yaml"
_PARAM = re.compile(r"\{(\w+)(\+?)\}")


@dataclass(frozen=True)
class SiteRule:
    """A call-site rule: a glob over ``module.qualname`` of a stack frame."""

    function: str
    category: str


@dataclass(frozen=True)
class RouteRule:
    """A route rule: ``METHOD /template/{param}`` (``{param+}`` spans slashes)."""

    method: str
    template: str
    category: str | None
    charged: bool
    regex: re.Pattern[str]
    final: bool = False  # the route's category wins over call-site rules

    @property
    def route(self) -> str:
        return f"{self.method} {self.template}"


def compile_template(template: str) -> re.Pattern[str]:
    """``/repos/{owner}/{repo}`` → a regex matching a URL path."""
    out, pos = [], 0
    for m in _PARAM.finditer(template):
        out.append(re.escape(template[pos : m.start()]))
        out.append(".+" if m.group(2) else "[^/]+")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out) + r"\Z")


@dataclass(frozen=True)
class Rules:
    """Call-site rules (tried first) and route rules, in priority order."""

    sites: tuple[SiteRule, ...]
    routes: tuple[RouteRule, ...]
    sources: tuple[str, ...] = ()

    @classmethod
    def default(cls) -> Rules:
        text = resources.files("tracer.capture").joinpath(DEFAULT_RULES).read_text()
        return cls.parse(text, source=f"tracer/capture/{DEFAULT_RULES}")

    @classmethod
    def load(cls, *paths: str | Path, with_default: bool = True) -> Rules:
        """The default rules overridden by each file in ``paths`` (later files win)."""
        rules = cls.default() if with_default else cls((), ())
        for path in paths:
            p = Path(path)
            try:
                text = p.read_text()
            except OSError as exc:
                raise DataError(f"{p}: cannot read rules file ({exc.strerror})") from None
            rules = cls.parse(text, source=str(p)).then(rules)
        return rules

    def then(self, fallback: Rules) -> Rules:
        """These rules first, then ``fallback``'s."""
        return Rules(
            self.sites + fallback.sites,
            self.routes + fallback.routes,
            self.sources + fallback.sources,
        )

    @classmethod
    def parse(cls, text: str, source: str = "<rules>") -> Rules:
        data = parse_yaml(text, source)
        if not isinstance(data, dict) or data.get("version") != 1:
            raise DataError(f"{source}: not a rules file (expected a mapping with 'version: 1')")
        unknown = set(data) - {"version", "call_sites", "routes"}
        if unknown:
            raise DataError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}")
        sites = tuple(
            _site_rule(raw, f"{source}: call_sites[{i}]")
            for i, raw in enumerate(_list(data, "call_sites", source))
        )
        routes = tuple(
            _route_rule(raw, f"{source}: routes[{i}]")
            for i, raw in enumerate(_list(data, "routes", source))
        )
        return cls(sites, routes, (source,))


def _list(data: dict[str, Any], key: str, source: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise DataError(f"{source}: '{key}' must be a list of rules")
    return value


def _category(raw: dict[str, Any], where: str, required: bool) -> str | None:
    category = raw.get("category")
    if category is None and not required:
        return None
    if category not in CATEGORIES:
        raise DataError(
            f"{where}: unknown category {category!r} (one of {', '.join(CATEGORIES)})"
        )
    return category


def _site_rule(raw: Any, where: str) -> SiteRule:
    if not isinstance(raw, dict) or set(raw) - {"function", "category"}:
        raise DataError(f"{where}: a call-site rule has 'function' and 'category' only")
    function = raw.get("function")
    if not isinstance(function, str) or not function:
        raise DataError(f"{where}: 'function' must be a glob such as '*.is_private'")
    return SiteRule(function, _category(raw, where, required=True) or OTHER)


def _route_rule(raw: Any, where: str) -> RouteRule:
    if not isinstance(raw, dict) or set(raw) - {"route", "category", "charged", "final"}:
        raise DataError(f"{where}: a route rule has 'route', 'category', 'charged' and 'final' only")
    route = raw.get("route")
    parts = route.split(" ") if isinstance(route, str) else []
    if len(parts) != 2 or not parts[0].isupper() or not parts[1].startswith("/"):
        raise DataError(f"{where}: 'route' must look like 'GET /repos/{{owner}}/{{repo}}', got {route!r}")
    charged, final = raw.get("charged", True), raw.get("final", False)
    for name, value in (("charged", charged), ("final", final)):
        if not isinstance(value, bool):
            raise DataError(f"{where}: '{name}' must be true or false")
    category = _category(raw, where, required=final)
    return RouteRule(parts[0], parts[1], category, charged, compile_template(parts[1]), final)
