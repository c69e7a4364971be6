"""Worker profiles (data: ``profiles/*.yaml``): how one packit-service version behaves.

A profile names switches the worker code reads and gives the knobs' defaults (the knobs are
declared in :mod:`tracer.packit.knobs`). Every problem is a one-line :class:`DataError`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any


from tracer.datafile import check_header, parse_yaml, read_text
from tracer.errors import DataError
from tracer.packit.knobs import Knobs

PROFILE_FORMAT = "api-tracer/worker-profile"
PROFILE_PACKAGE = "tracer.packit.worker.profiles"

CONFIG_LOOKUPS = ("probe_each_name", "root_listing")
STATUS_APIS = ("check_runs", "commit_statuses")
ALLOWLIST_MODES = ("once_per_handler_class", "once_per_event")

@dataclass(frozen=True)
class Switches:
    """How one packit-service version behaves; read by the worker code (see the profiles)."""

    config_lookup: str
    status_api: str
    allowlist: str
    rate_limit_check: bool
    fmf_checker_own_project: bool
    fmf_url_reuses_pr: bool
    osh_pr_lookup_chroot: str | None
    sync_test_statuses_default: bool
    reporter_caches_pr: bool


_SWITCH_CHOICES: dict[str, tuple[str, ...]] = {
    "config_lookup": CONFIG_LOOKUPS,
    "status_api": STATUS_APIS,
    "allowlist": ALLOWLIST_MODES,
}


@dataclass(frozen=True)
class Profile:
    """A packit-service version: its switches and the knobs' defaults."""

    name: str
    commit: str
    date: str
    aliases: tuple[str, ...]
    libraries: dict[str, str]
    switches: Switches
    defaults: Knobs
    source: str

    @property
    def short(self) -> str:
        return self.name.split("@", 1)[-1]


def available_profiles() -> list[str]:
    """Names of the profiles that ship with the package."""
    root = resources.files(PROFILE_PACKAGE)
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def load_profile(name_or_path: str | Path | Profile) -> Profile:
    """A shipped profile by name or alias (``packit-service@bc1f66bb``, ``bc1f66bb``, ``C``,
    ``HEAD``), or a profile YAML file by path. Problems are one-line :class:`DataError`\\ s."""
    if isinstance(name_or_path, Profile):
        return name_or_path
    text_name = str(name_or_path)
    path = Path(text_name)
    if text_name.endswith((".yaml", ".yml")) or path.is_file():
        return parse_profile(read_text(path, "profile file"), source=str(path))
    shipped = {}
    for name in available_profiles():
        profile_text = resources.files(PROFILE_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
        profile = parse_profile(profile_text, source=f"tracer/packit/worker/profiles/{name}.yaml")
        for key in (profile.name, *profile.aliases):
            shipped[key.lower()] = profile
    found = shipped.get(text_name.lower())
    if found is None:
        raise DataError(
            f"unknown worker profile {text_name!r} (known: {', '.join(available_profiles())}; or a path to a profile .yaml)"
        )
    return found


_TOP_KEYS = {"format", "version", "name", "aliases", "commit", "date", "libraries", "switches", "defaults"}


def parse_profile(text: str, source: str = "<profile>") -> Profile:
    """Parse and validate profile YAML; every problem names the file and the key."""
    data = parse_yaml(text, source)
    check_header(data, source, PROFILE_FORMAT, 1, "a worker profile")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise DataError(f"{source}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    for key in ("name", "commit", "switches", "defaults"):
        if key not in data:
            raise DataError(f"{source}: missing required key {key!r}")
    name = data["name"]
    if not isinstance(name, str) or not name:
        raise DataError(f"{source}: 'name' must be a non-empty string")
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise DataError(f"{source}: 'aliases' must be a list of names")
    libraries = data.get("libraries") or {}
    if not isinstance(libraries, dict):
        raise DataError(f"{source}: 'libraries' must be a mapping of package to version")
    return Profile(
        name=name,
        commit=str(data["commit"]),
        date=str(data.get("date", "")),
        aliases=tuple(aliases),
        libraries={str(k): str(v) for k, v in libraries.items()},
        switches=_switches(data["switches"], source),
        defaults=Knobs.defaults_from(data["defaults"], source),
        source=source,
    )


def _switches(raw: Any, source: str) -> Switches:
    if not isinstance(raw, dict):
        raise DataError(f"{source}: 'switches' must be a mapping")
    names = [f.name for f in fields(Switches)]
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise DataError(f"{source}: switches: unknown switch {unknown[0]!r} (known: {', '.join(names)})")
    missing = [n for n in names if n not in raw]
    if missing:
        raise DataError(f"{source}: switches: missing switch {missing[0]!r}")
    for f in fields(Switches):
        value = raw[f.name]
        if f.name in _SWITCH_CHOICES:
            if value not in _SWITCH_CHOICES[f.name]:
                raise DataError(
                    f"{source}: switches.{f.name} must be one of {', '.join(_SWITCH_CHOICES[f.name])}, got {value!r}"
                )
        elif f.name == "osh_pr_lookup_chroot":
            if value is not None and (not isinstance(value, str) or not value):
                raise DataError(f"{source}: switches.{f.name} must be a chroot name or null, got {value!r}")
        elif not isinstance(value, bool):
            raise DataError(f"{source}: switches.{f.name} must be true or false, got {value!r}")
    return Switches(**{n: raw[n] for n in names})
