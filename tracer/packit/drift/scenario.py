"""A measurement's ``model`` mapping (Scenario field names) → the model's :class:`Scenario`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from tracer.errors import DataError
from tracer.packit.model import Scenario

#: parameters a measurement must give; the others take the model's defaults
REQUIRED: tuple[str, ...] = ("chroots",)
_POSITIVE_INTS = ("chroots", "rate_limit", "load_packit_yaml")


def scenario_from_model(model: Any, where: str) -> Scenario:
    """Validate ``model`` and build the Scenario; errors name ``where`` (e.g. ``FILE: meta.model``).

    Keys are :class:`Scenario` field names; ``chroots`` is required, missing ones take the
    model's defaults (``.packit.yaml`` = 3 calls per load, builds and tests on, 5,000/h).
    """
    if not isinstance(model, Mapping):
        raise DataError(f"{where} must be a mapping of model parameters, got {type(model).__name__}")
    names = Scenario.parameter_names()
    for key in model:
        if key not in names:
            raise DataError(f"{where}.{key} is not a model parameter (expected {', '.join(names)})")
    for key in REQUIRED:
        if key not in model:
            raise DataError(f"{where}.{key} is missing")
    for f in fields(Scenario):
        if f.name not in model:
            continue
        value = model[f.name]
        if f.name in _POSITIVE_INTS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DataError(f"{where}.{f.name} must be a positive integer, got {value!r}")
        elif not isinstance(value, bool):
            raise DataError(f"{where}.{f.name} must be true or false, got {value!r}")
    return Scenario(**dict(model))


def model_without_chroots(scenario: Scenario) -> dict[str, Any]:
    """The scenario's parameters except ``chroots`` (what measurements of one fit share)."""
    return {k: v for k, v in scenario.as_dict().items() if k != "chroots"}
