"""Scenario: every parameter of the published model, validated; config-load cost by file name."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from tracer.errors import UsageError

#: the package-config names packit (≤ 0.68) tries, in order, with one GET contents each
CONFIG_FILE_NAMES: tuple[str, ...] = (
    ".distro/source-git.yaml",
    ".packit.yaml",
    ".packit.yml",
    ".packit.json",
    "packit.yaml",
    "packit.yml",
    "packit.json",
)

#: config lookups: "loop" tries the names in order (packit ≤ 0.68); "listing" lists the
#: repository root once and reads the match (packit ≥ 0.69, packit/packit PR #1846)
LOOKUPS: tuple[str, ...] = ("loop", "listing")

#: calls of a root-listing lookup, whatever the name: one listing + one GET of the file
LISTING_LOOKUP_CALLS = 2

#: the extra root listing of the spec-file search (packit/packit#1799), made when neither
#: ``specfile_path`` nor ``downstream_package_name`` is set
SPEC_SEARCH_CALLS = 1

_INT_FIELDS = ("chroots", "rate_limit", "load_packit_yaml")


def config_calls(
    name: str,
    *,
    spec_search: bool = True,
    lookup: Literal["loop", "listing"] = "loop",
) -> int:
    """Calls one package-config load costs (the model's ``load_packit_yaml``), after GET repo.

    ``loop``: the name's position in :data:`CONFIG_FILE_NAMES` (1-based), e.g. ``.packit.yaml``
    2, ``packit.yaml`` 5; ``listing``: 2 for any name. The spec search adds 1, so the model's
    3 (``.packit.yaml``) and 6 (``packit.yaml``).
    """
    if name not in CONFIG_FILE_NAMES:
        raise UsageError(
            f"unknown config file name {name!r}: packit looks for {', '.join(CONFIG_FILE_NAMES)}"
        )
    if lookup == "loop":
        calls = CONFIG_FILE_NAMES.index(name) + 1
    elif lookup == "listing":
        calls = LISTING_LOOKUP_CALLS
    else:
        raise UsageError(f"unknown config lookup {lookup!r}: expected one of {', '.join(LOOKUPS)}")
    return calls + (SPEC_SEARCH_CALLS if spec_search else 0)


@dataclass(frozen=True)
class Scenario:
    """The published model's parameters (defaults: 3 chroots, ``.packit.yaml``, 5,000/h)."""

    chroots: int = 3
    rate_limit: int = 5000
    load_packit_yaml: int = 3  # calls per config load, see config_calls()
    builds_enabled: bool = True
    tests_enabled: bool = True
    load_packit_yaml_once: bool = False
    all_flags: bool = True  # statuses for build AND test jobs on build events (else build only)
    is_private_once: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _INT_FIELDS:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise UsageError(f"{f.name} must be an integer, got {value!r}")
                if value < 1:
                    raise UsageError(f"{f.name} must be at least 1, got {value}")
            elif not isinstance(value, bool):
                raise UsageError(f"{f.name} must be true or false, got {value!r}")

    def describe(self, with_rate_limit: bool = True) -> str:
        """The parameters in words, e.g. "3 chroots, 3 calls per config load, …"."""
        parts = [
            f"{self.chroots} chroot{'s' if self.chroots != 1 else ''}",
            f"{self.load_packit_yaml} calls per config load",
            f"builds {'on' if self.builds_enabled else 'off'}",
            f"tests {'on' if self.tests_enabled else 'off'}",
            "config loaded once" if self.load_packit_yaml_once else "config loaded every event",
            "all flags" if self.all_flags else "build flags only",
            "is_private once" if self.is_private_once else "is_private every event",
        ]
        if with_rate_limit:
            parts.append(f"rate limit {self.rate_limit}/h")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, int | bool]:
        """``{parameter: value}`` in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The parameter names, in field order."""
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class ConfigFile:
    """How the package config is found: its name, the lookup, and whether the spec search runs."""

    name: str = ".packit.yaml"
    lookup: Literal["loop", "listing"] = "loop"
    spec_search: bool = True

    def __post_init__(self) -> None:
        config_calls(self.name, spec_search=self.spec_search, lookup=self.lookup)  # validates

    @property
    def calls(self) -> int:
        """The model's ``load_packit_yaml`` for this config (see :func:`config_calls`)."""
        return config_calls(self.name, spec_search=self.spec_search, lookup=self.lookup)
