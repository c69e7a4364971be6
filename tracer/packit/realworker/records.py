"""What identifies a real run's replay: the code it goes through and the environment it ran in.

::

    is_real(manifest)            # recorded by the real packit-service (the manifest's worker block)
    recorded_environment(manifest)   # the Python and libraries its replay runs with (its records' key)
    environment()                # library versions of this interpreter (kept with each run)
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

from tracer.capture import Trace
from tracer.packit.workers import REAL_WORKER as WORKER  # noqa: F401  (re-exported)
from tracer.packit.workers import is_real  # noqa: F401  (re-exported)
from tracer.recording import callrecords
from tracer.recording.manifest import Manifest

#: the libraries a real run's calls depend on, in packit-service's environment
LIBRARIES = ("packitos", "ogr", "PyGithub", "requests", "urllib3", "PyJWT", "celery", "kombu", "SQLAlchemy",
             "copr", "specfile")
#: the run file that holds the events handed in
INCOMING = "incoming.json"
#: the module that replays a real run inside packit-service's interpreter (its imports key the records)
REPLAY_ENTRY = "tracer.packit.realworker.inside"


def environment() -> dict[str, str]:
    """``{"python": "3.11.7", "ogr": "0.61.1", ...}`` of this interpreter."""
    versions = {"python": platform.python_version()}
    for dist in LIBRARIES:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "-"
    return versions


def recorded_environment(manifest: Manifest) -> dict[str, str]:
    """The Python and library versions a real run was recorded in (its manifest): the
    environment its replay runs in, and so part of its call records' key."""
    env = manifest.worker.get("environment") or {}
    return {str(k): str(v) for k, v in env.items()}


def save_records(run: Path, trace: Trace, manifest: Manifest) -> Path:
    """Write a real run's call records, keyed on the module that replays it in packit-service's
    interpreter (:data:`REPLAY_ENTRY`) and the environment the run records."""
    return callrecords.save(run, trace, manifest, entry=REPLAY_ENTRY, environment=recorded_environment(manifest))
