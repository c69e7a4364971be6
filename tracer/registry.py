"""Data other packages register with api-tracer: rules files and label tables, by name.

A package registers a data file of its own through an entry point whose value is
``package:file.yaml`` (a file name setuptools accepts where an attribute goes: letters, digits,
underscores, dots), so api-tracer finds it without importing the package's code::

    [project.entry-points."api_tracer.rules"]
    packit = "tracer.packit:rules.yaml"

    [project.entry-points."api_tracer.label_tables"]
    packit-service = "tracer.packit.live:packit_service.yaml"

>>> text, source = registered("api_tracer.label_tables")["packit-service"].read()
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import metadata, resources

from tracer.errors import DataError

#: rules files layered over the tracer's GitHub rules in every default ``Rules``
RULES = "api_tracer.rules"
#: label tables ``instrument_celery(labels=NAME)`` finds by name
LABEL_TABLES = "api_tracer.label_tables"


@dataclass(frozen=True)
class DataFile:
    """A registered data file: ``package`` and the ``path`` inside it.

    >>> DataFile("x", "tracer.packit", "rules.yaml").source
    'tracer/packit/rules.yaml'
    """

    name: str
    package: str
    path: str  # inside the package

    @property
    def source(self) -> str:
        """The file as reports name it (``tracer/packit/rules.yaml``)."""
        return f"{self.package.replace('.', '/')}/{self.path}"

    def read(self) -> tuple[str, str]:
        """(the file's text, its source name); a one-line DataError if it cannot be read."""
        try:
            return resources.files(self.package).joinpath(self.path).read_text(encoding="utf-8"), self.source
        except (ModuleNotFoundError, OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{self.source}: registered as {self.name!r} but cannot be read: {exc}") from None


@functools.cache
def registered(group: str) -> dict[str, DataFile]:
    """Every data file registered under ``group``, by name, in name order.

    >>> sorted(registered(RULES))
    ['packit']
    """
    found: dict[str, DataFile] = {}
    for entry in sorted(metadata.entry_points(group=group), key=lambda e: e.name):
        package, sep, path = entry.value.partition(":")
        if not sep or not package or not path:
            raise DataError(f"entry point {group}: {entry.name} = {entry.value!r}: expected 'package:file.yaml'")
        found.setdefault(entry.name, DataFile(entry.name, package.strip(), path.strip()))
    return found
