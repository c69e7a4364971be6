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

from tracer.packit.worker.events import PullRequestTarget, parse_event
from tracer.packit.worker.pipeline import EVENTS, PROCESS_MESSAGE, Pipeline, PipelineError, Step, run_traced
from tracer.packit.knobs import Knobs, chroot_names
from tracer.packit.model.scenario import CONFIG_FILE_NAMES
from tracer.packit.worker.profile import Profile, Switches, available_profiles, load_profile
from tracer.packit.worker.scenario import (
    ServiceSettings,
    package_config_text,
    pipeline_target,
    resolve_knobs,
    scenario_world,
    service_settings,
)
from tracer.packit.worker.services import Credentials, ServiceConfig

__all__ = [
    "Pipeline", "Knobs", "Profile", "Credentials", "Step", "EVENTS", "PROCESS_MESSAGE", "load_profile",
    "resolve_knobs", "scenario_world", "run_traced",
]
