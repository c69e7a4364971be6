"""What a computation of ours depends on, derived from its code: the key of anything kept from it.

A kept result (a run's call records, a what-if variant's trace) is valid while the inputs that
made it are unchanged. They are worked out from the code, never listed by hand:

- **code**: every module of ours the entry module imports, transitively, at any depth (imports
  inside functions included: a lazy import is still a dependency), read from the sources' syntax
  trees, with the packages around them; and the data files beside those modules (``*.yaml``,
  ``*.yml``, ``*.json`` in a module's folder and its folders that are not packages);
- **libraries**: the distributions that provide the third-party modules that code imports, and
  everything they require in turn, at their installed versions;
- **python**: the interpreter's implementation and version.

::

    key = inputs_key("tracer.packit.runs")            # {"entry": ..., "python": ..., "libraries": {...}, "code": {...}}
    stale = changed_inputs(stored_key)                # [] while nothing changed, else what did

A file's fingerprint is the SHA-256 of its bytes; everything is worked out once per process.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

#: the root package whose modules count as "ours"
ROOT_PACKAGE = "tracer"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: files beside a module that it may read as data
DATA_SUFFIXES = (".yaml", ".yml", ".json")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def module_file(name: str) -> Path | None:
    """The source file of one of our modules (``tracer.x.y`` → ``tracer/x/y.py`` or its package), else None."""
    parts = name.split(".")
    if parts[0] != ROOT_PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


#: an import statement at the start of a line (inside a function too); a parenthesised or
#: continued name list runs on to its closing parenthesis (a regular expression, not a parse:
#: reading every module's syntax tree would cost more than the replay it keys)
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<base>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|(?:[^\n\\]|\\\n)*)"
    r"|import[ \t]+(?P<modules>(?:[^\n\\]|\\\n)*))",
    re.M,
)


#: one of our modules named in a string: a lazy package's table (PEP 562 ``__getattr__``),
#: ``importlib.import_module("tracer.x")``, an entry point (``"tracer.packit:rules.yaml"``)
_NAMED = re.compile(rf"""["']({ROOT_PACKAGE}(?:\.\w+)+)[:"']""")


def _imports(name: str, path: Path) -> tuple[set[str], set[str]]:
    """(our modules, third-party top-level modules) that one module's source imports anywhere
    (an import in a docstring's example counts too: a harmless extra), and our modules it names
    in a string (what a lazy package imports when a name is asked for)."""
    ours: set[str] = set()
    theirs: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    source = path.read_text(encoding="utf-8", errors="replace")
    ours.update(named for named in _NAMED.findall(source) if module_file(named))
    for found in _IMPORT.finditer(source):
        if found["modules"] is not None:
            targets = [part.split()[0] for part in found["modules"].split("#")[0].split(",") if part.split()]
        else:
            base = found["base"]
            level = len(base) - len(base.lstrip("."))
            if level:
                anchor = package.split(".")[: len(package.split(".")) - level + 1]
                base = ".".join([*anchor, base[level:]] if base[level:] else anchor)
            names = re.sub(r"#[^\n]*", "", found["names"]).strip("()\\ \n")
            words = [part.split()[0] for part in names.replace("\\\n", " ").split(",") if part.split()]
            # ``from pkg import mod`` imports pkg.mod when it is a module, else a name of pkg
            targets = [f"{base}.{w}" if module_file(f"{base}.{w}") else base for w in words] or [base]
        for target in targets:
            top = target.partition(".")[0]
            if top == ROOT_PACKAGE:
                ours.add(target)
            elif top.isidentifier() and top not in sys.stdlib_module_names and top != "__future__":
                theirs.add(top)
    return ours, theirs


@cache
def _closure(entry: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(our modules, third-party top-level modules) reachable from ``entry``, sorted."""
    seen: set[str] = set()
    third: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        # importing a.b.c runs a/__init__ and a/b/__init__ first
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            candidate = ".".join(parts[:i])
            if candidate in seen:
                continue
            path = module_file(candidate)
            if path is None:
                continue
            seen.add(candidate)
            ours, theirs = _imports(candidate, path)
            todo.extend(ours)
            third |= theirs
    return tuple(sorted(seen)), tuple(sorted(third))


def modules(entry: str) -> tuple[str, ...]:
    """Our modules ``entry`` imports, transitively (itself included)."""
    return _closure(entry)[0]


def _data_files(folder: Path) -> list[Path]:
    """Data files in ``folder`` and in its data folders (sub-folders with no module but an
    ``__init__.py``: profiles, worlds), recursively; code packages have their own modules."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in DATA_SUFFIXES:
            found.append(path)
        elif path.is_dir() and not path.name.startswith((".", "__")) and _is_data_folder(path):
            found.extend(_data_files(path))
    return found


def _is_data_folder(folder: Path) -> bool:
    return not any(p.suffix == ".py" and p.name != "__init__.py" for p in folder.iterdir())


@cache
def code(entry: str) -> dict[str, str]:
    """``{"tracer/recording/runs.py": sha256, ...}``: the sources and data files ``entry`` depends on."""
    files: dict[Path, None] = {}
    for name in modules(entry):
        path = module_file(name)
        assert path is not None
        files[path] = None
        for data in _data_files(path.parent):  # what a module beside them may read
            files[data] = None
    return {str(p.relative_to(PACKAGE_DIR.parent)): sha256(p.read_bytes()) for p in sorted(files)}


#: a requirement line: the name, its extras, the rest (version and marker)
_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?(.*)")
#: a metadata file's header fields (the email-style parser costs ten times more), and its requirements
_FIELD = re.compile(r"^(Name|Version): *(.*?) *$", re.M)
_REQUIRES = re.compile(r"^Requires-Dist: *(.*?) *$", re.M)
_EXTRA = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")
#: our own distribution: the third-party code a replay can import is what it requires
DISTRIBUTION = "api-tracer"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _installed() -> dict[str, metadata.Distribution]:
    """The installed distributions by normalised name (from their folders' names: no file read)."""
    index: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions():
        name = getattr(dist, "_normalized_name", None) or _normal(dist.metadata["Name"])
        index.setdefault(_normal(name), dist)
    return index


@cache
def libraries(entry: str) -> dict[str, str]:
    """``{"ogr": "0.61.1", "PyGithub": "2.10.0", ...}``: the installed distributions the code
    reached from ``entry`` can import: what api-tracer requires (its extras left out), and what
    those require in turn with the extras asked for, by name; without an installed api-tracer,
    the providers of the third-party modules that code imports, and their requirements."""
    installed = _installed()
    todo = [(_normal(DISTRIBUTION), frozenset[str]())]
    if _normal(DISTRIBUTION) not in installed:
        providers = metadata.packages_distributions()
        todo = [(_normal(d), frozenset[str]()) for top in _closure(entry)[1] for d in providers.get(top, [])]
    found: dict[str, str] = {}
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in done:
            continue
        done.add((name, extras))
        dist = installed.get(name)
        if dist is None:
            continue  # a requirement for another platform or Python
        text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
        fields = dict(_FIELD.findall(text[: text.find("\n\n")] if "\n\n" in text else text))
        if name != _normal(DISTRIBUTION):
            found[fields.get("Name", name)] = fields.get("Version", "?")
        for requirement in _REQUIRES.findall(text):
            matched = _REQUIREMENT.match(requirement)
            if not matched:
                continue
            extra = _EXTRA.search(matched.group(3))
            if extra is not None and extra.group(1) not in extras:
                continue
            asked = frozenset(e.strip() for e in (matched.group(2) or "").split(",") if e.strip())
            todo.append((_normal(matched.group(1)), asked))
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


def python() -> str:
    """``CPython 3.11.7``: the interpreter (a new version may change what a library does)."""
    return f"{sys.implementation.name} {sys.version.split()[0]}"


def inputs_key(entry: str, environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Everything code reached from module ``entry`` depends on: entry, python, libraries, code.

    ``environment`` (``{"python": "3.11.7", "ogr": "0.61.1", ...}``): the interpreter and library
    versions of another environment the code runs in (a worker's own), instead of this one's.
    """
    if environment is not None:
        libraries_there = {name: version for name, version in sorted(environment.items()) if name != "python"}
        return {"entry": entry, "python": environment.get("python", "?"), "libraries": libraries_there,
                "code": code(entry)}
    return {"entry": entry, "python": python(), "libraries": libraries(entry), "code": code(entry)}


def changed_inputs(stored: Any, environment: Mapping[str, str] | None = None) -> list[str]:
    """What differs between a key made by :func:`inputs_key` and now, in words; [] when nothing.

    ``["the Python version (CPython 3.11.7 → CPython 3.12.1)", "api-tracer's code
    (tracer/recording/runs.py)", ...]``; a key of another shape is reported as changed.
    """
    if not isinstance(stored, dict) or not isinstance(stored.get("entry"), str):
        return ["the key's form (written by another api-tracer version)"]
    entry = stored["entry"]
    if module_file(entry) is None:
        return [f"api-tracer's code (module {entry} is gone)"]
    now = inputs_key(entry, environment)
    out = []
    if stored.get("python") != now["python"]:
        out.append(f"the Python version ({stored.get('python')} → {now['python']})")
    libs, old_libs = now["libraries"], stored.get("libraries")
    if old_libs != libs:
        old_libs = old_libs if isinstance(old_libs, dict) else {}
        moved = [f"{n} {old_libs.get(n, '-')} → {libs.get(n, '-')}" for n in sorted({*libs, *old_libs})
                 if old_libs.get(n) != libs.get(n)]
        out.append(f"the library versions ({few(moved)})")
    files, old_files = now["code"], stored.get("code")
    if old_files != files:
        old_files = old_files if isinstance(old_files, dict) else {}
        edited = [n for n in sorted({*files, *old_files}) if old_files.get(n) != files.get(n)]
        out.append(f"api-tracer's code ({few(edited)})")
    return out


def few(items: list[str], most: int = 3) -> str:
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")
