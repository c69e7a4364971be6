"""Each whatif variant's calls kept as call records, so a repeat with nothing changed re-runs
nothing.

A variant's records are the same file format as a run's ``calls.json``
(:mod:`tracer.recording.callrecords`), under a key built with the same functions: the variant (the
profile's text and every resolved knob), the classification rules, and the inputs of the code a
variant runs (:func:`tracer.recording.inputs.inputs_key` of :mod:`tracer.packit.whatif.run`: every
module it imports, the data beside them, the library versions and Python's). A file whose key no longer holds is run again and
rewritten; nothing else is ever trusted::

    runner = cached_runner(loopback_runner(), cache_dir())   # what ``api-tracer whatif`` uses
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from tracer.capture import Trace
from tracer.errors import DataError
from tracer.packit.whatif.run import Runner
from tracer.packit.worker import Knobs, Profile
from tracer.recording import callrecords, inputs

#: the module that runs a variant (on the loopback GitHub): its imports are the key's code
ENTRY = "tracer.packit.whatif.run"


def cache_dir() -> Path:
    """``$API_TRACER_CACHE/whatif``, else ``$XDG_CACHE_HOME/api-tracer/whatif``, else
    ``~/.cache/api-tracer/whatif``."""
    if root := os.environ.get("API_TRACER_CACHE"):
        return Path(root) / "whatif"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "api-tracer" / "whatif"


def _profile_text(profile: Profile) -> bytes:
    source = Path(profile.source)
    for path in (source, Path(__file__).resolve().parents[3] / source):
        if path.is_file():
            return path.read_bytes()
    return profile.name.encode()


def variant_key(profile: Profile, knobs: Knobs) -> dict[str, Any]:
    """The key a variant's records are kept under (every part must hold to read them)."""
    variant = hashlib.sha256(_profile_text(profile) + b"\0"
                             + json.dumps(knobs.as_dict(), sort_keys=True).encode()).hexdigest()
    return {"variant": variant, "rules": callrecords.rules_fingerprint(None), **inputs.inputs_key(ENTRY)}


def cached_runner(runner: Runner, directory: Path) -> Runner:
    """``runner``, answering from ``directory`` when a variant's records hold there; a variant
    run is written there (a cache that cannot be written is only not kept)."""

    def run(profile: Profile, knobs: Knobs, label: str) -> Trace:
        key = variant_key(profile, knobs)
        path = directory / f"{key['variant'][:32]}.json"
        try:
            found = callrecords.read_file(path)
        except DataError:
            found = None  # a damaged cache file: run again and replace it
        if found is not None and found[1] == key:
            return found[0]
        trace = runner(profile, knobs, label)
        try:
            callrecords.write(path, trace, key, label)
        except (OSError, DataError):
            pass
        return trace

    return run
