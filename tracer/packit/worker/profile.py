"""Worker profiles (data: ``profiles/*.yaml``) and the scenario knobs a run is made with.

A profile says how one packit-service version behaves (named switches the worker code reads)
and gives the knobs' defaults. Knobs say what scenario is run (chroots, tests, config file
name, ...). Every problem is a one-line :class:`DataError` (a profile file) or
:class:`UsageError` (a knob).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any


from tracer.datafile import check_header, parse_yaml, read_text
from tracer.errors import DataError, UsageError
from tracer.packit.model import CONFIG_FILE_NAMES  # packit's names, in the order packit <= 0.68 tries them
from tracer.packit.worker.events import PR_ACTIONS  # the pull_request actions packit-service starts a pipeline for

PROFILE_FORMAT = "api-tracer/worker-profile"
PROFILE_PACKAGE = "tracer.packit.worker.profiles"

CONFIG_LOOKUPS = ("probe_each_name", "root_listing")
STATUS_APIS = ("check_runs", "commit_statuses")
ALLOWLIST_MODES = ("once_per_handler_class", "once_per_event")
CONTRIBUTORS = ("collaborator", "outside", "outside_author")
AUTHS = ("token", "app")
#: the sender's permission on the repository (GitHub's repository roles, as ogr's
#: can_merge_pr reads them: admin and write can merge)
PERMISSIONS = ("none", "read", "write", "admin")
#: knobs a profile may leave unset (null): the world decides (the contributor's permission)
WORLD_KNOBS = ("permission",)
#: how many ogr project objects the worker builds: one per handler call (packit-service today:
#: every process_message and handler task, and HEAD's .fmf checker and rate-limit check build
#: their own), one per task, or one per pipeline (shared by every task of the PR's pipeline)
PROJECT_REUSE = ("call", "task", "pipeline")
MAX_CHROOTS = 40

_DISTROS = ("fedora-rawhide", "fedora-42", "fedora-41", "fedora-40", "epel-10", "epel-9", "epel-8", "centos-stream-10")
_ARCHES = ("x86_64", "aarch64", "ppc64le", "s390x", "i386")


def chroot_names(n: int) -> list[str]:
    """``n`` Copr chroots, always the same for the same ``n``; the first is fedora-rawhide-x86_64."""
    names = [f"{distro}-{arch}" for arch in _ARCHES for distro in _DISTROS]
    return names[:n]


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
class Knobs:
    """The scenario of one run. ``None`` means "the profile's default" (see :meth:`resolved`)."""

    chroots: int | None = None
    tests: bool | None = None
    config_file: str | None = None
    spec_search: bool | None = None
    load_config_once: bool | None = None
    private_once: bool | None = None
    build_flags_only: bool | None = None
    contributor: str | None = None
    auth: str | None = None
    fmf: bool | None = None
    admin: bool | None = None
    success_comment: bool | None = None
    pr_action: str | None = None
    permission: str | None = None
    # fixes packit could make (each re-enacted through ogr; see tracer/packit/whatif/fixes.yaml)
    cache_target_branch: bool | None = None
    project_reuse: str | None = None
    skip_rate_limit: bool | None = None
    reuse_token: bool | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                _check_knob(f.name, value, UsageError, "knob")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "knobs") -> Knobs:
        """Knobs from a mapping; strings such as ``"3"``, ``"on"``, ``"no"`` are accepted.

        An unknown knob or a bad value is a one-line :class:`UsageError`.
        """
        if not isinstance(data, Mapping):
            raise UsageError(f"{source}: expected a mapping of knob names to values")
        names = cls.names()
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if key not in names:
                raise UsageError(f"{source}: unknown knob {key!r} (known: {', '.join(names)})")
            values[key] = None if raw is None else _coerce(key, raw, source)
        return cls(**values)

    def resolved(self, profile: Profile) -> Knobs:
        """Every ``None`` replaced by the profile's default; a ``permission`` left unset by both
        is the world's (the contributor's own, see :func:`tracer.packit.worker.scenario.resolve_knobs`)."""
        return replace(profile.defaults, **{k: v for k, v in self.as_dict().items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def chroot_list(self) -> list[str]:
        if self.chroots is None:
            raise UsageError("knobs: 'chroots' is not resolved against a profile yet")
        return chroot_names(self.chroots)


_BOOL_KNOBS = ("tests", "spec_search", "load_config_once", "private_once", "build_flags_only", "fmf", "admin",
               "success_comment", "cache_target_branch", "skip_rate_limit", "reuse_token")
_CHOICE_KNOBS: dict[str, tuple[str, ...]] = {
    "contributor": CONTRIBUTORS,
    "auth": AUTHS,
    "pr_action": PR_ACTIONS,
    "permission": PERMISSIONS,
    "project_reuse": PROJECT_REUSE,
}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _coerce(name: str, raw: Any, source: str) -> Any:
    if isinstance(raw, str):
        text = raw.strip()
        if name == "chroots":
            if not text.isdigit():
                raise UsageError(f"{source}: knob 'chroots' must be a whole number, got {raw!r}")
            return int(text)
        if name in _BOOL_KNOBS:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise UsageError(f"{source}: knob {name!r} must be on or off, got {raw!r}")
    _check_knob(name, raw, UsageError, source)
    return raw


def _check_knob(name: str, value: Any, error: type[Exception], source: str) -> None:
    def bad(what: str) -> Exception:
        return error(f"{source}: knob {name!r} {what}, got {value!r}")

    if name == "chroots":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CHROOTS:
            raise bad(f"must be a whole number from 1 to {MAX_CHROOTS}")
    elif name in _BOOL_KNOBS:
        if not isinstance(value, bool):
            raise bad("must be true or false")
    elif name == "config_file":
        if value not in CONFIG_FILE_NAMES:
            raise bad(f"must be one of {', '.join(CONFIG_FILE_NAMES)}")
    elif name in _CHOICE_KNOBS:
        if value not in _CHOICE_KNOBS[name]:
            raise bad(f"must be one of {', '.join(_CHOICE_KNOBS[name])}")


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
        defaults=_defaults(data["defaults"], source),
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


def _defaults(raw: Any, source: str) -> Knobs:
    if not isinstance(raw, dict):
        raise DataError(f"{source}: 'defaults' must be a mapping of knob names to values")
    names = Knobs.names()
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise DataError(f"{source}: defaults: unknown knob {unknown[0]!r} (known: {', '.join(names)})")
    missing = [n for n in names if raw.get(n) is None and n not in WORLD_KNOBS]
    if missing:
        raise DataError(f"{source}: defaults: missing knob {missing[0]!r}")
    for name in names:
        if raw.get(name) is not None:
            _check_knob(name, raw[name], DataError, f"{source}: defaults")
    return Knobs(**{n: raw.get(n) for n in names})
