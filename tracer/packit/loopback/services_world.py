"""The data the loopback Copr, Testing Farm and releases servers answer from (``worlds/services.yaml``).

::

    world = ServicesWorld.load()                  # the shipped file, or ServicesWorld.load("my.yaml")
    world.copr_chroots[:2]                        # ('fedora-rawhide-x86_64', 'fedora-42-x86_64')

A bad file is a one-line :class:`~tracer.errors.DataError` naming the file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tracer.datafile import check_header, parse_yaml, read_yaml
from tracer.errors import DataError

FORMAT = "api-tracer/loopback-services"
VERSION = 1
SHIPPED = "services.yaml"
_BODHI_KEYS = ("name", "long_name", "version", "state", "branch", "id_prefix")


@dataclass(frozen=True)
class ServicesWorld:
    """Copr's user, first build id and chroots; Testing Farm's ranch and composes; the releases."""

    copr_user: str
    first_build_id: int
    copr_chroots: tuple[str, ...]
    tf_ranch: str
    tf_composes: tuple[str, ...]
    bodhi_releases: tuple[dict[str, str], ...]
    opensuse_distributions: dict[str, list[dict[str, str]]]
    opensuse_products: tuple[dict[str, str], ...]
    source: str = ""

    @classmethod
    def load(cls, path: str | Path | None = None) -> ServicesWorld:
        if path is None:
            text = resources.files("tracer.packit.loopback.worlds").joinpath(SHIPPED).read_text(encoding="utf-8")
            source = f"tracer/packit/loopback/worlds/{SHIPPED}"
            return cls.from_dict(parse_yaml(text, source), source)
        return cls.from_dict(read_yaml(path), str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str) -> ServicesWorld:
        check_header(data, source, FORMAT, VERSION, "a loopback services world")
        copr = _mapping(data, "copr", source)
        tf = _mapping(data, "testing_farm", source)
        releases = _mapping(data, "releases", source)
        opensuse = _mapping(releases, "opensuse", f"{source}: releases")
        bodhi = releases.get("bodhi")
        if not isinstance(bodhi, list) or not bodhi:
            raise DataError(f"{source}: releases.bodhi must be a list of Bodhi releases")
        for i, rel in enumerate(bodhi):
            if not isinstance(rel, dict) or any(not isinstance(rel.get(k), str) for k in _BODHI_KEYS):
                raise DataError(f"{source}: releases.bodhi[{i}] must give {', '.join(_BODHI_KEYS)} as strings")
        distributions = opensuse.get("distributions")
        if not isinstance(distributions, dict):
            raise DataError(f"{source}: releases.opensuse.distributions must map names to release lists")
        products = opensuse.get("products") or []
        if not isinstance(products, list) or not all(isinstance(p, dict) for p in products):
            raise DataError(f"{source}: releases.opensuse.products must be a list of mappings")
        first = copr.get("first_build_id", 1)
        if not isinstance(first, int) or isinstance(first, bool) or first < 1:
            raise DataError(f"{source}: copr.first_build_id must be a positive number, got {first!r}")
        return cls(
            copr_user=_string(copr, "user", f"{source}: copr"),
            first_build_id=first,
            copr_chroots=_strings(copr, "chroots", f"{source}: copr"),
            tf_ranch=_string(tf, "ranch", f"{source}: testing_farm"),
            tf_composes=_strings(tf, "composes", f"{source}: testing_farm"),
            bodhi_releases=tuple(dict(r) for r in bodhi),
            opensuse_distributions={str(k): list(v) for k, v in distributions.items()},
            opensuse_products=tuple(dict(p) for p in products),
            source=source,
        )


def _mapping(data: Any, key: str, where: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise DataError(f"{where}: '{key}' must be a mapping")
    return value


def _string(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise DataError(f"{where}.{key} must be a non-empty string, got {value!r:.60}")
    return value


def _strings(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise DataError(f"{where}.{key} must be a non-empty list of strings")
    return tuple(value)
