"""The published analytical model of packit-service's GitHub API calls, and its extensions.

Pure functions and frozen dataclasses; the only I/O is reading ``presets.yaml`` (the ten
published scenarios). Imports nothing of ours but :mod:`tracer.errors`.
"""

from tracer.packit.model.ceilings import (
    KEYS as CEILING_KEYS,
    MOMENTS,
    REQUEST_SECONDS,
    STATUS_ASSUMPTIONS,
    CeilingRow,
    Ceilings,
    Moment,
    PipelineLoad,
    both_ceilings,
    ceilings,
    model_load,
    moment_of,
    points_of,
)
from tracer.packit.model.limits import (
    CONTENT_GENERATING_METHODS,
    POINTS_PER_METHOD,
    RATE_LIMIT_TIERS,
    SECONDARY_CONCURRENT_REQUESTS,
    SECONDARY_CONTENT_CREATING_PER_HOUR,
    SECONDARY_CONTENT_CREATING_PER_MINUTE,
    SECONDARY_POINTS_PER_MINUTE,
    Ceiling,
    binding_limit,
    content_creating_per_pipeline,
    installation_rate_limit,
    resolve_rate_limit,
    secondary_prs_per_hour,
)
from tracer.packit.model.presets import (
    Improvement,
    Outputs,
    Preset,
    get_preset,
    improvement,
    load_presets,
    parse_presets,
    preset_names,
    worst_case,
)
from tracer.packit.model.published import (
    BUILD_EVENTS,
    EVENT_PR_UPDATED,
    EVENT_RPM_BUILD_FINISHED,
    EVENT_RPM_BUILD_STARTED,
    EVENT_SRPM_BUILD_FINISHED,
    EVENT_SRPM_BUILD_STARTED,
    EVENT_SUBMIT_COPR_BUILD,
    EVENT_TESTS_FINISHED,
    EVENT_TESTS_STARTED,
    EVENTS,
    TEST_EVENTS,
    grand_total,
    per_event,
    prs_per_hour,
    totals,
)
from tracer.packit.model.scenario import CONFIG_FILE_NAMES, LOOKUPS, ConfigFile, Scenario, config_calls
from tracer.packit.model.vector import CATEGORIES, CallVector

__all__ = [
    "Scenario", "CallVector", "EVENTS", "CATEGORIES", "per_event", "totals", "grand_total", "prs_per_hour",
    "get_preset", "load_presets", "ceilings", "PipelineLoad",
]
