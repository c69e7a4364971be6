"""The changes ``api-tracer whatif`` tries (``fixes.yaml``): each one a set of worker knobs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from tracer.datafile import check_header, parse_yaml
from tracer.errors import DataError, TracerError, UsageError
from tracer.packit.worker import Knobs

FIXES_FILE = "fixes.yaml"
FIXES_FORMAT = "api-tracer/fixes"


@dataclass(frozen=True)
class Fix:
    name: str
    knobs: dict[str, Any]
    what: str
    where: str

    def apply(self, knobs: Knobs) -> Knobs:
        """``knobs`` with this change made."""
        return Knobs.from_mapping({**knobs.as_dict(), **self.knobs})


def parse_fixes(text: str, source: str) -> tuple[Fix, ...]:
    """Validate a fixes document; every problem is a one-line DataError naming ``source``."""
    data = check_header(parse_yaml(text, source), source, FIXES_FORMAT, 1, "a fixes file")
    entries = data.get("fixes")
    if not isinstance(entries, list) or not entries:
        raise DataError(f"{source}: 'fixes' must be a non-empty list")
    fixes: list[Fix] = []
    for i, entry in enumerate(entries):
        where = f"{source}: fixes[{i}]"
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k] for k in ("name", "what", "where")):
            raise DataError(f"{where}: needs name, what and where (text)")
        if not isinstance(entry.get("knobs"), dict) or not entry["knobs"]:
            raise DataError(f"{where} ({entry['name']}): 'knobs' must be a mapping of worker knobs")
        try:
            Knobs.from_mapping(entry["knobs"], source=f"{where} ({entry['name']})")
        except TracerError as exc:
            raise DataError(str(exc)) from None
        if any(f.name == entry["name"] for f in fixes):
            raise DataError(f"{where}: duplicate fix {entry['name']!r}")
        fixes.append(Fix(entry["name"], dict(entry["knobs"]), entry["what"], entry["where"]))
    return tuple(fixes)


@lru_cache(maxsize=1)
def load_fixes() -> tuple[Fix, ...]:
    """The shipped fixes, in file order."""
    text = resources.files("tracer.packit.whatif").joinpath(FIXES_FILE).read_text(encoding="utf-8")
    return parse_fixes(text, f"tracer/packit/whatif/{FIXES_FILE}")


def fix_names() -> tuple[str, ...]:
    return tuple(f.name for f in load_fixes())


def get_fixes(names: list[str] | None) -> tuple[Fix, ...]:
    """The named fixes (all when ``names`` is empty); an unknown name is a UsageError."""
    fixes = load_fixes()
    if not names:
        return fixes
    by_name = {f.name: f for f in fixes}
    for name in names:
        if name not in by_name:
            raise UsageError(f"unknown fix {name!r} (known: {', '.join(by_name)})")
    return tuple(by_name[n] for n in dict.fromkeys(names))
