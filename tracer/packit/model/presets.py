"""The ten published scenarios (``presets.yaml``) and the improvement each gives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from tracer.errors import DataError, TracerError, UsageError
from tracer.packit.model.published import prs_per_hour, totals
from tracer.packit.model.scenario import ConfigFile, Scenario
from tracer.packit.model.vector import CATEGORIES, CallVector

PRESETS_FILE = "presets.yaml"
_PUBLISHED_KEYS = ("prs_per_hour", *CATEGORIES, "total")


@dataclass(frozen=True)
class Outputs:
    """What the model gives for one scenario: PRs/hour, the four category totals, their sum."""

    prs_per_hour: int
    calls: CallVector
    total: int

    @classmethod
    def of(cls, scenario: Scenario) -> Outputs:
        """Compute the outputs of ``scenario`` with the published model."""
        calls = totals(scenario)
        return cls(prs_per_hour(scenario), calls, calls.total)

    def as_dict(self) -> dict[str, int]:
        """``{prs_per_hour, <four categories>, total}``."""
        return {"prs_per_hour": self.prs_per_hour, **self.calls.as_dict(), "total": self.total}


@dataclass(frozen=True)
class Preset:
    """One published scenario: a stable name, a one-line description, parameters, outputs."""

    name: str
    description: str
    scenario: Scenario
    config: ConfigFile
    published: Outputs

    @property
    def computed(self) -> Outputs:
        """The outputs the model computes from :attr:`scenario`."""
        return Outputs.of(self.scenario)


@dataclass(frozen=True)
class Improvement:
    """A scenario against a baseline (the worst case): calls saved and the PRs/hour factor."""

    baseline: str
    calls_saved: int
    prs_per_hour_factor: float


def parse_presets(data: Any, source: str = PRESETS_FILE) -> tuple[tuple[Preset, ...], str]:
    """Validate the presets document; return the presets and the worst case's name.

    Raises :class:`DataError` naming ``source`` and what is wrong.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("scenarios"), list):
        raise DataError(f"{source}: expected a mapping with a 'scenarios' list")
    presets: list[Preset] = []
    for index, entry in enumerate(data["scenarios"]):
        where = f"{source}: scenarios[{index}]"
        if not isinstance(entry, Mapping):
            raise DataError(f"{where}: expected a mapping")
        missing = [k for k in ("name", "description", "config", "parameters", "published") if k not in entry]
        if missing:
            raise DataError(f"{where}: missing {', '.join(missing)}")
        name = entry["name"]
        where = f"{source}: scenario {name!r}"
        if not isinstance(name, str) or not name:
            raise DataError(f"{source}: scenarios[{index}]: name must be a non-empty string")
        if any(p.name == name for p in presets):
            raise DataError(f"{where}: duplicate name")
        published = entry["published"]
        if not isinstance(published, Mapping) or set(published) != set(_PUBLISHED_KEYS):
            raise DataError(f"{where}: published must have exactly {', '.join(_PUBLISHED_KEYS)}")
        try:
            scenario = Scenario(**_mapping(entry["parameters"], where, "parameters"))
            config = ConfigFile(**_mapping(entry["config"], where, "config"))
            outputs = Outputs(
                published["prs_per_hour"],
                CallVector.from_mapping({k: published[k] for k in CATEGORIES}),
                published["total"],
            )
        except TypeError as exc:  # an unknown or missing key
            raise DataError(f"{where}: {exc}") from None
        except TracerError as exc:
            raise DataError(f"{where}: {exc}") from None
        if config.calls != scenario.load_packit_yaml:
            raise DataError(
                f"{where}: config {config.name} ({config.lookup}, spec_search={config.spec_search})"
                f" costs {config.calls} calls but load_packit_yaml is {scenario.load_packit_yaml}"
            )
        presets.append(Preset(name, str(entry["description"]), scenario, config, outputs))
    worst = data.get("worst_case")
    if worst not in {p.name for p in presets}:
        raise DataError(f"{source}: worst_case {worst!r} is not one of the scenarios")
    return tuple(presets), worst


def _mapping(value: Any, where: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DataError(f"{where}: {key} must be a mapping")
    return value


@lru_cache(maxsize=1)
def _load() -> tuple[tuple[Preset, ...], str]:
    source = resources.files("tracer.packit.model").joinpath(PRESETS_FILE)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{source}: cannot read presets: {exc}") from None
    return parse_presets(data, str(source))


def load_presets() -> tuple[Preset, ...]:
    """The ten published scenarios, in the seed's order."""
    return _load()[0]


def preset_names() -> tuple[str, ...]:
    """The presets' names, in order."""
    return tuple(p.name for p in load_presets())


def get_preset(name: str) -> Preset:
    """The preset called ``name``; :class:`UsageError` listing the names if there is none."""
    for preset in load_presets():
        if preset.name == name:
            return preset
    raise UsageError(f"unknown preset {name!r}: expected one of {', '.join(preset_names())}")


def worst_case() -> Preset:
    """The baseline of the improvements (6 chroots, packit.yaml, tests, no improvement)."""
    return get_preset(_load()[1])


def improvement(scenario: Scenario, baseline: Scenario | None = None) -> Improvement:
    """Calls saved and PRs/hour factor of ``scenario`` against ``baseline`` (the worst case).

    Both PRs/hour are taken at ``scenario``'s rate limit.
    """
    if baseline is None:
        base = worst_case()
        name, baseline = base.name, base.scenario
    else:
        name = "baseline"
    base_total = totals(baseline).total
    base_prs = prs_per_hour(baseline, scenario.rate_limit)
    saved = base_total - totals(scenario).total
    factor = prs_per_hour(scenario) / base_prs if base_prs else float("inf")
    return Improvement(name, saved, factor)
