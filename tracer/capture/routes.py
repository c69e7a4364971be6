"""Route templates: which endpoint a URL path is, named as the forge's API description names it.

A :class:`RouteTable` holds a forge's templates (``/repos/{owner}/{repo}/pulls/{pull_number}``)
and finds the one a path belongs to: literal segments first, then a segment with a placeholder
and a literal part (``{requestid}.patch``), then a one-segment placeholder, then one spanning
segments (``{path+}``, as few as let the rest match). A path no template names gets one made from it (:meth:`RouteTable.fallback`):
segments that are literals somewhere in the table stay, every other becomes a placeholder, so no
value (a login, a label, a sha) is ever shown.

The naming rule, the same for every forge (:func:`problems` checks it): a placeholder is
``{name}`` with the description's own parameter name in lower snake case (``repository-id`` →
``repository_id``, ``diffType`` → ``diff_type``, ``:merge_request_iid`` → ``merge_request_iid``,
``<int:requestid>`` → ``requestid``); ``+`` ends a name that spans slashes; a name appears once
in a template.

>>> table = RouteTable([("GET", "/repos/{owner}/{repo}/pulls/{pull_number}")])
>>> table.match("GET", "/repos/packit/ogr/pulls/42")
('/repos/{owner}/{repo}/pulls/{pull_number}', {'owner': 'packit', 'repo': 'ogr', 'pull_number': '42'})
>>> table.template("GET", "/repos/packit/ogr/labels/bug")  # not in the table: no value shown
'/repos/{name}/{name_2}/{name_3}/{name_4}'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

#: a placeholder in a template: ``{name}`` or ``{name+}``
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_NAME = re.compile(r"[a-z][a-z0-9_]*\+?\Z")
_DIGITS = re.compile(r"\d+\Z")
_SHA = re.compile(r"[0-9a-f]{7,64}\Z", re.I)


def snake(name: str) -> str:
    """A description's parameter name in the naming rule's form: ``diffType`` → ``diff_type``."""
    plus = name.endswith("+")
    name = name.rstrip("+")
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace("-", "_").lower()
    return name + ("+" if plus else "")


def problems(template: str) -> list[str]:
    """What breaks the naming rule in ``template`` (empty when nothing does)."""
    found = []
    names = [m.group(1) for m in PLACEHOLDER.finditer(template)]
    for name in names:
        if not _NAME.match(name):
            found.append(f"placeholder {{{name}}} is not lower snake case")
    for name in sorted({n.rstrip("+") for n in names}):
        if sum(1 for n in names if n.rstrip("+") == name) > 1:
            found.append(f"placeholder {{{name}}} repeated")
    if not template.startswith("/"):
        found.append("does not start with /")
    return found


def literals(template: str) -> list[str]:
    """The literal segments of a template (those with no placeholder)."""
    return [s for s in template.split("/") if s and not PLACEHOLDER.search(s)]


@dataclass
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], list[str], _Node]] = field(default_factory=list)
    param: _Node | None = None
    param_names: dict[str, str] = field(default_factory=dict)  # template → its name here
    spans: _Node | None = None  # a {name+} segment: one or more segments
    ends: dict[str, str] = field(default_factory=dict)  # method → template


class RouteTable:
    """A forge's route templates, matched segment by segment (see the module)."""

    def __init__(self, routes: Iterable[tuple[str, str]] = ()) -> None:
        self._root = _Node()
        self._by_path: dict[str, str] = {}  # template → itself, for any method
        self.vocabulary: set[str] = set()
        self.routes: list[tuple[str, str]] = []
        self._pairs: set[tuple[str, str]] = set()
        for method, template in routes:
            self.add(method, template)

    def add(self, method: str, template: str) -> None:
        """Add ``METHOD template``; an earlier template for the same method and shape stays."""
        node = self._root
        for segment in _segments(template):
            found = list(PLACEHOLDER.finditer(segment))
            if not found:
                node = node.literal.setdefault(segment, _Node())
                self.vocabulary.add(segment)
            elif len(found) == 1 and found[0].span() == (0, len(segment)):
                if found[0].group(1).endswith("+"):
                    node.spans = node.spans or _Node()
                    node = node.spans
                else:
                    node.param = node.param or _Node()
                    node = node.param
            else:
                regex, names = _segment_pattern(segment)
                for existing, _, child in node.patterns:
                    if existing.pattern == regex.pattern:
                        node = child
                        break
                else:
                    child = _Node()
                    node.patterns.append((regex, names, child))
                    node = child
        node.ends.setdefault(method, template)
        self.routes.append((method, template))
        self._pairs.add((method, template))

    def __contains__(self, route: tuple[str, str]) -> bool:
        """Whether ``(METHOD, template)`` is one of the table's routes."""
        return route in self._pairs

    def match(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        """(template, placeholder values) of the route ``path`` is, for ``method`` (else for any
        method: a ``HEAD`` is named as its ``GET``); ``None`` when no template fits."""
        segments = _segments(path)
        for wanted in (method, None):
            template = _walk(self._root, segments, 0, wanted)
            if template is not None:
                return template, _values(template, segments)
        return None

    def template(self, method: str, path: str) -> str:
        """The template ``path`` is shown under: its route's, else :meth:`fallback`."""
        found = self.match(method, path)
        return found[0] if found is not None else self.fallback(path)

    def fallback(self, path: str) -> str:
        """A template made from ``path``: literals of the table stay, anything else becomes
        ``{id}`` (digits), ``{sha}`` (hex) or ``{name}``, numbered when repeated."""
        out: list[str] = []
        used: dict[str, int] = {}
        for segment in _segments(path):
            if segment in self.vocabulary:
                out.append(segment)
                continue
            kind = "id" if _DIGITS.match(segment) else "sha" if _SHA.match(segment) else "name"
            used[kind] = used.get(kind, 0) + 1
            out.append("{" + (kind if used[kind] == 1 else f"{kind}_{used[kind]}") + "}")
        return "/" + "/".join(out)


def _segments(path: str) -> list[str]:
    """``/a/b/`` → ``["a", "b", ""]``: a trailing slash is a segment of its own (GitHub's
    ``contents/`` root listing is not ``contents``)."""
    return path.split("/")[1:] if path.startswith("/") else path.split("/")


def _segment_pattern(segment: str) -> tuple[re.Pattern[str], list[str]]:
    out, names, pos = [], [], 0
    for m in PLACEHOLDER.finditer(segment):
        out.append(re.escape(segment[pos : m.start()]))
        out.append("(.+?)")
        names.append(m.group(1))
        pos = m.end()
    out.append(re.escape(segment[pos:]))
    return re.compile("".join(out) + r"\Z"), names


def _walk(node: _Node, segments: list[str], i: int, method: str | None) -> str | None:
    if i == len(segments):
        if method is None:
            return next(iter(node.ends.values()), None)
        return node.ends.get(method)
    segment = segments[i]
    child = node.literal.get(segment)
    if child is not None:
        found = _walk(child, segments, i + 1, method)
        if found is not None:
            return found
    for regex, _, child in node.patterns:
        if segment and regex.match(segment):
            found = _walk(child, segments, i + 1, method)
            if found is not None:
                return found
    if node.param is not None and segment:
        found = _walk(node.param, segments, i + 1, method)
        if found is not None:
            return found
    if node.spans is not None and segment:
        for end in range(i + 1, len(segments) + 1):  # the shortest span first: literals after it win
            found = _walk(node.spans, segments, end, method)
            if found is not None:
                return found
    return None


def _values(template: str, segments: list[str]) -> dict[str, str]:
    """The placeholder values of ``segments`` under ``template`` (which matches them)."""
    parts = _segments(template)
    values: dict[str, str] = {}
    _assign(parts, 0, segments, 0, values)
    order = [m.group(1).rstrip("+") for m in PLACEHOLDER.finditer(template)]
    return {name: values[name] for name in order if name in values}


def _assign(parts: list[str], p: int, segments: list[str], s: int, values: dict[str, str]) -> bool:
    if p == len(parts):
        return s == len(segments)
    if s == len(segments):
        return False
    part = parts[p]
    found = list(PLACEHOLDER.finditer(part))
    if not found:
        return part == segments[s] and _assign(parts, p + 1, segments, s + 1, values)
    if len(found) == 1 and found[0].span() == (0, len(part)):
        name = found[0].group(1)
        if name.endswith("+"):
            for end in range(s + 1, len(segments) + 1):
                if _assign(parts, p + 1, segments, end, values):
                    values[name.rstrip("+")] = "/".join(segments[s:end])
                    return True
            return False
        if _assign(parts, p + 1, segments, s + 1, values):
            values[name] = segments[s]
            return True
        return False
    regex, names = _segment_pattern(part)
    m = regex.match(segments[s])
    if m and _assign(parts, p + 1, segments, s + 1, values):
        values.update(zip(names, m.groups()))
        return True
    return False
