"""What identifies a real run's replay: the code it goes through and the environment it ran in.

::

    is_real(manifest)            # recorded by the real packit-service (the manifest's worker block)
    replayed_by(manifest)        # the key of its call records: this code, its recorded environment
    environment()                # library versions of this interpreter (kept with each run)
"""

from __future__ import annotations

import hashlib
import platform
from functools import cache
from importlib import metadata
from pathlib import Path

from tracer.recording import callrecords
from tracer.recording.manifest import Manifest

WORKER = "packit-service"
#: the libraries a real run's calls depend on, in packit-service's environment
LIBRARIES = ("packitos", "ogr", "PyGithub", "requests", "urllib3", "PyJWT", "celery", "kombu", "SQLAlchemy",
             "copr", "specfile")
#: the run file that holds the events handed in
INCOMING = "incoming.json"
_PACKAGE = Path(__file__).resolve().parents[2]


def is_real(manifest: Manifest) -> bool:
    return manifest.worker.get("name") == WORKER


def environment() -> dict[str, str]:
    """``{"python": "3.11.7", "ogr": "0.61.1", ...}`` of this interpreter."""
    versions = {"python": platform.python_version()}
    for dist in LIBRARIES:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "-"
    return versions


@cache
def code_fingerprint() -> str:
    """api-tracer's code a real run's replay goes through: capture, the replayer, the real worker."""
    h = hashlib.sha256()
    for part in ("capture", "recording/replayer.py", "packit/realworker"):
        root = _PACKAGE / part
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file() and path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def replayed_by(manifest: Manifest) -> callrecords.Replayed:
    """What replays a real run: this code, in the environment the run records (its manifest)."""
    env = manifest.worker.get("environment") or {}
    return callrecords.Replayed(code_fingerprint(), " ".join(f"{k}={v}" for k, v in sorted(env.items())))
