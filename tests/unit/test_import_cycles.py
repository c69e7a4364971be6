"""No import cycles among the package's modules (type-checking imports included)."""

from __future__ import annotations

from pathlib import Path

from paths import ROOT
from imports import imports_of


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk (each reported once, from its smallest module)."""
    found: set[tuple[str, ...]] = set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycle = path[path.index(nxt):]
                i = cycle.index(min(cycle))
                found.add(tuple(cycle[i:] + cycle[:i]))
            elif len(path) < 12:
                walk(nxt, path + [nxt])

    for start in graph:
        walk(start, [start])
    return [list(c) for c in sorted(found)]


def test_the_package_has_no_import_cycle() -> None:
    modules = {module_name(p): p for p in (ROOT / "tracer").rglob("*.py")}
    graph = {name: {m for m in imports_of(path) if m in modules and m != name and not name.startswith(m + ".")}
             for name, path in modules.items()}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
