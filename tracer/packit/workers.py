"""Which worker recorded a run: the reference worker, or the real packit-service.

>>> is_real(Manifest(profile="packit-service@b828c3d7"))
False
"""

from __future__ import annotations

from tracer.recording.manifest import Manifest

#: the ``worker.name`` in the manifest of a run the real packit-service recorded
#: (:mod:`tracer.packit.realworker`); a reference worker's run has no ``worker`` block
REAL_WORKER = "packit-service"


def is_real(manifest: Manifest) -> bool:
    """Whether ``manifest`` is of a run the real packit-service recorded."""
    return manifest.worker.get("name") == REAL_WORKER
