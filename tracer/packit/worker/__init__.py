"""The reference packit worker: packit-service's PR pipeline re-enacted with real ogr calls.

Public API::

    from tracer.packit.worker import Credentials, Knobs, Pipeline, load_profile, run_traced
    profile = load_profile("packit-service@bc1f66bb")      # or "C", "HEAD", a .yaml path
    knobs = Knobs.from_mapping({"chroots": "3", "tests": "on", "fmf": "off"})
    pipeline = Pipeline(profile, knobs, Credentials.with_token(token))
    pipeline.steps()                                         # [Step(index, event, handler, chroot)]
    pipeline.run(around=lambda step: cassette(step))         # each step in a handler scope
    trace = run_traced(profile, knobs, api_url=hub.url, credentials=...)
    scenario_world(resolve_knobs(profile, knobs))            # the loopback world data it needs

Profiles (``profiles/*.yaml``) are data: named switches the worker code reads, and the knobs'
defaults. Bad profiles, knobs and payloads are one-line DataError/UsageError.
"""

import importlib
from typing import Any

#: where each name lives; a name is imported when first used, so that reading a profile or
#: resolving knobs does not import ogr and PyGithub (seconds): only the pipeline needs them
_WHERE = {
    "PullRequestTarget": "tracer.packit.worker.events", "parse_event": "tracer.packit.worker.events",
    "EVENTS": "tracer.packit.worker.pipeline", "PROCESS_MESSAGE": "tracer.packit.worker.pipeline",
    "Pipeline": "tracer.packit.worker.pipeline", "PipelineError": "tracer.packit.worker.pipeline",
    "Step": "tracer.packit.worker.pipeline", "run_traced": "tracer.packit.worker.pipeline",
    "Knobs": "tracer.packit.knobs", "chroot_names": "tracer.packit.knobs",
    "CONFIG_FILE_NAMES": "tracer.packit.model.scenario",
    "Profile": "tracer.packit.worker.profile", "Switches": "tracer.packit.worker.profile",
    "available_profiles": "tracer.packit.worker.profile", "load_profile": "tracer.packit.worker.profile",
    "ServiceSettings": "tracer.packit.worker.scenario", "package_config_text": "tracer.packit.worker.scenario",
    "pipeline_target": "tracer.packit.worker.scenario", "resolve_knobs": "tracer.packit.worker.scenario",
    "scenario_world": "tracer.packit.worker.scenario", "service_settings": "tracer.packit.worker.scenario",
    "Credentials": "tracer.packit.worker.services", "ServiceConfig": "tracer.packit.worker.services",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "Pipeline", "Knobs", "Profile", "Credentials", "Step", "EVENTS", "PROCESS_MESSAGE", "load_profile",
    "resolve_knobs", "scenario_world", "run_traced",
]
